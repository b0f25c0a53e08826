"""Reading the cache: sessions by filter, a session's events, artifacts and raw document.

Filtering, sorting and paging happen in SQL so that a million cached sessions cost the
caller only the rows it shows. Results come back in CONTRACT.md's JSON shapes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from app.store.schema import SOURCE_TYPE_INDEX, START_INDEX, START_KEY
from app.store.search_syntax import BadQuery, fts_query
from app.timeutil import time_key

#: Participants as the window shows them ("Alice, Bob") sort like their JSON text less its
#: closing '"]': the leading '["' is in every row, and '","' falls between names as ", "
#: does. Sorted by the whole JSON, a list came after any longer one it began ("Alice
#: Martin" after "Alice Martin, Bob", "Al" after "Al Smith"), as '"' and ']' sort after ' '
#: and ','. Exact would be replace(participants, '","', ', '): +220 ms a page on a million
#: sessions against +65 ms for this; what still differs is a name with '"', '\' or one of
#: #$%&'()*+ where another list has its next name ("Ann's phone" after "Ann, Bob").
PARTICIPANTS_KEY = "rtrim(participants, '\"]')"

#: Sortable columns by their public name (also the window's column names).
SORT_COLUMNS = {
    "start": START_KEY, "end": "rtrim(end_time, 'Z')", "duration_s": "duration_s", "title": "title",
    "source": "source", "type": "type", "kind": "kind", "status": "status",
    "direction": "direction", "session_id": "session_id", "participants": PARTICIPANTS_KEY,
    "has_recording": "has_recording", "has_transcript": "has_transcript",
}

SESSION_COLUMNS = (
    "source, kind, session_id, type, title, start_time, end_time, duration_s, participants, "
    "direction, status, has_recording, has_transcript, extra"
)


@dataclass
class SessionFilter:
    source: str | None = None
    kind: str | None = None
    type: str | None = None
    search: str | None = None
    start_from: str | None = None  # ISO UTC, inclusive
    start_to: str | None = None  # ISO UTC, exclusive
    ids: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # A blank search is no search: every query below can then test ``self.search``.
        self.search = (self.search or "").strip() or None

    def is_empty(self) -> bool:
        return not any((self.source, self.kind, self.type, self.search, self.start_from,
                        self.start_to, self.ids))


def _where(flt: SessionFilter) -> tuple[str, list[Any]]:
    clauses, params = _clauses(flt)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _clauses(flt: SessionFilter) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("source", flt.source), ("kind", flt.kind), ("type", flt.type)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if flt.start_from:
        clauses.append(f"{START_KEY} >= ?")
        params.append(time_key(flt.start_from))
    if flt.start_to:
        clauses.append(f"{START_KEY} < ?")
        params.append(time_key(flt.start_to))
    if flt.search:
        query = fts_query(flt.search)
        # FTS5 cannot MATCH a pure negation: "-Reid" is every session but Reid's. SQLite
        # reads the excluded rowids once into a temporary index (14 ms for a word in 10% of
        # a million sessions) and walks the start index past them.
        test = "IN" if query.match else "NOT IN"
        clauses.append(f"rowid {test} (SELECT rowid FROM sessions_fts WHERE sessions_fts "
                       "MATCH ?)")
        params.append(query.match or query.excluded)
    if flt.ids:
        marks = ", ".join("(?, ?)" for _ in flt.ids)
        clauses.append(f"(source, session_id) IN (VALUES {marks})")
        params.extend(part for pair in flt.ids for part in pair)
    return clauses, params


#: Text columns sort as people read them: "meet.ravi" among the m's, not after "Zoom".
TEXT_SORTS = {"title", "source", "type", "kind", "status", "direction", "session_id",
              "participants"}
#: What a blank cell is in each column that can have one: it sorts last in both directions,
#: so ascending Duration starts with the shortest call, not pages of calls in progress.
#: (start, the id and the flags are never blank; start's order must stay the index's.)
BLANK = {
    "end": "coalesce(end_time, '') = ''", "duration_s": "duration_s IS NULL",
    "participants": "coalesce(participants, '[]') IN ('', '[]')",
    **{name: f"coalesce({name}, '') = ''" for name in ("title", "type", "kind", "status",
                                                        "direction")},
}


def _order(sort: str, descending: bool) -> str:
    column = SORT_COLUMNS.get(sort)
    if column is None:
        raise ValueError(f"cannot sort by {sort!r}")
    direction = "DESC" if descending else "ASC"
    collate = " COLLATE NOCASE" if sort in TEXT_SORTS else ""
    blank = f"{BLANK[sort]}, " if sort in BLANK else ""
    # The key makes the order total, so paging by offset never repeats or skips a row.
    return (f" ORDER BY {blank}{column}{collate} {direction}, source {direction}, "
            f"session_id {direction}")


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


#: Above this many full-text matches, walking the start index beats sorting the matches.
BROAD_MATCHES = 2000


def _source_table(conn: sqlite3.Connection, flt: SessionFilter, sort: str,
                  bounded: bool) -> str:
    """Pick the plan for a full-text search listed by start time.

    SQLite's own plan materializes every match and sorts it: fine for a name that matches
    a few hundred sessions, 300 ms for a word in 10% of a million. For such broad matches,
    walking the start index newest first and stopping at the page's last row is ~50x
    faster; for narrow ones it would walk the whole index. A bounded peek at the match list
    tells which case this is. Unbounded listings (exports) read every match anyway.
    """
    if sort != "start" or not flt.search or not bounded:
        return "sessions"
    match = fts_query(flt.search).match
    if match is None:  # every session but some: SQLite's own plan walks the start index
        return "sessions"
    peek = _run(conn, "SELECT COUNT(*) FROM (SELECT rowid FROM sessions_fts WHERE "
                "sessions_fts MATCH ? LIMIT ?)", [match, BROAD_MATCHES + 1])
    if peek.fetchone()[0] > BROAD_MATCHES:
        return f"sessions INDEXED BY {START_INDEX}"
    return "sessions"


def list_sessions(conn: sqlite3.Connection, flt: SessionFilter, *, limit: int | None = 100,
                  offset: int = 0, sort: str = "start",
                  descending: bool = True) -> list[dict[str, Any]]:
    where, params = _where(flt)
    table = _source_table(conn, flt, sort, limit is not None)
    sql = f"SELECT {SESSION_COLUMNS} FROM {table}{where}{_order(sort, descending)}"
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
    if flt.is_empty():
        row = conn.execute("SELECT count FROM _counts WHERE [table] = 'sessions'").fetchone()
        if row is not None:
            return row[0]
    if flt.search and SessionFilter(search=flt.search) == flt:
        # Search alone: count in the index without visiting a million session rows.
        query = fts_query(flt.search)
        found = _fts_count(conn, query.match or query.excluded)
        return found if query.match else count_sessions(conn, SessionFilter()) - found
    where, params = _where(flt)
    return _run(conn, f"SELECT COUNT(*) FROM sessions{where}", params).fetchone()[0]


def matching_keys(conn: sqlite3.Connection, flt: SessionFilter,
                  keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of the sessions ``keys`` the filter shows (the window keeps those selected
    through a filter change).

    Each key is one primary-key seek under the filter's other parts, and a search is read
    once from the full-text index, only between the lowest and highest rowid found: 1 ms
    for 200 keys under a type filter in a million sessions, 3-40 ms with a search for a
    selection of neighbours. The listing's plan for a count by key took 150-340 ms: it
    walked the type index, or read every match of a broad word first.
    """
    clauses, params = _clauses(replace(flt, search=None))
    sql = " AND ".join(["SELECT rowid FROM sessions WHERE source = ? AND session_id = ?",
                        *clauses])
    found = {}
    for key in keys:
        row = conn.execute(sql, [*key, *params]).fetchone()
        if row:
            found[row[0]] = key
    if not flt.search or not found:
        return set(found.values())
    query = fts_query(flt.search)
    matched = {rowid for (rowid,) in _run(
        conn, "SELECT rowid FROM sessions_fts WHERE sessions_fts MATCH ? "
        "AND rowid BETWEEN ? AND ?", [query.match or query.excluded, min(found), max(found)])}
    kept = found.keys() & matched if query.match else found.keys() - matched
    return {found[rowid] for rowid in kept}


def _fts_count(conn: sqlite3.Connection, match: str | None) -> int:
    return _run(conn, "SELECT COUNT(*) FROM sessions_fts WHERE sessions_fts MATCH ?",
                [match]).fetchone()[0]


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
    """A session's events in time order.

    Times keep the source's sub-second digits, and Pexip sends some with microseconds and
    some without: as text "10:00:00.7Z" sorts before "10:00:00Z" ('.' < 'Z'). Without the
    "Z" the whole second is a prefix of its fractions and sorts first, as it should.
    """
    rows = conn.execute(
        "SELECT event_id, time, end_time, lane, kind, actor, detail, data FROM events "
        "WHERE source = ? AND session_id = ? ORDER BY rtrim(time, 'Z'), seq, event_id",
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


def downloaded_text(conn: sqlite3.Connection, source: str, session_id: str,
                    artifact_id: str) -> str | None:
    """The text kept from an artifact's download (``artifacts.text``): a transcript stays
    readable after its file is deleted or moved."""
    row = conn.execute("SELECT text FROM artifacts WHERE source = ? AND session_id = ? AND "
                       "artifact_id = ?", (source, session_id, artifact_id)).fetchone()
    return row[0] if row else None


def cache_age(conn: sqlite3.Connection) -> str | None:
    """When the newest successful sync of any source finished."""
    row = conn.execute("SELECT MAX(last_sync_at) FROM source_status").fetchone()
    return row[0] if row else None


# -- the window's scrolling table (added for app/ui/sessions_model.py) ----------------------

def session_window(conn: sqlite3.Connection, flt: SessionFilter, *, limit: int, offset: int,
                   sort: str = "start", descending: bool = True) -> list[dict[str, Any]]:
    """Rows ``offset`` .. ``offset + limit`` of the filtered, sorted sessions, for a view
    that jumps anywhere in a million rows.

    The order is ``list_sessions``'s. The window's rowids are found in the covering
    (start, source, session_id) index without reading a row, and only the rows of the
    window are read: the last page of a million sessions costs ~40 ms instead of 800 ms.
    """
    where, params = _where(flt)
    table = _source_table(conn, flt, sort, True)
    sql = f"SELECT rowid FROM {table}{where}{_order(sort, descending)} LIMIT ? OFFSET ?"
    rowids = [r[0] for r in _run(conn, sql, [*params, limit, offset])]
    if not rowids:
        return []
    marks = ", ".join("?" for _ in rowids)
    rows = conn.execute(f"SELECT rowid, {SESSION_COLUMNS} FROM sessions "
                        f"WHERE rowid IN ({marks})", rowids)
    by_rowid = {row[0]: session_row(row[1:]) for row in rows}
    return [by_rowid[r] for r in rowids if r in by_rowid]


def extra_keys(conn: sqlite3.Connection, per_kind: int = 40) -> list[str]:
    """The ``extra`` fields the newest sessions of each kind carry: the window's optional
    columns. Sampled through the (kind, start) index, so it costs the same on any cache."""
    keys: dict[str, None] = {}
    for kind in fast_distinct(conn, "kind"):
        for (extra,) in conn.execute("SELECT extra FROM sessions WHERE kind = ? "
                                     f"ORDER BY {START_KEY} DESC LIMIT ?", (kind, per_kind)):
            keys.update(dict.fromkeys(json.loads(extra or "{}")))
    return list(keys)


def fast_distinct(conn: sqlite3.Connection, column: str) -> list[str]:
    """Distinct values by hopping through the column's index from one value to the next
    (a few lookups instead of a scan of every row: 0.1 ms instead of 80 ms on a million)."""
    if column not in ("source", "type", "kind"):
        raise ValueError(column)
    sql = (f"WITH RECURSIVE v(x) AS (SELECT MIN({column}) FROM sessions UNION ALL "
           f"SELECT (SELECT MIN({column}) FROM sessions WHERE {column} > v.x) FROM v "
           "WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL AND x != ''")
    return [r[0] for r in conn.execute(sql)]


def source_types(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Each source's session types, sorted: the window's Type list for the chosen source
    (a Pexip source offering Webex's event types found nothing for most choices).

    It runs at start-up and after every sync, so it hops through the (source, type) index
    (schema m009) from one pair to the next: 0.05 ms on a million sessions, where a
    DISTINCT scan took 0.6 s.
    """
    hop = (f"SELECT MIN(type) FROM sessions INDEXED BY {SOURCE_TYPE_INDEX} "
           "WHERE source = ? AND type > ?")
    types: dict[str, list[str]] = {}
    for source in fast_distinct(conn, "source"):
        after = ""  # '' and NULL (no type) sort before every type
        while (after := conn.execute(hop, (source, after)).fetchone()[0]) is not None:
            types.setdefault(source, []).append(after)
    return types
