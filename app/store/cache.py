"""Writing to the cache: one page of a sync, with its checkpoint, in one transaction.

``Store.write_page`` is the heart of "a sync killed at any point resumes with nothing lost and
nothing doubled": raw rows, normalized rows, the search text of the sessions they touch and
the resource's checkpoint all commit together or not at all, and every write is an upsert on
the vendor's own key.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from app.model import Artifact, Event, Session
from app.store.schema import apply_migrations
from app.timeutil import format_utc, utc_now

Key = tuple[str, str]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def raw_table_name(kind: str, resource: str) -> str:
    return "raw_" + re.sub(r"[^a-z0-9_]", "_", f"{kind}_{resource}".lower())


class Store:
    """The SQLite cache. One instance per thread (sqlite3 connections are not shared)."""

    def __init__(self, path: Path | str | None) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        else:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.db = Database(conn)
        self.db.execute("PRAGMA busy_timeout = 30000")
        if self.path is not None:
            self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = NORMAL")
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
                self._write_raw(source, kind, raw_resource, records)
            if replace_children:
                self._delete_children(source, [s.session_id for s in sessions])
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

    def _write_raw(self, source: str, kind: str, resource: str, records: list[dict]) -> None:
        if not records:
            return
        rows = [{"_source": source, **record} for record in records]
        self.db[raw_table_name(kind, resource)].upsert_all(
            rows, pk=("_source", "_id"), alter=True, batch_size=200
        )

    def _delete_children(self, source: str, session_ids: list[str]) -> None:
        for table in ("events", "artifacts"):
            self.db.conn.executemany(
                f"DELETE FROM {table} WHERE source = ? AND session_id = ?",  # noqa: S608
                [(source, sid) for sid in session_ids],
            )

    def _write_sessions(self, source: str, kind: str, sessions: list[Session]) -> None:
        if not sessions:
            return
        rows = [
            {
                "source": source, "session_id": s.session_id, "kind": kind, "type": s.type,
                "title": s.title, "start_time": s.start, "end_time": s.end,
                "duration_s": s.duration_s, "direction": s.direction, "status": s.status,
                "has_recording": int(bool(s.has_recording)),
                "has_transcript": int(bool(s.has_transcript)), "extra": _json(s.extra),
            }
            for s in sessions
        ]
        self.db["sessions"].upsert_all(rows, pk=("source", "session_id"))
        raws = [
            {"source": source, "session_id": s.session_id, "raw": s.raw}
            for s in sessions if s.raw is not None
        ]
        if raws:
            self.db["session_raw"].upsert_all(raws, pk=("source", "session_id"))
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
        if not events:
            return
        rows = [
            {
                "source": source, "session_id": e.session_id, "event_id": e.event_id,
                "seq": e.seq, "time": e.time, "end_time": e.end, "lane": e.lane,
                "kind": e.kind, "actor": e.actor, "detail": e.detail, "data": _json(e.data),
            }
            for e in events
        ]
        self.db["events"].upsert_all(rows, pk=("source", "session_id", "event_id"))

    def _write_artifacts(self, source: str, artifacts: list[Artifact]) -> None:
        if not artifacts:
            return
        rows = [
            {
                "source": source, "session_id": a.session_id, "artifact_id": a.artifact_id,
                "kind": a.kind, "label": a.label, "url": a.url, "view_url": a.view_url,
                "data": _json(a.data),
            }
            for a in artifacts
        ]
        self.db["artifacts"].upsert_all(rows, pk=("source", "session_id", "artifact_id"))

    def refresh_sessions(self, source: str, session_ids: Iterable[str]) -> None:
        """Recompute the participants list and search text of sessions whose parts changed.

        Participants and events may arrive on a later page than their session (Pexip sends
        participants on their own resource), so this runs for every session a page touched.
        """
        conn = self.db.conn
        updates = []
        for session_id in session_ids:
            row = conn.execute(
                "SELECT title, extra FROM sessions WHERE source = ? AND session_id = ?",
                (source, session_id),
            ).fetchone()
            if row is None:
                continue  # its session has not arrived yet; refreshed when it does
            names = [r[0] for r in conn.execute(
                "SELECT name FROM participants WHERE source = ? AND session_id = ? "
                "ORDER BY seq", (source, session_id))]
            updates.append((_json(names), self._search_text(source, session_id, row, names),
                            source, session_id))
        conn.executemany(
            "UPDATE sessions SET participants = ?, search_text = ? "
            "WHERE source = ? AND session_id = ?",
            updates,
        )

    def _search_text(self, source: str, session_id: str, row: tuple, names: list[str]) -> str:
        parts: list[str] = [session_id, *names]
        parts.extend(_flat_values(json.loads(row[1] or "{}")))
        for lane, kind, actor, detail, data in self.db.conn.execute(
            "SELECT lane, kind, actor, detail, data FROM events "
            "WHERE source = ? AND session_id = ?", (source, session_id)):
            parts.extend(p for p in (lane, kind, actor, detail) if p)
            parts.extend(_flat_values(json.loads(data or "{}")))
        for label, data in self.db.conn.execute(
            "SELECT label, data FROM artifacts WHERE source = ? AND session_id = ?",
            (source, session_id)):
            parts.append(label or "")
            parts.extend(_flat_values(json.loads(data or "{}")))
        return " ".join(dict.fromkeys(p for p in parts if p))

    def _save_checkpoint(self, source: str, resource: str, checkpoint: dict) -> None:
        self.db["sync_state"].upsert(
            {"source": source, "resource": resource, "checkpoint": _json(checkpoint),
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

    def set_downloaded(self, source: str, session_id: str, artifact_id: str, path: str) -> None:
        with self.db.atomic():
            self.db.conn.execute(
                "UPDATE artifacts SET downloaded_path = ? "
                "WHERE source = ? AND session_id = ? AND artifact_id = ?",
                (path, source, session_id, artifact_id))

    def purge_source(self, source: str) -> None:
        """Delete every cached row of a source (``source remove --purge``)."""
        with self.db.atomic():
            for table in ("sessions", "session_raw", "participants", "events", "artifacts",
                          "sync_state", "source_status"):
                self.db.conn.execute(f"DELETE FROM {table} WHERE source = ?", (source,))  # noqa: S608
            for name in self.db.table_names():
                if name.startswith("raw_") and "_fts" not in name:
                    self.db.conn.execute(f"DELETE FROM [{name}] WHERE _source = ?", (source,))  # noqa: S608


def _flat_values(value: Any) -> list[str]:
    """Every scalar inside a JSON value, as text: what full-text search should find."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _flat_values(item)]
    if isinstance(value, list):
        return [text for item in value for text in _flat_values(item)]
    if value is None or isinstance(value, bool):
        return []
    return [str(value)]
