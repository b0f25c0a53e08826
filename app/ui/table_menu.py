"""The sessions table's row menu (right-click, the Menu key, Shift+F10): copy the selected
sessions' IDs, copy the rows as Ctrl+C does, export the selected rows.

Copying a session ID into a ticket is a support manager's everyday task; before, the table
had no menu at all and the ID could only be copied by showing its column and Ctrl+C. The
menu reuses the window's own actions (Copy rows is the Ctrl+C action, Export selected opens
the Export dialog, which preselects the selected rows), so each does one thing one way.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu


def install_row_menu(window: Any, max_rows: int) -> None:
    """Open the row menu whenever ``window.table`` asks for it; ``max_rows`` is the most
    rows the clipboard takes (the window's Ctrl+C limit)."""
    window.table.row_menu_requested.connect(
        lambda point: show_row_menu(window, point, max_rows))


def show_row_menu(window: Any, point: QPoint, max_rows: int) -> QMenu:
    """The menu for the selected rows, popped up at ``point`` (global); its entries are
    off while no row is selected."""
    count = window.table.selected_count()
    menu = QMenu(window.table, objectName="rowMenu")
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    ids = menu.addAction("Copy session IDs" if count > 1 else "Copy session ID",
                         lambda: copy_session_ids(window, max_rows))
    ids.setObjectName("copyIdsAction")
    menu.addAction(window.copy_action)  # Ctrl+C's own action: its text and shortcut show
    menu.addSeparator()
    export = menu.addAction("Export selected…", window.export_action.trigger)
    export.setObjectName("exportSelectedAction")
    for action in (ids, window.copy_action, export):
        action.setEnabled(count > 0)
    menu.aboutToHide.connect(lambda: window.copy_action.setEnabled(True))
    menu.popup(point)
    return menu


def too_many_to_copy(window: Any, max_rows: int) -> bool:
    """Whether the selection is past what the clipboard takes, said in the status bar:
    the copy is built in memory, and an export is the tool for that many rows."""
    count = window.table.selected_count()
    if count > max_rows:
        window.statusBar().showMessage(
            f"{count} rows are too many for the clipboard (at most {max_rows}): "
            "use Export… (Ctrl+E) instead.", 15_000)
    return count > max_rows


def copy_session_ids(window: Any, max_rows: int) -> None:
    """The selected sessions' IDs, one a line in table order, to the clipboard."""
    if too_many_to_copy(window, max_rows):
        return
    ids = [str(s.get("session_id") or "") for s in window.table.selected_sessions()]
    if not ids:
        return
    QGuiApplication.clipboard().setText("\n".join(ids))
    noun = "session ID" if len(ids) == 1 else "session IDs"
    window.statusBar().showMessage(f"Copied {len(ids):,} {noun}.", 5000)
