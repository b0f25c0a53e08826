"""Microsoft Graph call logs against the loopback Graph + login simulator over TLS."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from app.demo.msgraph import GraphSimulator, start_graph
from app.demo.msgraph_data import SEED_DR_ROW, SEED_PSTN_ROW
from app.demo.server import Response
from app.model import SourceConfig
from app.sources.base import CancelToken, SyncRequest
from app.sources.msgraph_parse import normalize_page
from app.store import queries
from app.store.cache import Store
from app.sync import sync_sources
from app.timeutil import parse_utc, utc_now
from tests.conftest import FIXTURES, files_containing

RANGE = re.compile(r"\((?:fromDateTime|from)=([^,]+),(?:toDateTime|to)=([^)]+)\)")


@pytest.fixture
def graph(tmp_path: Path):
    sim, ca = start_graph(tmp_path, page_size=60, days=14)
    yield sim, ca
    sim.stop()


def config(sim: GraphSimulator, ca: Path | None, name: str = "teams", **options: str):
    opts = {"tenant_id": sim.tenant_id, "client_id": sim.client_id, "login_url": sim.url,
            **options}
    return SourceConfig(name, "msgraph", sim.url, opts, ca_bundle=str(ca) if ca else None)


def sync(data_dir: Path, sims: list[tuple[GraphSimulator, SourceConfig]], **request):
    secrets = {cfg.name: sim.client_secret for sim, cfg in sims}
    return sync_sources(data_dir / "cache.db", [cfg for _, cfg in sims],
                        secret_for=lambda c: secrets[c.name],
                        request=SyncRequest(**request) if request else None)


def session_ids(data_dir: Path, source: str = "teams") -> list[str]:
    with sqlite3.connect(data_dir / "cache.db") as conn:
        return [r[0] for r in conn.execute(
            "SELECT session_id FROM sessions WHERE source = ?", (source,))]


def checkpoint(data_dir: Path, resource: str = "pstn_calls") -> dict:
    store = Store(data_dir / "cache.db")
    try:
        return store.checkpoint("teams", resource)
    finally:
        store.close()


def status(data_dir: Path) -> dict:
    store = Store(data_dir / "cache.db")
    try:
        return store.status("teams")
    finally:
        store.close()


def ranges(sim: GraphSimulator) -> list[tuple[str, str]]:
    found = []
    for target in sim.requests_to("communications/callRecords"):
        match = RANGE.search(requests.utils.unquote(target))
        found.append((match.group(1), match.group(2)))
    return found


def published(sim: GraphSimulator) -> set[str]:
    """Rows of the last year: what a first sync can see (the seed rows are from 2019)."""
    return (sim.published_ids("getPstnCalls") | sim.published_ids("getDirectRoutingCalls")) \
        - {SEED_PSTN_ROW["id"], SEED_DR_ROW["id"]}


def test_first_sync_lands_every_row_once_following_next_links(graph, data_dir):
    sim, ca = graph
    [result] = sync(data_dir, [(sim, config(sim, ca))])
    assert result.ok, result.error
    ids = session_ids(data_dir)
    assert len(ids) == len(set(ids)) == len(published(sim))
    assert set(ids) == published(sim)
    # Pages of 60 rows: the nextLink, with other parameter names, was followed verbatim.
    follow_ups = sim.requests_to("$skiptoken=")
    assert follow_ups and all("(from=" in t for t in follow_ups)
    assert result.items == len(ids)
    # Nothing doubles on a re-sync.
    assert sync(data_dir, [(sim, config(sim, ca))])[0].ok
    assert sorted(session_ids(data_dir)) == sorted(ids)


def test_seed_rows_come_out_with_the_seed_values(graph, data_dir):
    sim, ca = graph
    # 152 days: two windows, both within the vendor's 90-day limit.
    [result] = sync(data_dir, [(sim, config(sim, ca))], since=parse_utc("2019-08-01"),
                    until=parse_utc("2019-12-31"))
    assert result.ok, result.error
    assert all(parse_utc(b) - parse_utc(a) <= timedelta(days=90) for a, b in ranges(sim))
    with sqlite3.connect(data_dir / "cache.db") as conn:
        pstn = queries.get_session(conn, "teams", SEED_PSTN_ROW["id"])
        assert pstn["type"] == "pstn_call"
        assert pstn["start"] == "2019-11-01T00:00:08.2589935Z"
        assert pstn["end"] == "2019-11-01T00:03:47.2589935Z"
        assert pstn["duration_s"] == 219
        assert pstn["direction"] == "inbound"
        assert pstn["participants"] == ["Richard Malk", "richard.malk@contoso.com",
                                        "+0123456789", "+1234567890"]
        extra = pstn["extra"]
        assert (extra["charge"], extra["currency"], extra["destinationName"],
                extra["callType"]) == ("0.0", "USD", "United States", "user_in")
        assert extra["callId"] == "1835317186_112562680@61.221.3.176"
        assert json.loads(queries.session_raw(conn, "teams", SEED_PSTN_ROW["id"])) == \
            SEED_PSTN_ROW
        events = queries.list_events(conn, "teams", SEED_PSTN_ROW["id"])
        assert [(e["kind"], e["time"]) for e in events] == [
            ("call_start", "2019-11-01T00:00:08.2589935Z"),
            ("call_end", "2019-11-01T00:03:47.2589935Z")]
        dr = queries.get_session(conn, "teams", SEED_DR_ROW["id"])
        assert (dr["type"], dr["status"], dr["duration_s"]) == (
            "direct_routing_call", "successful", 5)
        assert dr["extra"]["trunkFullyQualifiedDomainName"] == "tll-audiocodes01.adatum.biz"
        for term in ("contoso", "MCOPSTNU", "United States", "tll-audiocodes01.adatum.biz"):
            hits = queries.list_sessions(conn, queries.SessionFilter(search=term))
            assert SEED_PSTN_ROW["id"] in {h["session_id"] for h in hits} or \
                SEED_DR_ROW["id"] in {h["session_id"] for h in hits}, term


def test_every_call_has_a_status_in_direct_routing_s_words(graph, data_dir):
    """Before, every PSTN row had a null status (the log holds only connected calls)."""
    sim, ca = graph
    assert sync(data_dir, [(sim, config(sim, ca))])[0].ok
    with sqlite3.connect(data_dir / "cache.db") as conn:
        found = conn.execute("SELECT type, status, COUNT(*) FROM sessions "
                             "GROUP BY type, status").fetchall()
    statuses = {(kind, status) for kind, status, _ in found}
    assert ("pstn_call", "successful") in statuses
    assert ("direct_routing_call", "successful") in statuses
    assert all(status for _, status in statuses)
    assert {status.split()[0] for _, status in statuses} == {"successful", "failed"}


def test_fixture_rows_parse_like_the_simulated_seed_rows():
    """The vendor sample (tests/fixtures) is what the simulator serves for the seed rows."""
    for name, served in (("graph_getPstnCalls_sample.json", SEED_PSTN_ROW),
                         ("graph_getDirectRoutingCalls_sample.json", SEED_DR_ROW)):
        row = json.loads((FIXTURES / name).read_text())["value"][0]
        assert {k: served[k] for k in row} == row
        resource = "pstn_calls" if "Pstn" in name else "direct_routing_calls"
        page = normalize_page(resource, [row], None, set())
        assert page.sessions[0].session_id == row["id"]
        assert page.raw[resource][0].key == row["id"]


def test_second_sync_reads_only_new_rows_plus_the_late_row_overlap(graph, data_dir):
    sim, ca = graph
    now = utc_now()
    # A call of five hours ago that Graph publishes three hours from now.
    late = {**SEED_PSTN_ROW, "id": "late-row-1", "startDateTime": _graph(now - timedelta(hours=5)),
            "endDateTime": _graph(now - timedelta(hours=4, minutes=50))}
    sim.add_row("getPstnCalls", late, published=now + timedelta(hours=3))
    assert sync(data_dir, [(sim, config(sim, ca))])[0].ok
    before = set(session_ids(data_dir))
    assert "late-row-1" not in before
    hwm = checkpoint(data_dir)["hwm"]
    new = {**SEED_PSTN_ROW, "id": "new-row-1", "startDateTime": _graph(now - timedelta(minutes=3)),
           "endDateTime": _graph(now - timedelta(minutes=1))}
    sim.add_row("getPstnCalls", new)
    sim.clock_offset = timedelta(days=1)  # what was published late is in the log now
    sim.requests.clear()
    [result] = sync(data_dir, [(sim, config(sim, ca))])
    assert result.ok, result.error
    after = set(session_ids(data_dir))
    assert {"late-row-1", "new-row-1"} <= after
    assert after == published(sim) and before < after
    # Only the last day before the high-water mark, and what came since, was asked for.
    for low, _ in ranges(sim):
        assert parse_utc(low) == parse_utc(hwm) - timedelta(days=1)
    assert len(sim.requests_to("getPstnCalls(fromDateTime=")) == 1


def _graph(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def test_throttling_429_and_503_are_waited_out(graph, data_dir):
    sim, ca = graph
    sample = (FIXTURES / "graph_throttling_429_sample.http").read_text()
    body = sample.split("\n\n", 1)[1].encode()
    # The vendor's own 429 (fractional Retry-After), shortened to keep the test fast.
    sim.respond_next(Response(429, body, {"Retry-After": "0.05",
                                          "Content-Type": "application/json"}))
    sim.faults.add("503", count=1, retry_after="0.05", path_contains="getDirectRoutingCalls")
    sim.faults.add("429", count=2, retry_after="0.05", path_contains="getPstnCalls")
    [result] = sync(data_dir, [(sim, config(sim, ca))])
    assert result.ok, result.error
    assert set(session_ids(data_dir)) == published(sim)


def test_injected_throttling_and_refusal_answer_in_graph_s_own_words(graph):
    """A client's handling of 429 and 401 is tested against what Graph sends
    (samples/graph_throttling_429_sample.http), not a body no Graph server writes."""
    import requests

    sim, ca = graph
    url = f"{sim.url}/v1.0/communications/callRecords/getPstnCalls(fromDateTime=" \
          "2026-11-01T00:00:00Z,toDateTime=2026-11-02T00:00:00Z)"
    sim.faults.add("429", count=1, retry_after="2.128")
    throttled = requests.get(url, verify=str(ca), timeout=10)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2.128"
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    sim.faults.add("401", count=1)
    refused = requests.get(url, verify=str(ca), timeout=10)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_a_range_over_90_days_is_never_sent(graph, data_dir):
    sim, ca = graph
    assert sync(data_dir, [(sim, config(sim, ca))], full=True)[0].ok
    spans = [parse_utc(b) - parse_utc(a) for a, b in ranges(sim)]
    assert len(spans) >= 10 and max(spans) <= timedelta(days=90)
    # The simulator refuses a longer one with a Graph error body, as Graph does.
    token = next(iter(sim.tokens))
    answer = requests.get(
        f"{sim.url}/v1.0/communications/callRecords/getPstnCalls("
        "fromDateTime=2019-01-01,toDateTime=2019-06-01)",
        headers={"Authorization": f"Bearer {token}"}, verify=str(graph[1]), timeout=10)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "BadRequest"


def test_token_is_reused_and_never_stored(graph, data_dir):
    sim, ca = graph
    cfg = config(sim, ca)
    assert sync(data_dir, [(sim, cfg)])[0].ok
    assert sync(data_dir, [(sim, cfg)])[0].ok
    assert sim.tokens_issued == 1
    for needle in [sim.client_secret, *sim.tokens]:
        assert files_containing(data_dir, needle) == []


def test_beta_api_version_is_used_when_asked(graph, data_dir):
    sim, ca = graph
    assert sync(data_dir, [(sim, config(sim, ca, api_version="beta"))])[0].ok
    assert sim.requests_to("/beta/communications/") and not sim.requests_to("/v1.0/")


def test_an_interrupted_sync_resumes_from_the_next_link(graph, data_dir):
    sim, ca = graph
    cancel = CancelToken()
    cfg = config(sim, ca)
    sync_sources(data_dir / "cache.db", [cfg], secret_for=lambda c: sim.client_secret,
                 progress=lambda p: cancel.cancel() if p.items else None, cancel=cancel)
    state = checkpoint(data_dir)["pending"][0]["state"]
    assert "$skiptoken=" in state["next"]
    sim.requests.clear()
    assert sync(data_dir, [(sim, cfg)])[0].ok
    first = sim.requests_to("getPstnCalls")[0]
    assert "$skiptoken=" in first
    assert set(session_ids(data_dir)) == published(sim)


FAULTS = {
    "malformed": lambda sim: sim.faults.add("malformed", path_contains="callRecords"),
    "html": lambda sim: sim.faults.add("html", path_contains="callRecords"),
    "401": lambda sim: sim.faults.add("401", path_contains="callRecords"),
    "vendor error": lambda sim: sim.fail_next(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
}
EXPECTED = {"malformed": "malformed JSON", "html": "HTML page", "401": "401",
            "vendor error": "Authorization_RequestDenied: Insufficient privileges"}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_bad_answers_fail_one_source_and_keep_the_cache(graph, tmp_path, data_dir, fault):
    sim, ca = graph
    other, other_ca = start_graph(tmp_path / "other", page_size=500, seed=9, days=7)
    try:
        pair = [(sim, config(sim, ca)), (other, config(other, other_ca, name="berlin"))]
        assert all(r.ok for r in sync(data_dir, pair))
        kept = sorted(session_ids(data_dir))
        saved = checkpoint(data_dir)
        sim.add_row("getPstnCalls", {**SEED_PSTN_ROW, "id": "after-fault"})
        FAULTS[fault](sim)
        failed, finished = sync(data_dir, pair)
        assert not failed.ok and finished.ok, (failed, finished)
        assert EXPECTED[fault] in failed.error and "\n" not in failed.error
        assert failed.source == "teams"
        assert sorted(session_ids(data_dir)) == kept
        assert checkpoint(data_dir) == saved
        assert status(data_dir)["status"] == "failed"
        for needle in [sim.client_secret, *sim.tokens]:
            assert needle not in failed.error
            assert files_containing(data_dir, needle) == []
    finally:
        other.stop()


def test_a_row_without_an_id_is_kept_raw_once_and_said(graph, data_dir, caplog):
    sim, ca = graph
    pair = [(sim, config(sim, ca))]
    assert sync(data_dir, pair)[0].ok
    unkeyed = {k: v for k, v in SEED_PSTN_ROW.items() if k != "id"}
    page = {"@odata.count": 1, "value": [{**unkeyed, "callerNumber": "+1555NOID0001"}]}
    for _ in range(2):  # sent again: still one copy
        sim.respond_next(Response(200, json.dumps(page).encode(),
                                  {"Content-Type": "application/json"}), "getPstnCalls")
        assert sync(data_dir, pair)[0].ok
    with sqlite3.connect(data_dir / "cache.db") as conn:
        kept = conn.execute("SELECT _id FROM raw_msgraph_pstn_calls WHERE _doc LIKE ?",
                            ("%+1555NOID0001%",)).fetchall()
    assert len(kept) == 1 and kept[0][0].startswith("no-id-")
    assert "without an id" in caplog.text


def test_refused_secret_is_a_clear_message_without_the_secret(graph, data_dir):
    sim, ca = graph
    wrong = "not-the-secret-" + sim.client_secret[::-1]
    [result] = sync_sources(data_dir / "cache.db", [config(sim, ca)],
                            secret_for=lambda c: wrong)
    assert not result.ok
    assert "invalid_client" in result.error and "AADSTS7000215" in result.error
    assert wrong not in result.error and files_containing(data_dir, wrong) == []


def test_without_the_ca_bundle_tls_fails_clearly(graph, data_dir):
    sim, _ = graph
    [result] = sync(data_dir, [(sim, config(sim, None))])
    assert not result.ok
    assert "TLS verification failed" in result.error and "--ca-bundle" in result.error
    assert "certificate" in result.error and "\n" not in result.error
    assert sim.tokens_issued == 0


def test_a_sign_in_failure_names_the_login_host_once(graph, data_dir):
    """Before, the failure was wrapped twice: "signing in at X: signing in at X: TLS ..."."""
    sim, _ = graph
    [result] = sync(data_dir, [(sim, config(sim, None))])
    assert not result.ok
    assert result.error.count("signing in at") == 1, result.error
    assert result.error.startswith(f"signing in at {sim.url}: TLS verification failed")


def test_a_plain_http_login_url_is_refused_in_whole_words(graph, data_dir):
    """Before, the prefix came twice and the message lost its closing parenthesis."""
    sim, ca = graph
    login = "http://192.0.2.2:47123"
    [result] = sync(data_dir, [(sim, config(sim, ca, login_url=login))])
    assert not result.ok
    assert result.error == (f"signing in at {login}: {login} is plain http: use https "
                            "(http is allowed only for loopback addresses)")
    assert sim.requests_to(TOKEN_PATH) == []


def test_a_plain_http_login_url_on_loopback_is_refused_at_source_add(graph, cli, data_dir):
    """msal (authority.canonicalize) takes only an https sign-in address, loopback or not:
    such a source was saved, then failed at every sync in msal's words."""
    from app import registry
    from app.settings import Settings

    sim, ca = graph
    login = sim.url.replace("https://", "http://")  # loopback: the URL check lets it pass
    added = cli("source", "add", "msgraph", "teams", "--url", sim.url, "--tenant-id",
                sim.tenant_id, "--client-id", sim.client_id, "--login-url", login,
                "--ca-bundle", str(ca), "--secret-stdin", stdin=sim.client_secret + "\n")
    assert added.code == 2
    [line] = added.err.splitlines()
    assert line.startswith(f"histview: --login-url {login} is plain http") and "https" in line
    assert Settings(data_dir).source("teams") is None  # nothing written
    assert not registry.has_secret(data_dir, "teams")
    assert sim.requests_to("") == []

    # One saved by an older histview: its sync says the same, not msal's words.
    registry.add_source(data_dir, config(sim, ca), sim.client_secret)
    Settings(data_dir).put_source(config(sim, ca, login_url=login))  # as saved before
    synced = cli("sync", "teams")
    assert synced.code == 1
    [line] = [ln for ln in synced.err.splitlines() if "teams" in ln]
    assert f"--login-url {login} is plain http" in line and "Your given address" not in line
    assert sim.requests_to(TOKEN_PATH) == []


def test_cli_round_trip_keeps_secret_and_token_out_of_every_output(graph, cli, data_dir):
    sim, ca = graph
    common = ("--url", sim.url, "--tenant-id", sim.tenant_id, "--client-id", sim.client_id,
              "--login-url", sim.url, "--secret-stdin")
    outputs = [cli("source", "add", "msgraph", "teams", *common, "--ca-bundle", str(ca),
                   stdin=sim.client_secret + "\n"),
               cli("source", "add", "msgraph", "nocab", *common, stdin=sim.client_secret + "\n")]
    assert all(o.code == 0 for o in outputs)
    synced = cli("sync", "teams")
    assert synced.code == 0, synced.err
    rows = json.loads(cli("sessions", "--format", "json", "--limit", "0").out)
    assert {r["type"] for r in rows} == {"pstn_call", "direct_routing_call"}
    assert len(rows) == len(published(sim))
    completed = next(r for r in rows if not (r["status"] or "").startswith("failed"))
    events = cli("events", "teams", completed["session_id"], "--format", "json")
    assert [e["kind"] for e in json.loads(events.out)] == ["call_start", "call_end"]
    # Without the CA bundle: exit 1, one line naming the source and saying what to do.
    failed = cli("sync", "nocab")
    assert failed.code == 1
    [line] = [ln for ln in failed.err.splitlines() if "nocab" in ln]
    assert "TLS verification failed" in line and "--ca-bundle" in line
    outputs += [synced, events, failed, cli("source", "list", "--format", "json")]
    for needle in [sim.client_secret, *sim.tokens]:
        assert all(needle not in o.out + o.err for o in outputs)
        assert files_containing(data_dir, needle) == []


TOKEN_PATH = "/oauth2/v2.0/token"
#: A token answer whose JSON ends inside the token: a part of it must reach no message or log.
CUT_TOKEN = (b'{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, '
             b'"access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.cutTokenFragment')
LOGIN_FAULTS = {
    # A gateway's refusal, without Entra's JSON.
    "401 bare": lambda sim: sim.login_answers.append(
        Response(401, b"", {"WWW-Authenticate": 'Bearer realm="login"'})),
    "401 in Graph's words": lambda sim: sim.faults.add("401", path_contains=TOKEN_PATH),
    "html": lambda sim: sim.faults.add("html", path_contains=TOKEN_PATH),
    "malformed": lambda sim: sim.login_answers.append(
        Response(200, CUT_TOKEN, {"Content-Type": "application/json"})),
    "cut off every time": lambda sim: sim.faults.add("truncate", count=20,
                                                     path_contains=TOKEN_PATH),
}
LOGIN_EXPECTED = {"401 bare": "HTTP 401 Unauthorized from POST",
                  "401 in Graph's words": "(credentials refused): InvalidAuthenticationToken",
                  "html": "the server answered with an HTML page",
                  "malformed": "malformed JSON", "cut off every time": "could not reach"}


@pytest.mark.parametrize("fault", list(LOGIN_FAULTS))
def test_a_bad_token_answer_is_one_clear_line_without_secrets(graph, data_dir, caplog, fault):
    """Before, msal's own words came out ("Expecting value: line 1 column 1", a dict's
    repr), and msal logged a cut-off token answer whole."""
    sim, ca = graph
    caplog.set_level(logging.DEBUG)
    LOGIN_FAULTS[fault](sim)
    [result] = sync(data_dir, [(sim, config(sim, ca))])
    assert not result.ok
    assert f"signing in at {sim.url}" in result.error, result.error
    assert LOGIN_EXPECTED[fault] in result.error and "\n" not in result.error
    assert "Expecting value" not in result.error and "{'" not in result.error
    for needle in (sim.client_secret, "cutTokenFragment", *sim.tokens):
        assert needle not in result.error and needle not in caplog.text
        assert files_containing(data_dir, needle) == []
    assert status(data_dir)["status"] == "failed"


@pytest.mark.parametrize("fault", ["truncate", "drop"])
def test_a_token_answer_cut_off_or_dropped_is_asked_again(graph, data_dir, fault):
    """As any other request: before, the first cut-off or dropped answer failed the sync."""
    sim, ca = graph
    sim.faults.add(fault, count=2, path_contains=TOKEN_PATH)
    [result] = sync(data_dir, [(sim, config(sim, ca))])
    assert result.ok, result.error
    assert len(sim.requests_to(TOKEN_PATH)) == 3
    assert set(session_ids(data_dir)) == published(sim)
