"""Background work with one fixed vocabulary of signals, so every job reads the same.

``Worker`` runs a plain function in a ``QThread``. The function gets a progress callback and
a ``CancelToken``; it never touches a widget. Why two objects: the thread emits private
signals that are queued to ``Worker`` (which lives on the GUI thread), and ``Worker``
re-emits the public ones there, so whatever a caller connects (a lambda included) runs on
the GUI thread. Public signals: started, progress(object), result(object), error(str),
cancelled, finished (always last).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.sources.base import Cancelled, CancelToken

Job = Callable[[Callable[[Any], None], CancelToken], Any]


class _Thread(QThread):
    """Runs the job; reports through queued signals only."""

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, job: Job, token: CancelToken) -> None:
        super().__init__()
        self._job = job
        self._token = token

    def run(self) -> None:
        try:
            value = self._job(self.progressed.emit, self._token)
        except Cancelled:
            self.succeeded.emit(None)
        except Exception as error:
            self.failed.emit(f"{type(error).__name__}: {error}" if not str(error)
                             else str(error))
        else:
            self.succeeded.emit(value)


class Worker(QObject):
    """A job on its own thread. ``cancel()`` asks it to stop; ``join()`` waits for it."""

    started = Signal()
    progress = Signal(object)
    result = Signal(object)
    error = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, job: Job, name: str = "worker", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.token = CancelToken()
        self._thread = _Thread(job, self.token)
        self._thread.setObjectName(name)
        self._thread.progressed.connect(self._on_progress)
        self._thread.succeeded.connect(self._on_success)
        self._thread.failed.connect(self._on_failure)
        self._thread.finished.connect(self._on_thread_finished)
        self._done = False

    def start(self) -> Worker:
        self.started.emit()
        self._thread.start()
        return self

    def cancel(self) -> None:
        self.token.cancel()

    def is_running(self) -> bool:
        return not self._done

    def join(self, timeout_ms: int = 10000) -> bool:
        """Wait for the thread to end (used on close and in tests' teardown)."""
        return self._thread.wait(timeout_ms)

    @Slot(object)
    def _on_progress(self, value: object) -> None:
        self.progress.emit(value)

    @Slot(object)
    def _on_success(self, value: object) -> None:
        if self.token.cancelled:
            self.cancelled.emit()
        if value is not None or not self.token.cancelled:
            self.result.emit(value)

    @Slot(str)
    def _on_failure(self, message: str) -> None:
        if self.token.cancelled:
            self.cancelled.emit()
        else:
            self.error.emit(message)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._done = True
        self.finished.emit()

