"""Which "running" sync is really running: a lock file a sync holds while it runs.

A sync marks its sources "running" in the cache. If it is killed, or the machine goes down,
nothing is left to say otherwise, and `source list` and the window would show "running" until
the next sync. The operating system drops a process's file locks when it dies, so a
"running" status with nobody holding this lock belongs to an interrupted sync.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO


def lock_path(cache_path: Path) -> Path:
    return cache_path.with_name(cache_path.name + ".sync-lock")


class SyncLock:
    """Held for as long as a sync writes to the cache (``with SyncLock(cache): ...``).

    Two syncs may still run at once (each waits on SQLite's busy timeout); each holds its
    own shared lock, and a check for running syncs asks for an exclusive one."""

    def __init__(self, cache_path: Path) -> None:
        self.path = lock_path(cache_path)
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> SyncLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("a+b")
        _lock(self._handle, shared=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the lock
            self._handle = None


def sync_running(cache_path: Path) -> bool:
    """Whether any sync (in this process or another) holds the cache's lock now."""
    path = lock_path(cache_path)
    if not path.exists():
        return False
    with path.open("a+b") as handle:
        return not _lock(handle, shared=False, wait=False)


def _lock(handle: IO[bytes], *, shared: bool, wait: bool = True) -> bool:
    """flock on POSIX (per open file, so two threads of one process exclude each other);
    Windows has no shared locks: there the first running sync holds an exclusive one."""
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        try:  # without waiting: a second sync finds the lock held, and that is enough
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    flags = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB)
    try:
        fcntl.flock(handle.fileno(), flags)
    except OSError:
        return False
    return True
