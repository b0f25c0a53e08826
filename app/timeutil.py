"""Time parsing for the vendors' many formats, all normalized to ISO 8601 UTC with a ``Z``.

The source's sub-second digits are kept as sent (Pexip sends microseconds on some fields and
none on others), because CONTRACT.md promises them and because ``Z``-terminated ISO strings
with the same number of digits sort correctly as text in SQLite.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta

_ISO = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$"
)


@functools.lru_cache(maxsize=4096)
def iso_utc(value: str | None) -> str | None:
    """Normalize an ISO 8601 time, naive (taken as UTC) or with an offset, to ``...Z``.

    Naive inputs keep their fraction digits exactly; inputs with an offset are converted to
    UTC keeping as many digits as were sent, up to the microsecond (Restcomm's ``.970-07:00``
    stays ``.970Z``, as its traces' milliseconds do, instead of growing a ``000``). Cached:
    a participant's media streams share its times, so a Pexip page repeats most of them.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    match = _ISO.match(text)
    if not match:
        raise ValueError(f"not an ISO 8601 time: {text[:40]!r}")
    date, clock, fraction, offset = match.groups()
    fraction = fraction or ""
    if offset in (None, "Z", "+00:00", "+0000", "-00:00"):
        # The right shape is not yet a moment: "2026-02-30" or "25:61" would be cached as
        # text and sort among real times. A C-speed parse (0.1 us) says which.
        try:
            datetime.fromisoformat(f"{date}T{clock}")
        except ValueError:
            raise ValueError(f"not a moment in time: {text[:40]!r}") from None
        return f"{date}T{clock}{fraction}Z"
    parsed = datetime.fromisoformat(f"{date}T{clock}{fraction[:7]}{_colon(offset)}")
    utc = format_utc(parsed, with_fraction=bool(fraction))
    return f"{utc[:19 + len(fraction[:7])]}Z" if fraction else utc


def _colon(offset: str) -> str:
    return offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"


def epoch_utc(seconds: float | int | str | None) -> str | None:
    """Normalize UNIX seconds to ISO UTC."""
    if seconds is None or seconds == "":
        return None
    stamp = datetime.fromtimestamp(float(seconds), tz=UTC)
    return format_utc(stamp, with_fraction=stamp.microsecond != 0)


def time_key(iso: str) -> str:
    """An ISO UTC time ending in "Z" as text that compares in time order: no "Z", and no
    trailing zeros in its fraction. Sources send "…:26Z", "…:26.916Z" and "…:26.000000Z";
    as they are, 'Z' sorts after '.', so a whole second came after its own fractions.
    Keyed, the whole second is their prefix and sorts first, and equal instants compare
    equal or as a prefix (the cache's start indexes hold the same key, ``START_KEY``)."""
    text = iso.rstrip("Z")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_utc(moment: datetime, *, with_fraction: bool = True) -> str:
    """Format an aware (or naive-UTC) datetime as ISO 8601 UTC with ``Z``.

    ``isoformat`` rather than ``strftime``: glibc's ``%Y`` writes the year 999 as ``999``,
    which sorts after ``2026`` as text, so ``--from 0999-01-01`` matched nothing."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds" if with_fraction else "seconds") + "Z"


class TimeOutOfRange(ValueError):
    """A valid ISO time whose UTC moment falls outside the years 1 to 9999."""


#: A user's time as ISO 8601 reads it: a date (extended, basic or week), then either a clock
#: after ``T``, ``t`` or a space, or an offset alone (``2026-11-20+05:30``), or nothing.
_USER_TIME = re.compile(
    r"(?P<date>\d{4}(?:-\d{2}-\d{2}|\d{4}|-?W\d{2}(?:-?\d)?))"
    r"(?:[Tt ](?P<clock>.+)|(?P<offset>[Zz]|[+-].+))?"
)


def parse_utc(value: str) -> datetime:
    """Parse any ISO time we produce or a user gives (``--since``) into an aware UTC datetime.

    The date and the clock are split here, not by ``fromisoformat``: it takes any one
    character between them, so ``2026-11-20+05:30`` (midnight in India) was read as 05:30
    UTC, and ``2026-11-20x10:00`` passed. A date with an offset is midnight at that offset.
    ``0001-01-01T00:00:00+01:00`` is a valid time whose UTC moment is in the year 0, which
    Python cannot hold: that is a ``TimeOutOfRange`` (a ``ValueError``, as bad input is),
    not the ``OverflowError`` that reached the user as a traceback. Times in the form the
    cache and the vendors write them skip the pattern: this runs for every record a sync
    reads, and the pattern cost ten times the parse."""
    text = value.strip()
    if not (len(text) > 11 and text[10] == "T" and text[4] == "-"):  # not as we write them
        match = _USER_TIME.fullmatch(text)
        if match is None:
            raise ValueError(f"not an ISO 8601 time: {text[:40]!r}")
        date, clock, offset = match.group("date", "clock", "offset")
        text = f"{date}T{clock}" if clock else f"{date}T00:00{offset or ''}"
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise TimeOutOfRange(f"{value.strip()[:40]!r} is outside the years 1 to 9999 "
                             "in UTC") from None


def utc_now() -> datetime:
    return datetime.now(UTC)


def seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (parse_utc(end) - parse_utc(start)).total_seconds()


def plus(moment: datetime, **delta: float) -> datetime:
    return moment + timedelta(**delta)
