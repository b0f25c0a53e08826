"""Reading the values ``element_dict`` gives back from BeyondTrust's XML, and its times
(seed 004).

Apart from the modules that build rows because every one of them meets the same shapes: an
element is a string or, with attributes, a dict with ``value``; a list of one comes as the
item alone; a time is a UNIX timestamp attribute beside ISO text. Read once here, a quirk is
handled the same way for sessions, events and artifacts.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from app.timeutil import epoch_utc, iso_utc


def text(value: Any) -> str:
    """An element's text, whether ``element_dict`` gave a string or a dict with ``value``."""
    if isinstance(value, dict):
        return str(value.get("value") or "")
    if isinstance(value, list):
        return text(value[0]) if value else ""
    return str(value or "")


def attr(value: Any, name: str) -> str | None:
    return value.get(name) or None if isinstance(value, dict) else None


def as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def session_time(value: Any) -> str | None:
    """A ``<start_time timestamp="..">ISO</start_time>``: the UNIX timestamp first (it is
    UTC by definition), the ISO text when the attribute is missing; empty means unknown."""
    stamp = attr(value, "timestamp")
    if stamp:
        return _epoch(stamp)
    return iso_utc(text(value)) if text(value).strip() else None


def _epoch(stamp: str) -> str | None:
    """``epoch_utc``, with a timestamp out of any calendar's range ("1e400") said as the
    ValueError every other unreadable time is, so the session is skipped, not the page."""
    try:
        return epoch_utc(stamp)
    except (OverflowError, OSError) as error:
        raise ValueError(f"timestamp out of range: {stamp[:40]!r}") from error


def stamp_utc(stamp: str) -> str | None:
    """``epoch_utc`` for the whole-second UNIX timestamps events carry, without a datetime
    per event (a busy day has 100,000 of them)."""
    if not stamp.isdigit():
        return _epoch(stamp)
    day, second = divmod(int(stamp), 86400)
    if day > 2932896:  # past 9999-12-31: no datetime can hold it
        raise ValueError(f"timestamp out of range: {stamp[:40]!r}")
    return f"{_day(day)}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"


@functools.lru_cache(maxsize=4096)
def _day(day: int) -> str:
    return (datetime(1970, 1, 1) + timedelta(days=day)).strftime("%Y-%m-%d")
