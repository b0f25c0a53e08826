"""Starting the desktop application: ``histview`` / ``histview gui`` call ``run_gui``."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.ui.main_window import create_main_window


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("histview")
        app.setApplicationDisplayName("histview")
        app.setDesktopFileName("io.github.histview")
    return app  # type: ignore[return-value]


def run_gui(data_dir: Path) -> int:
    """Open the window on ``data_dir``'s cache and run until it is closed."""
    app = application()
    window = create_main_window(Path(data_dir))
    window.show()
    return app.exec()
