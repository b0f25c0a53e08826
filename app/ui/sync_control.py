"""Running a sync from the window: the worker, its progress bar and its cancel button.

``app.sync.sync_sources`` runs on a worker thread with its own ``Store`` (its own SQLite
connection), while the window keeps reading through its own: WAL lets both work at once.
Secrets are read from the keyring on the GUI thread before the thread starts, so a locked
keyring is reported at once instead of half-way through.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressBar, QPushButton, QWidget

from app import registry
from app.credentials import KeyringUnavailable
from app.settings import Settings
from app.sync import Progress, SourceResult, sync_sources
from app.ui.workers import Worker


class SyncControl(QObject):
    """Starts and cancels syncs; draws progress in ``bar`` (objectName ``syncProgress``)."""

    running_changed = Signal(bool)
    progressed = Signal(object)  # app.sync.Progress
    sync_finished = Signal(list)  # list[app.sync.SourceResult]
    message = Signal(str)

    def __init__(self, data_dir: Path, parent: QWidget) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.worker: Worker | None = None
        self.running_sources: set[str] = set()
        self._results: list[SourceResult] | None = None
        self.bar = QProgressBar(parent, objectName="syncProgress")
        self.bar.setMinimumWidth(360)
        self.bar.setTextVisible(True)
        self.bar.hide()
        self.cancel_button = QPushButton("Cancel sync", parent, objectName="cancelSync")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)

    def is_running(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def start(self, names: list[str] | None = None) -> Worker | None:
        """Sync the named sources (all when empty); None when nothing could start."""
        if self.is_running():
            self.message.emit("A sync is already running.")
            return None
        settings = Settings(self.data_dir)
        configs = [c for c in settings.sources() if not names or c.name in names]
        if not configs:
            self.message.emit("No sources to sync yet: add one with Sources… "
                              "(or try `histview demo`).")
            return None
        try:
            lookup = registry.secret_lookup(self.data_dir)
            secrets = {c.name: lookup(c) for c in configs}
        except KeyringUnavailable as error:
            self.message.emit(str(error))
            return None
        cache = settings.cache_path

        def job(progress, cancel):
            return sync_sources(cache, configs, lambda c: secrets.get(c.name),
                                progress=progress, cancel=cancel)

        self.running_sources = {c.name for c in configs}
        worker = Worker(job, "sync", self)
        worker.progress.connect(self._on_progress)
        worker.result.connect(self._on_result)
        worker.error.connect(lambda text: self.message.emit(f"Sync failed: {text}"))
        worker.finished.connect(self._on_finished)
        self.worker = worker
        self._show(True, f"Syncing {', '.join(sorted(self.running_sources))}…")
        worker.start()
        self.running_changed.emit(True)
        return worker

    def cancel(self) -> None:
        if self.is_running() and self.worker is not None:
            self.worker.cancel()
            self.bar.setFormat("Cancelling… (the page in flight is finished and kept)")
            self.cancel_button.setEnabled(False)

    def shutdown(self, timeout_ms: int = 15000) -> None:
        """Cancel and wait (closing the window, tests' teardown)."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker.join(timeout_ms)

    def _show(self, visible: bool, text: str = "") -> None:
        self.bar.setVisible(visible)
        self.cancel_button.setVisible(visible)
        self.cancel_button.setEnabled(visible)
        if visible:
            self.bar.setRange(0, 0)
            self.bar.setValue(0)
            self.bar.setFormat(text)

    def _on_progress(self, progress: Progress) -> None:
        text = (f"{progress.source}: {progress.resource} — {progress.items} items, "
                f"{progress.pages} pages")
        if progress.total:
            text += f" of {progress.total}"
            self.bar.setRange(0, max(progress.total, progress.items))
            self.bar.setValue(progress.items)
        else:
            self.bar.setRange(0, 0)  # no total from the API: a busy bar with counts
        if not (self.worker and self.worker.token.cancelled):
            self.bar.setFormat(text)
        self.progressed.emit(progress)

    def _on_result(self, results: list[SourceResult]) -> None:
        self._results = results

    def _on_finished(self) -> None:
        """Everything is settled (no source is "syncing…") before anyone hears of it."""
        results, self._results = self._results, None
        self.running_sources = set()
        self._show(False)
        self.running_changed.emit(False)
        if results is not None:
            self.message.emit(summary(results))
            self.sync_finished.emit(results)


def summary(results: list[SourceResult]) -> str:
    """One status-bar line: what was synced, what was cancelled, what failed and why."""
    parts = []
    for result in results:
        if result.ok:
            parts.append(f"{result.source}: {result.items} items")
        elif result.cancelled:
            parts.append(f"{result.source}: cancelled after {result.items} items (kept)")
        else:
            parts.append(f"{result.source} FAILED: {result.error}")
    return "Sync finished — " + "; ".join(parts) if parts else "Sync finished."
