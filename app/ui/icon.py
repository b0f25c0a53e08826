"""histview's own icon, for the window, its dialogs and the desktop's task switcher."""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtGui import QIcon

#: The icon's file inside the package: a wheel, an editable install and the desktop bundle
#: (packaging/histview.spec) all carry it there, so no install step has to put it anywhere.
ICON_FILE = "histview.svg"


@cache
def app_icon() -> QIcon:
    """The application icon (scalable: the SVG is drawn at every size the desktop asks for)."""
    path = resources.files("app.ui").joinpath("resources", ICON_FILE)
    return QIcon(str(path))
