"""Test connection: one cheap request to a source, off the GUI thread, and its answer.

Why a thread: a slow or unreachable server must never freeze the dialog. The request is the
kind's own ``Source.test`` (the same one ``histview source test`` makes), so the dialog and
the command line always agree on what "the connection works" means.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QPushButton

from app.model import SourceConfig
from app.sources import create_source
from app.ui.workers import Worker

Say = Callable[..., None]  # say(text, error=False): where the answer is shown


class ConnectionCheck(QObject):
    """Runs one test at a time: ``button`` is disabled while it runs; the answer goes to
    ``say`` as "✓ …" or "✗ …" (the source's one-line message, already without secrets)."""

    def __init__(self, button: QPushButton, say: Say, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.button = button
        self.say = say
        self._worker: Worker | None = None

    def start(self, config: SourceConfig, secret: str) -> None:
        self.say(f"Testing {config.url} …")
        self.button.setEnabled(False)
        worker = Worker(lambda _progress, cancel: create_source(config, secret, cancel).check(),
                        "source-test", self)
        worker.result.connect(lambda text: self.say(f"✓ {text}"))
        worker.error.connect(lambda text: self.say(f"✗ {text}", error=True))
        worker.finished.connect(lambda: self.button.setEnabled(True))
        self._worker = worker.start()

    def stop(self) -> None:
        """Cancel a test still running and wait for its thread (the dialog is closing)."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker.join(15000)
