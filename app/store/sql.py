"""The cache's write statement, shared by the normalized and the raw tables, and its
read-only connection, for readers beside a writing sync."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from itertools import chain
from pathlib import Path

#: Rows per INSERT statement. One statement of many rows costs less than as many one-row
#: steps (Pexip's 119,230 events: 0.54 s against 0.74 s), and SQLite runs it with Python's
#: GIL released throughout, so the fetch threads decode the next pages meanwhile. Beyond
#: about 100 rows, preparing the longer statement costs more than it saves.
ROWS_PER_STATEMENT = 100


def upsert(conn: sqlite3.Connection, table: str, columns: Iterable[str], key: tuple[str, ...],
           rows: list) -> None:
    """INSERT ... ON CONFLICT DO UPDATE for many rows: the write path's hot loop.

    sqlite-utils' ``upsert_all`` creates the tables (see schema.py) but inspects every row
    in Python; with a fixed column list and multi-row VALUES this is several times faster.
    A key repeated within one statement is fine: SQLite inserts the rows in order, so the
    later row updates the earlier one, as it would in separate statements.
    """
    if not rows:
        return
    columns = list(columns)
    per_statement = max(1, min(ROWS_PER_STATEMENT, _max_parameters(conn) // len(columns)))
    row_marks = "(" + ", ".join("?" for _ in columns) + ")"
    head = f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES "
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c not in key)
    tail = f" ON CONFLICT ({', '.join(f'[{c}]' for c in key)}) DO UPDATE SET {updates}"
    for first in range(0, len(rows), per_statement):
        chunk = rows[first:first + per_statement]
        conn.execute(head + ", ".join([row_marks] * len(chunk)) + tail,
                     list(chain.from_iterable(chunk)))


def _max_parameters(conn: sqlite3.Connection) -> int:
    """SQLite's bound on ``?`` per statement: 32,766 since 3.32, 999 in older builds."""
    return conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the cache (an export reads while a sync may write).

    The file is named by its percent-encoded ``file:`` URI: a plain ``file:{path}`` ends the
    path at a "#" or "?", so a data folder named "Support #2" opened another file.
    """
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
