"""The filter bar as a user meets it: it fits a small screen, Clear filters clears
everything the user sees, a search that cannot run says so, one read differently from what
was typed says how, the Type list follows the source, and the date range behaves."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, QDateTime, QRect, Qt, QTime, QTimeZone
from PySide6.QtWidgets import QApplication, QToolButton, QWidget

from app import registry
from app.model import SourceConfig
from app.settings import Settings
from app.store import Store
from app.ui.filter_bar import ERROR_COLOUR, NOTE_COLOUR, FilterBar
from tests.test_ui_support import count_in, fill_cache, window_factory

COUNT = 120
LONG_HINT = ("add a word to look for besides the excluded ones, and this hint is made much "
             "longer than any real one so that it would need a very wide window to show")


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


def rows_label(window) -> int:
    return count_in(window.row_count_label.text())


def rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, widget.rect().topLeft()), widget.size())


def test_the_window_fits_a_1024_pixel_screen_even_with_a_search_hint(data_dir, make_window,
                                                                     qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    assert window.minimumSizeHint().width() <= 1024
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
    bar = window.filter_bar
    bar.show_hint(LONG_HINT)
    QApplication.processEvents()
    assert window.minimumSizeHint().width() <= 1024
    assert window.width() == 1024
    assert bar.hint.isVisible() and bar.hint.toolTip() == LONG_HINT
    # Every input is whole and on its own piece of the bar: nothing overlaps, nothing is cut.
    inputs = [bar.search_box, bar.source_box, bar.type_box, bar.date_from, bar.date_to,
              bar.clear_button]
    rects = [rect_in(widget, bar) for widget in inputs]
    for widget, rect in zip(inputs, rects, strict=True):
        assert widget.isVisible() and bar.rect().contains(rect), widget.objectName()
        assert rect.width() >= widget.minimumSizeHint().width(), widget.objectName()
    for i, rect in enumerate(rects):
        assert not any(rect.intersects(other) for other in rects[i + 1:])
    hint = rect_in(bar.hint, bar)
    assert bar.rect().contains(hint) and not any(hint.intersects(r) for r in rects)


def register(data_dir, name: str) -> None:
    """A source in the sidebar (never contacted: these tests do not sync)."""
    registry.add_source(data_dir, SourceConfig(name, "pexip", "http://127.0.0.1:9",
                                               {"username": "admin"}), "pw")


def clear_icon_shown(box) -> bool:
    icon = box.findChild(QToolButton)
    return icon is not None and icon.isVisible() and icon.property("opacity") != 0


def test_clear_filters_puts_the_sidebar_back_on_all_sources_with_one_query(
        data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    fill_cache(data_dir, 10, source="support", kind="beyondtrust")
    register(data_dir, "video")
    register(data_dir, "support")
    window = make_window(data_dir)
    sidebar, bar = window.sidebar, window.filter_bar
    row = next(r for r in range(sidebar.list.count())
               if sidebar.list.item(r).text().startswith("support"))
    sidebar.list.setCurrentRow(row)
    qtbot.waitUntil(lambda: rows_label(window) == 10)
    assert sidebar.sync_button.text() == "Sync support"
    qtbot.keyClicks(bar.search_box, "printer")
    qtbot.waitUntil(lambda: clear_icon_shown(bar.search_box))
    queries = []
    bar.filter_changed.connect(queries.append)
    bar.clear_button.click()
    qtbot.waitUntil(lambda: rows_label(window) == COUNT + 10)
    assert sidebar.current_source() is None
    assert sidebar.sync_button.text() == "Sync all sources"
    assert bar.search_box.text() == ""
    qtbot.waitUntil(lambda: not clear_icon_shown(bar.search_box))
    qtbot.wait(400)  # longer than the typing pause: no late query follows
    assert len(queries) == 1


def test_a_search_that_cannot_run_empties_the_table_and_keeps_its_hint(data_dir, make_window,
                                                                      qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    bar = window.filter_bar
    qtbot.keyClicks(bar.search_box, "printer")
    qtbot.waitUntil(lambda: rows_label(window) == COUNT // 5)
    window.select_rows([2])
    bar.search_box.setText("@")  # no word to look for
    bar.apply_now()
    assert window.model.rowCount() == 0 and rows_label(window) == 0
    assert bar.hint.isVisible() and bar.hint.full_text() == "type a word to search for"
    assert window.table.selected_count() == 0
    assert not window.export_action.isEnabled()
    bar.search_box.setText("@ ")  # the same search again: still no rows, still the hint
    bar.apply_now()
    assert rows_label(window) == 0 and bar.hint.isVisible()
    window.refresh_after_sync()  # a sync landing meanwhile does not bring the rows back
    assert rows_label(window) == 0 and bar.hint.isVisible()
    bar.search_box.setText("vpn")
    bar.apply_now()
    assert rows_label(window) == COUNT // 5 and not bar.hint.isVisible()


def test_closing_with_a_search_that_cannot_run_keeps_the_other_filters(data_dir, make_window,
                                                                       qtbot):
    fill_cache(data_dir, COUNT)
    fill_cache(data_dir, 10, source="support", kind="beyondtrust")
    window = make_window(data_dir)
    bar = window.filter_bar
    bar.source_box.setCurrentIndex(bar.source_box.findData("support"))
    qtbot.waitUntil(lambda: rows_label(window) == 10)
    bar.search_box.setText("@")
    bar.apply_now()
    window.close()
    again = make_window(data_dir)
    bar = again.filter_bar
    assert bar.source_box.currentData() == "support"
    assert bar.search_box.text() == "@"
    assert bar.hint.isVisible() and bar.hint.full_text()
    assert rows_label(again) == 0
    bar.search_box.clear()
    qtbot.waitUntil(lambda: rows_label(again) == 10)


def test_tab_leaves_a_date_showing_any_and_up_starts_from_today(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    bar = window.filter_bar
    bar.date_from.setFocus()
    qtbot.waitUntil(bar.date_from.hasFocus)
    qtbot.keyClick(bar.date_from, Qt.Key.Key_Tab)
    assert not bar.date_from.hasFocus(), "Tab stays in an 'any' date edit"
    qtbot.keyClick(bar.date_to, Qt.Key.Key_Up)
    today = QDate.currentDate()
    assert bar.date_to.dateTime().date() == today.addDays(1)  # To excludes: today is in
    qtbot.keyClick(bar.date_to, Qt.Key.Key_Up)  # then steps by days, not years
    assert bar.date_to.dateTime().date() == today.addDays(2)
    assert bar.date_to.text().startswith(today.addDays(2).toString("yyyy-MM-dd"))


def test_each_date_bound_goes_back_to_any_on_its_own(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    bar = window.filter_bar
    utc = QTimeZone.utc()
    bar.date_from.setDateTime(QDateTime(QDate(2025, 5, 1), QTime(8, 0), utc))
    bar.date_to.setDateTime(QDateTime(QDate(2025, 5, 1), QTime(18, 0), utc))
    qtbot.waitUntil(lambda: rows_label(window) == 10)
    # By keyboard: select the whole date, Delete.
    bar.date_to.setFocus()
    qtbot.keyClick(bar.date_to, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(bar.date_to, Qt.Key.Key_Delete)
    assert bar.date_to.text() == "any"
    qtbot.waitUntil(lambda: rows_label(window) == COUNT)
    assert bar.date_from.text().startswith("2025-05-01")  # the other bound stays
    # By mouse: the ✕ beside the date.
    clear = bar.findChild(QToolButton, "dateFromClear")
    assert clear.isVisible() and clear.isEnabled()
    clear.click()
    assert bar.date_from.text() == "any" and not clear.isEnabled()
    qtbot.waitUntil(lambda: not bar.is_active())


def test_a_range_the_wrong_way_round_says_so(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    bar = window.filter_bar
    utc = QTimeZone.utc()
    bar.date_from.setDateTime(QDateTime(QDate(2025, 5, 3), QTime(0, 0), utc))
    bar.date_to.setDateTime(QDateTime(QDate(2025, 5, 2), QTime(0, 0), utc))
    qtbot.waitUntil(lambda: rows_label(window) == 0)
    qtbot.waitUntil(bar.hint.isVisible)
    assert "From" in bar.hint.full_text() and "To" in bar.hint.full_text()
    bar.date_to.setDateTime(QDateTime(QDate(2025, 5, 4), QTime(0, 0), utc))
    qtbot.waitUntil(lambda: rows_label(window) == 24)
    assert not bar.hint.isVisible()


def test_filters_that_match_nothing_say_so_in_the_table_area(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    fill_cache(data_dir, 10, source="support", kind="beyondtrust")
    window = make_window(data_dir)
    assert window.row_count_label.text() == f"{COUNT + 10:,} sessions" == "130 sessions"
    bar = window.filter_bar
    bar.search_box.setText("nosuchword")
    bar.apply_now()
    assert window.table_stack.currentWidget() is window.no_matches
    assert window.no_matches.head.text() == "<b>No sessions match the filters</b>"
    assert window.no_matches.head.isVisible()
    assert window.no_matches.button.isVisible()
    window.no_matches.button.click()
    qtbot.waitUntil(lambda: rows_label(window) == COUNT + 10)
    assert window.table_stack.currentWidget() is window.table
    assert bar.search_box.text() == ""
    bar.search_box.setText("@")  # cannot run: the reason is in the table area too
    bar.apply_now()
    assert "type a word to search for" in window.no_matches.text.text()
    bar.search_box.setText('"nosuch word')  # runs, matches nothing: the note says why
    bar.apply_now()
    assert window.table_stack.currentWidget() is window.no_matches
    assert "No closing quote" in window.no_matches.text.text()
    assert window.no_matches.text.isVisible()


def test_counts_have_thousands_separators(data_dir, make_window):
    fill_cache(data_dir, 1200)
    window = make_window(data_dir)
    assert window.row_count_label.text() == "1,200 sessions"


def type_items(bar: FilterBar) -> list[str]:
    return [bar.type_box.itemText(i) for i in range(bar.type_box.count())]


def test_the_type_list_holds_the_chosen_sources_types_only(qtbot):
    """Before, the Type list held every vendor's types whatever the source (Webex's under
    a Pexip source), and most choices listed nothing."""
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_choices(["px", "wx"], {"px": ["conference"], "wx": ["call", "meeting"]})
    assert type_items(bar) == ["All types", "call", "conference", "meeting"]
    bar.set_source("px")  # as the sidebar does
    assert type_items(bar) == ["All types", "conference"]
    bar.source_box.setCurrentIndex(bar.source_box.findData("wx"))  # as a user picks it
    assert type_items(bar) == ["All types", "call", "meeting"]
    bar.type_box.setCurrentIndex(bar.type_box.findData("meeting"))
    bar.search_box.setText("Reid")
    bar.date_from.setDateTime(QDateTime(QDate(2025, 5, 1), QTime(8, 0), QTimeZone.utc()))
    bar.apply_now()
    emitted = []
    bar.filter_changed.connect(emitted.append)
    bar.set_source("px")  # has no meetings: back to all its types, the rest kept
    assert bar.type_box.currentText() == "All types"
    assert type_items(bar) == ["All types", "conference"]
    assert [(f.source, f.type, f.search, f.start_from) for f in emitted] == [
        ("px", None, "Reid", "2025-05-01T08:00:00.000000Z")]
    bar.source_box.setCurrentIndex(bar.source_box.findData("wx"))
    bar.type_box.setCurrentIndex(bar.type_box.findData("call"))
    bar.set_source(None)  # All sources: every type, and the chosen one stays
    assert type_items(bar) == ["All types", "call", "conference", "meeting"]
    assert bar.current_filter().type == "call" and bar.current_filter().source is None
    # After a sync the lists are refilled and the choices kept.
    bar.set_choices(["px", "wx"], {"px": ["conference"], "wx": ["call"]})
    assert bar.type_box.currentData() == "call" and type_items(bar)[1:] == ["call",
                                                                           "conference"]


def test_a_search_of_exclusions_only_lists_every_other_session(data_dir, make_window):
    """Before, "-printer" emptied the table with the hint "add a word to look for besides
    the excluded ones"."""
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    bar = window.filter_bar
    for text in ("-printer", "NOT printer"):
        bar.search_box.setText(text)
        bar.apply_now()
        assert rows_label(window) == COUNT - COUNT // 5, text
        assert not bar.hint.isVisible()
        assert window.table_stack.currentWidget() is window.table
        assert all("Printer" not in window.model.session_at(row)["title"]
                   for row in range(20))


def test_a_search_read_differently_from_what_was_typed_says_how(data_dir, make_window):
    """Before, a missing closing quote and a field name ("title:vpn") gave 0 rows or a
    phrase search without a word; now the search runs as the user meant and a grey note
    under the search box says how it was read."""
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    bar = window.filter_bar
    bar.search_box.setText('"printer offline')
    bar.apply_now()
    assert rows_label(window) == COUNT // 5
    assert bar.hint.isVisible()
    assert bar.hint.full_text() == ("No closing quote: searched for the phrase "
                                    "“printer offline”; without quotes its words are found "
                                    "anywhere")
    assert NOTE_COLOUR in bar.hint.styleSheet()
    bar.search_box.setText("title:vpn")
    bar.apply_now()
    assert rows_label(window) == COUNT // 5  # before: 0
    assert bar.hint.isVisible() and "“title:”" in bar.hint.full_text()
    bar.search_box.setText("vpn")
    bar.apply_now()
    assert rows_label(window) == COUNT // 5 and not bar.hint.isVisible()
    bar.search_box.setText("@")  # a search that cannot run is still said in red
    bar.apply_now()
    assert bar.hint.full_text() == "type a word to search for"
    assert ERROR_COLOUR in bar.hint.styleSheet()


def test_the_windows_type_list_follows_the_sidebars_source(data_dir, make_window):
    """The window fills the Type list from the cache, per source (queries.source_types)."""
    fill_cache(data_dir, COUNT)
    fill_cache(data_dir, 10, source="support", kind="beyondtrust")
    register(data_dir, "video")
    register(data_dir, "support")
    store = Store(Settings(data_dir).cache_path)
    with store.db.conn:
        store.db.conn.execute("UPDATE sessions SET type = 'support_session' "
                              "WHERE source = 'support'")
    store.close()
    window = make_window(data_dir)
    bar = window.filter_bar
    assert {"conference", "support_session"} <= set(type_items(bar))
    sidebar = window.sidebar
    sidebar.list.setCurrentRow(next(r for r in range(sidebar.list.count())
                                    if sidebar.list.item(r).text().startswith("support")))
    assert type_items(bar) == ["All types", "support_session"]
    assert rows_label(window) == 10
