"""The sessions table model over a real SQLite cache: Qt's model rules, SQL sorting and
filtering, the window's handles (first column = start, UserRole = (source, session_id))."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.settings import Settings
from app.store import Store
from app.store.queries import BadQuery, SessionFilter
from app.ui.sessions_model import BLOCK, KEY_ROLE, SessionsModel
from tests.test_ui_support import fill_cache

COUNT = BLOCK * 2 + 50  # three blocks: rows come from several SQL windows


@pytest.fixture
def model(data_dir, qapp):
    fill_cache(data_dir, COUNT)
    store = Store(Settings(data_dir).cache_path)
    yield SessionsModel(store.db.conn)
    store.close()


def test_model_follows_qt_rules(model, qtmodeltester):
    qtmodeltester.check(model, force_py=True)


def test_first_column_is_start_newest_first_and_user_role_gives_the_key(model):
    assert model.rowCount() == COUNT
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Start"
    newest = model.data(model.index(0, 0))
    assert newest.startswith("2025-05-")  # readable local time, no T, no Z
    assert "T" not in newest and "Z" not in newest
    key = model.data(model.index(0, 5), KEY_ROLE)
    assert key == ("video", f"conf-{COUNT - 1:04d}")
    last = model.data(model.index(COUNT - 1, 0), KEY_ROLE)
    assert last == ("video", "conf-0000")


def test_rows_far_down_are_read_on_demand(model):
    # Reading a row in the third block does not need the first two in memory.
    session = model.session_at(COUNT - 10)
    assert session["session_id"] == "conf-0009"
    assert len(model._blocks) == 1  # only the block holding that row was read


def test_sort_by_title_ascending_is_done_in_sql(model):
    title = model.column_index("title")
    model.sort(title, Qt.SortOrder.AscendingOrder)
    titles = [model.data(model.index(row, title)) for row in range(COUNT)]
    assert titles == sorted(titles)
    model.sort(model.column_index("start"), Qt.SortOrder.AscendingOrder)
    assert model.data(model.index(0, 0), KEY_ROLE) == ("video", "conf-0000")


def test_a_column_sql_cannot_sort_keeps_the_current_order(model):
    extra = model.column_index("extra.tag")
    assert extra >= 0, "a kind's extras become optional columns"
    before = model.data(model.index(0, 0), KEY_ROLE)
    model.sort(extra, Qt.SortOrder.AscendingOrder)
    assert model.data(model.index(0, 0), KEY_ROLE) == before
    assert model.sort_key == ("start", True)


def test_search_narrows_and_a_bad_search_changes_nothing(model):
    model.set_filter(SessionFilter(search="davíd vpn"))
    narrowed = model.rowCount()
    assert 0 < narrowed < COUNT
    for row in range(narrowed):
        session = model.session_at(row)
        assert "VPN" in session["title"] and "David Kim" in session["participants"]
    with pytest.raises(BadQuery):
        model.set_filter(SessionFilter(search='"'))
    assert model.rowCount() == narrowed


def test_utc_toggle_changes_the_header_and_keeps_the_digits(model):
    model.set_utc(True)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Start (UTC)"
    session = model.session_at(0)
    assert model.data(model.index(0, 0)) == session["start"][:19].replace("T", " ")
