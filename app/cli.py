"""The ``histview`` command: CONTRACT.md's headless face of everything the window does.

Data goes to stdout, progress and errors to stderr. Exit codes: 0 success; 1 the work ran
but a source failed (the others are kept); 2 bad usage or input, with nothing written.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path

from app.cli_checks import (
    UsageError,
    check_filter,
    check_range,
    check_text,
    session_filter,
    time_arg,
)
from app.cli_export import ExportTargetError, check_target, target_name, write_export
from app.cli_output import ProgressPrinter, print_listing
from app.cli_parser import KIND_OPTIONS, build_parser, search_values_kept
from app.credentials import KeyringUnavailable
from app.export import write_csv
from app.http import SourceError
from app.model import SourceConfig, option_flag
from app.registry import (
    RegistryError,
    add_source,
    get_source,
    keep_unstated,
    remove_source,
    secret_lookup,
    summaries,
    test_source,
)
from app.settings import Settings, SettingsError, default_data_dir
from app.sources import source_class
from app.sources.base import CancelToken, SyncRequest
from app.store import BadQuery, CacheError, Store, queries
from app.store.search_syntax import search_notes
from app.terminal_text import TerminalFormatter

#: The id comes last and whole: ``events``/``artifacts``/``download`` need it, and ids run
#: to 78 characters (Webex), which as a middle column would push every title off the line.
SESSION_TABLE = ("start", "source", "type", "title", "duration_s", "participants",
                 "session_id")
TLS_OFF = "TLS verification OFF"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(search_values_kept(sys.argv[1:] if argv is None else argv))
    except SystemExit as stop:
        return int(stop.code or 0)
    configure_logging(args.verbose, args.quiet)
    data_dir = Path(args.data_dir or default_data_dir())
    try:
        check_text(parser, args)
        if data_dir.exists() and not data_dir.is_dir():
            raise UsageError(f"--data-dir: {data_dir} is a file, not a folder")
        return dispatch(args, data_dir)
    except (UsageError, RegistryError, BadQuery, SettingsError, CacheError,
            ExportTargetError) as error:
        print(f"histview: {error}", file=sys.stderr)
        return 2
    except KeyringUnavailable as error:
        print(f"histview: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`histview sessions | head`): what it read is all it wanted.
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        print("histview: interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush of the dead pipe is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # an in-process stdout (tests) has no descriptor and nothing left to flush


def configure_logging(verbose: bool, quiet: bool) -> None:
    """histview's own log lines (retries, waits) on stderr with ``-v``; libraries stay quiet
    because their debug lines can carry request headers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TerminalFormatter("histview: %(message)s"))
    logger = logging.getLogger("histview")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING)


def dispatch(args: argparse.Namespace, data_dir: Path) -> int:
    command = args.command or "gui"
    if command == "gui":
        from app.ui.app import run_gui  # Qt is loaded only for the window

        return run_gui(data_dir)
    if command == "demo":
        from app.demo.launcher import run_demo

        if not args.no_gui:
            from app.ui.app import missing_display

            if missing := missing_display():  # say so before minutes of syncing, not after
                raise UsageError(f"{missing}; `histview demo --no-gui` syncs without a window")

        return run_demo(args.data_dir, no_gui=args.no_gui, out=sys.stdout)
    handler = {
        "source": cmd_source, "sync": cmd_sync, "sessions": cmd_sessions,
        "events": cmd_session_children, "artifacts": cmd_session_children, "export": cmd_export,
        "download": cmd_download,
    }[command]
    return handler(args, data_dir)


# -- source ---------------------------------------------------------------------------------

def cmd_source(args: argparse.Namespace, data_dir: Path) -> int:
    if args.action == "add":
        options = kind_options(args)
        config = SourceConfig(args.name, args.kind, args.url or "", options,
                              ca_bundle=args.ca_bundle, insecure=args.insecure)
        kept = keep_unstated(data_dir, config)
        updated = add_source(data_dir, config, read_secret(args))
        if not args.quiet:
            warning = f" ({TLS_OFF})" if args.insecure else ""
            done = "updated" if updated else "added"
            kept_note = f"; kept {', '.join(kept)}" if kept else ""
            print(f"{done} {args.kind} source {args.name}{warning}{kept_note}", file=sys.stderr)
        return 0
    if args.action == "list":
        rows = summaries(data_dir)
        columns = ("name", "kind", "url", "status", "last_sync_at")
        if args.format == "table" and any(row["insecure"] for row in rows):
            rows = [{**row, "warning": TLS_OFF if row["insecure"] else ""} for row in rows]
            columns += ("warning",)
        print_listing(rows, args.format, columns, sys.stdout)
        return 0
    if args.action == "test":
        try:
            print(f"{args.name}: ok, {test_source(data_dir, args.name)}")
            return 0
        except SourceError as error:
            print(f"histview: {args.name}: {error}", file=sys.stderr)
            return 1
    remove_source(data_dir, args.name, purge=args.purge)
    return 0


def kind_options(args: argparse.Namespace) -> dict[str, str]:
    """The kind options given to ``source add``, refusing one the kind does not use:
    ``source add webex wx --username bob`` stored a username no webex request ever reads,
    and said nothing, so a mistyped kind or option went unnoticed."""
    cls = source_class(args.kind)
    used = [o for o in KIND_OPTIONS if o in cls.options or o in cls.optional_options]
    given = {o: getattr(args, o) for o in KIND_OPTIONS if getattr(args, o) is not None}
    for option in given:
        if option not in used:
            flags = ", ".join(option_flag(o) for o in used)
            takes = f"takes {flags}" if flags else "takes none"
            raise UsageError(f"{option_flag(option)} is not an option of a {args.kind} source "
                             f"(a {args.kind} source {takes})")
    return given  # an empty value clears a kept option (registry.keep_unstated)


def read_secret(args: argparse.Namespace) -> str | None:
    if args.secret_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
        if not secret:
            raise UsageError("--secret-stdin: nothing was read from stdin")
        return secret
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"secret for {args.name}: ") or None
    return None


# -- sync -----------------------------------------------------------------------------------

def cmd_sync(args: argparse.Namespace, data_dir: Path) -> int:
    from app.sync import outcome_note, sync_sources  # imports the sources only when syncing

    since, until = time_arg(args.since, "--since"), time_arg(args.until, "--until")
    check_range(since, until, "--since", "--until")
    settings = Settings(data_dir)
    configs = [get_source(data_dir, name) for name in dict.fromkeys(args.names)] \
        if args.names else settings.sources()
    if not configs:
        raise UsageError("no sources registered: add one with `histview source add`")
    request = SyncRequest(since=since, until=until, full=args.full)
    printer = None if args.quiet else ProgressPrinter(sys.stderr)
    results = sync_sources(settings.cache_path, configs, secret_lookup(data_dir), request,
                           progress=printer, cancel=CancelToken())
    if printer:
        printer.done()
    failed = 0
    for result in results:
        if result.ok:
            if not args.quiet:
                print(f"{result.source}: {result.items} items in {result.pages} pages"
                      f"{outcome_note(result)}", file=sys.stderr)
        else:
            failed += 1
            print(f"histview: sync {result.source} failed: {result.error}", file=sys.stderr)
    return 1 if failed else 0


# -- reading the cache ----------------------------------------------------------------------

def open_store(data_dir: Path) -> Store:
    """The cache, for reading: a folder without one reads as empty and is left as it was.

    A folder with neither a cache nor settings is most likely a mistyped ``--data-dir``,
    so that is said rather than answered with an empty list."""
    settings = Settings(data_dir)
    if settings.cache_path.exists():
        return Store(settings.cache_path)
    if not settings.path.exists():
        raise UsageError(f"no histview data in {data_dir}: check --data-dir, or add a source "
                         "with `histview source add` and run `histview sync`")
    return Store(None)  # sources registered, nothing synced yet


def cmd_sessions(args: argparse.Namespace, data_dir: Path) -> int:
    flt = session_filter(args)
    store = open_store(data_dir)
    try:
        check_filter(store, flt, data_dir)
        # One row more than asked for says whether the list was cut short.
        rows = queries.list_sessions(store.db.conn, flt, limit=_fetch_limit(args.limit))
    finally:
        store.close()
    cut = bool(args.limit) and len(rows) > args.limit
    rows = rows[:args.limit] if cut else rows
    if args.format == "csv":
        write_csv(rows, sys.stdout)
    else:
        print_listing(rows, args.format, SESSION_TABLE, sys.stdout, whole={"session_id"})
    if not args.quiet:
        say_search_notes(flt.search)
        if not rows and args.format == "table":
            print("histview: no sessions cached yet: `histview sync` fetches them"
                  if flt.is_empty() else "histview: no cached session matches these filters",
                  file=sys.stderr)
        if cut:
            print(f"histview: the newest {plural(args.limit, 'matching session')}; more "
                  "match (--limit N for more, --limit 0 for all)", file=sys.stderr)
    return 0


#: SQLite's LIMIT is a signed 64-bit integer, and one more row than asked for is fetched.
SQLITE_MAX_LIMIT = 2**63 - 2


def _fetch_limit(limit: int) -> int | None:
    """The LIMIT to ask SQLite for: one row more than ``--limit``, or None for all.

    A limit beyond what SQLite can count (``--limit 99999999999999999999``) is more than any
    cache holds, so it means "all", as a limit larger than the cache already does: "at most
    N" is met by every session. Refusing it would only make the user type a smaller number
    for the same answer; it used to end in an OverflowError traceback."""
    return limit + 1 if 0 < limit <= SQLITE_MAX_LIMIT else None


def say_search_notes(search: str | None) -> None:
    """How a search was read, on stderr: the notes the window shows under its search box."""
    for note in search_notes(search):
        print(f"histview: {note}", file=sys.stderr)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


#: What ``events`` and ``artifacts`` read, and the columns of their tables.
SESSION_CHILDREN = {
    "events": (queries.list_events, ("time", "end", "lane", "kind", "actor", "detail")),
    "artifacts": (queries.list_artifacts, ("kind", "label", "url", "downloaded_path")),
}


def cmd_session_children(args: argparse.Namespace, data_dir: Path) -> int:
    """``events`` and ``artifacts``: one session's timeline or its recordings."""
    reader, columns = SESSION_CHILDREN[args.command]
    store = open_store(data_dir)
    try:
        if queries.get_session(store.db.conn, args.source, args.session_id) is None:
            raise UsageError(f"no cached session {args.source}:{args.session_id}")
        rows = reader(store.db.conn, args.source, args.session_id)
    finally:
        store.close()
    print_listing(rows, args.format, columns, sys.stdout)
    return 0


def cmd_export(args: argparse.Namespace, data_dir: Path) -> int:
    flt = session_filter(args)
    check_target(args.out, args.format, sys.stdout)
    store = open_store(data_dir)
    try:
        check_filter(store, flt, data_dir)
        count = write_export(queries.iter_sessions(store.db.conn, flt), args.out, args.format,
                             sys.stdout)
    finally:
        store.close()
    if not args.quiet:
        say_search_notes(flt.search)
        print(f"exported {plural(count, 'session')} to {target_name(args.out)}",
              file=sys.stderr)
    return 0


def cmd_download(args: argparse.Namespace, data_dir: Path) -> int:
    from app.downloads import download_artifacts

    if args.to is not None and args.to.exists() and not args.to.is_dir():
        raise UsageError(f"--to: {args.to} is a file, not a folder")

    return download_artifacts(data_dir, args.source, args.session_id, kind=args.kind,
                              folder=args.to, out=sys.stderr, quiet=args.quiet)
