"""Restcomm calls, recordings and traces against the loopback Restcomm simulator."""

from __future__ import annotations

import base64
import json
import logging
import re
import sqlite3
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests

from app.demo.restcomm import RestcommSimulator
from app.demo.server import Request, Response, Simulator
from app.model import SourceConfig
from app.sources import create_source
from app.sources.base import CancelToken, SyncRequest
from app.sources.restcomm_parse import is_null, recording_artifact, restcomm_time
from app.store import SessionFilter, Store, queries
from app.sync import sync_sources
from app.timeutil import parse_utc
from tests.conftest import FIXTURES, files_containing

#: Wednesday 11:00 in Denver, 19 minutes after the seed's example trace.
NOW = datetime(2021, 6, 30, 17, 0, tzinfo=UTC)
TOKEN = "rcTok-7f3a9c2e51d84b06aa19"


def last_wednesday_afternoon() -> datetime:
    """A recent clock for tests that sync through the command line (whose windows run up
    to the real now) and need traces: traces live two days, and the simulated team takes
    no calls at weekends, so on a Monday morning the real now has no call traces at all."""
    now = datetime.now(UTC)
    days_back = (now.weekday() - 2) % 7 or (7 if now.hour < 17 else 0)
    return (now - timedelta(days=days_back)).replace(hour=17, minute=0, second=0,
                                                     microsecond=0)


def make_sim(token: str = TOKEN, now: datetime | None = NOW, seed: int = 4) -> RestcommSimulator:
    sim = RestcommSimulator(now=now, calls_per_weekday=12, seed=seed, auth_token=token)
    sim.start()
    return sim


@pytest.fixture
def sim():
    simulator = make_sim()
    yield simulator
    simulator.stop()


def config(sim: RestcommSimulator, name: str = "support", page_size: int = 25) -> SourceConfig:
    return SourceConfig(name, "restcomm", sim.url + "/restcomm",
                        {"account_sid": sim.account_sid, "page_size": str(page_size)})


def sync(data_dir: Path, *pairs: tuple[RestcommSimulator, SourceConfig], now: datetime):
    tokens = {cfg.name: s.auth_token for s, cfg in pairs}
    return sync_sources(data_dir / "cache.db", [cfg for _, cfg in pairs],
                        secret_for=lambda c: tokens[c.name], request=SyncRequest(now=now))


def rows(data_dir: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(data_dir / "cache.db") as conn:
        return conn.execute(sql, params).fetchall()


def ids(data_dir: Path, sql: str, *params) -> set[str]:
    found = [r[0] for r in rows(data_dir, sql, *params)]
    assert len(found) == len(set(found)), "a row was stored twice"
    return set(found)


def query(sql_params: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(sql_params).query))


# -- everything lands once, with the seed's values ---------------------------------------------

def test_first_sync_stores_every_call_recording_and_trace_once(sim, data_dir):
    [result] = sync(data_dir, (sim, config(sim)), now=NOW)
    assert result.ok, result.error

    calls = {c.sid for c in sim.visible_calls(NOW)}
    recordings = {r.sid: r.call_sid for r in sim.visible_recordings(NOW)}
    traces = sim.visible_traces(NOW)
    assert len(calls) > 300 and len(recordings) > 80 and len(traces) > 80
    assert ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'") == calls
    assert ids(data_dir, "SELECT artifact_id FROM artifacts") == set(recordings)
    assert ids(data_dir, "SELECT event_id FROM events WHERE kind = 'http_request'") == \
        {t.sid for t in traces}
    assert ids(data_dir, "SELECT _id FROM raw_restcomm_traces") == {t.sid for t in traces}
    assert ids(data_dir, "SELECT _id FROM raw_restcomm_calls") == calls
    # Sessions known only from traces (texts to customers, the seed's call with no row).
    assert ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'trace_session'") == \
        {t.session_sid for t in traces} - calls
    assert ids(data_dir, "SELECT session_id FROM sessions WHERE has_recording = 1") == \
        set(recordings.values())
    # An agent's leg names the agent on the customer's call.
    leg = next(c for c in sim.visible_calls(NOW) if c.direction == "outbound-dial")
    with sqlite3.connect(data_dir / "cache.db") as conn:
        parent = queries.get_session(conn, "support", leg.parent_sid)
    assert f"client:{leg.agent}" in parent["participants"]


def test_the_seeds_example_trace_comes_out_with_the_seeds_values(sim, data_dir):
    seed = json.loads((FIXTURES / "restcomm_trace_seed.json").read_text())
    [result] = sync(data_dir, (sim, config(sim)), now=NOW)
    assert result.ok, result.error

    with sqlite3.connect(data_dir / "cache.db") as conn:
        session = queries.get_session(conn, "support", seed["session_sid"])
        [event] = queries.list_events(conn, "support", seed["session_sid"])
        found = queries.list_sessions(conn, SessionFilter(search="cpaasAppPath"))
        [(doc,)] = conn.execute("SELECT _doc FROM raw_restcomm_traces WHERE _id = ?",
                                (seed["sid"],)).fetchall()
    assert json.loads(doc) == seed  # nothing the vendor sent is lost
    assert session["type"] == "trace_session"  # its session has no call row
    assert session["start"] == session["end"] == "2021-06-30T16:41:09.456Z"
    assert event["event_id"] == "TRXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
    assert event["time"] == "2021-06-30T16:41:09.456Z"
    assert (event["lane"], event["kind"], event["actor"]) == ("webhook", "http_request",
                                                              "Restcomm")
    assert event["detail"] == ("GET /cpaasAppPath?AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
                               " → 200 OK (564 ms)")
    assert event["data"]["latency_ms"] == 564
    assert event["data"]["response_code"] == "200"
    assert event["data"]["method"] == "GET"
    assert event["data"]["response_body"] == "<Response><say> hello world</say><Response>"
    assert [s["session_id"] for s in found] == [seed["session_sid"]]


def test_trace_sessions_last_whole_seconds_and_end_as_their_latest_exchange(sim, data_dir):
    """Seed 001, ``status``: "completed" for a 2XX response, "failed" otherwise. A session
    known only from its traces ends as its latest exchange did; it lasts whole seconds, as
    every other source's sessions do. Before, its status was None and its length fractional."""
    traces = sim.visible_traces(NOW)
    texts = sorted({t.session_sid for t in traces} - {c.sid for c in sim.visible_calls(NOW)}
                   - {"IDbb44ef8c2ebf4d4599d0378a2a8a2ea8-CAd9e08ede8b604e739ba7d0bd477fdf49"})
    latest = {sid: max((t for t in traces if t.session_sid == sid), key=lambda t: t.created).sid
              for sid in texts[:2]}
    serve = sim.handle

    def last_exchanges_fail(request: Request) -> Response:
        """The texts' delivery callbacks answered 502 (status "failed"), and 500 with no
        status in the trace at all: the seed's rule reads it from the response code."""
        response = serve(request)
        if "/Traces" in request.path and response.status == 200:
            body = json.loads(response.body)
            for doc in body["traces"]:
                if doc["sid"] in latest.values():
                    doc["response"]["status"]["code"] = "502"
                    doc["status"] = "failed"
                if doc["sid"] == latest[texts[1]]:
                    doc["response"]["status"]["code"] = "500"
                    del doc["status"]
            response.body = json.dumps(body).encode()
        return response

    sim.handle = last_exchanges_fail
    [result] = sync(data_dir, (sim, config(sim, page_size=7)), now=NOW)
    assert result.ok, result.error
    with sqlite3.connect(data_dir / "cache.db") as conn:
        found = queries.list_sessions(conn, SessionFilter(type="trace_session"))
    assert len(found) == len(texts) + 1  # the texts and the seed's example trace
    statuses = {s["session_id"]: s["status"] for s in found}
    assert statuses.pop(texts[0]) == statuses.pop(texts[1]) == "failed"
    assert set(statuses.values()) == {"completed"}  # the seed's trace: "status": "completed"
    spans = {s["session_id"]: (parse_utc(s["end"]) - parse_utc(s["start"])).total_seconds()
             for s in found}
    assert any(span % 1 for span in spans.values())  # the traces' milliseconds differ
    for session in found:
        assert session["duration_s"] == int(spans[session["session_id"]])
        assert isinstance(session["duration_s"], int)


def test_local_offsets_become_utc(sim, data_dir):
    # A real published sample: RFC 2822 at +0900, the duration a string.
    sample = json.loads((FIXTURES / "restcomm_recordings_list_page1_sample.json").read_text())
    [doc] = sample["recordings"]
    artifact = recording_artifact(doc, "https://cloud.restcomm.com/restcomm", "AC1")
    assert artifact.data["date_created"] == "2014-01-05T23:51:07Z"
    assert artifact.data["duration_s"] == pytest.approx(14.70275)
    assert artifact.session_id == "CAfe9ce46f104f5beeb10c83a5dad2be66"
    assert is_null(sample["previous_page_uri"]) and not is_null(sample["next_page_uri"])
    # The vendor's milliseconds stay three digits in UTC (CONTRACT.md: the source's digits),
    # as its traces' do: no invented zeros.
    assert restcomm_time("2013-10-18T04:51:47.671-06:00") == "2013-10-18T10:51:47.671Z"
    assert restcomm_time("2013-10-18T04:51:47-06:00") == "2013-10-18T10:51:47Z"

    # Through the simulator: Denver's -0600 dates land as the same instants in UTC.
    [result] = sync(data_dir, (sim, config(sim)), now=NOW)
    assert result.ok, result.error
    call = next(c for c in sim.visible_calls(NOW) if c.scenario == "agent")
    with sqlite3.connect(data_dir / "cache.db") as conn:
        stored = queries.get_session(conn, "support", call.sid)
        [(created,)] = conn.execute("SELECT date_created FROM raw_restcomm_calls_flat WHERE _id = ?",
                                    (call.sid,)).fetchall()
    assert created.endswith("-0600")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stored["start"])
    assert parse_utc(stored["start"]) == call.created.replace(
        microsecond=call.created.microsecond // 1000 * 1000)
    assert parse_utc(stored["end"]) == call.ended.replace(
        microsecond=call.ended.microsecond // 1000 * 1000)
    assert stored["extra"]["date_created"] == call.created.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- incremental ------------------------------------------------------------------------------

def test_second_sync_fetches_only_the_boundary_day_and_finishes_open_calls(sim, data_dir):
    ongoing = next(c for c in sim.calls if c.scenario == "agent"
                   and NOW - timedelta(days=1) < c.created < NOW)
    first_at = ongoing.created + (ongoing.ended - ongoing.created) / 2
    sim.advance(first_at - NOW)
    cfg = config(sim)
    [first] = sync(data_dir, (sim, cfg), now=first_at)
    assert first.ok, first.error
    [(status, end)] = rows(data_dir, "SELECT status, end_time FROM sessions WHERE session_id = ?",
                           ongoing.sid)
    assert (status, end) == ("in-progress", None)

    sim.advance(timedelta(hours=3))
    later = first_at + timedelta(hours=3)
    asked = len(sim.requests)
    [second] = sync(data_dir, (sim, cfg), now=later)
    assert second.ok, second.error

    lists = [t for _, t in sim.requests[asked:] if "Page=" in t]
    assert lists
    for target in lists:
        params = query(target)
        day = params.get("StartTime") or params.get("DateCreated")
        assert day, f"a list was read without its date filter: {target}"
        assert day[:10] >= (first_at - timedelta(days=1)).date().isoformat()
    assert second.items < first.items / 4  # the boundary day, not the month again
    # Calls that were going on last time now show how they ended.
    [(status, end)] = rows(data_dir, "SELECT status, end_time FROM sessions WHERE session_id = ?",
                           ongoing.sid)
    assert status == "completed" and end is not None
    assert ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'") == \
        {c.sid for c in sim.visible_calls(later)}


@pytest.mark.parametrize(("since", "until"), [
    # --until within the last day: no EndTime is sent (it would drop calls still going).
    (datetime(2021, 6, 29, tzinfo=UTC), datetime(2021, 6, 30, tzinfo=UTC)),
    # --until further back: EndTime is sent, whole days in Denver's zone.
    (datetime(2021, 6, 28, 18, tzinfo=UTC), datetime(2021, 6, 29, 12, tzinfo=UTC)),
    # A call of 15:48 whose traces run to 15:56: they stay with it.
    (datetime(2021, 6, 30, 12, tzinfo=UTC), datetime(2021, 6, 30, 15, 50, tzinfo=UTC)),
])
def test_a_since_until_sync_caches_no_session_outside_the_range(sim, data_dir, since, until):
    """Before, the boundary days the day filters let through and every call and text named
    by a trace up to now (Traces' DateCreated has no upper bound) were cached as sessions:
    the tester's 642 sessions for one day, 270 inside it."""
    [result] = sync_sources(data_dir / "cache.db", [config(sim)],
                            secret_for=lambda c: TOKEN,
                            request=SyncRequest(since=since, until=until, now=NOW))
    assert result.ok, result.error
    starts = [parse_utc(r[0]) for r in rows(data_dir, "SELECT start_time FROM sessions")]
    assert starts and all(since <= start < until for start in starts)
    inside = {c.sid for c in sim.visible_calls(NOW) if since <= c.created < until}
    assert ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'") == inside
    # A trace past --until is kept for a call of the range; no call after it is looked up.
    traces = sim.visible_traces(NOW)
    kept = ids(data_dir, "SELECT event_id FROM events WHERE kind = 'http_request'")
    if until.hour == 15:
        assert any(t.created >= until and t.session_sid in inside for t in traces)
    assert {t.sid for t in traces if t.session_sid in inside} <= kept
    assert all(since <= t.created < until or t.session_sid in inside
               for t in traces if t.sid in kept)
    after = {c.sid for c in sim.visible_calls(NOW) if c.created >= until}
    assert not [t for t in sim.requests_to("/Calls/") if any(sid in t for sid in after)]
    # What the server sent is all still in the raw tables.
    assert ids(data_dir, "SELECT _id FROM raw_restcomm_traces") == \
        {t.sid for t in traces if t.created >= since}


def test_every_trace_that_existed_is_cached_exactly_once(sim, data_dir):
    cfg = config(sim, page_size=10)
    sim.trace_tick = timedelta(minutes=3)  # new traces arrive (and old ones expire) as we page
    started = sim.now()
    [first] = sync(data_dir, (sim, cfg), now=started)
    ended = sim.now()
    assert first.ok, first.error
    assert ended > started + timedelta(minutes=30)
    alive = {t.sid for t in sim.visible_traces(started)} & {t.sid for t in sim.visible_traces(ended)}
    assert alive <= ids(data_dir, "SELECT _id FROM raw_restcomm_traces")

    sim.trace_tick = timedelta(0)
    sim.advance(timedelta(hours=20))
    second_at = sim.now()
    [second] = sync(data_dir, (sim, cfg), now=second_at)
    assert second.ok, second.error
    existed = {t.sid for t in sim.traces if ended - timedelta(days=2) < t.created <= second_at}
    cached = ids(data_dir, "SELECT _id FROM raw_restcomm_traces")
    assert existed <= cached
    assert cached <= {t.sid for t in sim.traces if t.created <= second_at}
    assert ids(data_dir, "SELECT event_id FROM events WHERE kind = 'http_request'") == cached

    # Three days on the server has forgotten them; the cache has not.
    sim.advance(timedelta(days=3))
    [third] = sync(data_dir, (sim, cfg), now=sim.now())
    assert third.ok, third.error
    assert not cached & {t.sid for t in sim.visible_traces()}
    assert cached <= ids(data_dir, "SELECT event_id FROM events WHERE kind = 'http_request'")


def store_traces_alone(sim, data_dir) -> None:
    """The Traces list alone through the source into the cache, no Calls read first."""
    cfg = config(sim)
    source = create_source(cfg, TOKEN)
    store = Store(data_dir / "cache.db")
    try:
        for page in source.pages("traces", None, SyncRequest(now=NOW), CancelToken()):
            store.write_page(cfg.name, "restcomm", "traces", page.checkpoint,
                             sessions=page.sessions, events=page.events,
                             participants=page.participants, raw=page.raw)
    finally:
        store.close()


def test_traces_before_their_call_row_join_the_call_when_it_comes(sim, data_dir):
    store_traces_alone(sim, data_dir)  # as when a call starts between Calls and Traces
    traced_calls = {t.session_sid for t in sim.visible_traces(NOW)} & \
        {c.sid for c in sim.visible_calls(NOW)}
    assert ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'") == traced_calls
    trace_events = ids(data_dir, "SELECT event_id FROM events WHERE kind = 'http_request'")

    [result] = sync(data_dir, (sim, config(sim)), now=NOW)
    assert result.ok, result.error
    assert ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'") == \
        {c.sid for c in sim.visible_calls(NOW)}
    assert ids(data_dir, "SELECT event_id FROM events WHERE kind = 'http_request'") == \
        trace_events
    assert not ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'trace_session' "
                             "AND session_id LIKE '%-CA%' AND session_id NOT LIKE 'IDbb44%'")


# -- paging and throttling ----------------------------------------------------------------------

def test_a_trace_list_that_shrinks_while_paging_ends_cleanly(data_dir):
    # Saturday 08:00 in Denver: Thursday's busy traces expire from the tail while almost
    # nothing new arrives, until the next_page_uri we hold points past the last page,
    # which the server answers with a 400 and no body.
    saturday = datetime(2021, 7, 3, 14, 0, tzinfo=UTC)
    simulator = make_sim(now=saturday)
    try:
        simulator.trace_tick = timedelta(hours=3)
        [result] = sync(data_dir, (simulator, config(simulator, page_size=40)), now=saturday)
        assert result.ok, result.error
        pages = [int(query(t)["Page"]) for t in simulator.requests_to("/Traces")]
        assert pages == [0, 1, 2, 3, 0]  # page 3 is gone: confirmed afresh, then done
        # Every trace there at the start that has not expired since is stored.
        survivors = {t.sid for t in simulator.visible_traces() if t.created <= saturday}
        assert survivors <= ids(data_dir, "SELECT _id FROM raw_restcomm_traces")
    finally:
        simulator.stop()


def test_an_interrupted_crawl_resumes_from_the_link_it_stored(sim, data_dir):
    cfg = config(sim, page_size=20)
    sim.faults.add("503", 5, path_contains="/Calls.json?Page=3&", retry_after="0.01")
    [failed] = sync(data_dir, (sim, cfg), now=NOW)
    assert not failed.ok and "503" in failed.error
    stored = len(ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'"))
    assert stored == 60  # pages 0-2 are kept

    asked = len(sim.requests)
    [resumed] = sync(data_dir, (sim, cfg), now=NOW + timedelta(minutes=5))
    assert resumed.ok, resumed.error
    first = next(t for _, t in sim.requests[asked:] if "/Calls.json" in t)
    assert query(first)["Page"] == "3" and "AfterSid" in query(first)
    assert ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'") >= \
        {c.sid for c in sim.visible_calls(NOW)}


def test_paging_follows_next_page_uri_to_the_last_page(sim, data_dir):
    cfg = config(sim, page_size=7)
    [result] = sync(data_dir, (sim, cfg), now=NOW)
    assert result.ok, result.error

    for name, visible in (("/Calls.json", sim.visible_calls(NOW)),
                          ("/Traces", sim.visible_traces(NOW))):
        asked = sim.requests_to(name)
        pages = [int(query(t)["Page"]) for t in asked]
        # num_pages is the last page's index: total // 7 pages after the first.
        assert pages == list(range(len(visible) // 7 + 1))
        assert all("AfterSid=" in t for t in asked[1:])  # only next_page_uri carries it
        assert all(t.startswith("/restcomm/") for t in asked)  # the /api link, rebased
    assert len(ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'")) == \
        len(sim.visible_calls(NOW))

    # next_page_uri drops the list's filters: they are put back on every page.
    sim.advance(timedelta(hours=1))
    asked = len(sim.requests)
    [again] = sync(data_dir, (sim, cfg), now=NOW + timedelta(hours=1))
    assert again.ok, again.error
    later = [t for _, t in sim.requests[asked:] if "/Calls.json" in t]
    assert len(later) > 1
    assert all("StartTime=" in t for t in later)


def test_a_429_is_waited_out(sim, data_dir):
    sim.faults.add("429", 2, path_contains="/Calls.json", retry_after="0.05")
    sim.faults.add("429", 1, path_contains="/Traces", retry_after="0.05")
    [result] = sync(data_dir, (sim, config(sim)), now=NOW)
    assert result.ok, result.error
    assert len([t for t in sim.requests_to("/Calls.json") if "Page=0&" in t]) == 3
    assert ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'") == \
        {c.sid for c in sim.visible_calls(NOW)}
    assert ids(data_dir, "SELECT _id FROM raw_restcomm_traces") == \
        {t.sid for t in sim.visible_traces(NOW)}


# -- bad answers, through the CLI --------------------------------------------------------------

def add_source(cli, name: str, sim: RestcommSimulator) -> None:
    done = cli("source", "add", "restcomm", name, "--url", sim.url + "/restcomm",
               "--account-sid", sim.account_sid, "--secret-stdin", stdin=sim.auth_token + "\n")
    assert done.code == 0, done.err


def session_count(data_dir: Path, source: str) -> set[str]:
    return ids(data_dir, "SELECT session_id FROM sessions WHERE source = ?", source)


def break_with(sim: RestcommSimulator, fault: str) -> None:
    if fault == "error body":
        sim.traces_enabled = False  # 403 {"message": "Traces need to be activated ..."}
    elif fault == "malformed":
        sim.faults.add("malformed", path_contains="/Calls.json")
    elif fault == "html":
        sim.faults.add("html", path_contains="/Recordings.json")
    else:
        sim.faults.add("401")


@pytest.mark.parametrize(("fault", "says"), [
    ("malformed", "malformed JSON"), ("html", "HTML page"),
    ("error body", "Traces need to be activated on your subscriber profile"),
    ("401", "credentials refused"),
])
def test_a_bad_answer_fails_one_source_in_one_line_and_keeps_its_cache(cli, data_dir, fault,
                                                                        says):
    broken, fine = make_sim(now=None), make_sim("other-Token-55d1e0", now=None, seed=9)
    try:
        add_source(cli, "hq", broken)
        add_source(cli, "branch", fine)
        assert cli("sync").code == 0
        kept, fine_before = session_count(data_dir, "hq"), session_count(data_dir, "branch")
        for s in (broken, fine):
            s.advance(timedelta(days=1))  # new history on both
        break_with(broken, fault)

        done = cli("sync")
        assert done.code == 1
        failures = [line for line in done.err.splitlines() if "failed" in line]
        assert len(failures) == 1
        assert failures[0].startswith("histview: sync hq failed: ") and says in failures[0]
        assert kept <= session_count(data_dir, "hq")  # the cache keeps what it had
        assert fine_before < session_count(data_dir, "branch")  # the other still finished
        assert "branch:" in done.err
    finally:
        broken.stop()
        fine.stop()


# -- secrets --------------------------------------------------------------------------------------

def test_the_auth_token_reaches_no_file_and_no_output(cli, data_dir, caplog):
    caplog.set_level(logging.DEBUG)
    simulator = make_sim(now=last_wednesday_afternoon())
    try:
        add_source(cli, "support", simulator)
        outputs = [cli("source", "test", "support"), cli("sync")]
        with sqlite3.connect(data_dir / "cache.db") as conn:
            api_trace = conn.execute("SELECT session_id FROM events WHERE lane = 'API' "
                                     "AND session_id LIKE '%-CA%' LIMIT 1").fetchone()[0]
            recorded = conn.execute("SELECT session_id FROM artifacts LIMIT 1").fetchone()[0]
        outputs += [cli("sessions", "--format", "json", "--limit", "0"),
                    cli("events", "support", api_trace, "--format", "json"),
                    cli("artifacts", "support", recorded, "--format", "json"),
                    cli("source", "list", "--format", "json")]
        simulator.faults.add("401")
        outputs.append(cli("sync"))
        assert outputs[-1].code == 1
    finally:
        simulator.stop()
    # The app's own API calls are traced with their Authorization header (seed: traces
    # keep every request header): the simulator puts the real credentials in them.
    basic = base64.b64encode(f"{simulator.account_sid}:{TOKEN}".encode()).decode()
    for needle in (TOKEN, basic, base64.b64encode(TOKEN.encode()).decode()):
        assert files_containing(data_dir, needle) == []
        for done in outputs:
            assert needle not in done.out and needle not in done.err
        assert needle not in caplog.text
    [(doc,)] = rows(data_dir, "SELECT _doc FROM raw_restcomm_traces_flat WHERE direction = 'api' "
                              "LIMIT 1")
    assert json.loads(doc)["request"]["headers"]["authorization"] == "***"


# -- downloads ------------------------------------------------------------------------------------

class _Recorder(Simulator):
    """A stand-in for S3: remembers the headers it was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[dict[str, str]] = []

    def handle(self, request: Request) -> Response:
        self.seen.append(request.headers)
        return Response(200, b"RIFF....WAVE", {"Content-Type": "audio/x-wav"})


def test_recordings_download_and_credentials_stay_on_the_api_host(sim, data_dir):
    cfg = config(sim)
    [result] = sync(data_dir, (sim, cfg), now=NOW)
    assert result.ok, result.error
    with sqlite3.connect(data_dir / "cache.db") as conn:
        session_id = rows(data_dir, "SELECT session_id FROM artifacts LIMIT 1")[0][0]
        [artifact] = queries.list_artifacts(conn, "support", session_id)[:1]
    source = create_source(cfg, TOKEN)
    response = source.open_download(artifact)
    body = b"".join(response.iter_content(8192))
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE"

    elsewhere = _Recorder()
    elsewhere.start()
    try:
        far = source.open_download({**artifact, "url": elsewhere.url + "/bucket/RE1.wav"})
        assert far.content.startswith(b"RIFF")
    finally:
        elsewhere.stop()
    assert "authorization" not in elsewhere.seen[0]


def test_a_call_row_that_cannot_be_read_costs_the_traces_nothing(sim, data_dir, caplog):
    """Traces live two days on the server: a bad calls list must not keep them uncached."""
    serve = sim.handle

    def one_bad_row(request: Request) -> Response:
        response = serve(request)
        if "/Calls" in request.path and response.status == 200:
            body = json.loads(response.body)
            for call in body.get("calls") or []:
                call["start_time"] = "2021-13-45 99:99"  # no such month, hour or minute
            response.body = json.dumps(body).encode()
        return response

    sim.handle = one_bad_row
    [result] = sync(data_dir, (sim, config(sim)), now=NOW)
    # Unreadable rows no longer fail the calls list (the test below): they are kept raw.
    assert result.ok, result.error
    assert ids(data_dir, "SELECT _id FROM raw_restcomm_calls") >= \
        {c.sid for c in sim.visible_calls(NOW)}
    assert "kept in the raw table only" in caplog.text and TOKEN not in caplog.text
    assert ids(data_dir, "SELECT event_id FROM events WHERE kind = 'http_request'") == \
        {t.sid for t in sim.visible_traces(NOW)}


def odd_records(sim: RestcommSimulator) -> dict[str, list]:
    """Records no client can read, one of each kind a real list has shown us: no sid, not
    an object, a time that does not parse, a field of another type."""
    text = sorted({t.session_sid for t in sim.visible_traces(NOW)} - set(sim.calls_by_sid))[0]
    call = sim.visible_calls(NOW)[0].sid
    return {
        "calls": [{"status": "completed", "from": "+13035550199", "to": "client:odd"}, None,
                  {"sid": "CAodd1", "start_time": "yesterday", "from": "+13035550199"},
                  {"sid": "CAodd2", "start_time": "2021-06-30T10:00:00.000-06:00",
                   "direction": {"inbound": True}, "status": "completed"}],
        "recordings": [{"sid": "REodd1", "call_sid": call, "date_created": "Wed, 31 Jun"},
                       {"call_sid": call, "duration": "1.5"}],
        "traces": [{"sid": "TRodd1", "session_sid": text, "date_created_ms": "soon"},
                   {"sid": "TRodd2", "session_sid": text, "request": "GET /sms/status",
                    "date_created_ms": "Wed, 30 Jun 2021 16:50:00.000 +0000"},
                   ["TRodd3"]],
    }


def test_an_unreadable_record_is_kept_raw_and_the_rest_of_its_page_still_lands(
        sim, data_dir, caplog):
    """Before, one unreadable record failed its page on every sync, so nothing newer was
    cached until the vendor's retention (two days for traces) deleted it."""
    caplog.set_level(logging.WARNING, logger="histview.restcomm")
    sim.odd_objects = odd_records(sim)
    cfg = config(sim)
    [result] = sync(data_dir, (sim, cfg), now=NOW)
    assert result.ok, result.error

    assert ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'") == \
        {c.sid for c in sim.visible_calls(NOW)}  # the odd calls are no sessions
    assert ids(data_dir, "SELECT artifact_id FROM artifacts") == \
        {r.sid for r in sim.visible_recordings(NOW)}
    assert ids(data_dir, "SELECT event_id FROM events WHERE kind = 'http_request'") == \
        {t.sid for t in sim.visible_traces(NOW)}
    for resource, odd in (("calls", {"CAodd1", "CAodd2"}), ("recordings", {"REodd1"}),
                          ("traces", {"TRodd1", "TRodd2"})):
        raw = ids(data_dir, f"SELECT _id FROM raw_restcomm_{resource}")
        assert odd <= raw
        unkeyed = 2 if resource == "calls" else 1
        assert sum(key.startswith("no-id-") for key in raw) == unkeyed  # once, not per page

    # One warning per page, with its counts and nothing the records hold.
    warnings = [r for r in caplog.records if r.name == "histview.restcomm"]
    pages = sum(len(sim.requests_to(name)) for name in ("/Calls.json", "/Recordings.json",
                                                         "/Traces"))
    assert len(warnings) == pages
    assert "support: calls page: 4 calls without a sid" in caplog.text
    assert "2 recordings" in caplog.text and "3 traces" in caplog.text
    for secret in ("+13035550199", "yesterday", "GET /sms/status", TOKEN):
        assert secret not in caplog.text

    # The checkpoint moved on: the next sync reads from the boundary day, and lands.
    sim.advance(timedelta(hours=20))
    asked = len(sim.requests)
    [again] = sync(data_dir, (sim, cfg), now=sim.now())
    assert again.ok, again.error
    assert all("StartTime=" in t for _, t in sim.requests[asked:] if "/Calls.json" in t)
    assert ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'") == \
        {c.sid for c in sim.visible_calls()}


def test_a_call_looked_up_for_its_traces_that_cannot_be_read_leaves_them_a_trace_session(
        sim, data_dir, caplog):
    """A trace names a call this sync has not seen, and ``Calls/{sid}.json`` answers a row
    with an unreadable time: before, the traces page failed with it."""
    serve = sim.handle

    def unreadable_call(request: Request) -> Response:
        response = serve(request)
        if re.search(r"/Calls/[^/]+\.json$", request.path) and response.status == 200:
            doc = json.loads(response.body)
            doc["start_time"] = "2021-06-30T25:61:00Z"
            response.body = json.dumps(doc).encode()
        return response

    sim.handle = unreadable_call
    store_traces_alone(sim, data_dir)
    traced_calls = {t.session_sid for t in sim.visible_traces(NOW)} & set(sim.calls_by_sid)
    assert traced_calls and traced_calls <= ids(data_dir, "SELECT _id FROM raw_restcomm_calls")
    assert not ids(data_dir, "SELECT session_id FROM sessions WHERE type = 'call'")
    assert traced_calls <= ids(data_dir, "SELECT session_id FROM sessions "
                                         "WHERE type = 'trace_session'")
    assert ids(data_dir, "SELECT event_id FROM events WHERE kind = 'http_request'") == \
        {t.sid for t in sim.visible_traces(NOW)}
    assert "support: traces page: " in caplog.text and "25:61" not in caplog.text


# -- list filters, sorting and formats the documents name -------------------------------------

def api_get(sim: RestcommSimulator, path: str, accept: str | None = None, **params):
    """One request to the account's API as a client would send it (requests' own Accept is
    ``*/*``, which names no json)."""
    headers = {"Accept": accept} if accept else {}
    return requests.get(f"{sim.url}/restcomm/2012-04-24/Accounts/{sim.account_sid}{path}",
                        params=params, headers=headers, auth=(sim.account_sid, sim.auth_token),
                        timeout=10)


def listed(sim: RestcommSimulator, path: str, key: str, **params) -> list[dict]:
    answer = api_get(sim, path, PageSize="1000", **params)
    assert answer.status_code == 200, answer.text
    return answer.json()[key]


@pytest.fixture
def busy_sim():
    """Seed 8's two days of traces hold failed webhooks (500s), which seed 4's do not."""
    simulator = make_sim(seed=8)
    yield simulator
    simulator.stop()


def test_traces_filter_by_status_response_code_and_latency_as_the_seed_says(busy_sim):
    everything = listed(busy_sim, "/Traces", "traces")
    failed = [t for t in everything if not t["response"]["status"]["code"].startswith("2")]
    assert failed and len(everything) == len(busy_sim.visible_traces(NOW))

    # Status: "match with this status" (completed 2xx, failed otherwise).
    assert listed(busy_sim, "/Traces", "traces", Status="failed") == failed
    completed = listed(busy_sim, "/Traces", "traces", Status="completed")
    assert len(completed) + len(failed) == len(everything)
    assert listed(busy_sim, "/Traces", "traces", Status="fail") == []  # not a prefix match

    # ResponseCode: a prefix match, "ResponseCode=2 will match all 2xx response codes".
    assert listed(busy_sim, "/Traces", "traces", ResponseCode="5") == failed
    assert listed(busy_sim, "/Traces", "traces", ResponseCode="2") == completed
    no_content = listed(busy_sim, "/Traces", "traces", ResponseCode="204")
    assert no_content and {t["response"]["status"]["code"] for t in no_content} == {"204"}

    # Latency: "equal or over the given value in milliseconds".
    floor = sorted(t["latency_ms"] for t in everything)[len(everything) // 2]
    slow = listed(busy_sim, "/Traces", "traces", Latency=str(floor))
    assert slow == [t for t in everything if t["latency_ms"] >= floor]
    assert any(t["latency_ms"] == floor for t in slow) and len(slow) < len(everything)
    assert api_get(busy_sim, "/Traces", Latency="slow").status_code == 400

    # Filters add up: failed AND slow.
    both = listed(busy_sim, "/Traces", "traces", Status="failed", Latency=str(floor))
    assert both == [t for t in failed if t["latency_ms"] >= floor]


def test_traces_filter_by_body_path_account_and_org_as_the_seed_says(busy_sim):
    everything = listed(busy_sim, "/Traces", "traces")
    seed_trace = json.loads((FIXTURES / "restcomm_trace_seed.json").read_text())

    # RequestPath: "Can be used for prefix match".
    welcome = listed(busy_sim, "/Traces", "traces", RequestPath="/ivr/welcome")
    assert welcome == [t for t in everything
                       if t["request"]["path"].startswith("/ivr/welcome")]
    assert welcome and all("?" in t["request"]["path"] for t in welcome)  # query included

    # ResponseBody: "match provided filter string", with no prefix match documented.
    body = seed_trace["response"]["status"]["body"]
    assert listed(busy_sim, "/Traces", "traces", ResponseBody=body) == [seed_trace]
    assert listed(busy_sim, "/Traces", "traces", ResponseBody=body[:10]) == []

    # AccountSid and OrgSid match the record's own: the seed's example has its own.
    ours = listed(busy_sim, "/Traces", "traces", AccountSid=busy_sim.account_sid)
    assert ours == [t for t in everything if t["sid"] != seed_trace["sid"]]
    assert listed(busy_sim, "/Traces", "traces",
                  AccountSid=seed_trace["account_sid"]) == [seed_trace]
    assert listed(busy_sim, "/Traces", "traces", OrgSid=seed_trace["org_sid"]) == [seed_trace]
    assert listed(busy_sim, "/Traces", "traces", OrgSid=ours[0]["org_sid"]) == ours


def test_calls_filter_to_from_and_status_with_sql_like(sim):
    everything = listed(sim, "/Calls.json", "calls")
    # CallDetailRecordFilter puts "%" before To and From: the number's end matches.
    support = listed(sim, "/Calls.json", "calls", To="3035550100")
    assert support == [c for c in everything if c["to"].endswith("3035550100")]
    assert support and all(c["to"] == "+13035550100" for c in support)
    agent = listed(sim, "/Calls.json", "calls", To="priya.natarajan")
    assert agent and {c["to"] for c in agent} == {"client:priya.natarajan"}
    assert listed(sim, "/Calls.json", "calls", To="+1303") == []  # not a prefix match
    outbound = listed(sim, "/Calls.json", "calls", From="+13035550100")
    assert outbound == [c for c in everything if c["from"] == "+13035550100"]
    # LIKE's own wildcards: _ is one character, % any run.
    denver = listed(sim, "/Calls.json", "calls", From="+1303555____")
    assert denver == [c for c in everything if re.fullmatch(r".*\+1303555....", c["from"])]
    assert denver and len(denver) < len(everything)
    assert listed(sim, "/Calls.json", "calls", Status="complete") == []  # whole value
    assert listed(sim, "/Calls.json", "calls", Status="complete%") == \
        [c for c in everything if c["status"] == "completed"]


def test_calls_sort_by_and_reverse_as_calls_endpoint_reads_them(sim):
    default = listed(sim, "/Calls.json", "calls")
    assert [c["sid"] for c in default] == [c.sid for c in sim.visible_calls(NOW)]  # newest

    by_from = listed(sim, "/Calls.json", "calls", SortBy="From:asc")
    assert [c["from"] for c in by_from] == sorted(c["from"] for c in default) != \
        [c["from"] for c in default]
    assert sorted(c["sid"] for c in by_from) == sorted(c["sid"] for c in default)
    assert listed(sim, "/Calls.json", "calls", SortBy="From") == by_from  # asc by default
    longest = listed(sim, "/Calls.json", "calls", SortBy="Duration:DESC")
    assert [c["duration"] for c in longest] == sorted((c["duration"] for c in default),
                                                      reverse=True)
    oldest = listed(sim, "/Calls.json", "calls", SortBy="DateCreated:asc")
    assert oldest == default[::-1]
    assert listed(sim, "/Calls.json", "calls", SortBy="Flavour:asc") == default  # unknown

    # Reverse, the old console's: true is DateCreated:desc, anything else asc; SortBy wins.
    assert listed(sim, "/Calls.json", "calls", Reverse="false") == oldest
    assert listed(sim, "/Calls.json", "calls", Reverse="TRUE") == default
    assert listed(sim, "/Calls.json", "calls", Reverse="false", SortBy="From:asc") == by_from

    refused = api_get(sim, "/Calls.json", SortBy="From:sideways")
    assert refused.status_code == 400
    assert refused.json() == {"message": "Error parsing the SortBy parameter: sort direction "
                                         "needs to be either ASC or DESC"}
    assert api_get(sim, "/Calls.json", SortBy=":asc").json()["message"].endswith(
        "missing field to sort by")


#: samples/restcomm_calls_list_sample.xml: the list's attributes and a call's elements.
XML_LIST_ATTRIBUTES = ["page", "numpages", "pagesize", "total", "start", "end", "uri",
                       "firstpageuri", "previouspageuri", "nextpageuri", "lastpageuri"]
XML_CALL_ELEMENTS = ["Sid", "DateCreated", "DateUpdated", "ParentCallSid", "AccountSid", "To",
                     "From", "PhoneNumberSid", "Status", "StartTime", "EndTime", "Duration",
                     "Price", "Direction", "AnsweredBy", "ApiVersion", "ForwardedFrom",
                     "CallerName", "Uri", "SubresourceUris"]


def test_calls_answer_json_for_an_accept_with_json_and_xml_without(sim):
    as_json = api_get(sim, "/Calls.json", PageSize="5").json()
    by_accept = api_get(sim, "/Calls", accept="application/json", PageSize="5")
    assert by_accept.headers["Content-Type"] == "application/json"
    assert by_accept.json()["calls"] == as_json["calls"]
    first = as_json["calls"][0]
    one = api_get(sim, f"/Calls/{first['sid']}", accept="application/json, text/plain")
    assert one.json() == first

    xml = api_get(sim, "/Calls", PageSize="5")
    assert xml.status_code == 200 and xml.headers["Content-Type"] == "application/xml"
    root = ElementTree.fromstring(xml.text)
    assert root.tag == "RestcommResponse"
    [calls] = list(root)
    assert calls.tag == "Calls" and list(calls.attrib) == XML_LIST_ATTRIBUTES
    assert calls.attrib["numpages"] == str(as_json["num_pages"])
    assert calls.attrib["total"] == calls.attrib["numpages"]  # the notes: a bug, kept
    assert calls.attrib["end"] == "4" and calls.attrib["previouspageuri"] == "null"
    assert calls.attrib["nextpageuri"].endswith(f"AfterSid={as_json['calls'][-1]['sid']}")
    assert [c.findtext("Sid") for c in calls] == [c["sid"] for c in as_json["calls"]]
    call = calls[0]
    assert [e.tag for e in call] == XML_CALL_ELEMENTS
    assert call.findtext("DateCreated") == first["date_created"]
    assert call.findtext("Price") == "0.00"  # JSON has no price, XML does
    assert call.findtext("Uri") == first["uri"].removesuffix(".json")
    assert call.findtext("SubresourceUris/Recordings") == call.findtext("Uri") + "/Recordings"

    single = ElementTree.fromstring(api_get(sim, f"/Calls/{first['sid']}").text)
    assert single.tag == "RestcommResponse" and single.find("Call/Sid").text == first["sid"]
    bad_sort = api_get(sim, "/Calls", SortBy="From:up")
    assert bad_sort.status_code == 400
    assert ElementTree.fromstring(bad_sort.text).findtext("Message").startswith("Error parsing")
