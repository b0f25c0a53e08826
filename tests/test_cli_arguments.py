"""What the command line makes of the text it is given: a date with an offset but no clock,
bytes that are not text, and empty selections (a QA hunt's findings 4, 6 and 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.model import Session
from app.store import Store
from tests.conftest import ROOT
from tests.test_cli_input import one_line_error


@pytest.fixture
def cached(data_dir: Path) -> Path:
    """Three sessions around midnight of 2026-11-20 in India (18:30 UTC the day before)."""
    store = Store(data_dir / "cache.db")
    store.write_page("wx", "webex", "s", None, sessions=[
        Session("late", "messages", "Late", "2026-11-20T06:00:00Z", None, None, []),
        Session("after", "messages", "After", "2026-11-19T19:00:00Z", None, None, []),
        Session("before", "messages", "Before", "2026-11-19T18:00:00Z", None, None, []),
    ])
    store.close()
    return data_dir


def listed(cli, *args: str) -> list[str]:
    result = cli("sessions", "--format", "json", *args)
    assert result.code == 0, result.err
    return [row["session_id"] for row in json.loads(result.out)]


# -- finding 4: a date with an offset, and the character between date and clock --------------

def test_a_date_with_an_offset_is_midnight_at_that_offset(cli, cached):
    # "2026-11-20+05:30" was read as 05:30 UTC: "+" taken for the separator, "05:30" for
    # the clock. It now means what the spelled-out forms mean.
    for value in ("2026-11-20+05:30", "2026-11-20T00:00:00+05:30", "2026-11-20t00:00+05:30",
                  "2026-11-20 00:00+0530", "20261120+0530"):
        assert listed(cli, "--from", value) == ["late", "after"], value


def test_a_date_with_a_western_or_utc_offset_is_midnight_there(cli, cached):
    # Midnight at -00:30 is 00:30 UTC, as the old reading made it only by chance ("-" taken
    # for the separator); Z and z are UTC, and z was refused.
    for value in ("2026-11-19-00:30", "2026-11-19Z", "2026-11-19z"):
        assert listed(cli, "--to", value, "--limit", "0") == []
        assert listed(cli, "--from", value) == ["late", "after", "before"]


def test_lowercase_t_and_z_are_iso_8601_too(cli, cached):
    assert listed(cli, "--from", "2026-11-19t18:30:00z") == ["late", "after"]


@pytest.mark.parametrize("flag", ["--from", "--to"])
def test_only_t_or_a_space_separates_date_and_clock(cli, cached, flag):
    for value in ("2026-11-20x10:00", "2026-11-20_10:00", "2026-11-20/10:00", "2026-11-20+"):
        err = one_line_error(cli("sessions", flag, value))
        assert err == f"histview: {flag}: not an ISO 8601 time: {value!r}"


def test_sync_reads_its_range_with_the_same_rules(cli, data_dir):
    err = one_line_error(cli("sync", "--since", "2026-11-20x10:00"))
    assert err == "histview: --since: not an ISO 8601 time: '2026-11-20x10:00'"
    err = one_line_error(cli("sync", "--since", "2026-11-20+05:30",
                             "--until", "2026-11-19T18:00:00Z"))
    assert err.startswith("histview: --since 2026-11-19T18:30:00")  # not 2026-11-20T05:30


# -- finding 6: a byte that is not UTF-8 in an argument --------------------------------------

def run_bytes(data_dir: Path, *args: str | bytes) -> subprocess.CompletedProcess:
    """``python -m app`` with a real argv: only one carries bytes that are not UTF-8, which
    Python hands on as lone surrogates (an in-process call never sees them decoded)."""
    return subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
                          capture_output=True, cwd=ROOT, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONUTF8": "1"}, timeout=60)


@pytest.mark.parametrize("args, name", [
    (("sessions", "--search", b"M\xfcller"), "--search"),
    (("sessions", "--source", b"x\xff"), "--source"),
    (("export", "--format", "json", "--out", "-", "--ids", b"wx:\xff"), "--ids"),
    (("events", "wx", b"x\xff"), "SESSION_ID"),
    (("artifacts", b"x\xff", "late"), "SOURCE"),
])
def test_a_byte_that_is_not_utf8_is_bad_input_naming_the_argument(cached, args, name):
    # Each ended in a UnicodeEncodeError traceback from SQLite and exit 1.
    done = run_bytes(cached, *args)
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr.decode() == f"histview: {name}: not valid text (a byte that is not " \
                                   "UTF-8)\n"


def test_a_file_name_may_hold_any_bytes_but_the_search_beside_it_may_not(cached, tmp_path):
    out = os.fsencode(tmp_path) + b"/caf\xe9.json"
    done = run_bytes(cached, "export", "--format", "json", "--out", out, "--search", b"\xff")
    assert done.returncode == 2 and b"--search: not valid text" in done.stderr
    assert not os.path.exists(out)
    done = run_bytes(cached, "export", "--format", "json", "--out", out)
    assert done.returncode == 0, done.stderr
    assert [s["session_id"] for s in json.loads(Path(os.fsdecode(out)).read_text())] == \
        ["late", "after", "before"]


# -- finding 7: empty selections ---------------------------------------------------------------

@pytest.mark.parametrize("ids", ["", " "])
def test_an_empty_ids_is_refused_not_an_export_of_every_session(cli, cached, tmp_path, ids):
    # A script's empty selection (--ids "$SELECTED") exported the whole cache, exit 0.
    out = tmp_path / "picked.json"
    err = one_line_error(cli("export", "--format", "json", "--out", str(out), "--ids", ids))
    assert err.startswith("histview: --ids names no session")
    assert not out.exists()
    assert one_line_error(cli("export", "--format", "csv", "--out", "-", "--ids", ids)) == err


@pytest.mark.parametrize("command", [("sessions",), ("export", "--format", "csv", "--out", "-")])
def test_an_empty_source_or_type_filter_is_refused_as_an_unknown_one_is(cli, cached, command):
    # They meant "no filter" and listed every session, while --source nope was refused.
    for flag in ("--source", "--type"):
        for value in ("", " "):
            err = one_line_error(cli(*command, flag, value))
            assert err == f"histview: {flag} is empty: give a value, or leave {flag} out for all"
    assert cli(*command, "--kind", "").code == 2  # refused by its choices, as it was
