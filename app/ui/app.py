"""Starting the desktop application: ``histview`` / ``histview gui`` call ``run_gui``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox, QSplashScreen

from app.settings import Settings, SettingsError
from app.store import CacheError, needs_migrating
from app.ui.icon import app_icon
from app.ui.main_window import create_main_window


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("histview")
        app.setApplicationDisplayName("histview")
        # The desktop entry packaging/ installs: it names the window in the task switcher.
        app.setDesktopFileName("io.github.histview")
        app.setWindowIcon(app_icon())
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
    notice = updating_notice(Path(data_dir))
    try:
        window = create_main_window(Path(data_dir))
    except (SettingsError, CacheError) as error:
        # Started from a desktop menu, nobody reads stderr: say it where it is seen.
        QMessageBox.critical(None, "histview cannot open its data", str(error))
        print(f"histview: {error}", file=sys.stderr)
        return 2
    finally:
        if notice is not None:
            notice.close()
    window.show()
    return app.exec()


def updating_notice(data_dir: Path) -> QSplashScreen | None:
    """A notice shown while the cache is updated for this version, or None when it is
    current: the update runs before the window exists and blocks, and a silent pause of
    seconds reads as a hang (and invites a second start)."""
    if not needs_migrating(Settings(data_dir).cache_path):
        return None
    notice = QSplashScreen(_blank(QSize(560, 120)))
    notice.setObjectName("updatingNotice")
    notice.showMessage(UPDATING_TEXT, Qt.AlignmentFlag.AlignCenter)
    notice.show()
    QApplication.processEvents()  # paint it now: the update holds the event loop
    return notice


UPDATING_TEXT = ("Updating the cache for this version of histview…\n"
                 "A copy of the cache as it was is kept beside it.")


def _blank(size: QSize) -> QPixmap:
    """The notice's background: the window colour with a thin frame (a splash has none)."""
    palette = QApplication.palette()
    pixmap = QPixmap(size)
    pixmap.fill(palette.window().color())
    painter = QPainter(pixmap)
    painter.setPen(palette.mid().color())
    painter.drawRect(0, 0, size.width() - 1, size.height() - 1)
    painter.end()
    return pixmap
