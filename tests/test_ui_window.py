"""The real main window on a real cache: search, sort, select and export, detail,
remembered state, and the first-run empty state."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import (
    QDate,
    QDateTime,
    QObject,
    QPoint,
    Qt,
    QTime,
    QTimer,
    QTimeZone,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
)

from app.settings import Settings
from app.ui.columns import extra_column
from app.ui.detail_pane import field_rows
from app.ui.formatting import field_label
from app.ui.sessions_model import KEY_ROLE
from tests.conftest import cache_before
from tests.test_ui_support import count_in, fill_cache, opened_urls, window_factory

COUNT = 120


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


def rows_label(window) -> int:
    return count_in(window.findChild(QLabel, "rowCountLabel").text())


def keys_of(window, rows):
    model = window.findChild(QTableView, "sessionsTable").model()
    return [model.index(row, 0).data(KEY_ROLE) for row in rows]


def test_first_run_shows_a_friendly_empty_state(data_dir, make_window):
    window = make_window(data_dir)
    assert rows_label(window) == 0
    assert window.table_stack.currentWidget().objectName() == "emptyState"
    texts = " ".join(label.text() for label in window.empty_state.findChildren(QLabel))
    assert "Sources…" in texts and "histview demo" in texts


def test_the_window_has_histview_s_own_icon_not_the_platform_s_blank(data_dir, make_window):
    window = make_window(data_dir)
    image = window.windowIcon().pixmap(32, 32).toImage()
    assert not image.isNull()
    # Drawn, not blank: the icon's blue face fills the middle.
    middle = image.pixelColor(16, 16)
    assert middle.alpha() == 255 and middle.blue() > middle.red()


def test_typing_a_search_narrows_the_table(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    assert rows_label(window) == COUNT
    box = window.findChild(QLineEdit, "searchBox")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClicks(box, "printer")
    qtbot.waitUntil(lambda: rows_label(window) == COUNT // 5)
    table = window.findChild(QTableView, "sessionsTable")
    title = window.model.column_index("title")
    shown = [table.model().index(r, title).data() for r in range(table.model().rowCount())]
    assert all(t.startswith("Printer offline") for t in shown)
    assert window.row_count_label.text() == f"{COUNT // 5} sessions match the filters"
    # A search the engine cannot read gets a hint, not an exception, and no rows (the
    # previous search's rows would read as its matches; tests/test_ui_filters.py).
    box.setText('"')
    window.filter_bar.apply_now()
    hint = window.findChild(QLabel, "searchHint")
    assert hint.isVisible() and hint.text()
    assert rows_label(window) == 0
    box.setText("conf-0007")
    window.filter_bar.apply_now()
    assert window.row_count_label.text() == "1 session matches the filters"


def test_source_type_and_date_filters_and_clear(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    fill_cache(data_dir, 10, source="support", kind="beyondtrust")
    window = make_window(data_dir)
    assert rows_label(window) == COUNT + 10
    sources = window.findChild(QComboBox, "sourceFilter")
    sources.setCurrentIndex(sources.findData("support"))
    qtbot.waitUntil(lambda: rows_label(window) == 10)
    types = window.findChild(QComboBox, "typeFilter")
    types.setCurrentIndex(types.findData("call"))  # every 4th session is a call
    qtbot.waitUntil(lambda: rows_label(window) == 3)
    window.findChild(QLineEdit, "searchBox").clear()
    window.findChild(type(window.filter_bar.clear_button), "clearFilters").click()
    qtbot.waitUntil(lambda: rows_label(window) == COUNT + 10)
    # Sessions start hourly from 2025-05-01 08:00 UTC: a 10-hour window holds 10 per source.
    utc = QTimeZone.utc()
    window.findChild(QDateTimeEdit, "dateFrom").setDateTime(
        QDateTime(QDate(2025, 5, 1), QTime(8, 0), utc))
    window.findChild(QDateTimeEdit, "dateTo").setDateTime(
        QDateTime(QDate(2025, 5, 1), QTime(13, 0), utc))
    qtbot.waitUntil(lambda: rows_label(window) == 10)
    window.filter_bar.clear_button.click()
    qtbot.waitUntil(lambda: rows_label(window) == COUNT + 10)


def test_the_same_search_again_keeps_the_rows_and_the_selection(data_dir, make_window):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    window.filter_bar.search_box.setText("printer")
    window.filter_bar.apply_now()
    window.select_rows([1])
    window.filter_bar.search_box.setText("printer ")  # a space typed before the next word
    window.filter_bar.apply_now()
    assert window.selected_ranges() == [(1, 1)]
    assert rows_label(window) == COUNT // 5


def test_sync_progress_on_an_empty_table_keeps_the_users_columns(data_dir, make_window):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    status = window.model.column_index("status")
    window.table.set_column_visible(status, False)
    window.filter_bar.search_box.setText("nothing-matches-this")
    window.filter_bar.apply_now()
    assert rows_label(window) == 0
    window.sync.progressed.emit(None)  # a page arrived: the empty table is re-read
    assert window.table.horizontalHeader().isSectionHidden(status)


def test_sorting_a_column_by_clicking_its_header(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    table = window.findChild(QTableView, "sessionsTable")
    header = table.horizontalHeader()
    duration = window.model.column_index("duration_s")
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(duration) + 10,
                                header.height() // 2))
    qtbot.waitUntil(lambda: window.model.sort_key[0] == "duration_s")
    values = [window.model.session_at(r)["duration_s"] for r in range(COUNT)]
    assert values == sorted(values, reverse=window.model.sort_key[1])
    assert header.sortIndicatorSection() == duration


def test_selected_rows_export_to_exactly_those_rows(data_dir, make_window, qtbot, tmp_path):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    chosen = [2, 3, 4, 40, 117]
    window.select_rows(chosen)
    expected = keys_of(window, chosen)
    for fmt in ("csv", "json", "xlsx"):
        out = tmp_path / f"picked.{fmt}"
        worker = window.export_to(out, fmt, selected_only=True)
        with qtbot.waitSignal(worker.finished, timeout=10000):
            pass
        assert read_keys(out, fmt) == expected
    # The formula a stranger typed as a title is inert in CSV and XLSX.
    window.select_rows([COUNT - 1 - 3])
    out = tmp_path / "formula.csv"
    with qtbot.waitSignal(window.export_to(out, "csv", True).finished, timeout=10000):
        pass
    title = next(csv.DictReader(out.open(encoding="utf-8-sig")))["title"]
    assert title.startswith("'=")


def test_export_reads_a_cache_in_a_folder_whose_name_has_a_hash_and_a_question_mark(
        make_window, qtbot, tmp_path):
    data_dir = tmp_path / "Support #2 (what?)"
    data_dir.mkdir()
    fill_cache(data_dir, 10)
    window = make_window(data_dir)
    window.select_rows([0, 9])
    out = tmp_path / "picked.csv"
    with qtbot.waitSignal(window.export_to(out, "csv", selected_only=True).finished,
                          timeout=10000):
        pass
    assert read_keys(out, "csv") == keys_of(window, [0, 9])


def read_keys(path, fmt):
    if fmt == "csv":
        rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    elif fmt == "json":
        rows = json.loads(path.read_text())
    else:
        sheet = load_workbook(path, read_only=True)["sessions"]
        values = list(sheet.values)
        rows = [dict(zip(values[0], row, strict=True)) for row in values[1:]]
    return [(row["source"], row["session_id"]) for row in rows]


def test_export_dialog_exports_all_filtered_rows(data_dir, make_window, qtbot, tmp_path):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    window.filter_bar.search_box.setText("weekly")
    window.filter_bar.apply_now()
    window.export_action.trigger()
    dialog = window.findChild(QObject, "exportDialog")
    dialog.findChild(QComboBox, "exportFormat").setCurrentIndex(2)  # JSON
    dialog.findChild(QLineEdit, "exportPath").setText(str(tmp_path / "weekly.json"))
    assert dialog.findChild(QObject, "exportAll").isChecked()  # nothing selected
    dialog.accept()
    qtbot.waitUntil(lambda: (tmp_path / "weekly.json").exists(), timeout=10000)
    qtbot.waitUntil(lambda: not any(w.is_running() for w in window.workers))
    rows = json.loads((tmp_path / "weekly.json").read_text())
    assert len(rows) == COUNT // 5 and all("Weekly" in r["title"] for r in rows)


def test_detail_shows_events_artifacts_and_raw(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    table = window.findChild(QTableView, "sessionsTable")
    row = 1  # conf-0118: even, so it has a recording
    table.setCurrentIndex(table.model().index(row, 0))
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    events = window.findChild(QObject, "eventsView")
    artifacts = window.findChild(QObject, "artifactsView")
    raw = window.findChild(QObject, "rawView")
    qtbot.waitUntil(lambda: events.topLevelItemCount() == 2)
    assert [events.topLevelItem(i).text(3) for i in range(2)] == ["participant_joined", "note"]
    assert artifacts.topLevelItemCount() == 1
    assert artifacts.topLevelItem(0).text(1) == "Recording of conf-0118"
    assert '"participants": [' in raw.toPlainText()  # pretty-printed JSON
    with opened_urls("https") as urls:
        artifacts.itemActivated.emit(artifacts.topLevelItem(0), 2)
    assert [url.toString() for url in urls] == ["https://view.example.com/r/118"]
    window.detail.tabs.setCurrentIndex(1)  # the timeline draws without error
    qtbot.waitUntil(lambda: window.detail._timeline is not None)


def test_overview_gives_the_fields_room_beside_the_participants(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    window.resize(1440, 900)
    window.select_rows([0])
    fields = window.detail.fields.parentWidget()
    qtbot.waitUntil(lambda: window.detail.fields.rowCount() > 3)
    people = window.findChild(QObject, "participantsView")
    assert fields.width() > people.width() > 200  # about 3:2, as the splitter stretches
    labels = [window.detail.fields.itemAt(row, window.detail.fields.ItemRole.LabelRole)
              for row in range(window.detail.fields.rowCount())]
    clipped = [item.widget().text() for item in labels if item and item.widget()
               and item.widget().width() < item.widget().sizeHint().width()]
    assert clipped == []


def test_a_vendor_field_named_like_ours_is_told_apart():
    running = {"session_id": "42", "source": "bt", "kind": "beyondtrust",
               "type": "support_session", "status": "in progress", "start": "2026-11-23T02:29:16Z",
               "extra": {"duration": "00:06:03", "jumpoint": "HQ-DC-Jumpoint"}}
    rows = dict(field_rows(running, utc=True))
    # one Duration row, not "unknown" above "Duration (as sent)" (audit #22)
    assert rows["Duration"] == "in progress (the source says 00:06:03 so far)"
    assert "Duration (as sent)" not in rows
    assert rows["Jumpoint"] == "HQ-DC-Jumpoint"


@pytest.mark.parametrize("key, label", [
    ("hostEmail", "Host email"), ("host_email", "Host email"), ("meetingId", "Meeting id"),
    ("sipURI", "Sip URI"), ("file_transfer_count", "File transfer count"), ("tag", "Tag"),
])
def test_vendor_field_keys_read_as_words(key, label):
    assert field_label(key) == label
    assert extra_column(key).title == label
    assert extra_column("duration").title == "Duration (as sent)"  # not a second "Duration"


def test_a_session_without_artifacts_says_so(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    window.select_rows([0])  # conf-0119: odd, so nothing was recorded
    window.detail.tabs.setCurrentIndex(2)
    status = window.findChild(QLabel, "downloadStatus")
    qtbot.waitUntil(status.isVisible)
    assert "no recording, transcript or chat log" in status.text()
    window.select_rows([1])  # conf-0118 has a recording: no such message
    qtbot.waitUntil(lambda: not status.isVisible())


def test_window_remembers_columns_filters_and_sort(data_dir, make_window, qtbot):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    header = window.table.horizontalHeader()
    session_id = window.model.column_index("session_id")
    status = window.model.column_index("status")
    window.table.set_column_visible(session_id, True)
    window.table.set_column_visible(status, False)
    window.filter_bar.search_box.setText("board")
    window.filter_bar.apply_now()
    window.model.sort(window.model.column_index("title"), Qt.SortOrder.AscendingOrder)
    window.close()
    assert "board" in json.dumps(Settings(data_dir).ui_state())
    again = make_window(data_dir)
    header = again.table.horizontalHeader()
    assert not header.isSectionHidden(again.model.column_index("session_id"))
    assert header.isSectionHidden(again.model.column_index("status"))
    assert again.filter_bar.search_box.text() == "board"
    assert rows_label(again) == COUNT // 5
    assert again.model.sort_key == ("title", False)


def visual_keys(window) -> list[str]:
    """The table's column keys as the user sees them, left to right."""
    header = window.table.horizontalHeader()
    return [window.model.columns[header.logicalIndex(v)].key for v in range(header.count())]


def test_window_remembers_the_order_columns_were_dragged_into(data_dir, make_window):
    fill_cache(data_dir, COUNT)
    window = make_window(data_dir)
    default = visual_keys(window)
    header = window.table.horizontalHeader()
    assert header.sectionsMovable()
    title, status = window.model.column_index("title"), window.model.column_index("status")
    header.moveSection(header.visualIndex(title), 0)  # what a drag does
    header.moveSection(header.visualIndex(status), header.count() - 1)
    dragged = visual_keys(window)
    assert dragged != default and dragged[0] == "title" and dragged[-1] == "status"
    window.close()
    again = make_window(data_dir)
    assert visual_keys(again) == dragged
    again.table.set_column_visible(again.model.column_index("status"), False)
    again.close()
    # A settings file from before the order was remembered: default order, other choices kept.
    settings = Settings(data_dir)
    state = settings.ui_state()
    del state["columns"]["order"]
    settings.save_ui_state(state)
    old = make_window(data_dir)
    assert visual_keys(old) == default
    assert old.table.horizontalHeader().isSectionHidden(old.model.column_index("status"))
    assert old.model.rowCount() == COUNT


def test_sources_dialog_buttons_share_one_row_and_no_label_is_clipped(data_dir, make_window,
                                                                      qtbot):
    window = make_window(data_dir)
    dialog = window.open_sources()
    qtbot.waitExposed(dialog)
    buttons = [dialog.findChild(QPushButton, name) for name in
               ("newSource", "removeSource", "testSource", "saveSource")]
    close = dialog.button_box.button(QDialogButtonBox.StandardButton.Close)
    rows = {b.mapTo(dialog, QPoint(0, b.height() // 2)).y() for b in [*buttons, close]}
    assert len(rows) == 1  # one row, not Close alone below the others
    test, save = buttons[2], buttons[3]
    left = [b.mapTo(dialog, QPoint(0, 0)).x() for b in (test, save, close)]
    assert left[0] < min(left[1:])  # Test connection left, Save and Close right
    for kind in ("pexip", "beyondtrust", "msgraph", "webex", "restcomm"):
        dialog.kind_box.setCurrentIndex(dialog.kind_box.findData(kind))
        qtbot.wait(10)
        clipped = [label.text() for label in dialog.findChildren(QLabel)
                   if label.isVisible() and label.text() and not label.wordWrap()
                   and label.width() < label.sizeHint().width()]
        assert clipped == [], kind
    close.click()
    assert not dialog.isVisible()


def test_timeline_frames_the_session_and_gives_a_lone_event_room(qtbot):
    from app.ui.timeline import Timeline

    timeline = Timeline()
    qtbot.addWidget(timeline)
    message = {"time": "2026-11-20T23:45:05Z", "lane": "yuki", "kind": "messages.created"}
    timeline.set_events([message])
    low, high = timeline.getPlotItem().getViewBox().viewRange()[0]
    assert high - low >= 120  # minutes on the axis, not milliseconds
    late = [{"time": "2026-11-20T18:58:13Z", "lane": "noah"},
            {"time": "2026-11-20T19:25:45Z", "lane": "transcripts"}]
    timeline.set_events(late, ("2026-11-20T18:29:52Z", "2026-11-20T19:18:18Z"))
    low, high = timeline.getPlotItem().getViewBox().viewRange()[0]
    meeting_start = datetime(2026, 11, 20, 18, 29, 52, tzinfo=UTC).timestamp()
    assert low <= meeting_start < low + 300 and high >= meeting_start + 55 * 60
    timeline.set_events([{"time": "not a time", "lane": "x"}], ("2026-11-20T18:29:52Z", None))
    assert timeline.getPlotItem().getViewBox().viewRange()[0] == [low, high]  # left as it was


@pytest.mark.parametrize("damaged, says", [
    ("settings.json", "settings file"), ("cache.db", "not a cache histview can read")])
def test_a_damaged_data_file_is_said_in_a_message_box_not_a_crash(qtbot, data_dir, damaged,
                                                                   says):
    from app.ui.app import run_gui

    (data_dir / damaged).write_bytes(b'{"sources": [')
    seen: list[str] = []

    def answer_the_box() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(50, answer_the_box)
            return
        seen.append(box.text())
        box.accept()

    QTimer.singleShot(50, answer_the_box)
    assert run_gui(data_dir) == 2
    assert says in seen[0] and str(data_dir / damaged) in seen[0]
    assert (data_dir / damaged).read_bytes() == b'{"sources": ['


def test_a_cache_from_an_older_version_is_updated_behind_a_notice(qtbot, data_dir,
                                                                  make_window):
    from app.ui.app import updating_notice

    assert updating_notice(data_dir) is None  # no cache yet: nothing to update
    cache_before(data_dir / "cache.db", "m010_search_text_has_source_name_and_kind",
                 {"source": "px", "session_id": "c1", "kind": "pexip", "type": "conference",
                  "title": "Weekly sync", "start_time": "2026-11-02T10:00:00Z",
                  "search_text": "Weekly c1"})
    notice = updating_notice(data_dir)
    assert notice is not None and notice.isVisible() and "Updating" in notice.message()
    notice.close()
    window = make_window(data_dir)  # updates the cache
    window.filter_bar.search_box.setText("pexip")
    window.filter_bar.apply_now()
    assert rows_label(window) == 1
    assert updating_notice(data_dir) is None
    assert (data_dir / "cache.db.before-migration").exists()
