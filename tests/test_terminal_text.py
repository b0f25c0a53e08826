"""Vendor text printed for a person carries no terminal control sequence (finding 2 of the
bug hunt); the JSON output keeps it exactly as the vendor sent it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.demo.restcomm import RestcommSimulator
from app.demo.server import Response
from app.demo.webex import WebexSimulator
from app.model import Artifact, Event, Session
from app.settings import Settings
from app.store import Store
from app.terminal_text import printable

#: Retitle the terminal, clear it, forge a line; a C1 CSI, a NUL and a right-to-left override.
HOSTILE = ("\x1b]0;TITLE-HIJACK\x07\x1b[2J\x1b[1;1Hall sources synced OK \x9b31mRED\x00"
           "\u202egnp.exe\u2066x\u2069\x7f")
CONTROLS = ("\x1b", "\x07", "\x9b", "\x00", "\x7f", "\u202e", "\u2066", "\u2069")


def clean(text: str) -> bool:
    return not any(c in text for c in CONTROLS)


def strings(value: object) -> list[str]:
    """Every text in a JSON value, nested ones included."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) \
        else []
    return [text for item in items for text in strings(item)]


def test_printable_replaces_each_control_and_bidi_override_one_for_one():
    assert printable("a\x1b[2Jb\x85c\u202ad") == "a\ufffd[2Jb\ufffdc\ufffdd"
    assert printable("Ünïcødé → 会议 😀") == "Ünïcødé → 会议 😀"


@pytest.fixture
def hostile_cache(data_dir: Path) -> Path:
    store = Store(data_dir / "cache.db")
    store.write_page("bt", "beyondtrust", "s", None, sessions=[
        Session("1", "support_session", HOSTILE, "2026-11-01T10:00:00Z", None, None,
                [HOSTILE, "Ann"])],
        events=[Event("1", "e0", "2026-11-01T10:00:01Z", HOSTILE, "chat", actor=HOSTILE,
                      detail=HOSTILE)],
        artifacts=[Artifact("1", "rec", "recording", HOSTILE, "https://bt.example/rec/1")])
    store.close()
    return data_dir


@pytest.mark.parametrize("command", [("sessions",), ("events", "bt", "1"),
                                     ("artifacts", "bt", "1")])
def test_tables_show_no_control_characters_while_json_keeps_them(cli, hostile_cache, command):
    table = cli(*command)
    assert table.code == 0, table.err
    assert "TITLE-HIJACK" in table.out and clean(table.out), repr(table.out)
    data = cli(*command, "--format", "json")
    assert HOSTILE in strings(json.loads(data.out))  # data for programs: as the vendor sent it


def test_a_vendor_error_message_with_escape_sequences_reaches_stderr_and_the_cache_clean(cli):
    sim = WebexSimulator(days=2)
    sim.start()
    try:
        assert cli("source", "add", "webex", "wx", "--url", sim.url, "--secret-stdin",
                   stdin=sim.token + "\n").code == 0
        sim.respond_next(Response.json({"message": HOSTILE, "trackingId": "T"}, 400),
                         "/v1/events")
        result = cli("sync")
    finally:
        sim.stop()
    assert result.code == 1
    line = next(x for x in result.err.splitlines() if "sync wx failed" in x)
    assert "TITLE-HIJACK" in line and clean(result.err), repr(result.err)
    listed = cli("source", "list", "--format", "json")
    [source] = json.loads(listed.out)
    assert "TITLE-HIJACK" in source["last_error"] and clean(source["last_error"])
    assert clean(cli("source", "list").out)


def test_download_lines_show_a_hostile_label_without_its_control_characters(cli, data_dir,
                                                                             tmp_path):
    sim = RestcommSimulator(days=2, calls_per_weekday=6, seed=4)
    sim.start()
    try:
        assert cli("source", "add", "restcomm", "line", "--url", sim.url + "/restcomm",
                   "--account-sid", sim.account_sid, "--secret-stdin",
                   stdin=sim.auth_token + "\n").code == 0
        assert cli("sync").code == 0
        first, second = relabel_two_recordings(data_dir)
        fetched = cli("download", "line", first, "--to", str(tmp_path / "dl"))
    finally:
        sim.stop()
    assert fetched.code == 0, fetched.err
    assert "TITLE-HIJACK" in fetched.err and clean(fetched.err), repr(fetched.err)
    failed = cli("download", "line", second, "--to", str(tmp_path / "dl"))  # server gone
    assert failed.code == 1
    assert "TITLE-HIJACK" in failed.err and clean(failed.err), repr(failed.err)


def relabel_two_recordings(data_dir: Path) -> list[str]:
    """Two sessions with recordings, each of their artifacts given the hostile label
    through the store."""
    with sqlite3.connect(Settings(data_dir).cache_path) as conn:
        sessions = [r[0] for r in conn.execute(
            "SELECT DISTINCT session_id FROM artifacts WHERE source = 'line' AND "
            "kind = 'recording' ORDER BY session_id LIMIT 2")]
        rows = conn.execute(
            f"SELECT session_id, artifact_id, kind, url FROM artifacts WHERE source = 'line' "
            f"AND session_id IN ({', '.join('?' * len(sessions))})", sessions).fetchall()
    assert len(sessions) == 2
    store = Store(Settings(data_dir).cache_path)
    store.write_page("line", "restcomm", "relabel", None, artifacts=[
        Artifact(session_id, artifact_id, kind, HOSTILE, url)
        for session_id, artifact_id, kind, url in rows])
    store.close()
    return sessions


def test_an_unforeseen_failure_quoting_vendor_text_is_one_clean_line():
    from app.http import unexpected_failure

    line = unexpected_failure(ValueError("bad field '\x1b]0;owned\x07\x1b[2J'\nall sources ok"),
                              lambda text: text)
    assert "\x1b" not in line and "\x07" not in line and "\n" not in line
    assert line.startswith("unexpected error: ValueError: bad field")


def test_invisible_marks_that_make_two_ids_look_alike_are_shown(cli):
    assert printable("ab\u200bc\u200e\u200f\u2060\ufeff\u061c") == "ab\ufffdc" + "\ufffd" * 5
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # an emoji sequence keeps its joiners
    assert printable(family) == family


def test_log_lines_quoting_vendor_text_reach_stderr_clean(capsys):
    import logging

    from app.cli import configure_logging

    configure_logging(verbose=True, quiet=False)
    logging.getLogger("histview.sources.beyondtrust").warning(
        "%s: session %s was listed but left out of %d answers: given up", "bt", HOSTILE, 3)
    err = capsys.readouterr().err
    assert "TITLE-HIJACK" in err and clean(err), repr(err)


def test_a_session_without_artifacts_is_named_without_its_control_characters(cli, data_dir):
    store = Store(data_dir / "cache.db")
    store.write_page("bt", "beyondtrust", "s", None, sessions=[
        Session(HOSTILE, "support_session", "t", "2026-11-01T10:00:00Z", None, None, [])])
    store.close()
    assert cli("source", "add", "beyondtrust", "bt", "--url", "http://127.0.0.1:9",
               "--client-id", "c", "--secret-stdin", stdin="s\n").code == 0
    result = cli("download", "bt", HOSTILE)
    assert result.code == 0, result.err
    said = result.out + result.err
    assert "has no artifacts" in said and "TITLE-HIJACK" in said and clean(said), repr(said)
