"""The command-line contract (CONTRACT.md): commands, exit codes, JSON keys, exports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from app.cli import build_parser
from app.model import Artifact, Event, Session
from app.store import Store

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_SESSION_KEYS = {"source", "kind", "session_id", "type", "title", "start", "end",
                         "duration_s", "participants", "direction", "status",
                         "has_recording", "has_transcript"}


@pytest.fixture
def filled(data_dir: Path) -> Path:
    """A cache with a few sessions, one with hostile text, written through the store."""
    store = Store(data_dir / "cache.db")
    store.write_page("bt", "beyondtrust", "s", None, sessions=[
        Session("1", "support_session", "=HYPERLINK(\"http://evil\")", "2026-11-01T10:00:00Z",
                "2026-11-01T10:30:00Z", 1800, ["Ann", "+15551234"], status="closed",
                has_recording=True),
        Session("2", "support_session", "Printer offline", "2026-11-02T09:00:00.250000Z",
                None, None, ["Ben"]),
        Session("3", "support_session", "VPN drops", "2026-11-03T09:00:00Z", None, None, []),
    ], events=[Event("1", "e0", "2026-11-01T10:00:01Z", "Ann", "chat", actor="Ann",
                     detail="hello there")],
        artifacts=[Artifact("1", "rec", "recording", "Session recording",
                            "https://bt.example/rec/1")])
    store.close()
    return data_dir


def subcommands(parser) -> dict:
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def test_every_command_has_help_and_is_in_the_contract_and_readme():
    contract = (ROOT.parent / "shared" / "CONTRACT.md")
    readme = (ROOT / "README.md").read_text()
    commands = subcommands(build_parser())
    for name, parser in commands.items():
        assert parser.description or parser.format_help(), name
        assert f"histview {name}" in readme or name == "gui", f"{name} missing from README"
        if contract.exists():
            assert f"`histview {name}" in contract.read_text() or name == "gui"


def test_sessions_json_has_the_contract_keys_newest_first(cli, filled):
    result = cli("sessions", "--format", "json")
    rows = json.loads(result.out)
    assert [r["session_id"] for r in rows] == ["3", "2", "1"]
    assert all(CONTRACT_SESSION_KEYS <= set(r) for r in rows)
    assert rows[1]["start"] == "2026-11-02T09:00:00.250000Z"
    assert rows[0]["end"] is None and rows[0]["duration_s"] is None


def test_events_and_artifacts_json_keys(cli, filled):
    events = json.loads(cli("events", "bt", "1", "--format", "json").out)
    assert {"time", "end", "lane", "kind", "actor", "detail"} <= set(events[0])
    artifacts = json.loads(cli("artifacts", "bt", "1", "--format", "json").out)
    assert {"kind", "label", "url", "view_url", "downloaded_path"} <= set(artifacts[0])


@pytest.mark.parametrize("args", [
    ("events", "bt", "nope"),
    ("sessions", "--from", "yesterday"),
    ("sync", "no-such-source"),
    ("source", "add", "pexip", "x", "--url", "http://manager.example.com", "--username", "a",
     "--secret-stdin"),
    ("source", "add", "pexip", "x", "--url", "https://manager.example.com", "--secret-stdin"),
    ("source", "add", "nosuchkind", "x"),
    ("export", "--format", "csv", "--out", "/no/such/folder/x.csv"),
    ("export", "--format", "csv", "--out", "x.csv", "--ids", "no-colon"),
    ("source", "remove", "ghost"),
])
def test_bad_usage_exits_2_with_a_message(cli, filled, args):
    result = cli(*args, stdin="pw\n")
    assert result.code == 2, (args, result.err)
    assert result.err.strip() and "Traceback" not in result.err


def test_plain_http_is_refused_off_loopback_with_a_reason(cli):
    result = cli("source", "add", "pexip", "x", "--url", "http://manager.example.com",
                 "--username", "a", "--secret-stdin", stdin="pw\n")
    assert "https" in result.err


def test_insecure_is_remembered_and_shown(cli):
    result = cli("source", "add", "pexip", "lab", "--url", "https://10.1.1.1", "--username",
                 "a", "--insecure", "--secret-stdin", stdin="pw\n")
    assert result.code == 0 and "verification OFF" in result.err
    [row] = json.loads(cli("source", "list", "--format", "json").out)
    assert row["insecure"] is True and "pw" not in json.dumps(row)


def test_remove_forgets_and_purge_deletes_history(cli, filled):
    assert cli("source", "add", "beyondtrust", "bt", "--url", "https://bt.example.com",
               "--client-id", "c", "--secret-stdin", stdin="pw\n").code == 0
    assert cli("source", "remove", "bt").code == 0
    assert len(json.loads(cli("sessions", "--format", "json").out)) == 3  # kept
    assert cli("source", "add", "beyondtrust", "bt", "--url", "https://bt.example.com",
               "--client-id", "c", "--secret-stdin", stdin="pw\n").code == 0
    assert cli("source", "remove", "bt", "--purge").code == 0
    assert json.loads(cli("sessions", "--format", "json").out) == []


def test_csv_export_neutralizes_formulas_and_keeps_the_selection(cli, filled, tmp_path):
    out = tmp_path / "picked.csv"
    assert cli("export", "--format", "csv", "--out", str(out), "--ids", "bt:1,bt:3").code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["session_id"] for r in rows] == ["3", "1"]
    assert rows[1]["title"].startswith("'=HYPERLINK")
    assert rows[1]["participants"] == "Ann; +15551234"  # joined cell does not start with +
    assert rows[1]["duration_s"] == "1800"


def test_xlsx_export_neutralizes_formulas(cli, filled, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "all.xlsx"
    assert cli("export", "--format", "xlsx", "--out", str(out)).code == 0
    sheet = load_workbook(out).active
    titles = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://evil\")" in titles
    assert sheet.max_row == 4


def test_json_export_and_filters(cli, filled, tmp_path):
    out = tmp_path / "found.json"
    assert cli("export", "--format", "json", "--out", str(out), "--search", "hello").code == 0
    assert [r["session_id"] for r in json.loads(out.read_text())] == ["1"]
    rows = json.loads(cli("sessions", "--format", "json", "--from", "2026-11-02",
                          "--to", "2026-11-03").out)
    assert [r["session_id"] for r in rows] == ["2"]


def test_a_search_with_fts_syntax_characters_is_taken_as_text(cli, filled):
    for text in ('"unbalanced', "AND OR NOT", "a*b(c)", "-x", "NEAR(", "*"):
        result = cli("sessions", "--search", text, "--format", "json")
        assert result.code in (0, 2) and "Traceback" not in result.err, text


def test_without_a_usable_keyring_nothing_is_stored_anywhere(tmp_path: Path):
    """keyring's own 'fail' backend stands for a machine with no Secret Service."""
    import os
    import subprocess
    import sys

    data = tmp_path / "data"
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), "source", "add", "pexip", "v",
         "--url", "https://manager.example.com", "--username", "u", "--secret-stdin"],
        input="hunter2-password\n", capture_output=True, text=True, env=env, cwd=ROOT,
        timeout=60)
    assert result.returncode == 1
    assert "keyring" in result.stderr and "nothing was saved" in result.stderr
    assert "hunter2" not in result.stderr
    stored = [p for p in data.rglob("*") if p.is_file()] if data.exists() else []
    assert all(b"hunter2" not in p.read_bytes() for p in stored)
    assert not (data / "settings.json").exists()


def test_verbose_logs_retries_without_the_secret(cli, data_dir):
    from app.demo.pexip import PexipSimulator

    sim = PexipSimulator(conferences=20, password="verbose-secret-pw")
    sim.start()
    try:
        cli("source", "add", "pexip", "px", "--url", sim.url, "--username", "admin",
            "--secret-stdin", stdin="verbose-secret-pw\n")
        sim.faults.add("429", retry_after="0.01")
        result = cli("-v", "sync")
    finally:
        sim.stop()
    assert result.code == 0
    assert "HTTP 429, retrying" in result.err
    assert "verbose-secret-pw" not in result.err + result.out


def test_the_kept_session_count_follows_writes_and_purges(cli, filled):
    from app.store import SessionFilter
    from app.store.queries import count_sessions

    store = Store(filled / "cache.db")
    try:
        assert count_sessions(store.db.conn, SessionFilter()) == 3
        store.purge_source("bt")
        assert count_sessions(store.db.conn, SessionFilter()) == 0
    finally:
        store.close()


def test_sessions_as_csv_on_stdout_matches_the_export(cli, filled, tmp_path):
    listed = cli("sessions", "--format", "csv")
    out = tmp_path / "all.csv"
    assert cli("export", "--format", "csv", "--out", str(out)).code == 0
    rows = list(csv.reader(listed.out.splitlines()))
    assert rows == list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 4 and rows[3][4].startswith("'=HYPERLINK")
