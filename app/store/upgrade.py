"""Updating an older cache to this version: a copy aside first, then the migrations.

Separate from the schema it applies: this is about the user's file (is an update due, where
the copy goes), not about what the tables are.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from app.store.schema import MIGRATIONS
from app.store.sql import connect_read_only

log = logging.getLogger("histview.store")


def apply_migrations(db: Database, path: Path | None) -> None:
    pending = MIGRATIONS.pending(db)
    if not pending:
        return
    if path is not None and path.exists() and db["sessions"].exists():
        # On stderr unless -q: a large cache takes seconds (see needs_migrating).
        log.warning("updating the cache for this version of histview (%d change%s); "
                    "a copy of it as it was is kept as %s", len(pending),
                    "" if len(pending) == 1 else "s", backup_before_migrating(db, path).name)
    MIGRATIONS.apply(db)


def needs_migrating(path: Path) -> bool:
    """Whether opening this cache will first copy it aside and update it: a window says so
    before it blocks (m010 took 11-14 s over a million sessions, the copy included).
    Reads only; a file that is no cache, or cannot be read, is left for ``Store`` to report."""
    if not path.exists():
        return False
    try:
        conn = connect_read_only(path)
    except sqlite3.Error:
        return False
    try:
        db = Database(conn)
        return db["sessions"].exists() and bool(MIGRATIONS.pending(db))
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def backup_before_migrating(db: Database, path: Path) -> Path:
    """Copy the cache aside before it is changed. Written under a temporary name and moved
    over the last copy only when complete; SQLite cannot write a copy into an older one in
    WAL mode whose page size differs ("attempt to write a readonly database"), which left a
    cache updated twice unable to open at all."""
    backup = path.with_name(path.name + ".before-migration")
    part = backup.with_name(backup.name + ".part")
    _remove_database(part)
    db.conn.execute("PRAGMA wal_checkpoint(FULL)")
    target = sqlite3.connect(part)
    try:
        db.conn.backup(target)
    finally:
        target.close()
    shutil.copymode(path, part)
    _remove_database(backup)  # with its -wal and -shm, which SQLite would read into the copy
    os.replace(part, backup)
    return backup


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
