"""The command line's answers to odd input: times at the calendar's ends, huge limits, URL
options, names and options a kind does not take, ``--search --``, and the session table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli_parser import KIND_OPTIONS
from app.demo.msgraph import start_graph
from app.model import KINDS, Session
from app.settings import Settings
from app.sources import source_class
from app.store import Store

LONG_ID = "Y2lzY29zcGFyazovL3VzL0VWRU5ULzEyZDhlYjIwLTkwMjUtNGZkYy05N2UyLWUzMjZkOTliYzI0NA"


@pytest.fixture
def cached(data_dir: Path) -> Path:
    """Three sessions: one with a Webex-long id, one whose participants hold a tab and a
    newline (hostile or pasted names)."""
    store = Store(data_dir / "cache.db")
    store.write_page("wx", "webex", "s", None, sessions=[
        Session(LONG_ID, "messages", "Shift handover", "2026-11-03T09:00:00.250Z", None, None,
                ["lucas.meyer@example.com"]),
        Session("2", "messages", "Printer\toffline", "2026-11-02T09:00:00Z", None, None,
                ["Ann\tLee", "Ben\nOrr", "=1+1\r\n"]),
        Session("1", "messages", "VPN drops", "2026-11-01T09:00:00Z", None, None, []),
    ])
    store.close()
    return data_dir


def one_line_error(result) -> str:
    assert result.code == 2, result
    assert result.out == "" and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    return result.err.strip()


def add(cli, kind: str, name: str, *options: str):
    return cli("source", "add", kind, name, *options, "--secret-stdin", stdin="s3cret\n")


# -- 1. times whose UTC moment is outside the years 1 to 9999 -------------------------------

@pytest.mark.parametrize("args", [
    ("sessions", "--from", "0001-01-01T00:00:00+01:00"),
    ("sessions", "--to", "9999-12-31T23:59:59-01:00"),
    ("export", "--format", "csv", "--out", "x.csv", "--to", "9999-12-31T23:59:59-01:00"),
    ("sync", "--since", "0001-01-01T00:00:00+01:00"),
    ("sync", "--until", "9999-12-31T23:59:59-01:00"),
])
def test_a_time_beyond_the_calendar_in_utc_is_bad_input_not_a_traceback(cli, cached, args):
    err = one_line_error(cli(*args))
    assert f"{args[-2]}: '{args[-1]}' is outside the years 1 to 9999 in UTC" in err


def test_early_years_compare_as_times_not_as_unpadded_text(cli, cached):
    # strftime wrote the year 999 as "999", which sorts after "2026": nothing matched.
    rows = json.loads(cli("sessions", "--from", "0999-01-01", "--format", "json").out)
    assert len(rows) == 3
    assert json.loads(cli("sessions", "--to", "0999-01-01", "--format", "json").out) == []


# -- 2. a limit larger than SQLite can count --------------------------------------------------

@pytest.mark.parametrize("limit", ["99999999999999999999", "9223372036854775807",
                                   "9223372036854775806"])
def test_a_limit_beyond_any_cache_lists_everything(cli, cached, limit):
    result = cli("sessions", "--limit", limit, "--format", "json")
    assert result.code == 0 and result.err == ""
    assert len(json.loads(result.out)) == 3


# -- 3. URL options are checked like --url ----------------------------------------------------

def test_a_plain_http_login_url_off_loopback_is_refused_at_add_naming_the_option(cli,
                                                                                  data_dir):
    err = one_line_error(add(cli, "msgraph", "mg", "--tenant-id", "t", "--client-id", "c",
                             "--login-url", "http://192.0.2.2:47123"))
    assert err.startswith("histview: --login-url http://192.0.2.2:47123 is plain http")
    err = one_line_error(add(cli, "msgraph", "mg", "--tenant-id", "t", "--client-id", "c",
                             "--login-url", "https://me:Pa55@login.example"))
    assert "--login-url" in err and "user name or password" in err and "Pa55" not in err
    assert Settings(data_dir).source("mg") is None


def test_a_loopback_login_url_is_kept_and_syncs(cli, data_dir, tmp_path):
    sim, ca = start_graph(tmp_path, page_size=60, days=3)
    url = sim.url
    try:
        added = cli("source", "add", "msgraph", "mg", "--url", sim.url, "--tenant-id",
                    sim.tenant_id, "--client-id", sim.client_id, "--login-url", sim.url + "/",
                    "--api-version", "beta", "--ca-bundle", str(ca), "--secret-stdin",
                    stdin=sim.client_secret + "\n")
        assert added.code == 0, added.err
        synced = cli("-q", "sync")
    finally:
        sim.stop()
    assert synced.code == 0, synced.err
    assert Settings(data_dir).source("mg").options["login_url"] == url
    assert json.loads(cli("sessions", "--format", "json", "--limit", "1").out)


def test_only_msgraph_declares_a_url_option():
    assert source_class("msgraph").url_options == ("login_url",)
    assert all(source_class(k).url_options == () for k in KINDS if k != "msgraph")


# -- 4. a comma in a source name ---------------------------------------------------------------

def test_a_source_name_with_a_comma_is_refused_as_ids_could_not_name_it(cli, data_dir):
    err = one_line_error(add(cli, "pexip", "a,b", "--url", "https://px.example",
                             "--username", "admin"))
    assert "invalid source name 'a,b'" in err and "comma" in err
    assert not (data_dir / "settings.json").exists()


# -- 5. --search -- -----------------------------------------------------------------------------

@pytest.mark.parametrize("search", [("--search", "--"), ("--search=--",), ("--search", "-")])
def test_a_search_for_dashes_alone_asks_for_a_word(cli, cached, search):
    err = one_line_error(cli("sessions", *search, "--limit", "0", "--format", "json"))
    assert err == "histview: type a word to search for"


def test_a_search_with_an_excluded_word_still_works(cli, cached):
    rows = json.loads(cli("sessions", "--search", "-vpn", "--format", "json").out)
    assert [r["session_id"] for r in rows] == [LONG_ID, "2"]


# -- 6. URL messages ------------------------------------------------------------------------

def test_a_url_that_is_not_http_says_what_a_url_looks_like(cli):
    err = one_line_error(add(cli, "pexip", "px", "--url", "ftp://127.0.0.1",
                             "--username", "admin"))
    assert err == ("histview: --url 'ftp://127.0.0.1' is not an http(s) URL: give the full "
                   "address; it starts with https://, e.g. https://host.example.com")


@pytest.mark.parametrize("kind, option", [("pexip", "--username"),
                                          ("beyondtrust", "--client-id"),
                                          ("restcomm", "--account-sid")])
def test_a_missing_url_is_said_to_be_required(cli, kind, option):
    err = one_line_error(add(cli, kind, "src", option, "x"))
    assert err == f"histview: --url is required for a {kind} source"


# -- 7. options a kind does not take ----------------------------------------------------------

@pytest.mark.parametrize("kind, args, message", [
    ("webex", ("--username", "bob"),
     "--username is not an option of a webex source (a webex source takes none)"),
    ("pexip", ("--url", "https://px.example", "--username", "a", "--client-id", "c"),
     "--client-id is not an option of a pexip source (a pexip source takes --username)"),
    ("beyondtrust", ("--url", "https://bt.example", "--client-id", "c", "--login-url",
                     "https://login.example"),
     "--login-url is not an option of a beyondtrust source (a beyondtrust source takes "
     "--client-id)"),
])
def test_an_option_the_kind_does_not_take_is_refused_naming_the_ones_it_does(
        cli, data_dir, kind, args, message):
    err = one_line_error(add(cli, kind, "src", *args))
    assert err == f"histview: {message}"
    assert not (data_dir / "settings.json").exists()


@pytest.mark.parametrize("kind", KINDS)
def test_every_option_a_kind_declares_is_taken(cli, data_dir, kind):
    cls = source_class(kind)
    declared = [o for o in KIND_OPTIONS if o in cls.options or o in cls.optional_options]
    values = {"login_url": "https://login.example", "api_version": "beta"}
    args = [arg for o in declared for arg in ("--" + o.replace("_", "-"), values.get(o, "v"))]
    result = add(cli, kind, "src", "--url", "https://api.example", *args)
    assert result.code == 0, result.err
    assert set(Settings(data_dir).source("src").options) == set(declared)


# -- 8. the sessions table -------------------------------------------------------------------

def test_the_session_table_ends_with_the_whole_id_and_keeps_one_line_a_row(cli, cached):
    lines = cli("sessions").out.splitlines()
    assert len(lines) == 4  # a header and three rows: no tab or newline broke one
    assert lines[0].split()[-1] == "SESSION_ID"
    assert [line.split()[-1] for line in lines[1:]] == [LONG_ID, "2", "1"]
    assert "Ann Lee, Ben Orr, =1+1" in lines[2] and "\t" not in "".join(lines)
    shown = lines[1].split()[-1]
    assert cli("events", "wx", shown).code == 0  # the id as the next command needs it
