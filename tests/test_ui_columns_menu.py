"""View › Columns (and the header's context menu): our columns first, then the vendors'
fields in one submenu sorted by label; ticks and toggles work there, and a field shown
from the submenu is still shown after a restart."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from app.model import Session
from app.settings import Settings
from app.store import Store
from app.ui.columns import BASE_COLUMNS
from tests.test_ui_support import fill_cache, window_factory


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


def fill_two_vendors(data_dir) -> None:
    """Pexip-like sessions (extras service_type, tag) and support sessions whose extras
    come in no particular order, one of them named like a column of ours."""
    fill_cache(data_dir, 20)
    store = Store(Settings(data_dir).cache_path)
    store.write_page("bt", "beyondtrust", "s", None, sessions=[
        Session("1", "support_session", "Printer", "2026-11-01T10:00:00Z",
                extra={"zone": "EU", "primary_rep": "Ann", "duration": 60, "Company": "Acme",
                       "lseq": 4})])
    store.close()


def open_columns_menu(window) -> QMenu:
    window.columns_menu.aboutToShow.emit()  # what opening View › Columns does
    return window.columns_menu


def entries(menu: QMenu) -> list[str]:
    return ["---" if a.isSeparator() else a.text() for a in menu.actions()]


def more_fields(menu: QMenu) -> QMenu:
    """The submenu of the menu as it is now filled (the last entry)."""
    submenu = menu.actions()[-1].menu()
    assert submenu is not None and submenu.objectName() == "moreColumnsMenu"
    return submenu


def test_our_columns_come_first_and_vendor_fields_sit_sorted_in_a_submenu(data_dir,
                                                                          make_window):
    fill_two_vendors(data_dir)
    window = make_window(data_dir)
    menu = open_columns_menu(window)
    assert entries(menu) == [c.title for c in BASE_COLUMNS] + ["---", "More fields"]
    assert entries(more_fields(menu)) == ["Company", "Duration (as sent)", "Lseq",
                                          "Primary rep", "Service type", "Tag", "Zone"]
    ticked = {a.text() for a in menu.actions() if a.isChecked()}
    assert ticked == {c.title for c in BASE_COLUMNS if c.visible}
    assert not any(a.isChecked() for a in more_fields(menu).actions())
    open_columns_menu(window)  # opened again: one submenu, not one more each time
    assert entries(menu).count("More fields") == 1


def test_a_field_ticked_in_the_submenu_shows_and_stays_after_a_restart(data_dir,
                                                                       make_window):
    fill_two_vendors(data_dir)
    window = make_window(data_dir)
    header = window.table.horizontalHeader()
    tag = window.model.column_index("extra.tag")
    assert header.isSectionHidden(tag)
    menu = open_columns_menu(window)
    next(a for a in more_fields(menu).actions() if a.text() == "Tag").trigger()
    assert not header.isSectionHidden(tag)
    menu = open_columns_menu(window)
    assert entries(menu)[-1] == "More fields (1 shown)"
    assert [a.text() for a in more_fields(menu).actions() if a.isChecked()] == ["Tag"]
    next(a for a in menu.actions() if a.text() == "Participants").trigger()  # untick ours
    assert header.isSectionHidden(window.model.column_index("participants"))
    window.close()
    again = make_window(data_dir)
    header = again.table.horizontalHeader()
    assert not header.isSectionHidden(again.model.column_index("extra.tag"))
    assert header.isSectionHidden(again.model.column_index("participants"))
    menu = open_columns_menu(again)
    assert [a.text() for a in more_fields(menu).actions() if a.isChecked()] == ["Tag"]


def test_the_header_context_menu_is_the_same_menu(data_dir, make_window):
    fill_two_vendors(data_dir)
    window = make_window(data_dir)
    header = window.table.horizontalHeader()
    header.customContextMenuRequested.emit(QPoint(10, 5))
    popup = next(m for m in window.table.findChildren(QMenu) if m.isVisible())
    assert entries(popup) == entries(open_columns_menu(window))
    assert entries(more_fields(popup)) == entries(more_fields(window.columns_menu))
    popup.close()
