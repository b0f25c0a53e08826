"""The command line's checks of what it was given, before any work: times, ranges, filters
and ids. A problem is a ``UsageError``: exit code 2, a one-line message, nothing written.

Kept apart from ``app.cli``, which does what the checked command asks.
"""

from __future__ import annotations

import argparse
import sqlite3
from datetime import datetime
from pathlib import Path

from app.settings import Settings
from app.store import SessionFilter, Store, queries
from app.timeutil import TimeOutOfRange, format_utc, parse_utc


class UsageError(Exception):
    """Bad usage or input: exit code 2, nothing written."""


def time_arg(value: str | None, flag: str) -> datetime | None:
    """A time option as an aware UTC datetime, or None when not given."""
    if value is None:
        return None
    try:
        return parse_utc(value)
    except TimeOutOfRange as error:
        raise UsageError(f"{flag}: {error}") from None
    except ValueError:
        raise UsageError(f"{flag}: not an ISO 8601 time: {value!r}") from None


def session_filter(args: argparse.Namespace) -> SessionFilter:
    """The filters of ``sessions`` and ``export`` as the store takes them.

    A filter given empty (``--source ""``, a script's variable that came out blank) names
    nothing, so it is refused: the store reads an empty value as no filter at all, and an
    export meant for one source or a few sessions held the whole cache."""
    for flag, value in (("--source", args.source), ("--type", args.type)):  # --kind: choices
        if value is not None and not value.strip():
            raise UsageError(f"{flag} is empty: give a value, or leave {flag} out for all")
    start_from, start_to = time_arg(args.start_from, "--from"), time_arg(args.start_to, "--to")
    check_range(start_from, start_to, "--from", "--to")
    return SessionFilter(source=args.source, kind=args.kind, type=args.type, search=args.search,
                         start_from=format_utc(start_from) if start_from else None,
                         start_to=format_utc(start_to) if start_to else None,
                         ids=_ids(getattr(args, "ids", None)))


def check_range(start: datetime | None, end: datetime | None, start_flag: str,
                 end_flag: str) -> None:
    """An empty range is a mistake worth saying, not an empty answer."""
    if start is not None and end is not None and start >= end:
        raise UsageError(f"{start_flag} {format_utc(start)} is not before {end_flag} "
                         f"{format_utc(end)}, so nothing can match ({end_flag} is exclusive: "
                         "to take in a whole day, give the next day)")


def check_filter(store: Store, flt: SessionFilter, data_dir: Path) -> None:
    """Unknown names and ids are the user's typo, not an empty answer (exit 2)."""
    conn = store.db.conn
    if flt.source and Settings(data_dir).source(flt.source) is None and conn.execute(
            "SELECT 1 FROM sessions WHERE source = ? LIMIT 1", (flt.source,)).fetchone() is None:
        raise UsageError(f"--source: no source named {flt.source!r}")
    _check_type(conn, flt.type)
    missing = [f"{source}:{session_id}" for source, session_id in flt.ids
               if queries.get_session(conn, source, session_id) is None]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise UsageError(f"--ids: no cached session {', '.join(missing[:3])}{more}")


def _check_type(conn: sqlite3.Connection, session_type: str | None) -> None:
    """A type no cached session has is most likely misspelt ("confrence"): say which types
    there are. An empty cache has nothing to compare with, so its empty answer stands."""
    if not session_type:
        return
    cached = queries.fast_distinct(conn, "type")
    if cached and session_type not in cached:
        raise UsageError(f"--type: no cached session has type {session_type!r}; the cached "
                         f"types are {', '.join(cached)}")


def _ids(text: str | None) -> list[tuple[str, str]]:
    if text is None:
        return []
    if not text.strip():
        raise UsageError("--ids names no session: give SOURCE:ID,..., or leave --ids out to "
                         "export every session the filters match")
    pairs = []
    for item in text.split(","):
        source, sep, session_id = item.strip().partition(":")
        if not sep or not source or not session_id:
            raise UsageError(f"--ids: expected SOURCE:ID, got {item!r}")
        pairs.append((source, session_id))
    return pairs


#: Arguments that name files: on POSIX a file name may be any bytes, so one that is not
#: UTF-8 is still a name the system can open, and is passed on as Python decoded it.
FILE_ARGUMENTS = frozenset({"data_dir", "out", "to", "ca_bundle"})


def check_text(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse an argument holding a byte that is not UTF-8, naming it, before any work.

    Python keeps such a byte (a Latin-1 terminal's "ü", an id from a legacy CSV fed through
    xargs) as a lone surrogate, which SQLite, JSON and the keyring cannot take: it ended in
    a traceback and exit 1, which a scheduler reads as a failed sync."""
    for action in _given_actions(parser, args):
        values = getattr(args, action.dest, None)
        values = [values] if isinstance(values, str) else values
        if action.dest in FILE_ARGUMENTS or not isinstance(values, list):
            continue
        if not all(_is_text(value) for value in values if isinstance(value, str)):
            name = max(action.option_strings, key=len, default=None) \
                or action.metavar or action.dest.upper()
            raise UsageError(f"{name}: not valid text (a byte that is not UTF-8)")


def _given_actions(parser: argparse.ArgumentParser, args: argparse.Namespace):
    """The options and arguments of the command that was parsed, its subcommands' included
    (a name such as ``source`` means an option in one command, an argument in another)."""
    for action in parser._actions:  # argparse has no public way to reach them
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(getattr(args, action.dest, None))
            if chosen is not None:
                yield from _given_actions(chosen, args)
        else:
            yield action


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
