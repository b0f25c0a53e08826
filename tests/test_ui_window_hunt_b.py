"""Window defects a second bug hunt found (huntB), each on the real window offscreen over a
real cache, with real sources on loopback simulators where a sync is involved."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QToolButton

from app import credentials, registry
from app.demo.pexip import PexipSimulator
from app.model import SourceConfig
from tests.test_ui_support import fill_cache, window_factory

PASSWORD = "s3cret-Pexip-pw!"


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


@pytest.fixture
def simulator():
    sim = PexipSimulator(conferences=40, seed=3, password=PASSWORD)
    sim.start()
    yield sim
    sim.stop()


def add_pexip(data_dir, name: str, url: str) -> None:
    registry.add_source(data_dir, SourceConfig(name, "pexip", url, {"username": "admin"}),
                        PASSWORD)


def test_sources_set_up_but_never_synced_offer_sync_now(data_dir, make_window, simulator,
                                                        qtbot):
    """Before: "Add a source with Sources…, then press Sync" and an Add a source… button,
    with two sources in the sidebar waiting for a sync."""
    add_pexip(data_dir, "video", simulator.url)
    add_pexip(data_dir, "video-eu", simulator.url)
    window = make_window(data_dir)
    empty = window.empty_state
    assert window.table_stack.currentWidget() is empty
    text = empty.findChild(QLabel).text()
    assert "2 sources are set up but not synced yet" in text
    assert "Add a source with" not in text
    assert empty.sync_button.isVisible() and empty.sync_button.text() == "Sync now"
    assert empty.sync_button.isDefault() and not empty.add_button.isDefault()
    with qtbot.waitSignal(window.sync.sync_finished, timeout=60_000):
        empty.sync_button.click()  # the window's own Sync action
        assert not empty.sync_button.isEnabled()  # as the toolbar's Sync, while it runs
    qtbot.waitUntil(lambda: window.model.rowCount() > 0)
    assert window.table_stack.currentWidget() is window.table
    assert empty.sync_button.isEnabled()


def test_with_no_source_the_first_run_page_still_says_add_one(data_dir, make_window):
    window = make_window(data_dir)
    empty = window.empty_state
    assert "Add a source with" in empty.findChild(QLabel).text()
    assert empty.add_button.isVisible() and empty.add_button.text() == "Add a source…"
    assert not empty.sync_button.isVisible()


def widths(window) -> dict[str, int]:
    header = window.table.horizontalHeader()
    return {key: header.sectionSize(i) for i, key in enumerate(window.table.column_keys())
            if not header.isSectionHidden(i)}


def fills(window) -> bool:
    return sum(widths(window).values()) == window.table.viewport().width()


def test_a_wide_table_gives_its_spare_width_to_title_and_participants(data_dir, make_window,
                                                                      qtbot):
    """Before: at 2560 px the columns ended at about 55% of the table, Title and
    Participants cut off beside the empty rest."""
    fill_cache(data_dir, 30)
    window = make_window(data_dir)
    window.resize(2560, 1400)
    qtbot.waitUntil(lambda: fills(window))
    shown = widths(window)
    assert shown["title"] > 2 * 222 and shown["participants"] > 2 * 200
    assert abs(shown["title"] / shown["participants"] - 222 / 200) < 0.02  # in proportion
    assert shown["start"] == 140 and shown["status"] == 86  # the others keep theirs
    assert window.table.horizontalScrollBar().maximum() == 0
    window.filter_bar.search_box.setText("printer")
    window.filter_bar.apply_now()
    assert widths(window) == shown  # a new query keeps the fill
    saved = window.table.column_state()["widths"]
    assert saved["title"] == 222 and saved["participants"] == 200  # not the fill
    window.filter_bar.clear()
    window.close()
    window = make_window(data_dir)  # smaller again: no 2560-px columns, no scroll bar
    window.resize(1200, 800)
    qtbot.waitUntil(lambda: widths(window)["title"] < 400)
    assert widths(window)["title"] >= 222


def test_widths_the_user_sets_stay_theirs(data_dir, make_window, qtbot):
    fill_cache(data_dir, 30)
    window = make_window(data_dir)
    window.resize(2560, 1400)
    qtbot.waitUntil(lambda: fills(window))
    table, header = window.table, window.table.horizontalHeader()
    title = table.column_keys().index("title")
    status = table.column_keys().index("status")
    header.resizeSection(status, 300)  # as a drag does: the stretch columns give way
    qtbot.waitUntil(lambda: fills(window))
    assert widths(window)["status"] == 300
    header.resizeSection(title, 350)  # Title sized by hand: Participants takes the rest
    qtbot.waitUntil(lambda: fills(window))
    assert widths(window)["title"] == 350
    participants = widths(window)["participants"]
    assert participants > 800
    state = table.column_state()
    assert state["widths"]["title"] == 350 and state["widths"]["status"] == 300
    assert state["widths"]["participants"] == 200 and state["user_sized"] == ["title"]
    window.close()
    window = make_window(data_dir)
    window.resize(2560, 1400)
    qtbot.waitUntil(lambda: fills(window))
    assert widths(window)["title"] == 350 and widths(window)["status"] == 300
    assert widths(window)["participants"] == participants


def test_a_small_window_gives_the_table_the_height_until_a_session_is_shown(
        data_dir, make_window, qtbot):
    """Before: at 1024x640 the empty detail pane ("Select a session…") took about 45% of
    the height and the table showed 8 rows."""
    fill_cache(data_dir, 60)
    window = make_window(data_dir)
    window.resize(1024, 640)
    split = window.detail_split
    qtbot.waitUntil(lambda: sum(split.sizes()) > 0 and split.sizes()[1] == 0)
    rows_seen = window.table.viewport().height() // window.table.rowHeight(0)
    assert rows_seen >= 14
    window.select_rows([2])
    table_height, detail_height = split.sizes()
    assert detail_height > 0 and window.detail.isVisible()
    # 40%, or what the pane needs at the least on so small a screen
    share = round((table_height + detail_height) * 0.4)
    assert share - 2 <= detail_height <= max(share, window.detail.minimumSizeHint().height())
    window.resize(1600, 1400)
    qtbot.waitUntil(lambda: sum(split.sizes()) > 1100)
    moved_to = int(split.height() * 0.72)  # the user gives the pane less room
    split.moveSplitter(moved_to, 1)
    split.splitterMoved.emit(moved_to, 1)  # as a drag of the handle does
    share = window.ui_state["detail_share"]
    assert 0.2 < share < 0.4
    window.close()
    window = make_window(data_dir)
    window.resize(1600, 1400)
    split = window.detail_split
    qtbot.waitUntil(lambda: sum(split.sizes()) > 1100 and split.sizes()[1] == 0)
    window.select_rows([0])
    table_height, detail_height = split.sizes()
    assert abs(detail_height / (table_height + detail_height) - share) < 0.05  # theirs


def sidebar_entries(window) -> list[str]:
    entries = window.sidebar.list
    return [entries.item(row).text() for row in range(entries.count())]


def test_a_removed_source_with_its_history_kept_stays_in_the_sidebar(data_dir, make_window,
                                                                     qtbot):
    """Before: removing a source with "Remove" (history kept) took it off the sidebar; only
    the Source drop-down still named it."""
    fill_cache(data_dir, 12, source="video")
    fill_cache(data_dir, 5, source="audio")
    add_pexip(data_dir, "video", "http://127.0.0.1:9")
    add_pexip(data_dir, "audio", "http://127.0.0.1:9")
    window = make_window(data_dir)
    assert [t.split("\n")[0] for t in sidebar_entries(window)] == [
        "All sources", "video", "audio"]
    registry.remove_source(data_dir, "audio")  # as the Sources dialog's Remove does
    window.refresh_after_sync()  # what the dialog's sources_changed calls
    entries = sidebar_entries(window)
    assert entries[0] == "All sources" and entries[1].startswith("video\n")
    assert entries[2] == "audio\nremoved — cached history only"
    item = window.sidebar.list.item(2)
    grey = window.sidebar.palette().color(QPalette.ColorGroup.Disabled,
                                          QPalette.ColorRole.Text)
    assert item.foreground().color() == grey
    assert "removed, cached history only" in item.toolTip()
    window.sidebar.list.setCurrentRow(2)  # it still filters the table to its history
    qtbot.waitUntil(lambda: window.model.rowCount() == 5)
    assert window.filter_bar.source_box.currentData() == "audio"
    assert window.sidebar.sync_button.text() == "Sync all sources"  # not "Sync audio"
    window.sidebar.set_running(set())  # a sync's redraw keeps it
    assert sidebar_entries(window)[2] == "audio\nremoved — cached history only"
    add_pexip(data_dir, "audio", "http://127.0.0.1:9")  # added again: an ordinary entry
    window.refresh_after_sync()
    assert "removed" not in " ".join(sidebar_entries(window))


def test_the_sync_details_say_each_failure_once_in_the_window_s_words(data_dir, make_window,
                                                                     qtbot):
    """Before: the box printed the whole summary (every failure), then every line again;
    each line ended in "[Errno 111] Connection refused", and a missing secret said
    "run `histview source add` again" in a window."""
    add_pexip(data_dir, "down", "http://127.0.0.1:9")  # nothing listens there
    add_pexip(data_dir, "nokey", "http://127.0.0.1:9")
    credentials.delete_secret(registry.data_key(data_dir), "nokey")
    window = make_window(data_dir)
    with qtbot.waitSignal(window.sync.sync_finished, timeout=60_000):
        window.start_sync([])
    summary = window.findChild(QLabel, "syncSummary")
    assert summary.text().startswith("2 of 2 sources failed: ")
    window.findChild(QPushButton, "syncDetails").click()
    box = window.findChild(QMessageBox, "syncDetailsBox")
    qtbot.waitUntil(box.isVisible)
    assert box.text() == "2 of 2 sources failed"
    lines = box.informativeText().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("✗ down: could not reach http://127.0.0.1:9")
    assert lines[1] == "✗ nokey: no secret stored in the OS keyring (set it with Sources…)"
    said = box.text() + box.informativeText() + summary.toolTip() + summary.text()
    assert "histview source add" not in said and "`" not in said and "Errno" not in said
    box.close()


@pytest.mark.parametrize("size", [(1024, 640), (1440, 900)])
def test_the_search_placeholder_fits_its_box(data_dir, make_window, qtbot, size):
    """Before: "Search names, titles, numbers, events… (…" at 1440 and 1024 px wide."""
    fill_cache(data_dir, 5)
    window = make_window(data_dir)
    window.resize(*size)
    box = window.filter_bar.search_box
    qtbot.waitUntil(lambda: window.width() == size[0])
    clear = max((b.width() for b in box.findChildren(QToolButton)), default=0)
    room = box.contentsRect().width() - clear - 12  # the frame's and text's margins
    assert box.fontMetrics().horizontalAdvance(box.placeholderText()) <= room
    assert "Ctrl+F" in box.placeholderText()
    assert "names, titles, numbers and events" in box.toolTip()  # the whole hint is here
