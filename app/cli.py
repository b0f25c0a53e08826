"""The ``histview`` command: CONTRACT.md's headless face of everything the window does.

Data goes to stdout, progress and errors to stderr. Exit codes: 0 success; 1 the work ran
but a source failed (the others are kept); 2 bad usage or input, with nothing written.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

from app import __version__
from app.cli_output import ProgressPrinter, print_listing
from app.credentials import KeyringUnavailable
from app.export import FORMATS, export_sessions, write_csv
from app.http import SourceError
from app.model import KINDS, SourceConfig
from app.registry import (
    RegistryError,
    add_source,
    get_source,
    remove_source,
    secret_lookup,
    summaries,
    test_source,
)
from app.settings import Settings, default_data_dir
from app.sources.base import CancelToken, SyncRequest
from app.store import BadQuery, SessionFilter, Store, queries
from app.timeutil import format_utc, parse_utc

#: Kind options as command-line flags, stored in SourceConfig.options under these names.
KIND_OPTIONS = ("username", "client_id", "tenant_id", "login_url", "account_sid", "api_version")
SESSION_TABLE = ("start", "source", "type", "title", "duration_s", "participants")


class UsageError(Exception):
    """Bad usage or input: exit code 2, nothing written."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="histview", description=(
        "Browse, search and export support history from Pexip, BeyondTrust, Microsoft "
        "Graph, Webex and Restcomm, from a local cache that works offline."))
    parser.add_argument("--version", action="version", version=f"histview {__version__}")
    parser.add_argument("--data-dir", type=Path, help="cache, settings and downloads folder "
                        "(default: $HISTVIEW_DATA_DIR or the per-user data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail on stderr")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("gui", help="open the desktop window on the cache")
    demo = sub.add_parser("demo", help="run the built-in simulators, sync them, open the window")
    demo.add_argument("--no-gui", action="store_true", help="sync, print a summary, stay headless")
    _add_source_commands(sub)
    _add_sync_command(sub)
    _add_query_commands(sub)
    return parser


def _add_source_commands(sub: argparse._SubParsersAction) -> None:
    source = sub.add_parser("source", help="register, list, test or remove sources")
    actions = source.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="register a source (secret into the OS keyring)")
    add.add_argument("kind", choices=KINDS)
    add.add_argument("name")
    add.add_argument("--url", help="the API's base URL (defaults exist for msgraph and webex)")
    for option in KIND_OPTIONS:
        add.add_argument("--" + option.replace("_", "-"), dest=option)
    add.add_argument("--secret-stdin", action="store_true", help="read the secret from stdin")
    tls = add.add_mutually_exclusive_group()
    tls.add_argument("--ca-bundle", help="PEM file of CAs to trust for this source")
    tls.add_argument("--insecure", action="store_true",
                     help="skip TLS verification for this source (shown as a warning)")
    listing = actions.add_parser("list", help="list sources with their last sync")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    test = actions.add_parser("test", help="check a source's URL and credentials")
    test.add_argument("name")
    remove = actions.add_parser("remove", help="forget a source and its secret")
    remove.add_argument("name")
    remove.add_argument("--purge", action="store_true", help="also delete its cached history")


def _add_sync_command(sub: argparse._SubParsersAction) -> None:
    sync = sub.add_parser("sync", help="fetch new history into the cache")
    sync.add_argument("names", nargs="*", metavar="NAME", help="sources (default: all)")
    sync.add_argument("--since", help="start of a range to (re)fetch, ISO 8601")
    sync.add_argument("--until", help="end of that range, ISO 8601")
    sync.add_argument("--full", action="store_true", help="fetch everything the source keeps")


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", help="only this source")
    parser.add_argument("--kind", choices=KINDS, help="only this kind")
    parser.add_argument("--type", help="only this session type")
    parser.add_argument("--search", help="full-text search over sessions, people and events")
    parser.add_argument("--from", dest="start_from", help="sessions starting at or after (ISO)")
    parser.add_argument("--to", dest="start_to", help="sessions starting before (ISO)")


def _add_query_commands(sub: argparse._SubParsersAction) -> None:
    sessions = sub.add_parser("sessions", help="list cached sessions, newest first")
    _add_filters(sessions)
    sessions.add_argument("--limit", type=int, default=100, help="at most N (0: all)")
    sessions.add_argument("--format", choices=("table", "json", "csv"), default="table")
    for name, text in (("events", "a session's timeline events, oldest first"),
                       ("artifacts", "a session's recordings, transcripts and chats")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("source")
        cmd.add_argument("session_id")
        cmd.add_argument("--format", choices=("table", "json"), default="table")
    download = sub.add_parser("download", help="download a session's artifacts")
    download.add_argument("source")
    download.add_argument("session_id")
    download.add_argument("--kind", help="only artifacts of this kind")
    download.add_argument("--to", type=Path, help="folder (default: DATA/downloads)")
    export = sub.add_parser("export", help="export sessions to CSV, JSON or XLSX")
    export.add_argument("--format", choices=FORMATS, required=True)
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--ids", help="SOURCE:ID,... (default: every session the filters match)")
    _add_filters(export)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    configure_logging(args.verbose, args.quiet)
    data_dir = args.data_dir or default_data_dir()
    try:
        return dispatch(args, Path(data_dir))
    except (UsageError, RegistryError, BadQuery) as error:
        print(f"histview: {error}", file=sys.stderr)
        return 2
    except KeyringUnavailable as error:
        print(f"histview: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("histview: interrupted", file=sys.stderr)
        return 130


def configure_logging(verbose: bool, quiet: bool) -> None:
    """histview's own log lines (retries, waits) on stderr with ``-v``; libraries stay quiet
    because their debug lines can carry request headers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("histview: %(message)s"))
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
        options = {o: getattr(args, o) for o in KIND_OPTIONS if getattr(args, o)}
        config = SourceConfig(args.name, args.kind, args.url or "", options,
                              ca_bundle=args.ca_bundle, insecure=args.insecure)
        add_source(data_dir, config, read_secret(args))
        if not args.quiet:
            warning = " (TLS verification OFF)" if args.insecure else ""
            print(f"added {args.kind} source {args.name}{warning}", file=sys.stderr)
        return 0
    if args.action == "list":
        print_listing(summaries(data_dir), args.format,
                      ("name", "kind", "url", "status", "last_sync_at"), sys.stdout)
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
    from app.sync import sync_sources  # imports the sources only when syncing

    settings = Settings(data_dir)
    configs = [get_source(data_dir, name) for name in args.names] if args.names \
        else settings.sources()
    if not configs:
        raise UsageError("no sources registered: add one with `histview source add`")
    request = SyncRequest(since=_time(args.since, "--since"), until=_time(args.until, "--until"),
                          full=args.full)
    printer = None if args.quiet else ProgressPrinter(sys.stderr)
    results = sync_sources(settings.cache_path, configs, secret_lookup(data_dir), request,
                           progress=printer, cancel=CancelToken())
    if printer:
        printer.done()
    failed = 0
    for result in results:
        if result.ok:
            if not args.quiet:
                print(f"{result.source}: {result.items} items in {result.pages} pages",
                      file=sys.stderr)
        else:
            failed += 1
            print(f"histview: sync {result.source} failed: {result.error}", file=sys.stderr)
    return 1 if failed else 0


def _time(value: str | None, flag: str):
    if value is None:
        return None
    try:
        return parse_utc(value)
    except ValueError:
        raise UsageError(f"{flag}: not an ISO 8601 time: {value!r}") from None


# -- reading the cache ----------------------------------------------------------------------

def open_store(data_dir: Path) -> Store:
    return Store(Settings(data_dir).cache_path)


def session_filter(args: argparse.Namespace) -> SessionFilter:
    iso = {name: format_utc(t) for name, t in (
        ("from", _time(args.start_from, "--from")), ("to", _time(args.start_to, "--to"))) if t}
    return SessionFilter(source=args.source, kind=args.kind, type=args.type, search=args.search,
                         start_from=iso.get("from"), start_to=iso.get("to"),
                         ids=_ids(getattr(args, "ids", None)))


def _ids(text: str | None) -> list[tuple[str, str]]:
    if not text:
        return []
    pairs = []
    for item in text.split(","):
        source, sep, session_id = item.strip().partition(":")
        if not sep or not source or not session_id:
            raise UsageError(f"--ids: expected SOURCE:ID, got {item!r}")
        pairs.append((source, session_id))
    return pairs


def cmd_sessions(args: argparse.Namespace, data_dir: Path) -> int:
    flt = session_filter(args)
    store = open_store(data_dir)
    try:
        rows = queries.list_sessions(store.db.conn, flt, limit=args.limit or None)
    finally:
        store.close()
    if args.format == "csv":
        write_csv(rows, sys.stdout)
    else:
        print_listing(rows, args.format, SESSION_TABLE, sys.stdout)
    return 0


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
    if not args.out.parent.exists():
        raise UsageError(f"--out: folder does not exist: {args.out.parent}")
    store = open_store(data_dir)
    try:
        count = export_sessions(queries.iter_sessions(store.db.conn, flt), args.out, args.format)
    finally:
        store.close()
    if not args.quiet:
        print(f"exported {count} sessions to {args.out}", file=sys.stderr)
    return 0


def cmd_download(args: argparse.Namespace, data_dir: Path) -> int:
    from app.downloads import download_artifacts

    return download_artifacts(data_dir, args.source, args.session_id, kind=args.kind,
                              folder=args.to, out=sys.stderr, quiet=args.quiet)
