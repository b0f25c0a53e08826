"""Narrowing the filters keeps selected the selected sessions that still match, and the
detail pane on the current one; a session that no longer matches leaves the selection."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit

from app.ui.sessions_model import BLOCK
from tests.test_ui_support import fill_cache, window_factory

COUNT = 120  # session i is titled TOPICS[i % 5] and starts i hours after the first


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


def row_of(window, session_id: str) -> int:
    return next(r for r in range(window.model.rowCount())
                if window.model.key_at(r)[1] == session_id)


def select(window, ids: list[str]) -> None:
    """Select sessions by id; the first becomes current and fills the detail pane."""
    window.select_rows([row_of(window, i) for i in ids])


def selected_ids(window) -> list[str]:
    return [window.model.key_at(r)[1] for first, last in window.selected_ranges()
            for r in range(first, last + 1)]


def current_id(window) -> str:
    return window.model.key_at(window.table.currentIndex().row())[1]


def test_typing_more_of_a_search_keeps_the_sessions_that_still_match(data_dir, make_window,
                                                                   qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    # 112 and 117 are "Weekly sync"; 118 is "Password reset"
    select(window, ["conf-0112", "conf-0117", "conf-0118"])
    assert "Weekly sync #112" in window.detail.heading.text()
    box = window.findChild(QLineEdit, "searchBox")
    box.setFocus()
    qtbot.keyClicks(box, "weekl")
    qtbot.waitUntil(lambda: window.model.rowCount() == COUNT // 5)
    assert sorted(selected_ids(window)) == ["conf-0112", "conf-0117"]
    assert current_id(window) == "conf-0112"
    assert "Weekly sync #112" in window.detail.heading.text()
    assert window.detail.stack.currentIndex() == 1  # the session, not the empty text
    qtbot.keyClicks(box, "y #11")  # narrower still: "weekly #11" matches 112 and 117 only
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    assert sorted(selected_ids(window)) == ["conf-0112", "conf-0117"]
    assert current_id(window) == "conf-0112"


def test_when_the_current_session_stops_matching_the_next_kept_one_is_shown(data_dir,
                                                                          make_window):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    select(window, ["conf-0118", "conf-0112"])  # current: 118, a "Password reset"
    window.filter_bar.search_box.setText("weekly")
    window.filter_bar.apply_now()
    assert selected_ids(window) == ["conf-0112"]
    assert current_id(window) == "conf-0112"
    assert "Weekly sync #112" in window.detail.heading.text()
    window.filter_bar.search_box.setText("board")  # none of the selection matches
    window.filter_bar.apply_now()
    assert selected_ids(window) == []
    assert window.detail.stack.currentIndex() == 0  # the pane says nothing is selected


def test_picking_a_type_keeps_a_selected_session_of_that_type(data_dir, make_window):
    fill_cache(data_dir, COUNT)
    fill_cache(data_dir, 10, source="support", kind="beyondtrust")
    window = make_window(data_dir)
    select(window, ["conf-0116"])  # every 4th session is a call
    types = window.findChild(QComboBox, "typeFilter")
    types.setCurrentIndex(types.findData("call"))
    window.filter_bar.apply_now()
    assert window.model.rowCount() == COUNT // 4 + 3
    assert selected_ids(window) == ["conf-0116"] and current_id(window) == "conf-0116"
    assert window.table.rowViewportPosition(window.table.currentIndex().row()) >= 0


def test_a_session_far_down_is_found_where_the_narrowed_list_puts_it(data_dir, make_window):
    """Row 900 of 1,000 becomes row 180 of 200: beyond the rows just around its old place,
    which is all a sync's re-read looks at."""
    count = 5 * BLOCK  # 1,000 sessions
    fill_cache(data_dir, count)
    window = make_window(data_dir)
    select(window, ["conf-0097"])  # a "Weekly sync", 900 rows from the newest
    assert window.table.currentIndex().row() == count - 1 - 97
    window.filter_bar.search_box.setText("weekly")
    window.filter_bar.apply_now()
    assert window.model.rowCount() == count // 5
    assert selected_ids(window) == ["conf-0097"]
    assert window.table.currentIndex().row() == count // 5 - 1 - 97 // 5
    assert "Weekly sync #97" in window.detail.heading.text()
