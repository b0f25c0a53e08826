"""The cache's write statement, shared by the normalized and the raw tables."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def upsert(conn: sqlite3.Connection, table: str, columns: Iterable[str], key: tuple[str, ...],
           rows: list) -> None:
    """INSERT ... ON CONFLICT DO UPDATE for many rows: the write path's hot loop.

    sqlite-utils' ``upsert_all`` creates the tables (see schema.py) but inspects every row
    in Python; with a fixed column list ``executemany`` is several times faster.
    """
    if not rows:
        return
    columns = list(columns)
    names = ", ".join(f"[{c}]" for c in columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c not in key)
    conflict = ", ".join(f"[{c}]" for c in key)
    conn.executemany(
        f"INSERT INTO [{table}] ({names}) VALUES ({marks}) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}", rows)
