"""The main window's commands: its actions (objectNames, shortcuts, tooltips) and the menus
and toolbar that show them.

Kept out of ``main_window`` so that module is about layout and behaviour. Like the
``setupUi(window)`` of a Qt Designer form, ``setup_actions`` puts each action on the window
as an attribute (``window.sync_action`` …): tests, ``window_state`` and the empty state reach
them by those names, and every action but Copy is added to the window so its shortcut works
wherever the focus is.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QToolBar


def make_action(window: QMainWindow, name: str, text: str, shortcut: Any = None,
                slot: Any = None, tip: str = "") -> QAction:
    """One action added to ``window``; the tooltip names the shortcut, as menus do."""
    action = QAction(text, window)
    action.setObjectName(name)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setToolTip(f"{tip} ({action.shortcut().toString()})" if shortcut else tip)
    if slot is not None:
        action.triggered.connect(slot)
    window.addAction(action)
    return action


def setup_actions(window: Any) -> None:
    """Create the window's actions; slots are looked up on the window when triggered, so
    the widgets they use (``window.sync``, the table) may be built afterwards."""
    window.sync_action = make_action(window, "syncAction", "Sync", "Ctrl+R",
                                     lambda: window.start_sync(), "Fetch new history")
    window.cancel_action = make_action(window, "cancelSyncAction", "Cancel sync", None,
                                       lambda: window.sync.cancel(), "Stop the running sync")
    window.export_action = make_action(window, "exportAction", "Export…", "Ctrl+E",
                                       lambda: window.open_export(),
                                       "Export rows to CSV, XLSX or JSON")
    window.sources_action = make_action(window, "sourcesAction", "Sources…", "Ctrl+Shift+S",
                                        lambda: window.open_sources(),
                                        "Add, edit, test sources")
    window.find_action = make_action(window, "findAction", "Search",
                                     QKeySequence.StandardKey.Find, lambda: window.focus_search())
    window.copy_action = make_action(window, "copyAction", "Copy rows",
                                     QKeySequence.StandardKey.Copy,
                                     lambda: window.copy_selection())
    # Ctrl+C copies rows only when the table has the focus (the window adds the action to
    # the table); elsewhere the focused widget copies its own selected text. On the window
    # too, the action's shortcut would take Ctrl+C from the raw record and the event list.
    window.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    window.removeAction(window.copy_action)
    window.utc_action = make_action(window, "utcAction", "Times in UTC", "Ctrl+U",
                                    tip="Show times in UTC instead of local time")
    window.utc_action.setCheckable(True)
    window.utc_action.toggled.connect(lambda utc: window.set_utc(utc))
    window.quit_action = make_action(window, "quitAction", "Quit",
                                     QKeySequence.StandardKey.Quit, lambda: window.close())
    window.cancel_action.setEnabled(False)


def setup_toolbar(window: Any) -> QToolBar:
    tools = QToolBar("Main", window, objectName="mainToolbar")
    tools.setMovable(False)
    tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for action in (window.sync_action, window.cancel_action, None, window.sources_action,
                   window.export_action, None, window.utc_action):
        if action is None:
            tools.addSeparator()
        else:
            tools.addAction(action)
    window.addToolBar(tools)
    return tools


def setup_menus(window: Any) -> None:
    """File, Sources and View menus; View › Columns is filled by the table as it opens."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(window.export_action)
    file_menu.addAction(window.copy_action)
    file_menu.addSeparator()
    file_menu.addAction(window.quit_action)
    sources = bar.addMenu("&Sources")
    sources.addAction(window.sources_action)
    sources.addAction(window.sync_action)
    sources.addAction(window.cancel_action)
    view = bar.addMenu("&View")
    view.addAction(window.find_action)
    view.addAction(window.utc_action)
    window.columns_menu = view.addMenu("Columns")
    window.columns_menu.aboutToShow.connect(
        lambda: window.table.fill_column_menu(window.columns_menu))
