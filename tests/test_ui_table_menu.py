"""The sessions table's row menu and Esc in the search box, on the real window offscreen over
a real cache (``fill_cache`` writes it as a sync does)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu

from app.ui.export_dialog import ExportDialog
from tests.test_ui_support import fill_cache, window_factory


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


def open_menu(qtbot, how: str, window) -> QMenu:
    table = window.table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    if how == "right-click":
        rect = table.visualRect(table.model().index(1, 0))
        event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, rect.center(),
                                  table.viewport().mapToGlobal(rect.center()))
        QApplication.sendEvent(table.viewport(), event)
    elif how == "menu-key":
        qtbot.keyClick(table, Qt.Key.Key_Menu)
    else:
        qtbot.keyClick(table, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert menu.objectName() == "rowMenu"
    return menu


def entry(menu: QMenu, text: str):
    return next(a for a in menu.actions() if a.text() == text)


@pytest.mark.parametrize("how", ["right-click", "menu-key", "shift-f10"])
def test_the_row_menu_copies_the_selected_session_ids(data_dir, make_window, qtbot, how):
    fill_cache(data_dir, 20)
    window = make_window(data_dir)
    window.select_rows([3, 1])
    menu = open_menu(qtbot, how, window)
    assert [a.text() for a in menu.actions() if a.text()] == [
        "Copy session IDs", "Copy rows", "Export selected…"]
    QGuiApplication.clipboard().clear()
    entry(menu, "Copy session IDs").trigger()
    menu.close()
    # newest first: row 1 is conf-0018, row 3 conf-0016, in table order
    assert QGuiApplication.clipboard().text() == "conf-0018\nconf-0016"
    assert window.statusBar().currentMessage() == "Copied 2 session IDs."


def test_the_row_menu_copies_rows_as_ctrl_c_and_exports_the_selected_rows(
        data_dir, make_window, qtbot):
    fill_cache(data_dir, 20)
    window = make_window(data_dir)
    window.select_rows([0, 2])
    table = window.table
    menu = open_menu(qtbot, "menu-key", window)
    entry(menu, "Copy rows").trigger()
    menu.close()
    copied = QGuiApplication.clipboard().text()
    assert copied == table.rows_text(table.selected_sessions())
    assert copied.splitlines()[0].startswith("Start\t")
    assert len(copied.splitlines()) == 3
    menu = open_menu(qtbot, "menu-key", window)
    entry(menu, "Export selected…").trigger()
    menu.close()
    qtbot.waitUntil(lambda: window.findChild(ExportDialog) is not None)
    dialog = window.findChild(ExportDialog)
    assert dialog.selected_radio.isChecked()
    assert dialog.selected_radio.text() == "Selected rows (2)"
    dialog.reject()


def test_a_right_click_on_an_unselected_row_acts_on_that_row(data_dir, make_window, qtbot):
    fill_cache(data_dir, 20)
    window = make_window(data_dir)
    table = window.table
    window.select_rows([0])
    rect = table.visualRect(table.model().index(4, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.RightButton, pos=rect.center())
    assert table.selected_ranges() == [(4, 4)]  # Qt selects the row under a right-click
    menu = QApplication.activePopupWidget()
    if not isinstance(menu, QMenu):  # the click made no context-menu event here: send one
        event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, rect.center(),
                                  table.viewport().mapToGlobal(rect.center()))
        QApplication.sendEvent(table.viewport(), event)
        qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
        menu = QApplication.activePopupWidget()
    entry(menu, "Copy session ID").trigger()
    menu.close()
    assert QGuiApplication.clipboard().text() == "conf-0015"


def test_esc_in_the_search_box_clears_it_and_shows_every_row(data_dir, make_window, qtbot):
    fill_cache(data_dir, 20)
    window = make_window(data_dir)
    box = window.filter_bar.search_box
    box.setFocus()
    qtbot.keyClicks(box, "printer")
    window.filter_bar.apply_now()
    assert window.model.rowCount() == 4
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == ""
    assert window.model.rowCount() == 20  # at once, not after the typing pause
    assert window.filter_bar.state()["search"] == ""


def test_the_row_menu_is_off_without_a_selection(data_dir, make_window, qtbot):
    fill_cache(data_dir, 5)
    window = make_window(data_dir)
    window.table.clearSelection()
    window.table.row_menu_requested.emit(window.table.mapToGlobal(QPoint(5, 5)))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert not any(a.isEnabled() for a in menu.actions() if a.text())
    menu.close()
    assert window.copy_action.isEnabled()  # Ctrl+C's action is back on after the menu
