"""The command-line contract (CONTRACT.md): commands, exit codes, JSON keys, exports."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli_parser import build_parser
from app.model import Artifact, Event, Session
from app.store import Store
from tests.conftest import cache_before, files_containing

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


def test_remove_without_a_keyring_changes_nothing_and_old_history_can_be_purged(cli, filled):
    assert cli("source", "add", "beyondtrust", "bt", "--url", "https://bt.example.com",
               "--client-id", "c", "--secret-stdin", stdin="pw\n").code == 0
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(filled), "source", "remove", "bt",
         "--purge"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert result.returncode == 1 and "keyring" in result.stderr
    # Before, the settings entry was gone by then: the secret and history were stranded.
    assert [row["name"] for row in json.loads(cli("source", "list", "--format", "json").out)] \
        == ["bt"]
    assert len(json.loads(cli("sessions", "--format", "json").out)) == 3

    assert cli("source", "remove", "bt").code == 0  # the keyring is back: history is kept
    assert cli("source", "remove", "bt").code == 2  # no such source, and no --purge
    # History left by a source that is no longer registered can still be purged.
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


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_an_export_is_as_readable_as_any_new_file_and_a_replaced_one_keeps_its_mode(
        cli, filled, tmp_path, fmt):
    old = os.umask(0o022)  # the usual umask, whatever the test process runs with
    try:
        fresh, shared = tmp_path / f"new.{fmt}", tmp_path / f"shared.{fmt}"
        shared.write_text("last month's")
        shared.chmod(0o664)
        for out in (fresh, shared):
            assert cli("export", "--format", fmt, "--out", str(out)).code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # mkstemp's 0600 before
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    assert shared.read_bytes() != b"last month's"


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


def test_a_password_in_the_url_is_refused_and_kept_nowhere(cli, data_dir):
    result = cli("source", "add", "pexip", "x", "--url", "https://admin:Url-Pa55word@pexip.example",
                 "--username", "admin", "--secret-stdin", stdin="pw\n")
    assert result.code == 2 and "user name or password" in result.err
    assert "Url-Pa55word" not in result.out + result.err
    assert files_containing(data_dir, "Url-Pa55word") == []
    assert not (data_dir / "settings.json").exists()


def one_line_error(result) -> str:
    assert result.code == 2, result
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    return result.err


def test_files_and_folders_in_the_wrong_place_give_one_line(cli, filled, tmp_path):
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("not a folder")
    assert "is a folder" in one_line_error(
        cli("export", "--format", "json", "--out", str(tmp_path)))
    assert "cannot write" in one_line_error(
        cli("export", "--format", "json", "--out", "/proc/histview-export.json"))
    assert "not a folder" in one_line_error(cli("download", "bt", "1", "--to", str(a_file)))
    assert "not a folder" in one_line_error(cli("--data-dir", str(a_file), "sessions"))
    assert a_file.read_text() == "not a folder"


@pytest.mark.parametrize("command", [("source", "list"), ("sync",), ("sessions", "--source", "x")])
def test_a_damaged_settings_file_is_named_and_left_alone(cli, data_dir, command):
    settings = data_dir / "settings.json"
    settings.write_text('{"sources": [')
    assert "settings.json" in one_line_error(cli(*command))
    assert settings.read_text() == '{"sources": ['


@pytest.mark.parametrize("command", [("source", "list"), ("sessions",), ("events", "a", "b")])
def test_a_damaged_cache_file_is_named_and_left_alone(cli, data_dir, command):
    (data_dir / "settings.json").write_text('{"sources": []}')
    cache = data_dir / "cache.db"
    cache.write_bytes(b"not a database at all" * 100)
    assert "cache.db" in one_line_error(cli(*command))
    assert cache.read_bytes() == b"not a database at all" * 100


def test_a_misspelt_type_is_said_with_the_types_there_are(cli, filled):
    err = one_line_error(cli("sessions", "--type", "support_sesion"))
    assert "support_sesion" in err and "support_session" in err  # before: [] and exit 0
    assert len(json.loads(cli("sessions", "--type", "support_session",
                              "--format", "json").out)) == 3


def test_unknown_sources_and_ids_are_said_not_answered_with_nothing(cli, filled, tmp_path):
    out = tmp_path / "x.json"
    assert "no source named 'nosuch'" in one_line_error(cli("sessions", "--source", "nosuch"))
    assert "nosuch" in one_line_error(
        cli("export", "--format", "json", "--out", str(out), "--source", "nosuch"))
    assert "bt:404" in one_line_error(
        cli("export", "--format", "json", "--out", str(out), "--ids", "bt:1,bt:404"))
    assert not out.exists()
    removed_but_cached = json.loads(cli("sessions", "--source", "bt", "--format", "json").out)
    assert len(removed_but_cached) == 3  # a source's history outlives its registration


def test_a_mistyped_data_folder_is_said_and_not_created(cli, tmp_path):
    typo = tmp_path / "histveiw"
    err = one_line_error(cli("--data-dir", str(typo), "sessions"))
    assert "no histview data" in err and str(typo) in err
    assert one_line_error(cli("--data-dir", str(typo), "events", "a", "b"))
    assert not typo.exists()


def test_registered_but_never_synced_reads_as_empty_without_making_a_cache(cli, data_dir):
    assert cli("source", "add", "webex", "wx", "--secret-stdin", stdin="token\n").code == 0
    result = cli("sessions", "--format", "json")
    assert result.code == 0 and json.loads(result.out) == []
    table = cli("sessions")
    assert table.code == 0 and "no sessions cached yet" in table.err and "histview sync" in table.err
    assert not (data_dir / "cache.db").exists()


def test_an_empty_time_range_is_said(cli, filled):
    err = one_line_error(cli("sessions", "--from", "2026-11-03", "--to", "2026-11-02"))
    assert "not before" in err
    assert "next day" in one_line_error(cli("sessions", "--from", "2026-11-02",
                                            "--to", "2026-11-02"))
    assert "--since" in one_line_error(cli("sync", "--since", "2026-11-03",
                                           "--until", "2026-11-02"))


def test_a_list_cut_short_by_the_limit_says_so(cli, filled):
    cut = cli("sessions", "--limit", "2", "--format", "json")
    assert len(json.loads(cut.out)) == 2 and "--limit 0" in cut.err
    whole = cli("sessions", "--limit", "3", "--format", "json")
    assert len(json.loads(whole.out)) == 3 and whole.err == ""
    quiet = cli("sessions", "--limit", "2", "-q")  # a global option after the command
    assert quiet.code == 0 and quiet.err == ""
    assert "0 or more" in cli("sessions", "--limit", "-1").err


def test_a_name_taken_by_another_kind_is_refused_and_the_same_kind_updated(cli, data_dir):
    assert cli("source", "add", "webex", "team", "--secret-stdin", stdin="token\n").code == 0
    err = one_line_error(cli("source", "add", "pexip", "team", "--url", "https://px.example",
                             "--username", "a", "--secret-stdin", stdin="pw\n"))
    assert "webex source named 'team' exists" in err
    again = cli("source", "add", "webex", "team", "--url", "https://webex.example",
                "--secret-stdin", stdin="token2\n")
    assert again.code == 0 and again.err.startswith("updated webex source team")
    [row] = json.loads(cli("source", "list", "--format", "json").out)
    assert (row["kind"], row["url"]) == ("webex", "https://webex.example")


def test_tls_off_shows_in_the_source_table(cli):
    cli("source", "add", "webex", "safe", "--secret-stdin", stdin="token\n")
    assert "TLS" not in cli("source", "list").out
    cli("source", "add", "pexip", "lab", "--url", "https://10.1.1.1", "--username", "a",
        "--insecure", "--secret-stdin", stdin="pw\n")
    table = cli("source", "list").out.splitlines()
    assert "WARNING" in table[0]
    assert [("TLS verification OFF" in line) for line in table[1:]] == [False, True]


def test_a_ca_bundle_without_a_certificate_is_refused(cli, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    err = one_line_error(cli("source", "add", "webex", "wx", "--ca-bundle", str(hosts),
                             "--secret-stdin", stdin="token\n"))
    assert "no PEM certificate" in err


def test_the_window_without_a_display_says_why_in_one_line(data_dir):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data_dir), "gui"],
                            cwd=ROOT, timeout=60, env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "no display" in result.stderr


def test_a_reader_that_stops_early_gets_no_traceback(data_dir):
    store = Store(data_dir / "cache.db")
    store.write_page("bt", "beyondtrust", "s", None, sessions=[
        Session(str(n), "support_session", f"Session number {n} " + "x" * 200,
                f"2026-10-01T10:{n // 60 % 60:02d}:{n % 60:02d}Z", None, None, ["Ann"])
        for n in range(2000)])
    store.close()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "sessions", "--limit", "0",
         "--format", "json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    err = process.stderr.read().decode()
    assert process.wait(60) == 0 and err == ""


def test_download_makes_no_folder_when_there_is_nothing_to_put_in_it(cli, filled, tmp_path):
    assert cli("source", "add", "beyondtrust", "bt", "--url", "https://bt.example.com",
               "--client-id", "c", "--secret-stdin", stdin="pw\n").code == 0
    target = tmp_path / "downloads"
    assert "bt:404" in one_line_error(cli("download", "bt", "404", "--to", str(target)))
    nothing = cli("download", "bt", "3", "--to", str(target))
    assert nothing.code == 0 and "has no artifacts" in nothing.err
    assert "invalid choice" in cli("download", "bt", "1", "--kind", "video").err
    assert not target.exists()


def test_a_search_may_start_with_an_excluded_word(cli, filled):
    result = cli("sessions", "--search", "-printer", "--format", "json")
    assert result.code == 0, result.err  # a search of exclusions only, not argparse's option
    assert [r["session_id"] for r in json.loads(result.out)] == ["3", "1"]  # all but printer
    found = cli("sessions", "--search", "-hello offline", "--format", "json")
    assert [r["session_id"] for r in json.loads(found.out)] == ["2"]


def test_control_characters_neither_break_an_xlsx_export_nor_smuggle_a_formula(
        data_dir, cli, tmp_path):
    from openpyxl import load_workbook

    from app.export import COLUMNS, flat_cells, tsv_text

    store = Store(data_dir / "cache.db")
    store.write_page("bt", "beyondtrust", "s", None, sessions=[
        Session("1", "support_session", "Weekly sync\r=HYPERLINK(\"http://evil\")",
                "2026-11-01T10:00:00Z", None, None, ["Bob\r@SUM(A1)"]),
        Session("2", "support_session", "colour \x1b[31mred\x1b[0m", "2026-11-02T10:00:00Z",
                None, None, [])])
    store.close()
    out = tmp_path / "all.xlsx"
    assert cli("export", "--format", "xlsx", "--out", str(out)).code == 0
    titles = [row[4] for row in load_workbook(out).active.iter_rows(min_row=2,
                                                                    values_only=True)]
    assert titles == ["colour \ufffd[31mred\ufffd[0m",
                      "Weekly sync\r=HYPERLINK(\"http://evil\")"]
    rows = json.loads(cli("sessions", "--format", "json").out)
    pasted = tsv_text([COLUMNS, *map(flat_cells, rows)]).splitlines()
    assert len(pasted) == 3  # a header and two rows: no line break survives inside a cell
    assert not any(cell.startswith(("=", "@", "+", "-"))
                   for line in pasted for cell in line.split("\t"))



WEEKLY_BEFORE_M010 = {"source": "px", "session_id": "c1", "kind": "pexip", "type": "conference",
                      "title": "Weekly sync", "start_time": "2026-11-02T10:00:00Z",
                      "search_text": "Weekly c1"}


def test_a_cache_from_an_older_version_is_updated_once_and_said_unless_quiet(cli, data_dir,
                                                                             tmp_path):
    cache_before(data_dir / "cache.db", "m010_search_text_has_source_name_and_kind",
                 WEEKLY_BEFORE_M010)
    first = cli("sessions", "--search", "pexip", "--format", "json")
    assert first.code == 0 and [s["session_id"] for s in json.loads(first.out)] == ["c1"]
    assert "updating the cache" in first.err and "cache.db.before-migration" in first.err
    again = cli("sessions", "--search", "pexip", "--format", "json")
    assert again.code == 0 and again.err == "" and again.out == first.out
    quiet_dir = tmp_path / "quiet"
    quiet_dir.mkdir()
    cache_before(quiet_dir / "cache.db", "m010_search_text_has_source_name_and_kind",
                 WEEKLY_BEFORE_M010)
    quiet = cli("--data-dir", str(quiet_dir), "-q", "sessions", "--format", "json")
    assert quiet.code == 0 and quiet.err == "" and quiet.out == first.out
    assert (quiet_dir / "cache.db.before-migration").exists()  # updated all the same
