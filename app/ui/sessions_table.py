"""The sessions table view: row selection, sorting through the model, the column chooser,
the rows as copied text.

Selections are handled as row ranges, never as lists of indexes: selecting all of a million
rows is one range, and an export or a copy reads those ranges back from SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QPoint, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QContextMenuEvent, QKeySequence
from PySide6.QtWidgets import QMenu, QTableView, QWidget

from app.export import tsv_text
from app.ui import window_state
from app.ui.columns import STRETCH_KEYS, share_out
from app.ui.sessions_model import SessionsModel

#: A selection this large is not put back row by row after a re-read (the current row is).
KEPT_ROWS = 200
#: How far past the old rows a kept session is looked for (new rows push it down).
SEARCH_ROWS = 20_000


class SessionsTable(QTableView):
    #: The rows' context menu is wanted at this global position (``app.ui.table_menu``).
    row_menu_requested = Signal(QPoint)

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
        # Tab leaves the table for the next widget (the detail pane): with Qt's default it
        # moved from cell to cell forever, a trap for keyboard users. Arrows move in it.
        self.setTabKeyNavigation(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionsMovable(True)  # users drag columns; the order is remembered
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._extra: dict[int, int] = {}  # pixels a column got to fill a wide table
        self._user_sized: set[str] = set()  # stretch columns the user resized: theirs
        self._fitting = False
        self._fit_timer = QTimer(self, singleShot=True, interval=0)
        self._fit_timer.timeout.connect(self.fit_width)
        header.sectionResized.connect(self._section_resized)
        self.size_columns(column_state)
        self.sync_sort_indicator()
        self.setSortingEnabled(True)  # header clicks call the model's SQL sort
        model.sort_changed.connect(lambda *_: self.sync_sort_indicator())
        self._add_menu_keys()

    # -- the rows' context menu ------------------------------------------------------------

    def _add_menu_keys(self) -> None:
        """The Menu key and Shift+F10 open the row menu at the current row: only some
        platforms turn the Menu key into a context-menu event, and none does Shift+F10."""
        action = QAction("Row menu", self, objectName="rowMenuKeys")
        action.setShortcuts([QKeySequence(Qt.Key.Key_Menu), QKeySequence("Shift+F10")])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda: self.row_menu_requested.emit(self._menu_point()))
        self.addAction(action)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """A right-click (Qt has already selected the row under it, or kept a selection it
        falls in) opens the menu where the mouse is; a keyboard request at the current row."""
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            self.row_menu_requested.emit(event.globalPos())
        else:
            self.row_menu_requested.emit(self._menu_point())
        event.accept()

    def _menu_point(self) -> QPoint:
        """Just under the current row's first shown cell, or the table's top left."""
        rect = self.visualRect(self.currentIndex())
        if not rect.isValid() or not self.viewport().rect().intersects(rect):
            return self.viewport().mapToGlobal(QPoint(0, 0))
        return self.viewport().mapToGlobal(QPoint(max(rect.left(), 0) + 8, rect.bottom()))

    # -- columns ------------------------------------------------------------------------------

    def column_keys(self) -> list[str]:
        return [c.key for c in self.sessions.columns]

    def size_columns(self, state: dict[str, Any]) -> None:
        """Default widths, then the user's remembered choices (new columns keep defaults);
        then Title and Participants fill what is left of a wide table (``fit_width``)."""
        header = self.horizontalHeader()
        self._fitting = True
        try:
            self._extra.clear()
            for index, column in enumerate(self.sessions.columns):
                header.resizeSection(index, column.width)
            window_state.apply_columns(header, self.column_keys(),
                                       [c.visible for c in self.sessions.columns], state)
        finally:
            self._fitting = False
        if "user_sized" in state:
            self._user_sized = set(state["user_sized"])
        self.fit_width()

    def column_state(self) -> dict[str, Any]:
        """What is remembered: the widths without the fill a wide window added (else the
        next, smaller window would open with 2560-px-wide columns and a scroll bar), and
        which stretch columns the user sized by hand."""
        keys = self.column_keys()
        state = window_state.column_state(self.horizontalHeader(), keys)
        state["widths"] = {k: w - self._extra.get(keys.index(k), 0)
                           for k, w in state["widths"].items()}
        state["user_sized"] = sorted(self._user_sized)
        return state

    def fit_width(self) -> None:
        """Share the table's spare width between Title and Participants in proportion to
        their own widths (those the user has not sized by hand). Before, at 2560 px the
        columns ended at 55% of the table while those two were cut off. Only widths are
        read: nothing here depends on the number of rows."""
        header = self.horizontalHeader()
        keys = self.column_keys()
        shown = [i for i in range(header.count()) if not header.isSectionHidden(i)]
        bases = {i: header.sectionSize(i) - self._extra.get(i, 0) for i in shown}
        stretch = {i: bases[i] for i in shown
                   if keys[i] in STRETCH_KEYS and keys[i] not in self._user_sized}
        extra = share_out(self.viewport().width() - sum(bases.values()), stretch)
        self._fitting = True
        try:
            for index, add in extra.items():
                if header.sectionSize(index) != bases[index] + add:
                    header.resizeSection(index, bases[index] + add)
                self._extra[index] = add
        finally:
            self._fitting = False

    def _section_resized(self, index: int, old: int, new: int) -> None:
        """A width the user dragged is theirs: its fill goes, and a stretch column stops
        taking spare width (the other one takes it). Shown, hidden: the room changed."""
        if self._fitting:
            return
        if old and new and not self.horizontalHeader().isSectionHidden(index):
            self._extra.pop(index, None)
            keys = self.column_keys()
            if index < len(keys) and keys[index] in STRETCH_KEYS:
                self._user_sized.add(keys[index])
        self._fit_timer.start()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._fit_timer.start()  # after the resize: the scroll bars have settled
        return super().viewportEvent(event)

    def sync_sort_indicator(self) -> None:
        key, descending = self.sessions.sort_key
        index = next((i for i, c in enumerate(self.sessions.columns) if c.sort == key), 0)
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        header = self.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(index, order)
        header.blockSignals(False)

    def fill_column_menu(self, menu: QMenu) -> None:
        """Our columns in their usual order, then every vendor field in one "More fields"
        submenu sorted by label. Before, some hundred entries in one list, vendor fields in
        the order the cache happened to name them. (A column does not know which vendor
        sent its field, so they are not grouped by vendor.)"""
        for old in menu.findChildren(QMenu, options=Qt.FindChildOption.FindDirectChildrenOnly):
            old.deleteLater()  # the submenu of the last time the menu opened
        menu.clear()
        header = self.horizontalHeader()
        extras = []
        for index, column in enumerate(self.sessions.columns):
            if column.is_extra:
                extras.append(index)
            else:
                self._add_column_action(menu, index)
        if not extras:
            return
        shown = sum(not header.isSectionHidden(i) for i in extras)
        menu.addSeparator()
        more = menu.addMenu(f"More fields ({shown} shown)" if shown else "More fields")
        more.setObjectName("moreColumnsMenu")
        columns = self.sessions.columns
        for index in sorted(extras, key=lambda i: (columns[i].title.casefold(), columns[i].key)):
            self._add_column_action(more, index)

    def _add_column_action(self, menu: QMenu, index: int) -> None:
        action = menu.addAction(self.sessions.columns[index].title)
        action.setCheckable(True)
        action.setChecked(not self.horizontalHeader().isSectionHidden(index))
        action.toggled.connect(lambda on, i=index: self.set_column_visible(i, on))

    def set_column_visible(self, index: int, visible: bool) -> None:
        header = self.horizontalHeader()
        if not visible and header.count() - header.hiddenSectionCount() <= 1:
            return  # never hide the last visible column
        header.setSectionHidden(index, not visible)

    def _column_menu(self, position) -> None:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
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

    def visible_columns(self) -> list[int]:
        """The shown columns' model indexes, left to right as the user arranged them."""
        header = self.horizontalHeader()
        logical = (header.logicalIndex(visual) for visual in range(header.count()))
        return [i for i in logical if not header.isSectionHidden(i)]

    def rows_text(self, sessions: list[dict[str, Any]]) -> str:
        """``sessions`` as the table shows them, tab-separated under the shown headers, for
        the clipboard: a paste into a spreadsheet gives what the user saw. Before, the
        export's columns (keys, UTC ISO times, seconds) whatever the table showed."""
        columns = self.visible_columns()
        header = [self.sessions.header_text(i) for i in columns]
        return tsv_text([header, *([self.sessions.cell_text(s, i) for i in columns]
                                   for s in sessions)])


@contextmanager
def _held(table: SessionsTable, follow_selection: Callable[[], None]) -> Iterator[None]:
    """Hold off ``follow_selection`` (which clears the detail pane after a re-query) while
    the rows are re-read, so the pane stays on a session that is put back."""
    table.sessions.modelReset.disconnect(follow_selection)
    try:
        yield
    finally:
        table.sessions.modelReset.connect(follow_selection)


def _kept_rows(table: SessionsTable, current: int) -> list[int]:
    ranges = table.selected_ranges()
    if sum(last - first + 1 for first, last in ranges) > KEPT_ROWS:
        return [current]
    return [r for first, last in ranges for r in range(first, last + 1)]


def requery_keeping_selection(table: SessionsTable, requery: Callable[[], None],
                              follow_selection: Callable[[], None]) -> None:
    """Apply a new filter and keep selected the selected sessions it still shows, the
    detail pane on the current one (before, a narrowed search dropped the selection and
    emptied the pane). The model tells which of them still match
    (``still_shown``); those are looked for outward from where the current row would
    fall, in a bounded number of rows, and none when none matches. A
    session that no longer matches leaves the selection; if the current one left, the
    first kept one becomes current and the pane follows it."""
    model = table.sessions
    current = table.currentIndex().row() if table.selectionModel().hasSelection() else -1
    if current < 0:
        requery()
        return
    sessions = [s for s in map(model.session_at, _kept_rows(table, current)) if s]
    current_key, before = model.key_at(current), model.rowCount()
    with _held(table, follow_selection):
        requery()
    near = current * model.rowCount() // max(before, 1)
    found = model.find_rows(model.still_shown(sessions), near=near, limit=SEARCH_ROWS)
    if not found:
        follow_selection()
        return
    if current_key in found:
        rows = [found[current_key], *sorted(set(found.values()) - {found[current_key]})]
        with QSignalBlocker(table.selectionModel()):  # the pane already shows it
            table.select_rows(rows)
        table.viewport().update()
    else:
        rows = sorted(found.values())
        table.select_rows(rows)
    table.scrollTo(model.index(rows[0], 0))


def refresh_keeping_selection(table: SessionsTable, refresh: Callable[[], None],
                              follow_selection: Callable[[], None]) -> None:
    """Re-read the rows while a sync lands pages, and put the selection back on its
    sessions wherever the new rows pushed them, the current row at the same height on
    screen. The detail pane is left alone (``follow_selection``, which clears it after a
    re-query, is held off) unless the current session can no longer be found."""
    model = table.sessions
    selection = table.selectionModel()
    current = table.currentIndex().row() if selection.hasSelection() else -1
    if current < 0:
        refresh()
        return
    rows = _kept_rows(table, current)
    wanted = {model.key_at(row) for row in rows} - {None}
    current_key = model.key_at(current)
    height_before = table.rowViewportPosition(current)
    before = model.rowCount()
    with _held(table, follow_selection):
        refresh()
    found: dict[tuple[str, str], int] = {}
    low = max(0, min(rows) - 50)
    high = min(model.rowCount(), max(rows) + max(model.rowCount() - before, 0) + 50,
               low + SEARCH_ROWS)
    for row in range(low, high):
        key = model.key_at(row)
        if key in wanted:
            found[key] = row
            if len(found) == len(wanted):
                break
    if current_key not in found:
        follow_selection()  # gone or out of reach: as after any re-query
        return
    new_current = found[current_key]
    with QSignalBlocker(selection):  # the pane already shows this session
        table.select_rows([new_current, *sorted(set(found.values()) - {new_current})])
    shift = table.rowViewportPosition(new_current) - height_before
    bar = table.verticalScrollBar()
    if table.verticalScrollMode() == QTableView.ScrollMode.ScrollPerItem:
        shift = round(shift / max(table.rowHeight(new_current), 1))
    bar.setValue(bar.value() + shift)
    table.viewport().update()
