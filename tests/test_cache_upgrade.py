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


def test_an_older_cache_is_reindexed_so_a_number_typed_at_home_is_found(cli, data_dir):
    """A cache from before m013 holds only the last 10 and 7 digits of each number as words:
    opening it re-indexes them, so "32 12 34 56" finds "+4532123456" there too."""
    cache = Settings(data_dir).cache_path
    conn = sqlite3.connect(cache)
    db = Database(conn)
    MIGRATIONS.apply(db, stop_before="m013_search_text_has_every_phone_number_tail")
    old_texts = {  # what that version wrote: each number, then its last 10 and 7 digits
        "DK caller": "graph msgraph DK caller DK pstn_call +4532123456 2123456",
        "US caller": "graph msgraph US caller US pstn_call +13035550100 3035550100 5550100",
        "no number": "graph msgraph no number none pstn_call ticket 4711",
    }
    for title, text in old_texts.items():
        db["sessions"].insert({"source": "graph", "kind": "msgraph", "session_id": title,
                               "title": title, "start_time": "2026-11-18T19:40:26Z",
                               "type": "pstn_call", "search_text": text})
    conn.commit()
    conn.close()

    def titles(text: str) -> list[str]:
        result = cli("sessions", f"--search={text}", "--format", "json")
        assert result.code == 0, result.err
        return [s["title"] for s in json.loads(result.out)]

    assert titles("32 12 34 56") == ["DK caller"]
    assert titles("035550100") == titles("5550100") == ["US caller"]
    assert titles("ticket 4711") == ["no number"]
    assert cache.with_name(cache.name + ".before-migration").exists()
    with sqlite3.connect(cache) as upgraded:  # the index agrees with the rewritten texts
        upgraded.execute("INSERT INTO sessions_fts (sessions_fts) VALUES ('integrity-check')")
        text = upgraded.execute("SELECT search_text FROM sessions WHERE title = 'no number'")
        assert text.fetchone() == (old_texts["no number"],)  # no number: left as it was
