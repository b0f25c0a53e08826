"""The sessions table view: row selection, sorting through the model, the column chooser.

Selections are handled as row ranges, never as lists of indexes: selecting all of a million
rows is one range, and an export or a copy reads those ranges back from SQL.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMenu, QTableView, QWidget

from app.ui import window_state
from app.ui.sessions_model import SessionsModel


class SessionsTable(QTableView):
    def __init__(self, model: SessionsModel, column_state: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionsTable")
        self.setModel(model)
        self.sessions = model
        self.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionsMovable(True)  # users drag columns; the order is remembered
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.size_columns(column_state)
        self.sync_sort_indicator()
        self.setSortingEnabled(True)  # header clicks call the model's SQL sort
        model.sort_changed.connect(lambda *_: self.sync_sort_indicator())

    # -- columns ------------------------------------------------------------------------------

    def column_keys(self) -> list[str]:
        return [c.key for c in self.sessions.columns]

    def size_columns(self, state: dict[str, Any]) -> None:
        """Default widths, then the user's remembered choices (new columns keep defaults)."""
        header = self.horizontalHeader()
        for index, column in enumerate(self.sessions.columns):
            header.resizeSection(index, column.width)
        window_state.apply_columns(header, self.column_keys(),
                                   [c.visible for c in self.sessions.columns], state)

    def column_state(self) -> dict[str, Any]:
        return window_state.column_state(self.horizontalHeader(), self.column_keys())

    def sync_sort_indicator(self) -> None:
        key, descending = self.sessions.sort_key
        index = next((i for i, c in enumerate(self.sessions.columns) if c.sort == key), 0)
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        header = self.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(index, order)
        header.blockSignals(False)

    def fill_column_menu(self, menu: QMenu) -> None:
        menu.clear()
        header = self.horizontalHeader()
        for index, column in enumerate(self.sessions.columns):
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(index))
            action.toggled.connect(lambda on, i=index: self.set_column_visible(i, on))

    def set_column_visible(self, index: int, visible: bool) -> None:
        header = self.horizontalHeader()
        if not visible and header.count() - header.hiddenSectionCount() <= 1:
            return  # never hide the last visible column
        header.setSectionHidden(index, not visible)

    def _column_menu(self, position) -> None:
        menu = QMenu(self)
        self.fill_column_menu(menu)
        menu.popup(self.horizontalHeader().mapToGlobal(position))

    # -- selection ----------------------------------------------------------------------------

    def select_rows(self, rows: list[int]) -> None:
        """Select rows by position (keyboard users and tests); the first becomes current."""
        selection = self.selectionModel()
        selection.clearSelection()
        flags = (QItemSelectionModel.SelectionFlag.Select
                 | QItemSelectionModel.SelectionFlag.Rows)
        for row in rows:
            selection.select(self.sessions.index(row, 0), flags)
        if rows:
            selection.setCurrentIndex(self.sessions.index(rows[0], 0), flags)

    def selected_ranges(self) -> list[tuple[int, int]]:
        """Selected rows as inclusive (first, last) ranges, merged and in table order."""
        rows = sorted((r.top(), r.bottom()) for r in self.selectionModel().selection())
        merged: list[tuple[int, int]] = []
        for first, last in rows:
            if merged and first <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
            else:
                merged.append((first, last))
        return merged

    def selected_count(self) -> int:
        return sum(last - first + 1 for first, last in self.selected_ranges())

    def selected_sessions(self) -> list[dict[str, Any]]:
        return [s for first, last in self.selected_ranges()
                for s in self.sessions.sessions_between(first, last)]
