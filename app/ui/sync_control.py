"""Running a sync from the window: the worker, its progress and its cancel button, and the
summary it leaves in the status bar.

``app.sync.sync_sources`` runs on a worker thread with its own ``Store`` (its own SQLite
connection), while the window keeps reading through its own: WAL lets both work at once.
Secrets are read from the keyring on the GUI thread before the thread starts, so a locked
keyring is reported at once instead of half-way through.

The words go in labels, not in the bar: a busy bar (no total from the API) draws no text,
and a status-bar message is one unelided line that runs under the permanent widgets.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStatusBar,
    QWidget,
)

from app import registry
from app.credentials import KeyringUnavailable
from app.settings import Settings
from app.sync import SECRET_ADVICE, Progress, SourceResult, outcome_note, sync_sources
from app.ui.elided_label import ElidedLabel
from app.ui.formatting import age_text
from app.ui.workers import Worker

CANCELLING = "Cancelling… (the page in flight is finished and kept)"
CANCELLING_SHORT = "Cancelling…"
FIRST_SYNC = "First sync running…"
#: A summary with nothing wrong in it goes after this; failures stay until the next sync.
OK_SUMMARY_MS = 30_000
#: While pages land, the table is re-read at most this often (a re-read is a model reset).
ROWS_EVERY_S = 1.0
#: The window's words for app.sync's SECRET_ADVICE: it says where to set the secret here.
GUI_SECRET_ADVICE = "(set it with Sources…)"
ERRNO = re.compile(r"\[Errno -?\d+\]\s*")


class SyncControl(QObject):
    """Starts and cancels syncs; draws progress in ``bar`` (objectName ``syncProgress``) and
    its words in ``progress_label`` beside it, and leaves ``summary_label`` behind."""

    running_changed = Signal(bool)
    cancelling = Signal()  # Cancel was pressed; the run is winding down
    #: app.sync.Progress when a page lands; app.sync.SourceResult when a source is done
    progressed = Signal(object)
    sync_finished = Signal(list)  # list[app.sync.SourceResult]
    message = Signal(str)  # a passing note ("A sync is already running.")

    def __init__(self, data_dir: Path, parent: QWidget) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.worker: Worker | None = None
        self.running_sources: set[str] = set()
        self._results: list[SourceResult] | None = None
        self._rows_read_at = 0.0
        self.bar = QProgressBar(parent, objectName="syncProgress")
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(False)  # the words are in progress_label
        self.bar.hide()
        self.progress_label = ElidedLabel(parent, "syncProgressText", widest=460)
        self.progress_label.hide()
        self.cancel_button = QPushButton("Cancel sync", parent, objectName="cancelSync")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        self.summary_box = QWidget(parent, objectName="syncSummaryBox")
        self.summary_label = ElidedLabel(self.summary_box, "syncSummary")
        self.details_button = QPushButton("Details…", self.summary_box,
                                          objectName="syncDetails")
        self.details_button.setFlat(True)
        self.details_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.details_button.clicked.connect(self.show_details)
        row = QHBoxLayout(self.summary_box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.summary_label)  # shrinks (elides) when the bar is short
        row.addWidget(self.details_button)  # right after the words, not at the far end
        row.addStretch(1)
        self.summary_box.hide()
        self.details: list[str] = []
        self.headline = ""  # the details box's first line: the summary is not repeated
        self._summary_timer = QTimer(self, singleShot=True, interval=OK_SUMMARY_MS)
        self._summary_timer.timeout.connect(self.summary_box.hide)

    def attach(self, status_bar: QStatusBar) -> None:
        """Put the summary on the left of ``status_bar`` (where it elides before the
        permanent widgets), the progress words just left of the bar, and show passing
        notes as temporary messages (the bar must already hold ``bar``, first of its
        permanent widgets)."""
        first = status_bar.insertWidget(0, self.summary_box, 1)  # the window has no other
        status_bar.insertPermanentWidget(first + 1, self.progress_label)  # before the bar
        self.message.connect(lambda text: status_bar.showMessage(text, 10_000))

    def rows_due(self) -> bool:
        """True at most once every ``ROWS_EVERY_S``: time for the table to show new rows."""
        now = time.monotonic()
        if now - self._rows_read_at < ROWS_EVERY_S:
            return False
        self._rows_read_at = now
        return True

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
            self.show_summary(f"Sync failed: {error}", [str(error)], failed=True,
                              headline="Sync failed")
            return None
        cache = settings.cache_path

        def job(progress, cancel):
            """One source at a time, so the window hears of each result as it comes (the
            sidebar shows a source done while the next one runs)."""
            results = []
            for config in configs:
                done = sync_sources(cache, [config], lambda c: secrets.get(c.name),
                                    progress=progress, cancel=cancel)
                results.extend(done)
                for result in done:
                    progress(result)
            return results

        self.running_sources = {c.name for c in configs}
        worker = Worker(job, "sync", self)
        worker.progress.connect(self._on_progress)
        worker.result.connect(self._on_result)
        worker.error.connect(lambda text: self.show_summary(
            f"Sync failed: {text}", [text], failed=True, headline="Sync failed"))
        worker.finished.connect(self._on_finished)
        self.worker = worker
        names_text = (", ".join(sorted(self.running_sources)) if len(configs) <= 2
                      else f"{len(configs)} sources")
        self.summary_box.hide()  # the last run's words would read as this run's
        self._show(True, f"Syncing {names_text}…")
        worker.start()
        self.running_changed.emit(True)
        return worker

    def cancel(self) -> None:
        if self.is_running() and self.worker is not None:
            self.worker.cancel()
            self.progress_label.set_full_text(CANCELLING)
            self.cancel_button.setEnabled(False)
            self.cancelling.emit()

    def bind_actions(self, start: QAction, cancel: QAction) -> None:
        """The window's Sync and Cancel sync actions follow the run. Once pressed, Cancel
        is off and says "Cancelling…" until the run has stopped: before, it stayed on
        while the page in flight finished, and pressing it again seemed to do nothing."""
        text = cancel.text()

        def follow(running: bool) -> None:
            start.setEnabled(not running)
            cancel.setEnabled(running)
            cancel.setText(text)

        def winding_down() -> None:
            cancel.setEnabled(False)
            cancel.setText(CANCELLING_SHORT)

        self.running_changed.connect(follow)
        self.cancelling.connect(winding_down)

    def cache_age_text(self, age: str | None) -> str:
        """The status bar's word on the cache: when the newest sync finished, else that
        the first one is running (not "never synced" beside its progress bar)."""
        if age:
            return f"Cache updated {age_text(age)}"
        return FIRST_SYNC if self.is_running() else "Cache never synced"

    def shutdown(self, timeout_ms: int = 15000) -> None:
        """Cancel and wait (closing the window, tests' teardown)."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker.join(timeout_ms)

    def _show(self, visible: bool, text: str = "") -> None:
        self.bar.setVisible(visible)
        self.progress_label.setVisible(visible)
        self.cancel_button.setVisible(visible)
        self.cancel_button.setEnabled(visible)
        if visible:
            self.bar.setRange(0, 0)
            self.bar.setValue(0)
            self.progress_label.set_full_text(text)

    def _on_progress(self, value: Progress | SourceResult) -> None:
        if isinstance(value, SourceResult):
            self.running_sources.discard(value.source)
        else:
            self._draw(value)
        self.progressed.emit(value)

    def _draw(self, progress: Progress) -> None:
        if progress.total:
            self.bar.setRange(0, max(progress.total, progress.items))
            self.bar.setValue(progress.items)
        else:
            self.bar.setRange(0, 0)  # no total from the API: a busy bar, counts beside it
        if not (self.worker and self.worker.token.cancelled):
            self.progress_label.set_full_text(progress_text(progress))

    def _on_result(self, results: list[SourceResult]) -> None:
        self._results = results

    def _on_finished(self) -> None:
        """Everything is settled (no source is "syncing…") before anyone hears of it."""
        results, self._results = self._results, None
        self.running_sources = set()
        self._show(False)
        self.running_changed.emit(False)
        if results is not None:
            self.show_summary(summary(results), detail_lines(results),
                              failed=any(not r.ok for r in results),
                              headline=headline(results))
        self.sync_finished.emit(results or [])  # [] after a failed job: redraw the sidebar

    def show_summary(self, text: str, details: list[str], failed: bool,
                     headline: str | None = None) -> None:
        """The run's outcome on the left of the status bar: a clean one goes after
        ``OK_SUMMARY_MS``; one with a failure or a cancel stays until the next sync.
        ``headline``: the short first line of the details box (else ``text``)."""
        self.headline = headline or text
        self.summary_label.set_full_text(text)
        self.summary_label.setToolTip("\n".join(details) or text)
        self.details = details
        self.details_button.setVisible(len(details) > 1 or failed)
        self.summary_box.show()
        if failed:
            self._summary_timer.stop()
        else:
            self._summary_timer.start()

    def show_details(self) -> QMessageBox:
        """A short headline, then every source's line once, failures first, in a box that
        can be read and copied. (Before, the whole status-bar summary, which names every
        failure, came first, then the same lines again.)"""
        parent = self.parent()
        box = QMessageBox(parent if isinstance(parent, QWidget) else None)
        box.setObjectName("syncDetailsBox")
        box.setWindowTitle("Last sync")
        failed = any(line.startswith("✗") for line in self.details)
        box.setIcon(QMessageBox.Icon.Warning if failed else QMessageBox.Icon.Information)
        box.setText(self.headline or self.summary_label.text())
        box.setInformativeText("\n".join(self.details))
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box


def progress_text(progress: Progress) -> str:
    """"pexip-demo: participant — 1,736 of 2,736 items", or with no total from the API
    "webex-demo: events — 1,200 items, 3 pages"."""
    head = f"{progress.source}: {progress.resource} — "
    if progress.total:
        return head + f"{progress.items:,} of {max(progress.total, progress.items):,} items"
    pages = "1 page" if progress.pages == 1 else f"{progress.pages:,} pages"
    return head + f"{progress.items:,} items, {pages}"


def shown_error(error: str | None) -> str:
    """A source's error as the window says it: without the CLI's advice (the window's
    Sources… is where a secret is set) and without an errno ("[Errno 111] Connection
    refused" reads "Connection refused"). The text itself comes from ``app.sync``,
    shared with the command line, so it is adapted here, where it is shown."""
    text = (error or "failed").replace(SECRET_ADVICE, GUI_SECRET_ADVICE)
    return ERRNO.sub("", text)


def _outcome(result: SourceResult) -> str:
    if result.ok:
        return f"{result.items:,} items{outcome_note(result)}"
    if result.cancelled:
        return (f"cancelled after {result.items:,} items (kept)" if result.items
                else "cancelled before it started")
    return shown_error(result.error)


def headline(results: list[SourceResult]) -> str:
    """The details box's first line: "2 of 5 sources failed; 3 synced (9,097 items)"."""
    failed = sum(1 for r in results if not r.ok and not r.cancelled)
    cancelled = any(r.cancelled for r in results)
    ok = [r for r in results if r.ok]
    if failed:
        head = (f"{failed} of {len(results)} sources failed" if len(results) > 1
                else "Sync failed")
    else:
        head = "Sync cancelled" if cancelled else "Sync finished"
    if ok and (failed or cancelled):
        head += f"; {len(ok)} synced ({sum(r.items for r in ok):,} items)"
    return head


def summary(results: list[SourceResult]) -> str:
    """One status-bar line, failures first (the part an elided line must not lose):
    "1 of 6 sources failed: pexip-down — could not reach …; 5 synced (9,097 items)"."""
    failed = [r for r in results if not r.ok and not r.cancelled]
    cancelled = [r for r in results if r.cancelled]
    ok = [r for r in results if r.ok]
    parts = []
    if failed:
        named = "; ".join(f"{r.source} — {shown_error(r.error)}" for r in failed)
        count = (f"{len(failed)} of {len(results)} sources failed" if len(results) > 1
                 else "Sync failed")
        parts.append(f"{count}: {named}")
    if cancelled:
        parts.append("; ".join(f"{r.source} {_outcome(r)}" for r in cancelled))
    if ok and (failed or cancelled):
        items = sum(r.items for r in ok)
        parts.append(f"{len(ok)} synced ({items:,} items)" if len(ok) > 1
                     else f"{ok[0].source} synced ({ok[0].items:,} items)")
    elif ok:
        parts.append("; ".join(f"{r.source}: {_outcome(r)}" for r in ok))
    head = "Sync cancelled — " if cancelled else ("" if failed else "Sync finished — ")
    return head + "; ".join(parts) if parts else "Sync finished."


def detail_lines(results: list[SourceResult]) -> list[str]:
    """One line a source for the details box: failed, then cancelled, then synced."""
    def rank(result: SourceResult) -> int:
        return 2 if result.ok else (1 if result.cancelled else 0)

    marks = {0: "✗", 1: "■", 2: "✓"}
    return [f"{marks[rank(r)]} {r.source}: {_outcome(r)}"
            for r in sorted(results, key=rank)]
