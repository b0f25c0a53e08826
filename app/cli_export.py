"""Where ``histview export`` writes: checked before the cache is read, written after.

``--out -`` is standard output, as for any Unix tool (``./-`` names a file called ``-``).
Kept apart from ``app.cli`` (which stays short) and free of its imports: a problem with
``--out`` is an ``ExportTargetError``, which the command line reports as bad usage (exit 2)
with nothing written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from app.export import export_sessions, export_to_stream

STDOUT = "-"


class ExportTargetError(ValueError):
    """``--out`` cannot take the export: exit 2, nothing written."""


def check_target(out: str, fmt: str, stdout: TextIO) -> None:
    """Refuse a target that cannot work before any session is read."""
    if out == STDOUT:
        _check_stdout(fmt, stdout)
        return
    path = Path(out)
    if not path.parent.is_dir():
        raise ExportTargetError(f"--out: folder does not exist: {path.parent}")
    if path.is_dir():
        raise ExportTargetError(f"--out: {path} is a folder; give a file name in it")


def _check_stdout(fmt: str, stdout: TextIO) -> None:
    """XLSX is a binary zip: on a terminal it is noise that can upset the terminal, and a
    stream without bytes (an in-process caller's) cannot carry it at all."""
    if fmt != "xlsx":
        return
    if stdout.isatty():
        raise ExportTargetError("--out -: an XLSX export is binary and standard output is a "
                                "terminal; redirect it (> sessions.xlsx) or give --out FILE")
    if not hasattr(stdout, "buffer"):
        raise ExportTargetError("--out -: this standard output takes text only; give "
                                "--out FILE for an XLSX export")


def write_export(sessions: Iterable[dict[str, Any]], out: str, fmt: str,
                 stdout: TextIO) -> int:
    """Write the export; returns how many sessions. A file is written aside and renamed,
    so a failure leaves nothing behind."""
    if out == STDOUT:
        return export_to_stream(sessions, fmt, stdout)
    try:
        return export_sessions(sessions, Path(out), fmt)
    except OSError as error:
        raise ExportTargetError(f"--out: cannot write {out}: "
                                f"{error.strerror or type(error).__name__}") from None


def target_name(out: str) -> str:
    """Where the export went, for the closing line on stderr."""
    return "standard output" if out == STDOUT else out
