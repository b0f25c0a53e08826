"""The sessions table's model: a window onto SQLite, never the whole cache in memory.

``rowCount`` is the number of matching sessions (one COUNT); ``data`` reads the block of
rows around the one asked for (200 rows per query, ``session_window``) and keeps the most
recently used blocks. Sorting and filtering re-query SQL; there is no proxy model. So a
cache of a million sessions opens, sorts and scrolls like one of a hundred.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.store.queries import (
    SORT_COLUMNS,
    BadQuery,
    SessionFilter,
    count_sessions,
    extra_keys,
    matching_keys,
    session_window,
)
from app.ui.columns import CENTER, RIGHT, Column, columns_for
from app.ui.formatting import time_tooltip

BLOCK = 200
MAX_BLOCKS = 40  # 8,000 rows kept: a few screens either way of where the user is
KEY_ROLE = Qt.ItemDataRole.UserRole  # (source, session_id), per CONTRACT.md
SESSION_ROLE = Qt.ItemDataRole.UserRole + 1  # the whole session dict

_ALIGN = {
    RIGHT: Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
    CENTER: Qt.AlignmentFlag.AlignCenter,
}
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

Index = QModelIndex | QPersistentModelIndex
Key = tuple[str, str]


class SessionsModel(QAbstractTableModel):
    """Sessions matching a ``SessionFilter``, sorted in SQL, read a block at a time."""

    count_changed = Signal(int)
    sort_changed = Signal(int, Qt.SortOrder)
    #: Why a header click left the order as it was, for the status bar (an extra column).
    sort_refused = Signal(str)

    def __init__(self, conn: sqlite3.Connection, flt: SessionFilter | None = None, *,
                 sort: str = "start", descending: bool = True, parent=None) -> None:
        """Opens on ``flt`` (raises ``BadQuery`` for an unreadable search) sorted by
        ``sort``, so a window restoring its last filters counts the cache only once."""
        super().__init__(parent)
        self._conn = conn
        self._filter = flt or SessionFilter()
        self._sort = sort if sort in SORT_COLUMNS else "start"
        self._descending = descending
        self._utc = False
        self._blocks: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()
        self._unreadable: str | None = None  # why the filter's search cannot run
        self.columns: list[Column] = columns_for(extra_keys(conn))
        self._count = count_sessions(conn, self._filter)

    # -- what the window changes -----------------------------------------------------------

    @property
    def filter(self) -> SessionFilter:
        return self._filter

    @property
    def unreadable(self) -> str | None:
        """The hint for a search that cannot run (the table then shows no rows)."""
        return self._unreadable

    @property
    def sort_key(self) -> tuple[str, bool]:
        return self._sort, self._descending

    def set_filter(self, flt: SessionFilter) -> None:
        """Apply a filter; raises ``BadQuery`` (and changes nothing) for an unreadable search.
        The filter already shown is not re-read (a trailing space typed in the search box
        keeps the rows and the selection)."""
        if flt == self._filter:
            if self._unreadable:
                raise BadQuery(self._unreadable)
            return
        count = count_sessions(self._conn, flt)
        self._show(flt, count, None)

    def set_unreadable(self, flt: SessionFilter, reason: str) -> None:
        """Show no rows for ``flt``, whose search cannot run: the previous rows left under
        the new search would read as its matches."""
        self._show(flt, 0, reason)

    def _show(self, flt: SessionFilter, count: int, unreadable: str | None) -> None:
        self.beginResetModel()
        self._filter, self._count, self._unreadable = flt, count, unreadable
        self._blocks.clear()
        self.endResetModel()
        self.count_changed.emit(count)

    def refresh(self) -> None:
        """Re-read after a sync: the count, the rows and any new extra columns."""
        keys = extra_keys(self._conn)
        count = 0 if self._unreadable else count_sessions(self._conn, self._filter)
        self.beginResetModel()
        self.columns = columns_for(keys)
        self._count = count
        self._blocks.clear()
        self.endResetModel()
        self.count_changed.emit(count)

    def set_utc(self, utc: bool) -> None:
        self._utc = utc
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1,
                                                               len(self.columns) - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)

    def column_index(self, key: str) -> int:
        return next((i for i, c in enumerate(self.columns) if c.key == key), -1)

    def header_text(self, column: int) -> str:
        """The header as shown (``Start (UTC)`` while the toggle is on)."""
        return str(self.headerData(column, Qt.Orientation.Horizontal) or "")

    def cell_text(self, session: dict[str, Any], column: int) -> str:
        """A session's cell as shown, for a session read outside the view (a copy)."""
        return self.columns[column].text(session, self._utc)

    # -- Qt's model interface ----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._count:
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.TextAlignmentRole, KEY_ROLE, SESSION_ROLE):
            return None
        session = self.session_at(index.row())
        if session is None:
            return None
        column = self.columns[index.column()]
        return self._role_data(session, column, role)

    def _role_data(self, session: dict[str, Any], column: Column, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(session, self._utc)
        if role == KEY_ROLE:
            return (session["source"], session["session_id"])
        if role == SESSION_ROLE:
            return session
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN.get(column.align, _LEFT)
        if column.is_time:
            return time_tooltip(session.get(column.key))
        text = column.text(session, self._utc)
        return text if len(text) > 30 else None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{column.title} (UTC)" if column.is_time and self._utc else column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.title if column.sort else f"{column.title} (cannot be sorted)"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in SQL. A column SQL cannot sort (a vendor's extra field, kept as JSON)
        keeps the current order and says why in ``sort_refused``: before, the header's
        arrow jumped back without a word."""
        if 0 <= column < len(self.columns) and not self.columns[column].sort:
            now = next((c.title for c in self.columns if c.sort == self._sort), self._sort)
            self.sort_refused.emit(f"{self.columns[column].title} cannot be sorted (only "
                                   f"some sources send it); the table stays sorted by {now}.")
        if 0 <= column < len(self.columns) and self.columns[column].sort:
            self.beginResetModel()
            self._sort = self.columns[column].sort or "start"
            self._descending = order == Qt.SortOrder.DescendingOrder
            self._blocks.clear()
            self.endResetModel()
        current = next((i for i, c in enumerate(self.columns) if c.sort == self._sort), 0)
        self.sort_changed.emit(current, Qt.SortOrder.DescendingOrder if self._descending
                               else Qt.SortOrder.AscendingOrder)

    # -- rows ---------------------------------------------------------------------------------

    def session_at(self, row: int) -> dict[str, Any] | None:
        if not 0 <= row < self._count:
            return None
        block = self._block(row // BLOCK)
        offset = row % BLOCK
        return block[offset] if offset < len(block) else None

    def key_at(self, row: int) -> tuple[str, str] | None:
        session = self.session_at(row)
        return (session["source"], session["session_id"]) if session else None

    def still_shown(self, sessions: list[dict[str, Any]]) -> set[Key]:
        """Which of ``sessions`` (read before a re-query) the current filter shows, so a
        narrowed filter looks for those selected sessions that are left, and for none when
        none is (``queries.matching_keys``: a few milliseconds for a selection)."""
        if self._unreadable:
            return set()
        return matching_keys(self._conn, self._filter,
                             [(s["source"], s["session_id"]) for s in sessions])

    def find_rows(self, keys: set[Key], *, near: int, limit: int) -> dict[Key, int]:
        """Where ``keys`` (sessions the filter shows) are now, read block by block outward
        from row ``near``, at most ``limit`` rows and only until all are found: a re-query
        moves sessions, but a million rows are not to be scanned (the blocks read here are
        kept, and the view is about to show them)."""
        found: dict[Key, int] = {}
        wanted = len(keys)
        if not wanted or not self._count:
            return found
        last = (self._count - 1) // BLOCK
        centre = min(max(near, 0), self._count - 1) // BLOCK
        blocks = max(limit // BLOCK, 1)
        order = [centre]
        for step in range(1, last + 1):
            if len(order) >= blocks:
                break
            order += [n for n in (centre + step, centre - step) if 0 <= n <= last]
        for number in order[:blocks]:
            for offset, session in enumerate(self._block(number)):
                key = (session["source"], session["session_id"])
                if key in keys:
                    found[key] = number * BLOCK + offset
            if len(found) >= wanted:
                break
        return found

    def sessions_between(self, first: int, last: int) -> list[dict[str, Any]]:
        """Rows ``first``..``last`` inclusive, in table order, read straight from SQL."""
        return session_window(self._conn, self._filter, limit=last - first + 1, offset=first,
                              sort=self._sort, descending=self._descending)

    def _block(self, number: int) -> list[dict[str, Any]]:
        block = self._blocks.get(number)
        if block is not None:
            self._blocks.move_to_end(number)
            return block
        block = session_window(self._conn, self._filter, limit=BLOCK, offset=number * BLOCK,
                               sort=self._sort, descending=self._descending)
        self._blocks[number] = block
        while len(self._blocks) > MAX_BLOCKS:
            self._blocks.popitem(last=False)
        return block
