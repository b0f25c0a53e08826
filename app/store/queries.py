"""Reading the cache: sessions by filter, a session's events, artifacts and raw document.

Filtering, sorting and paging happen in SQL so that a million cached sessions cost the
caller only the rows it shows. Results come back in CONTRACT.md's JSON shapes.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

#: Sortable columns by their public name (also the window's column names).
SORT_COLUMNS = {
    "start": "start_time", "end": "end_time", "duration_s": "duration_s", "title": "title",
    "source": "source", "type": "type", "kind": "kind", "status": "status",
    "direction": "direction", "session_id": "session_id", "participants": "participants",
    "has_recording": "has_recording", "has_transcript": "has_transcript",
}

SESSION_COLUMNS = (
    "source, kind, session_id, type, title, start_time, end_time, duration_s, participants, "
    "direction, status, has_recording, has_transcript, extra"
)


class BadQuery(ValueError):
    """A search the full-text engine cannot read; the message is a hint for the user."""


@dataclass
class SessionFilter:
    source: str | None = None
    kind: str | None = None
    type: str | None = None
    search: str | None = None
    start_from: str | None = None  # ISO UTC, inclusive
    start_to: str | None = None  # ISO UTC, exclusive
    ids: list[tuple[str, str]] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not any((self.source, self.kind, self.type, self.search, self.start_from,
                        self.start_to, self.ids))


def fts_query(text: str) -> str:
    """Turn what a user typed into an FTS5 query: every word must match, as a prefix.

    Each word is quoted, so punctuation in a file name or an e-mail address is taken as
    text rather than FTS syntax: a user never sees an FTS syntax error.
    """
    words = re.findall(r"[^\s\"]+", text)
    if not words:
        raise BadQuery("type a word to search for")
    return " ".join(f'"{word}"*' for word in words)


def _where(flt: SessionFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("source", flt.source), ("kind", flt.kind), ("type", flt.type)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if flt.start_from:
        clauses.append("start_time >= ?")
        params.append(flt.start_from)
    if flt.start_to:
        clauses.append("start_time < ?")
        params.append(flt.start_to)
    if flt.search and flt.search.strip():
        clauses.append("rowid IN (SELECT rowid FROM sessions_fts WHERE sessions_fts MATCH ?)")
        params.append(fts_query(flt.search))
    if flt.ids:
        marks = ", ".join("(?, ?)" for _ in flt.ids)
        clauses.append(f"(source, session_id) IN (VALUES {marks})")
        params.extend(part for pair in flt.ids for part in pair)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _order(sort: str, descending: bool) -> str:
    column = SORT_COLUMNS.get(sort)
    if column is None:
        raise ValueError(f"cannot sort by {sort!r}")
    direction = "DESC" if descending else "ASC"
    # The key makes the order total, so paging by offset never repeats or skips a row.
    return f" ORDER BY {column} {direction}, source {direction}, session_id {direction}"


def session_row(row: tuple) -> dict[str, Any]:
    (source, kind, session_id, type_, title, start, end, duration, participants, direction,
     status, has_recording, has_transcript, extra) = row
    return {
        "source": source, "kind": kind, "session_id": session_id, "type": type_,
        "title": title, "start": start, "end": end,
        "duration_s": _number(duration), "participants": json.loads(participants or "[]"),
        "direction": direction, "status": status, "has_recording": bool(has_recording),
        "has_transcript": bool(has_transcript), "extra": json.loads(extra or "{}"),
    }


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _run(conn: sqlite3.Connection, sql: str, params: list[Any]) -> sqlite3.Cursor:
    try:
        return conn.execute(sql, params)
    except sqlite3.OperationalError as error:
        if "fts5" in str(error) or "MATCH" in str(error):
            raise BadQuery(f"cannot search for that: {error}") from None
        raise


def list_sessions(conn: sqlite3.Connection, flt: SessionFilter, *, limit: int | None = 100,
                  offset: int = 0, sort: str = "start",
                  descending: bool = True) -> list[dict[str, Any]]:
    where, params = _where(flt)
    sql = f"SELECT {SESSION_COLUMNS} FROM sessions{where}{_order(sort, descending)}"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return [session_row(r) for r in _run(conn, sql, params)]


def iter_sessions(conn: sqlite3.Connection, flt: SessionFilter, *, sort: str = "start",
                  descending: bool = True) -> Iterator[dict[str, Any]]:
    """Every matching session, streamed (exports of a whole cache never sit in memory)."""
    where, params = _where(flt)
    sql = f"SELECT {SESSION_COLUMNS} FROM sessions{where}{_order(sort, descending)}"
    for row in _run(conn, sql, params):
        yield session_row(row)


def count_sessions(conn: sqlite3.Connection, flt: SessionFilter) -> int:
    where, params = _where(flt)
    return _run(conn, f"SELECT COUNT(*) FROM sessions{where}", params).fetchone()[0]


def session_keys(conn: sqlite3.Connection, flt: SessionFilter, *, limit: int, offset: int,
                 sort: str = "start", descending: bool = True) -> list[tuple[str, str]]:
    where, params = _where(flt)
    sql = (f"SELECT source, session_id FROM sessions{where}{_order(sort, descending)} "
           "LIMIT ? OFFSET ?")
    return [tuple(r) for r in _run(conn, sql, [*params, limit, offset])]


def get_session(conn: sqlite3.Connection, source: str, session_id: str) -> dict | None:
    row = conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE source = ? AND session_id = ?",
        (source, session_id)).fetchone()
    return session_row(row) if row else None


def session_raw(conn: sqlite3.Connection, source: str, session_id: str) -> str | None:
    row = conn.execute("SELECT raw FROM session_raw WHERE source = ? AND session_id = ?",
                       (source, session_id)).fetchone()
    return row[0] if row else None


def list_events(conn: sqlite3.Connection, source: str, session_id: str) -> list[dict]:
    rows = conn.execute(
        "SELECT event_id, time, end_time, lane, kind, actor, detail, data FROM events "
        "WHERE source = ? AND session_id = ? ORDER BY time, seq, event_id",
        (source, session_id))
    return [
        {"event_id": r[0], "time": r[1], "end": r[2], "lane": r[3], "kind": r[4],
         "actor": r[5], "detail": r[6], "data": json.loads(r[7] or "{}")}
        for r in rows
    ]


def list_artifacts(conn: sqlite3.Connection, source: str, session_id: str) -> list[dict]:
    rows = conn.execute(
        "SELECT artifact_id, kind, label, url, view_url, downloaded_path, data FROM artifacts "
        "WHERE source = ? AND session_id = ? ORDER BY kind, artifact_id",
        (source, session_id))
    return [
        {"artifact_id": r[0], "kind": r[1], "label": r[2], "url": r[3], "view_url": r[4],
         "downloaded_path": r[5], "data": json.loads(r[6] or "{}")}
        for r in rows
    ]


def distinct_values(conn: sqlite3.Connection, column: str) -> list[str]:
    """Values for the window's source and type filters."""
    if column not in ("source", "type", "kind"):
        raise ValueError(column)
    return [r[0] for r in conn.execute(
        f"SELECT DISTINCT {column} FROM sessions ORDER BY {column}") if r[0]]  # noqa: S608


def cache_age(conn: sqlite3.Connection) -> str | None:
    """When the newest successful sync of any source finished."""
    row = conn.execute("SELECT MAX(last_sync_at) FROM source_status").fetchone()
    return row[0] if row else None
