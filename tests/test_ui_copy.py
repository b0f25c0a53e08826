"""Ctrl+C copies what is selected where the focus is: rows in the table, as the table
shows them, text elsewhere; and the table says why a column does not sort."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPlainTextEdit, QTableView

from app.model import Session
from app.settings import Settings
from app.store import Store
from tests.test_ui_support import fill_cache, local_clock, window_factory


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


def test_ctrl_c_in_the_raw_record_copies_its_text_not_the_rows(data_dir, make_window, qtbot):
    fill_cache(data_dir, 20)
    window = make_window(data_dir)
    table = window.findChild(QTableView, "sessionsTable")
    table.setCurrentIndex(table.model().index(0, 0))
    window.select_rows([0])
    raw = window.findChild(QPlainTextEdit, "rawView")
    qtbot.waitUntil(lambda: raw.toPlainText() != "")
    QGuiApplication.clipboard().setText("before")
    raw.setFocus()
    raw.selectAll()
    qtbot.keyClick(raw, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == raw.toPlainText()
    assert "Copied" not in window.statusBar().currentMessage()


def test_clicking_a_column_that_cannot_sort_says_why_in_the_status_bar(data_dir, make_window,
                                                                      qtbot):
    fill_cache(data_dir, 20)
    window = make_window(data_dir)
    # the filled cache's extra fields (kept as JSON) make columns SQL cannot sort
    unsortable = next(i for i, c in enumerate(window.model.columns) if not c.sort)
    window.table.horizontalHeader().setSectionHidden(unsortable, False)
    window.model.sort(unsortable)
    assert "cannot be sorted" in window.statusBar().currentMessage()


@pytest.fixture
def sao_paulo(monkeypatch):
    """The machine's clock on America/Sao_Paulo (UTC-3), so local and UTC times differ."""
    yield from local_clock(monkeypatch, "America/Sao_Paulo")


def press_ctrl_c(window, qtbot) -> list[list[str]]:
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    return [line.split("\t") for line in QGuiApplication.clipboard().text().splitlines()]


def test_ctrl_c_copies_the_rows_as_the_table_shows_them(data_dir, make_window, qtbot,
                                                        sao_paulo):
    """The shown columns in the order the user dragged them into, under the headers as
    shown, with the cells as displayed: local times, durations, people, checkmarks.
    (Before: the export's columns, source, kind, session_id, …, with UTC ISO times.)"""
    fill_cache(data_dir, 20)
    window = make_window(data_dir)
    model, header = window.model, window.table.horizontalHeader()
    window.table.set_column_visible(model.column_index("status"), False)
    window.table.set_column_visible(model.column_index("session_id"), True)
    header.moveSection(header.visualIndex(model.column_index("title")), 0)
    window.select_rows([3, 0])  # conf-0016 and conf-0019, copied in table order
    lines = press_ctrl_c(window, qtbot)
    assert lines[0] == ["Title", "Start", "Duration", "Source", "Type", "Participants",
                        "Direction", "Recording", "Transcript", "Session ID"]
    # conf-0019 starts 2025-05-01 08:00 UTC + 19 h (midnight in São Paulo),
    # lasts 10 + 19 min, and has no recording (only even ones do)
    assert lines[1] == ["Board call #19", "2025-05-02 00:00:00", "29 min 00 s", "video",
                        "conference", "Emma Rossi, Bob Okafor", "", "", "", "conf-0019"]
    assert lines[2][:3] == ["VPN drops #16", "2025-05-01 21:00:00", "26 min 00 s"]
    assert lines[2][7] == "✓"
    assert len(lines) == 3
    assert window.statusBar().currentMessage() == "Copied 2 rows."
    shown = [model.index(0, header.logicalIndex(v)).data() for v in range(header.count())
             if not header.isSectionHidden(header.logicalIndex(v))]
    assert lines[1] == shown  # exactly the cells the table draws
    window.utc_action.setChecked(True)
    lines = press_ctrl_c(window, qtbot)
    assert lines[0][1] == "Start (UTC)" and lines[1][1] == "2025-05-02 03:00:00"


def test_copied_cells_stay_one_line_and_inert_in_a_spreadsheet(data_dir, make_window, qtbot):
    store = Store(Settings(data_dir).cache_path)
    store.write_page("bt", "beyondtrust", "s", None, sessions=[
        Session("1", "support_session", "two\tcells\nand a line", "2026-11-01T10:00:00Z",
                None, None, ["Bob\r@SUM(A1)"]),
        Session("2", "support_session", "=HYPERLINK(\"http://evil\")",
                "2026-11-02T10:00:00Z", None, None, [])])
    store.close()
    window = make_window(data_dir)
    window.select_rows([0, 1])
    lines = press_ctrl_c(window, qtbot)
    assert len(lines) == 3 and all(len(line) == len(lines[0]) for line in lines)
    title = lines[0].index("Title")
    assert lines[1][title] == "'=HYPERLINK(\"http://evil\")"
    assert lines[2][title] == "two cells and a line"
    assert lines[2][lines[0].index("Participants")] == "Bob @SUM(A1)"
