"""Window bugs a bug hunt of the main window found, each on the real window offscreen over a
real cache (``fill_cache`` writes it through ``Store.write_page``, as a sync does)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel, QStyleOptionViewItem, QTreeWidget

from app import registry
from app.demo.pexip import PexipSimulator
from app.model import Event, Session, SourceConfig
from app.settings import Settings
from app.store import Store
from tests.test_ui_support import fill_cache, window_factory

COUNT = 30


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


def test_times_in_utc_keeps_the_selected_event_and_its_details(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    window.select_rows([0])
    window.detail.tabs.setCurrentIndex(1)
    events = window.findChild(QTreeWidget, "eventsView")
    qtbot.waitUntil(lambda: events.topLevelItemCount() == 2)
    events.setCurrentItem(events.topLevelItem(1))  # the note
    details = window.detail.event_details
    assert "Kind: note" in details.toPlainText()
    window.utc_action.trigger()
    assert window.utc_action.isChecked()
    assert events.indexOfTopLevelItem(events.currentItem()) == 1
    assert events.currentItem().isSelected()
    assert "Kind: note" in details.toPlainText()
    window.utc_action.trigger()  # and back to local time
    assert events.indexOfTopLevelItem(events.currentItem()) == 1
    assert "Kind: note" in details.toPlainText()


def test_tab_leaves_the_sessions_table_and_arrows_move_in_it(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    table = window.table
    window.select_rows([0])
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == 1  # arrows still move between rows
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is not None and focused is not table
    assert not table.isAncestorOf(focused)
    qtbot.keyClick(focused, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is table  # and Shift+Tab comes back


@pytest.mark.parametrize("wide", [True, False])
def test_why_nothing_matches_wraps_and_shows_every_line(data_dir, make_window, qtbot, wide):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    if not wide:
        window.resize(window.minimumSizeHint())
    window.filter_bar.search_box.setText('"nosuch word in a very long quoted phrase')
    window.filter_bar.apply_now()
    assert window.table_stack.currentWidget() is window.no_matches
    label = window.no_matches.text
    assert "No closing quote" in label.text()
    qtbot.waitUntil(label.isVisible)
    needed = label.heightForWidth(label.width())
    assert needed >= 2 * label.fontMetrics().height()  # the reason takes several lines
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))
    assert label.geometry().bottom() < window.no_matches.button.geometry().top()


@pytest.mark.parametrize("wide", [True, False])
def test_the_first_run_text_shows_every_line(data_dir, make_window, qtbot, wide):
    """The same clipping hit the first-run explanation: "Just looking? Run histview demo"
    was cut off below its first paragraphs."""
    window = make_window(data_dir)
    if not wide:
        window.resize(window.minimumSizeHint())
    assert window.table_stack.currentWidget() is window.empty_state
    label = window.empty_state.findChild(QLabel)
    qtbot.waitUntil(label.isVisible)
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))


LONG_NAME = "regional-video-conferencing-eu-west-primary"


def test_a_long_source_name_is_elided_with_its_full_name_in_the_tooltip(
        data_dir, make_window, qtbot):
    registry.add_source(data_dir, SourceConfig(LONG_NAME, "pexip", "http://127.0.0.1:9",
                                               {"username": "admin"}), "pw")
    window = make_window(data_dir)
    window.resize(window.minimumSizeHint())
    sources = window.sidebar.list
    qtbot.waitUntil(lambda: sources.viewport().width() < 300)
    item = sources.item(1)
    assert item.data(Qt.ItemDataRole.UserRole) == LONG_NAME
    assert item.toolTip().startswith(LONG_NAME)
    option = QStyleOptionViewItem()
    sources.initViewItemOption(option)
    index = sources.indexFromItem(item)
    option.rect = sources.visualRect(index)
    delegate = sources.itemDelegate()
    delegate.initStyleOption(option, index)
    name, details, room = delegate.shown_lines(option, index)
    bold = QFont(option.font)
    bold.setBold(True)
    assert QFontMetrics(bold).horizontalAdvance(LONG_NAME) > room.width()  # it cannot fit
    assert name.endswith("…") and LONG_NAME.startswith(name[:-1]) and len(name) > 5
    assert QFontMetrics(bold).horizontalAdvance(name) <= room.width()
    assert room.right() < sources.viewport().width()
    sources.viewport().grab()  # and it paints


PASSWORD = "s3cret-Pexip-pw!"


@pytest.fixture
def slow_source(data_dir):
    """A never-synced source whose sync takes a while (300 conferences, 10 a page)."""
    sim = PexipSimulator(conferences=300, seed=9, password=PASSWORD, latency_s=0.02)
    sim.start()
    registry.add_source(data_dir, SourceConfig("video", "pexip", sim.url, {
        "username": "admin", "page_size": "10", "workers": "1"}), PASSWORD)
    yield sim
    sim.stop()


def test_the_first_sync_says_it_is_running_not_never_synced(
        data_dir, make_window, qtbot, slow_source):
    window = make_window(data_dir)
    age = window.findChild(QLabel, "cacheAgeLabel")
    assert age.text() == "Cache never synced"
    window.sync_action.trigger()
    assert window.sync.is_running()
    assert "never" not in age.text() and "sync running" in age.text()
    with qtbot.waitSignal(window.sync.running_changed, timeout=15000):
        window.cancel_action.trigger()
    assert age.text() == "Cache never synced"  # cancelled: no sync has finished yet


def test_cancel_sync_is_off_and_says_cancelling_until_the_sync_stops(
        data_dir, make_window, qtbot, slow_source):
    window = make_window(data_dir)
    window.sync_action.trigger()
    assert window.sync.is_running() and window.cancel_action.isEnabled()
    with qtbot.waitSignal(window.sync.running_changed, timeout=15000) as stopped:
        window.cancel_action.trigger()
        # Winding down (the page in flight is finished): Cancel cannot be pressed again.
        assert window.sync.is_running()
        assert not window.cancel_action.isEnabled()
        assert window.cancel_action.text().startswith("Cancelling")
        assert not window.sync_action.isEnabled()
    assert stopped.args == [False]
    assert not window.cancel_action.isEnabled()
    assert window.cancel_action.text() == "Cancel sync"
    assert window.sync_action.isEnabled()


PEOPLE_LISTS = (["Alice Martin", "Bob Okafor"], ["Alice"], ["bob"], ["Alice Martin"],
                ["Al Smith"], ["Zoë Kim", "Alice"], ["Al"], ["alice martin", "Ann"])


def test_participants_sort_by_the_names_as_shown(data_dir, make_window, qtbot):
    store = Store(Settings(data_dir).cache_path)
    try:
        sessions = [Session(session_id=f"s{i}", type="conference", title=f"Meeting {i}",
                            start=f"2025-05-0{i + 1}T09:00:00Z", participants=people)
                    for i, people in enumerate(PEOPLE_LISTS)]
        store.write_page("video", "pexip", "conference", {"n": 1}, sessions=sessions)
    finally:
        store.close()
    window = make_window(data_dir)
    column = window.model.column_index("participants")
    header = window.table.horizontalHeader()
    for _ in range(2):  # the first click may sort either way; both are checked
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(header.sectionViewportPosition(column) + 10,
                                    header.height() // 2))
        qtbot.waitUntil(lambda: window.model.sort_key[0] == "participants")
        shown = [window.model.index(row, column).data() for row in range(len(PEOPLE_LISTS))]
        descending = window.model.sort_key[1]
        # As the other text columns sort: case aside (SQLite's NOCASE folds A-Z only).
        assert shown == sorted(shown, key=lambda text: (text.lower(), text), reverse=descending)
        assert "Alice" in shown and "Alice Martin" in shown


def test_a_sync_keeps_the_selected_event_when_events_arrive_before_it(
        data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    window.select_rows([0])
    source, session_id = window.model.key_at(0)
    window.detail.tabs.setCurrentIndex(1)
    events = window.findChild(QTreeWidget, "eventsView")
    qtbot.waitUntil(lambda: events.topLevelItemCount() == 2)
    events.setCurrentItem(events.topLevelItem(1))  # the note
    start = window.detail.session["start"]

    store = Store(Settings(data_dir).cache_path)  # a sync brings an earlier event
    store.write_page(source, "pexip", "participant", {"offset": 1}, events=[
        Event(session_id, "dial-out", start, "System", "dial_out", detail="dialled the room")])
    store.close()
    window.refresh_after_sync()

    assert window.table.selectionModel().isRowSelected(0)  # the session stays selected
    assert events.topLevelItemCount() == 3
    assert events.currentItem() is events.topLevelItem(2)
    assert "Kind: note" in window.detail.event_details.toPlainText()
