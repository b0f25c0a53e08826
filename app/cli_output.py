"""How the CLI draws tables and progress on a terminal (and plain lines when piped)."""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterable, Sequence
from typing import Any, TextIO

from app.sync import Progress
from app.terminal_text import one_line


def _cell(value: Any) -> str:
    """One table cell on one line: a tab or newline in a title or a participant's name
    would break the row or its alignment, so each item's whitespace becomes single spaces;
    and its control characters would drive the terminal, so they are shown as U+FFFD."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return one_line(str(value))


def _fit(text: str, max_width: int) -> str:
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def print_records(rows: Iterable[dict], columns: Sequence[str], out: TextIO,
                  max_width: int = 48, whole: Collection[str] = ()) -> None:
    """An aligned text table; long cells are cut with an ellipsis, except in the ``whole``
    columns, whose values are copied into other commands (a cut session id is no id)."""
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    cells = [[c if name in whole else _fit(c, max_width) for name, c in zip(columns, r,
                                                                           strict=True)]
             for r in cells]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(), file=out)
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=out)


def print_listing(rows: list[dict], fmt: str, columns: Sequence[str], out: TextIO,
                  whole: Collection[str] = ()) -> None:
    """Rows as CONTRACT.md's JSON array, or as an aligned table for a person."""
    if fmt == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False), file=out)
    else:
        print_records(rows, columns, out, whole=whole)


class ProgressPrinter:
    """Draws sync progress: a rewritten line on a terminal, a line every few seconds if not."""

    def __init__(self, out: TextIO, interval_s: float = 2.0) -> None:
        self.out = out
        self.tty = out.isatty()
        self.interval_s = interval_s
        self._last = 0.0
        self._drawn = False

    def __call__(self, progress: Progress) -> None:
        total = f"/{progress.total}" if progress.total else ""
        text = (f"{progress.source} {progress.resource}: {progress.items}{total} items, "
                f"{progress.pages} pages")
        now = time.monotonic()
        if self.tty:
            self.out.write("\r\033[K" + text)
            self.out.flush()
            self._drawn = True
        elif now - self._last >= self.interval_s:
            print(text, file=self.out)
            self._last = now

    def done(self) -> None:
        if self._drawn:
            self.out.write("\r\033[K")
            self.out.flush()
