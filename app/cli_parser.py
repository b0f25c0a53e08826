"""The ``histview`` command's grammar: its commands, their options and their help.

Kept apart from ``app.cli``, which does what the parsed command asks.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app import __version__
from app.export import FORMATS
from app.model import ARTIFACT_KINDS, KINDS, option_flag

#: Kind options as command-line flags, stored in SourceConfig.options under these names.
KIND_OPTIONS = ("username", "client_id", "tenant_id", "login_url", "account_sid", "api_version")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="histview", description=(
        "Browse, search and export support history from Pexip, BeyondTrust, Microsoft "
        "Graph, Webex and Restcomm, from a local cache that works offline."))
    parser.add_argument("--version", action="version", version=f"histview {__version__}")
    _add_global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                parser_class=_CommandParser)
    sub.add_parser("gui", help="open the desktop window on the cache")
    demo = sub.add_parser("demo", help="run the built-in simulators, sync them, open the window")
    demo.add_argument("--no-gui", action="store_true", help="sync, print a summary, stay headless")
    # CONTRACT.md: the demo has "a demo data folder of its own (or --data-dir when given)".
    # HISTVIEW_DATA_DIR names a manager's real data, which five demo sources must not join.
    _set_help(demo, "data_dir", "the demo's folder (default: a demo folder of its own, never "
                                "$HISTVIEW_DATA_DIR or your real data)")
    _add_source_commands(sub)
    _add_sync_command(sub)
    _add_query_commands(sub)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--data-dir``, ``-v`` and ``-q``, before the command or after it (``sync -q``).

    A command's copy has no defaults of its own, so it sets an option only when given and
    never undoes the one given before the command."""
    own = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument("--data-dir", type=Path, help="cache, settings and downloads folder "
                        "(default: $HISTVIEW_DATA_DIR or the per-user data folder)", **own)
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail on stderr",
                        **own)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr",
                        **own)


def _set_help(parser: argparse.ArgumentParser, dest: str, text: str) -> None:
    """Reword one option's help for a command whose meaning of it differs."""
    for action in parser._actions:  # argparse has no public way to reach an added option
        if action.dest == dest:
            action.help = text


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: it takes the global options too (see ``_add_global_options``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _add_global_options(self, top=False)


def _add_source_commands(sub: argparse._SubParsersAction) -> None:
    source = sub.add_parser("source", help="register, list, test or remove sources")
    actions = source.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="register a source (secret into the OS keyring)")
    add.add_argument("kind", choices=KINDS)
    add.add_argument("name")
    add.add_argument("--url", help="the API's base URL (defaults exist for msgraph and webex)")
    for option in KIND_OPTIONS:
        add.add_argument(option_flag(option), dest=option)
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
    sync.add_argument("--since", help="(re)fetch the sessions that started from this time "
                                      "on, ISO 8601; long ago means all the source keeps")
    sync.add_argument("--until", help="... and before this time, ISO 8601 (a session still "
                                      "running then is fetched too)")
    sync.add_argument("--full", action="store_true", help="fetch everything the source keeps")


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", help="only this source")
    parser.add_argument("--kind", choices=KINDS, help="only this kind")
    parser.add_argument("--type", help="only this session type")
    parser.add_argument("--search", action=_SearchText, help="full-text search over every "
                        "field of the session, its people and its events: words (each a "
                        'prefix), "a phrase", -excluded or NOT word, AND (the same as a '
                        "space), OR, (brackets) to group")
    parser.add_argument("--from", dest="start_from", help="sessions starting at or after (ISO)")
    parser.add_argument("--to", dest="start_to", help="sessions starting before (ISO)")


def _add_query_commands(sub: argparse._SubParsersAction) -> None:
    sessions = sub.add_parser("sessions", help="list cached sessions, newest first")
    _add_filters(sessions)
    sessions.add_argument("--limit", type=_count, default=100,
                          help="at most N, newest first (default 100; 0: all)")
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
    download.add_argument("--kind", choices=ARTIFACT_KINDS, help="only artifacts of this kind")
    download.add_argument("--to", type=Path, help="folder (default: DATA/downloads)")
    export = sub.add_parser("export", help="export sessions to CSV, JSON or XLSX")
    export.add_argument("--format", choices=FORMATS, required=True)
    export.add_argument("--out", metavar="FILE", required=True,
                        help="the file to write; - for standard output")
    export.add_argument("--ids", help="SOURCE:ID,... (default: every session the filters match)")
    _add_filters(export)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more, got {text!r}")
    return value


class _SearchText(argparse.Action):
    """Stores ``--search`` as given. argparse drops a ``--`` value even after ``=``
    (``--search=--`` arrives as ``[]``), which silently searched for nothing and listed every
    session; kept as ``--``, it is told "type a word to search for" as ``-`` is."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, values if isinstance(values, str) else "--")


def search_values_kept(argv: list[str]) -> list[str]:
    """``--search -teams`` as ``--search=-teams``: argparse would take an excluded word for
    an option and stop with "expected one argument"."""
    kept: list[str] = []
    args = iter(argv)
    for arg in args:
        value = next(args, None) if arg == "--search" else None
        if value is not None and value.startswith("-"):
            kept.append(f"--search={value}")
        else:
            kept.extend([arg] if value is None else [arg, value])
    return kept
