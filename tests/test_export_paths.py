"""Where an export lands when ``--out`` is not a plain file: a link, a pipe, a device,
standard output."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import socket
import subprocess
import sys

import pytest

from app.model import Session
from app.store import Store
from tests.conftest import ROOT
from tests.test_ui_support import fill_cache

EVIL_TITLE = "'=HYPERLINK(\"http://evil.example\")"  # session 3's title, made inert


@pytest.fixture
def filled(data_dir):
    fill_cache(data_dir, 5)
    return data_dir


def test_an_export_onto_a_symlink_writes_its_target_and_keeps_the_link(cli, filled, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    target = archive / "2026-11.json"
    target.write_text("last month's")
    link = tmp_path / "latest.json"
    link.symlink_to(target)

    result = cli("export", "--format", "json", "--out", str(link))

    assert result.code == 0, result.err
    assert link.is_symlink() and link.resolve() == target
    assert len(json.loads(target.read_text())) == 5
    assert sorted(os.listdir(tmp_path)) == ["archive", "data", "latest.json"]  # no leftovers


def test_a_pipe_or_a_socket_is_refused_and_left_as_it_was(cli, filled, tmp_path):
    # (A device such as /dev/null is refused by the same check; a test does not risk one.)
    pipe = tmp_path / "rows.csv"
    os.mkfifo(pipe)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "rows.sock"))

    to_pipe = cli("export", "--format", "csv", "--out", str(pipe))
    to_socket = cli("export", "--format", "csv", "--out", str(tmp_path / "rows.sock"))

    listener.close()
    for result in (to_pipe, to_socket):
        assert result.code == 2 and "not a regular file" in result.err, result.err
        assert result.err.count("\n") == 1
    assert pipe.is_fifo() and (tmp_path / "rows.sock").is_socket()
    assert sorted(os.listdir(tmp_path)) == ["data", "rows.csv", "rows.sock"]


def test_the_window_s_export_is_refused_for_a_pipe_too(filled, tmp_path):
    """The window and the command line share ``export_sessions``: one check for both."""
    from app.export import export_sessions

    pipe = tmp_path / "rows.json"
    os.mkfifo(pipe)
    with pytest.raises(OSError, match="not a regular file"):
        export_sessions([{"source": "s"}], pipe, "json")
    assert pipe.is_fifo()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_out_dash_sends_csv_and_json_to_standard_output(cli, filled, tmp_path, monkeypatch,
                                                        fmt):
    monkeypatch.chdir(tmp_path)
    result = cli("export", "--format", fmt, "--out", "-")

    assert result.code == 0, result.err
    assert sorted(os.listdir(tmp_path)) == ["data"]  # no file named "-"
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(result.out)))
        assert rows[0][:3] == ["source", "kind", "session_id"] and len(rows) == 6
        assert EVIL_TITLE in [row[4] for row in rows[1:]]  # formulas still made inert
        assert not result.out.startswith("\ufeff")  # no BOM in a stream for programs
    else:
        assert len(json.loads(result.out)) == 5
    assert "exported 5 sessions to standard output" in result.err

    named = cli("export", "--format", fmt, "--out", "./-")  # the Unix way to name a file "-"
    assert named.code == 0 and named.out == "", named.err
    assert (tmp_path / "-").stat().st_size > 0


def export_process(data_dir, cwd, stdout):
    """``histview export --format xlsx --out -`` as a real process in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "export", "--format",
         "xlsx", "--out", "-"],
        stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)


def test_xlsx_to_dash_goes_down_a_pipe_and_is_refused_on_a_terminal(filled, tmp_path):
    from openpyxl import load_workbook

    piped = export_process(filled, tmp_path, subprocess.PIPE)
    assert piped.returncode == 0, piped.stderr
    sheet = load_workbook(io.BytesIO(piped.stdout)).active
    assert sheet.max_row == 6
    assert EVIL_TITLE in [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]

    leader, follower = pty.openpty()
    try:
        on_terminal = export_process(filled, tmp_path, follower)
        ready, _, _ = select.select([leader], [], [], 0)
        shown = os.read(leader, 65536) if ready else b""
    finally:
        os.close(follower)
        os.close(leader)
    assert on_terminal.returncode == 2
    message = on_terminal.stderr.decode()
    assert len(message.strip().splitlines()) == 1 and "--out -" in message, message
    assert shown == b""  # no binary noise on the terminal
    assert sorted(os.listdir(tmp_path)) == ["data"]  # and no file named "-" either


#: Formulas that dodge a first-character check: spaces first (some imports trim them) or
#: full-width and small forms (some imports fold them to ASCII).
DISGUISED = ["  =1+1+cmd|' /C calc'!A0", "＝HYPERLINK(\"http://evil.example\")", "＋1+1",
             "－2+3", "＠SUM(A1)", "\u3000@SUM(A1)", "\u00a0-1+1", "﹦1+1"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formulas_behind_spaces_or_in_full_width_are_made_inert_too(cli, data_dir, tmp_path,
                                                                     fmt):
    store = Store(data_dir / "cache.db")
    store.write_page("bt", "beyondtrust", "s", None, sessions=[
        Session(str(n), "support_session", text, f"2026-11-0{n + 1}T10:00:00Z", None, None,
                [text]) for n, text in enumerate(DISGUISED)])
    store.close()
    out = tmp_path / f"all.{fmt}"
    assert cli("export", "--format", fmt, "--out", str(out)).code == 0
    if fmt == "csv":
        rows = [[r["title"], r["participants"]] for r in csv.DictReader(
            out.open(encoding="utf-8-sig"))]
    else:
        from openpyxl import load_workbook

        rows = [[row[4], row[8]] for row in load_workbook(out).active.iter_rows(
            min_row=2, values_only=True)]
    assert sorted(cell for row in rows for cell in row) == sorted("'" + t for t in DISGUISED * 2)
