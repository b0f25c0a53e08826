"""Where ``histview export`` writes: checked before the cache is read, written after.

Kept apart from ``app.cli`` (which stays short) and free of its imports: a problem with
``--out`` is an ``ExportTargetError``, which the command line reports as bad usage (exit 2)
with nothing written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.export import export_sessions


class ExportTargetError(ValueError):
    """``--out`` cannot take the export: exit 2, nothing written."""


def check_target(out: str) -> None:
    """Refuse a target that cannot work before any session is read."""
    path = Path(out)
    if not path.parent.is_dir():
        raise ExportTargetError(f"--out: folder does not exist: {path.parent}")
    if path.is_dir():
        raise ExportTargetError(f"--out: {path} is a folder; give a file name in it")


def write_export(sessions: Iterable[dict[str, Any]], out: str, fmt: str) -> int:
    """Write the export; returns how many sessions. It is written aside and renamed, so a
    failure leaves nothing behind."""
    try:
        return export_sessions(sessions, Path(out), fmt)
    except OSError as error:
        raise ExportTargetError(f"--out: cannot write {out}: "
                                f"{error.strerror or type(error).__name__}") from None
