"""Starting the desktop application: ``histview`` / ``histview gui`` call ``run_gui``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from app.settings import SettingsError
from app.store import CacheError
from app.ui.main_window import create_main_window


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("histview")
        app.setApplicationDisplayName("histview")
        app.setDesktopFileName("io.github.histview")
    return app  # type: ignore[return-value]


def missing_display() -> str | None:
    """Why no window can open here, said before Qt aborts the process with lines of its own
    (on Linux without X11 or Wayland, e.g. over ssh)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
            "the command line works without one: see `histview --help`")


def run_gui(data_dir: Path) -> int:
    """Open the window on ``data_dir``'s cache and run until it is closed."""
    missing = missing_display()
    if missing:
        print(f"histview: {missing}", file=sys.stderr)
        return 2
    app = application()
    try:
        window = create_main_window(Path(data_dir))
    except (SettingsError, CacheError) as error:
        # Started from a desktop menu, nobody reads stderr: say it where it is seen.
        QMessageBox.critical(None, "histview cannot open its data", str(error))
        print(f"histview: {error}", file=sys.stderr)
        return 2
    window.show()
    return app.exec()
