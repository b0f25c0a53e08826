"""Writing to the cache: one page of a sync, with its checkpoint, in one transaction.

``Store.write_page`` is the heart of "a sync killed at any point resumes with nothing lost and
nothing doubled": raw rows, normalized rows, the search text of the sessions they touch and
the resource's checkpoint all commit together or not at all, and every write is an upsert on
the vendor's own key.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from app import jsontext
from app.model import Artifact, Event, Session
from app.store.raw import RawTables, raw_table_name
from app.store.schema import (
    SAME_SESSION,
    SEARCH_TEXT_SQL,
    register_functions,
)
from app.store.sql import upsert
from app.store.upgrade import apply_migrations
from app.timeutil import format_utc, utc_now
from app.urls import moved_url

PAGE_SIZE = 16384


class CacheError(ValueError):
    """The cache file is not a SQLite database histview can read; it is left untouched."""


class Store:
    """The SQLite cache. One instance per thread (sqlite3 connections are not shared)."""

    def __init__(self, path: Path | str | None) -> None:
        self.path = Path(path) if path is not None else None
        try:
            self._open()
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError):
                raise  # locked, read-only, disk full: not a fault of the file itself
            if hasattr(self, "db"):
                self.db.close()
            raise CacheError(f"{self.path} is not a cache histview can read ({error}); "
                             "move it aside and sync again to make a new one") from None

    def _open(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        else:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.db = Database(conn)
        self.raw = RawTables(self.db)
        self.db.execute("PRAGMA busy_timeout = 30000")
        # A vendor document is 1-3 KB (a Pexip participant with its media streams is 2.3 KB):
        # with 4 KB pages most raw rows took a page each. 16 KB pages halve the bytes a sync
        # writes. Only a new file takes it; an existing cache keeps its page size.
        self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        if self.path is not None:
            self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = NORMAL")
        # Event and raw keys are vendor UUIDs, inserted in no order: a 64 MB page cache keeps
        # their index pages in memory instead of re-reading them on every insert.
        self.db.execute("PRAGMA cache_size = -65536")
        self.db.execute("PRAGMA temp_store = MEMORY")
        # Checkpoint the WAL every ~64 MB rather than every 4 MB: a sync's pages rewrite the
        # same index pages over and over, and each checkpoint copied them all again.
        self.db.execute("PRAGMA wal_autocheckpoint = 16000")
        register_functions(conn)  # REFRESH_SQL's search text calls phone_words
        apply_migrations(self.db, self.path)

    def close(self) -> None:
        self.db.close()

    # -- sync writes ---------------------------------------------------------------------

    def write_page(
        self,
        source: str,
        kind: str,
        resource: str,
        checkpoint: dict | None,
        *,
        sessions: Iterable[Session] = (),
        events: Iterable[Event] = (),
        artifacts: Iterable[Artifact] = (),
        participants: dict[str, list[str]] | None = None,
        raw: dict[str, list[dict]] | None = None,
        replace_children: bool = False,
    ) -> None:
        """Write one page and advance the resource's checkpoint, atomically."""
        sessions, events, artifacts = list(sessions), list(events), list(artifacts)
        with self.db.atomic():
            for raw_resource, records in (raw or {}).items():
                self.raw.write(source, raw_table_name(kind, raw_resource), records)
            if replace_children:
                self._delete_children(source, [s.session_id for s in sessions], artifacts)
            self._write_sessions(source, kind, sessions)
            self._write_participants(source, participants or {})
            self._write_events(source, events)
            self._write_artifacts(source, artifacts)
            touched = {s.session_id for s in sessions}
            touched.update(e.session_id for e in events)
            touched.update(a.session_id for a in artifacts)
            touched.update(participants or {})
            self.refresh_sessions(source, touched)
            if checkpoint is not None:
                self._save_checkpoint(source, resource, checkpoint)

    def _delete_children(self, source: str, session_ids: list[str],
                         artifacts: list[Artifact]) -> None:
        """Clear what complete sessions no longer have. An artifact the page still lists
        is kept, to be upserted: its download (path and text) is the user's, not the
        vendor's, and was lost when a session was sent again."""
        ids = jsontext.dumps(session_ids)
        self.db.conn.execute(f"DELETE FROM events WHERE source = ? AND {IN_IDS}", (source, ids))
        listed = jsontext.dumps([[a.session_id, a.artifact_id] for a in artifacts])
        self.db.conn.execute(
            f"DELETE FROM artifacts WHERE source = ? AND {IN_IDS} AND (session_id, artifact_id) "
            "NOT IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') "
            "FROM json_each(?))", (source, ids, listed))

    def _write_sessions(self, source: str, kind: str, sessions: list[Session]) -> None:
        if not sessions:
            return
        rows = [
            (source, s.session_id, kind, s.type, s.title, s.start, s.end, s.duration_s,
             s.direction, s.status, int(bool(s.has_recording)), int(bool(s.has_transcript)),
             jsontext.dumps(s.extra))
            for s in sessions
        ]
        upsert(self.db.conn, "sessions", SESSION_WRITE_COLUMNS, ("source", "session_id"), rows)
        raws = [(source, s.session_id, s.raw) for s in sessions if s.raw is not None]
        upsert(self.db.conn, "session_raw", ("source", "session_id", "raw"),
                ("source", "session_id"), raws)
        self._write_participants(
            source, {s.session_id: s.participants for s in sessions if s.participants}
        )

    def _write_participants(self, source: str, names: dict[str, list[str]]) -> None:
        rows = []
        for session_id, people in names.items():
            for name in people:
                if name:
                    rows.append((source, session_id, name, source, session_id))
        # seq keeps first-seen order; INSERT OR IGNORE keeps a re-sync from reordering.
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO participants (source, session_id, name, seq) "
            "VALUES (?, ?, ?, (SELECT COUNT(*) FROM participants WHERE source = ? "
            "AND session_id = ?))",
            rows,
        )

    def _write_events(self, source: str, events: list[Event]) -> None:
        rows = [
            (source, e.session_id, e.event_id, e.seq, e.time, e.end, e.lane, e.kind, e.actor,
             e.detail, jsontext.dumps(e.data), event_words(e))
            for e in events
        ]
        upsert(self.db.conn, "events", EVENT_COLUMNS, ("source", "session_id", "event_id"),
                rows)

    def _write_artifacts(self, source: str, artifacts: list[Artifact]) -> None:
        rows = [
            (source, a.session_id, a.artifact_id, a.kind, a.label, a.url, a.view_url,
             jsontext.dumps(a.data))
            for a in artifacts
        ]
        upsert(self.db.conn, "artifacts", ARTIFACT_COLUMNS,
                ("source", "session_id", "artifact_id"), rows)

    def refresh_sessions(self, source: str, session_ids: Iterable[str]) -> None:
        """Recompute the participants list and search text of sessions whose parts changed.

        Participants and events may arrive on a later page than their session (Pexip sends
        participants on their own resource), so this runs for every session a page touched.
        It is one set-based statement: per-session queries from Python cost 10x more, and
        the ids are one JSON parameter (``IN_IDS``), so a page of any size is one statement.
        """
        self.db.conn.execute(REFRESH_SQL, (source, jsontext.dumps(list(session_ids))))

    def _save_checkpoint(self, source: str, resource: str, checkpoint: dict) -> None:
        self.db["sync_state"].upsert(
            {"source": source, "resource": resource, "checkpoint": jsontext.dumps(checkpoint),
             "updated_at": format_utc(utc_now())},
            pk=("source", "resource"),
        )

    # -- sync state ----------------------------------------------------------------------

    def checkpoint(self, source: str, resource: str) -> dict | None:
        row = self.db.conn.execute(
            "SELECT checkpoint FROM sync_state WHERE source = ? AND resource = ?",
            (source, resource),
        ).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def set_status(self, source: str, status: str, *, error: str | None = None,
                   items: int | None = None, synced: bool = False) -> None:
        record: dict[str, Any] = {"source": source, "status": status, "last_error": error}
        if synced:
            record["last_sync_at"] = format_utc(utc_now())
        if items is not None:
            record["items"] = items
        self.db["source_status"].upsert(record, pk="source")

    def status(self, source: str) -> dict | None:
        row = self.db.conn.execute(
            "SELECT status, last_sync_at, last_error, items FROM source_status "
            "WHERE source = ?", (source,)).fetchone()
        if row is None:
            return None
        return {"status": row[0], "last_sync_at": row[1], "last_error": row[2], "items": row[3]}

    def set_downloaded(self, source: str, session_id: str, artifact_id: str, path: str,
                       text: str | None = None) -> None:
        """Record a finished download; ``text`` (a transcript's or chat log's, from
        ``artifact_text.searchable_text``) joins the session's search text."""
        with self.db.atomic():
            self.db.conn.execute(
                "UPDATE artifacts SET downloaded_path = ?, text = ? "
                "WHERE source = ? AND session_id = ? AND artifact_id = ?",
                (path, text, source, session_id, artifact_id))
            self.refresh_sessions(source, [session_id])

    def move_links(self, source: str, old_base: str, new_base: str) -> int:
        """Point the source's cached artifact links at its new URL; how many moved.

        Links are stored as the server gave them, so after the server moves (or a second
        ``histview demo`` starts its simulators on new ports) every older recording would
        name the old host: a download was refused ("refusing to send the token") or hung on
        a host that is gone. Links on other hosts (S3, a CDN) are left as they are."""
        rows = self.db.conn.execute(
            "SELECT rowid, url, view_url FROM artifacts WHERE source = ?", (source,)).fetchall()
        changes = []
        for rowid, url, view_url in rows:
            new_url, new_view = (moved_url(u or "", old_base, new_base) for u in (url, view_url))
            if new_url or new_view:
                changes.append((new_url or url, new_view or view_url, rowid))
        with self.db.atomic():
            self.db.conn.executemany(
                "UPDATE artifacts SET url = ?, view_url = ? WHERE rowid = ?", changes)
        return len(changes)

    def has_history(self, source: str) -> bool:
        """Whether anything of the source is cached (a sync writes its status first)."""
        return any(self.db.conn.execute(f"SELECT 1 FROM {table} WHERE source = ? LIMIT 1",
                                        (source,)).fetchone()
                   for table in ("source_status", "sessions"))

    def forget_checkpoints(self, source: str) -> None:
        """A removed source's history stays, but not where its syncs stopped: a source added
        later under the same name may be another server, whose older history a kept
        high-water mark would skip without a word. Its first sync is then a full one."""
        with self.db.atomic():
            self.db.conn.execute("DELETE FROM sync_state WHERE source = ?", (source,))

    def purge_source(self, source: str) -> None:
        """Delete every cached row of a source (``source remove --purge``)."""
        with self.db.atomic():
            for table in ("sessions", "session_raw", "participants", "events", "artifacts",
                          "sync_state", "source_status"):
                self.db.conn.execute(f"DELETE FROM {table} WHERE source = ?", (source,))
            for name in self.db.table_names():
                if name.startswith("raw_") and "_fts" not in name:
                    self.db.conn.execute(f"DELETE FROM [{name}] WHERE _source = ?", (source,))


SESSION_WRITE_COLUMNS = (
    "source", "session_id", "kind", "type", "title", "start_time", "end_time", "duration_s",
    "direction", "status", "has_recording", "has_transcript", "extra")
EVENT_COLUMNS = ("source", "session_id", "event_id", "seq", "time", "end_time", "lane", "kind",
                 "actor", "detail", "data", "text")
ARTIFACT_COLUMNS = ("source", "session_id", "artifact_id", "kind", "label", "url", "view_url",
                    "data")

#: A page's session ids as one JSON array parameter: one statement however many there are.
IN_IDS = "session_id IN (SELECT value FROM json_each(?))"
#: A stored recording or transcript sets its session's flag, whichever page brought it
#: (Restcomm lists recordings apart from calls, and a re-synced call must not clear it).
#: The search text's expression is schema.py's: a migration recomputes it with the same SQL.
REFRESH_SQL = f"""
UPDATE sessions SET
  has_recording = max(coalesce(has_recording, 0), EXISTS(SELECT 1 FROM artifacts x
                      WHERE {SAME_SESSION} AND x.kind = 'recording')),
  has_transcript = max(coalesce(has_transcript, 0), EXISTS(SELECT 1 FROM artifacts x
                       WHERE {SAME_SESSION} AND x.kind = 'transcript')),
  participants = (SELECT json_group_array(name) FROM
                  (SELECT name FROM participants x WHERE {SAME_SESSION} ORDER BY seq)),
  search_text = {SEARCH_TEXT_SQL}
WHERE source = ? AND {IN_IDS}
"""


def event_words(event: Event) -> str:
    """An event's searchable words: its lane, kind, actor, detail and the text in its data.

    Kept with the event so a session's search text is a concatenation, not a JSON walk over
    every event on every refresh. Numbers are left out (see ``REFRESH_SQL``).
    """
    words = [event.lane or "", event.kind or "", event.actor or "", event.detail or ""]
    _collect_texts(event.data, words)
    return " ".join(words)


def _collect_texts(value: dict | list | tuple, into: list[str]) -> None:
    """Append the strings inside a JSON-like value (what json_tree calls 'text')."""
    for item in value.values() if isinstance(value, dict) else value:
        if type(item) is str:  # the common case first: this runs for every event of a sync
            into.append(item)
        elif isinstance(item, (dict, list, tuple)):
            _collect_texts(item, into)
        elif isinstance(item, str):
            into.append(item)
