"""The sessions table's columns: what each shows, how it sorts, how wide it starts.

Columns follow CONTRACT.md's session shape; a kind's ``extra`` fields become optional
columns (``extra.<key>``), hidden until the user picks them in the column chooser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.ui.formatting import cell_text, duration_text, field_label, time_text

LEFT, RIGHT, CENTER = "left", "right", "center"
CHECK = "✓"
EXTRA = "extra."


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    sort: str | None  # the store's sort name, or None when SQL cannot sort by it
    width: int
    align: str = LEFT
    visible: bool = True
    is_time: bool = False

    def text(self, session: dict[str, Any], utc: bool) -> str:
        return _TEXT.get(self.key, _plain)(self, session, utc)

    @property
    def is_extra(self) -> bool:
        """A vendor's field, not one of ours (the column chooser keeps them apart)."""
        return self.key.startswith(EXTRA)


def _plain(column: Column, session: dict[str, Any], utc: bool) -> str:
    if column.is_extra:
        return cell_text((session.get("extra") or {}).get(column.key[len(EXTRA):]))
    return cell_text(session.get(column.key))


def _time(column: Column, session: dict[str, Any], utc: bool) -> str:
    return time_text(session.get(column.key), utc)


def _check(column: Column, session: dict[str, Any], utc: bool) -> str:
    return CHECK if session.get(column.key) else ""


def _participants(column: Column, session: dict[str, Any], utc: bool) -> str:
    people = session.get("participants") or []
    return ", ".join(people)


_TEXT: dict[str, Callable[[Column, dict[str, Any], bool], str]] = {
    "start": _time,
    "end": _time,
    "duration_s": lambda c, s, u: duration_text(s.get("duration_s")),
    "has_recording": _check,
    "has_transcript": _check,
    "participants": _participants,
}

BASE_COLUMNS: tuple[Column, ...] = (
    Column("start", "Start", "start", 140, is_time=True),
    Column("end", "End", "end", 140, visible=False, is_time=True),
    Column("duration_s", "Duration", "duration_s", 82, RIGHT),
    Column("source", "Source", "source", 122),
    Column("kind", "Kind", "kind", 90, visible=False),
    Column("type", "Type", "type", 105),
    Column("title", "Title", "title", 222),
    Column("participants", "Participants", "participants", 200),
    Column("direction", "Direction", "direction", 92),
    Column("status", "Status", "status", 86),
    Column("has_recording", "Recording", "has_recording", 70, CENTER),
    Column("has_transcript", "Transcript", "has_transcript", 70, CENTER),
    Column("session_id", "Session ID", "session_id", 200, visible=False),
)


BASE_TITLES = {column.title for column in BASE_COLUMNS}


def extra_column(key: str) -> Column:
    title = field_label(key.strip())
    if title in BASE_TITLES:  # a vendor's "duration" beside ours
        title += " (as sent)"
    return Column(f"{EXTRA}{key}", title, None, 130, visible=False)


def columns_for(extra_keys: list[str]) -> list[Column]:
    names = {c.key for c in BASE_COLUMNS}
    extras = [extra_column(k) for k in extra_keys if f"{EXTRA}{k}" not in names]
    return [*BASE_COLUMNS, *extras]


#: The columns that take a wide table's spare width: the ones whose text is cut most.
STRETCH_KEYS = ("title", "participants")


def share_out(room: int, bases: dict[int, int]) -> dict[int, int]:
    """``room`` spare pixels shared among the ``bases`` columns in proportion to their
    widths (the last one takes the rounding), so Title and Participants keep their
    relative sizes as the window grows; nothing when there is no room."""
    if room <= 0 or not bases:
        return {index: 0 for index in bases}
    total = sum(bases.values()) or len(bases)
    extra: dict[int, int] = {}
    for index, base in bases.items():
        extra[index] = room * (base or 1) // total
    last = list(bases)[-1]
    extra[last] += room - sum(extra.values())
    return extra
