"""How times, durations and ages read in the window (no Qt: plain text helpers).

The cache keeps ISO 8601 UTC; people read local time. Both forms use a fixed, sortable
layout (``2025-05-14 09:41:07``) so columns line up and compare at a glance.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.timeutil import parse_utc

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def moment(value: str | None, utc: bool) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_utc(value)
    except ValueError:
        return None
    return parsed if utc else parsed.astimezone()


def time_text(value: str | None, utc: bool = False) -> str:
    """A cached time as the table shows it, in local time or UTC."""
    parsed = moment(value, utc)
    if parsed is None:
        return value or ""
    return parsed.strftime(DATE_FORMAT)


def time_tooltip(value: str | None) -> str:
    """Both readings plus the stored value, for a cell's tooltip."""
    parsed = moment(value, utc=False)
    if parsed is None:
        return value or ""
    local = parsed.strftime(f"{DATE_FORMAT} %Z (local)")
    return f"{local}\n{time_text(value, utc=True)} UTC\nstored: {value}"


def duration_text(seconds: float | None) -> str:
    """``1 h 02 min``, ``9 min 39 s``, ``42 s``; empty when unknown."""
    if seconds is None:
        return ""
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def age_text(value: str | None, now: datetime | None = None) -> str:
    """How long ago a time was: ``just now``, ``5 min ago``, ``3 h ago``, ``2 days ago``."""
    parsed = moment(value, utc=True)
    if parsed is None:
        return "never"
    seconds = ((now or datetime.now(UTC)) - parsed).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"


def cell_text(value: object) -> str:
    """Any extra field's value as one line of text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {cell_text(v)}" for k, v in value.items())
    return str(value)


def size_text(count: int | None) -> str:
    """``812 bytes``, ``4.2 KB``, ``31.0 MB`` (powers of 1024, as file managers show)."""
    if count is None:
        return ""
    if count < 1024:
        return f"{count} bytes"
    value = float(count)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def field_label(key: str) -> str:
    """A vendor field's key as a label: ``hostEmail`` and ``host_email`` both read "Host
    email", and an acronym keeps its capitals (``sipURI`` reads "Sip URI")."""
    words = _WORD_START.sub(" ", key).replace("_", " ").split()
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]
