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


@pytest.fixture
def mixed(data_dir, qapp):
    """Sessions with titles in either case and blank durations, directions, statuses and
    ends (calls in progress, unknown values), as the demo sources give them."""
    from app.model import Session

    rows = [("1", "Zoom sync", 300.0, "inbound", "ended", "2026-11-01T10:05:00Z"),
            ("2", "meet.ravi", None, None, None, None),
            ("3", "Alpha review", 60.0, "outbound", "failed", "2026-11-03T10:01:00Z"),
            ("4", "beta call", None, "", "", None),
            ("5", "Mike's call", 1200.0, "inbound", "completed", "2026-11-05T10:20:00Z")]
    store = Store(Settings(data_dir).cache_path)
    store.write_page("rc", "restcomm", "calls", None, sessions=[
        Session(i, "call", title, f"2026-11-0{i}T10:00:00Z", end=end, duration_s=duration,
                direction=direction, status=status, extra={"company": f"Co {i}"})
        for i, title, duration, direction, status, end in rows])
    store.close()
    store = Store(Settings(data_dir).cache_path)
    yield SessionsModel(store.db.conn)
    store.close()


def column_texts(model, key: str) -> list[str]:
    column = model.column_index(key)
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def test_text_columns_sort_without_regard_to_case(mixed):
    mixed.sort(mixed.column_index("title"), Qt.SortOrder.AscendingOrder)
    assert column_texts(mixed, "title") == ["Alpha review", "beta call", "meet.ravi",
                                            "Mike's call", "Zoom sync"]
    mixed.sort(mixed.column_index("title"), Qt.SortOrder.DescendingOrder)
    assert column_texts(mixed, "title")[:2] == ["Zoom sync", "Mike's call"]


@pytest.mark.parametrize("key", ["duration_s", "direction", "status", "end"])
def test_blank_cells_sort_last_in_both_directions(mixed, key):
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        mixed.sort(mixed.column_index(key), order)
        texts = column_texts(mixed, key)
        assert all(texts[:3]) and not any(texts[3:]), (key, order, texts)
    ascending = Qt.SortOrder.AscendingOrder
    mixed.sort(mixed.column_index("duration_s"), ascending)
    assert [s["duration_s"] for s in mixed.sessions_between(0, 2)] == [60, 300, 1200]


def test_clicking_a_column_that_cannot_sort_says_why(mixed, qtbot):
    mixed.sort(mixed.column_index("title"), Qt.SortOrder.AscendingOrder)
    company = mixed.column_index("extra.company")
    assert company >= 0
    with qtbot.waitSignal(mixed.sort_refused) as refused:
        mixed.sort(company, Qt.SortOrder.AscendingOrder)
    title = mixed.headerData(company, Qt.Orientation.Horizontal)
    assert refused.args == [f"{title} cannot be sorted (only some sources send it); "
                            "the table stays sorted by Title."]
    assert mixed.sort_key == ("title", False)


def test_a_narrowed_filter_tells_which_sessions_still_match_and_where_they_are(model):
    """What the window needs to keep a selection through a narrowed search: which of the
    selected sessions still match, then only the blocks around where their rows should be,
    and none when none is left."""
    kept, gone = model.session_at(COUNT - 1 - 12), model.session_at(COUNT - 1 - 13)
    key = ("video", "conf-0012")  # a Weekly sync; conf-0013 is a Board call
    model.set_filter(SessionFilter(search="weekly"))
    assert model.still_shown([kept, gone]) == {key}
    assert model.still_shown([gone]) == set()
    model.set_filter(SessionFilter(search="weekly", type="call"))  # 12 is a call, 13 not
    assert model.still_shown([kept, gone]) == {key}
    model.set_filter(SessionFilter(search="weekly", start_to=kept["start"]))
    assert model.still_shown([kept]) == set()  # the end of a range is not in it
    model.set_filter(SessionFilter())
    newest = [model.session_at(row) for row in range(10)]
    model.set_filter(SessionFilter(search="weekly"))
    assert len(model.still_shown(newest)) == 2  # 117 and 112 among 110..119
    model._blocks.clear()
    assert model.find_rows(model.still_shown([gone]), near=0, limit=COUNT) == {}
    assert len(model._blocks) == 0  # none is left: nothing read
    assert model.find_rows({key}, near=model.rowCount() - 1, limit=BLOCK) == {
        key: model.rowCount() - 1 - 12 // 5}
    assert len(model._blocks) == 1  # one block read, not every row
    model.set_filter(SessionFilter())
    far = ("video", "conf-0000")  # the last row, in the third block
    assert model.find_rows({far}, near=0, limit=BLOCK) == {}  # out of reach: not scanned
    assert model.find_rows({far}, near=0, limit=3 * BLOCK) == {far: COUNT - 1}
