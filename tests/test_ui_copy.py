"""Ctrl+C copies what is selected where the focus is: rows in the table, text elsewhere;
and the table says why a column does not sort."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPlainTextEdit, QTableView

from tests.test_ui_support import fill_cache, window_factory


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
