"""Opening a cache an older histview left: copied aside, then updated, and never stuck."""

from __future__ import annotations

import json
import os
import sqlite3

from sqlite_utils import Database

from app.settings import Settings
from app.store.schema import MIGRATIONS


def old_cache(path, page_size: int, stop_before: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA page_size = {page_size}")
    conn.execute("PRAGMA journal_mode = wal")
    db = Database(conn)
    MIGRATIONS.apply(db, stop_before=stop_before)
    db["sessions"].insert({"source": "bt", "kind": "beyondtrust", "session_id": "kept",
                           "start_time": "2026-11-18T19:40:26Z", "type": "support_session"})
    conn.commit()
    conn.close()


def test_a_cache_updated_again_opens_though_its_last_copy_has_another_page_size(cli, data_dir):
    """The copy from an earlier update (4 KB pages, WAL) could not be written over with
    the 16 KB pages of the cache: "attempt to write a readonly database", and no start."""
    cache = Settings(data_dir).cache_path
    old_cache(cache, 16384, "m012_start_indexes_in_time_order")
    last_copy = cache.with_name(cache.name + ".before-migration")
    old_cache(last_copy, 4096, "m002_indexes")

    result = cli("sessions", "--format", "json")

    assert result.code == 0, result.err
    assert [s["session_id"] for s in json.loads(result.out)] == ["kept"]
    assert not [name for name in os.listdir(data_dir) if ".part" in name]
    with sqlite3.connect(last_copy) as copy:  # the copy is of this cache, before this update
        assert copy.execute("SELECT session_id FROM sessions").fetchall() == [("kept",)]
        done = {name for (name,) in copy.execute("SELECT name FROM _sqlite_migrations")}
    assert "m011_artifact_downloaded_text" in done
    assert "m012_start_indexes_in_time_order" not in done
