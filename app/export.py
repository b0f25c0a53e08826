"""Export sessions to CSV, JSON or XLSX, streaming, with spreadsheet formula protection.

A manager opens exports in Excel: a cell that starts with ``=``, ``+``, ``-`` or ``@`` (a
caller ID, a chat line, a meeting title chosen by an outsider) would run as a formula there.
Such text cells are prefixed with an apostrophe in CSV and XLSX (OWASP's advice); JSON is
data for programs and is written as is. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TextIO

FORMATS = ("csv", "json", "xlsx")
COLUMNS = ("source", "kind", "session_id", "type", "title", "start", "end", "duration_s",
           "participants", "direction", "status", "has_recording", "has_transcript", "extra")
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")

Progress = Callable[[int], None]


def neutralize(value: str) -> str:
    """Make a text cell inert in spreadsheets.

    OWASP's list checks the first character only, but some imports trim leading spaces
    (" =1+1") or fold full-width and small forms ("＝1+1", "﹫SUM(A1)") to ASCII before they
    look for a formula: the first character after any whitespace is checked too, as NFKC
    folds it (which is what turns "＝" into "=")."""
    first = unicodedata.normalize("NFKC", value.lstrip()[:1])
    dangerous = value.startswith(_DANGEROUS_START) or first.startswith(_DANGEROUS_START)
    return "'" + value if dangerous else value


def flat_cells(session: dict[str, Any]) -> list[Any]:
    """A session as spreadsheet cells: lists joined, dicts as JSON, text neutralized."""
    cells: list[Any] = []
    for column in COLUMNS:
        value = session.get(column)
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
        if isinstance(value, str):
            value = neutralize(value)
        cells.append("" if value is None else value)
    return cells


def tsv_text(rows: Iterable[Iterable[Any]]) -> str:
    """Rows of cells as tab-separated lines, for the clipboard (pastes into a spreadsheet).

    A cell's own tab or line break (CR too) would start a new cell or row on paste, and
    that one's text ("=HYPERLINK(...)") would dodge ``neutralize``: each cell is put on one
    line first, then made inert."""
    return "".join("\t".join(_pasteable(cell) for cell in row) + "\n" for row in rows)


def _pasteable(cell: Any) -> str:
    text = "" if cell is None else str(cell)
    return neutralize(" ".join(text.replace("\t", " ").splitlines()))


def export_sessions(sessions: Iterable[dict[str, Any]], path: Path, fmt: str,
                    progress: Progress | None = None) -> int:
    """Write sessions to ``path``; returns how many. Written to a temporary file first, so
    a failed export never leaves a half file where the user expects a complete one."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    path = _target(Path(path))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".part")
    os.close(fd)
    try:
        counted = _counting(sessions, progress)
        count = {"csv": _write_csv, "json": _write_json, "xlsx": write_xlsx}[fmt](counted, tmp)
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def export_to_stream(sessions: Iterable[dict[str, Any]], fmt: str, stream: TextIO) -> int:
    """Write sessions to an open text stream (standard output for ``--out -``); returns how
    many. CSV goes without the BOM that Excel needs in a file: the reader is a program.
    XLSX is built in a temporary file (a zip is finished only at its end), then copied
    to the stream's bytes."""
    if fmt == "csv":
        return write_csv(sessions, stream)
    if fmt == "json":
        return write_json(sessions, stream)
    if fmt != "xlsx":
        raise ValueError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    with tempfile.TemporaryFile() as built:
        count = write_xlsx(sessions, built)
        built.seek(0)
        stream.flush()
        shutil.copyfileobj(built, stream.buffer)
        stream.buffer.flush()
    return count


def _target(path: Path) -> Path:
    """The file the export replaces: a symlink's target, so ``latest.csv -> 2026-11.csv``
    stays a link and its target gets the rows (replacing the link itself would leave the
    target stale). A pipe, a device or a socket is refused: the rename would destroy it
    (``/dev/null`` too) and a reader of the pipe would get nothing."""
    target = path.resolve() if path.is_symlink() else path
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "not a regular file (a pipe, a device or a folder): "
                                    "export to a file", str(path))
    return target


def _mode_for(path: Path) -> int:
    """The file's permissions: a replaced file keeps its own, a new one gets what the umask
    gives any new file. ``mkstemp`` makes the temporary file 0600, which would have left an
    export in a shared folder unreadable to the colleagues it was made for."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without setting it (``os.umask`` sets it for a moment, and
    a file another thread made in that moment would get the wrong permissions)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("Umask:", 1)[1].split()[0], 8)
    except (OSError, IndexError, ValueError):
        return 0o022  # the usual one, where /proc does not say


def _counting(sessions: Iterable[dict], progress: Progress | None) -> Iterator[dict]:
    for index, session in enumerate(sessions, 1):
        yield session
        if progress is not None and index % 500 == 0:
            progress(index)


def write_csv(sessions: Iterable[dict], handle: TextIO) -> int:
    """Sessions as CSV with a header row to an open text stream; returns how many."""
    writer = csv.writer(handle)
    writer.writerow(COLUMNS)
    count = 0
    for session in sessions:
        writer.writerow(flat_cells(session))
        count += 1
    return count


def _write_csv(sessions: Iterable[dict], tmp: str) -> int:
    with open(tmp, "w", newline="", encoding="utf-8-sig") as handle:  # BOM: Excel reads UTF-8
        return write_csv(sessions, handle)


def _write_json(sessions: Iterable[dict], tmp: str) -> int:
    with open(tmp, "w", encoding="utf-8") as handle:
        return write_json(sessions, handle)


def write_json(sessions: Iterable[dict], handle: TextIO) -> int:
    """Sessions as one JSON array, a session a line, to an open text stream."""
    count = 0
    handle.write("[")
    for session in sessions:
        handle.write(",\n" if count else "\n")
        handle.write(json.dumps(session, ensure_ascii=False))
        count += 1
    handle.write("\n]\n")
    return count


def write_xlsx(sessions: Iterable[dict], target: str | IO[bytes]) -> int:
    """Sessions as one sheet to a file name or an open binary file."""
    from openpyxl import Workbook  # imported here: only XLSX exports pay for it
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("sessions")
    sheet.append(list(COLUMNS))
    count = 0
    for session in sessions:
        # XLSX cannot hold most control characters (openpyxl refuses the whole file): each
        # becomes U+FFFD, so the cell shows that something was there.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("\ufffd", cell) if isinstance(cell, str)
                      else cell for cell in flat_cells(session)])
        count += 1
    workbook.save(target)
    return count

