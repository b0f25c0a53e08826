"""Pexip end to end: the simulator over loopback, the real keyring, the CLI, a real cache."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from app.demo.pexip import PexipSimulator
from app.demo.pexip_data import API
from app.model import SourceConfig
from app.registry import add_source
from app.sources.base import CancelToken
from app.sync import sync_sources
from app.timeutil import iso_utc
from tests.conftest import files_containing

PASSWORD = "s3cret-Pexip-pa55word"


@pytest.fixture
def sim():
    simulator = PexipSimulator(conferences=400, include_seed_examples=True, password=PASSWORD,
                               seed=3)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def pexip(cli, sim):
    """A registered source named ``px`` pointing at the simulator."""
    result = cli("source", "add", "pexip", "px", "--url", sim.url, "--username", "admin",
                 "--secret-stdin", stdin=PASSWORD + "\n")
    assert result.code == 0, result.err
    return sim


def cached(data_dir: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(data_dir / "cache.db") as conn:
        return conn.execute(sql, params).fetchall()


def sessions_json(cli, *args: str) -> list[dict]:
    result = cli("sessions", "--format", "json", "--limit", "0", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_every_conference_and_participant_lands_once(cli, pexip, data_dir):
    assert cli("sync").code == 0
    ids = [s["session_id"] for s in sessions_json(cli)]
    assert sorted(ids) == sorted(pexip.conference_ids())
    calls = cached(data_dir, "SELECT event_id FROM events WHERE kind = 'call'")
    assert sorted(c[0] for c in calls) == sorted(pexip.participant_ids())
    raw = cached(data_dir, "SELECT COUNT(*), COUNT(DISTINCT _id) FROM raw_pexip_participant")
    assert raw == [(len(pexip.participant_ids()),) * 2]


def test_seed_example_comes_out_with_the_seeds_values(cli, pexip):
    assert cli("sync").code == 0
    [alice] = [s for s in sessions_json(cli) if s["session_id"].startswith("8583f400")]
    assert alice["title"] == "meet.alice"
    assert alice["start"] == "2015-04-10T09:39:47Z"
    assert alice["end"] == "2015-04-10T09:49:26.556929Z"
    assert alice["duration_s"] == 579
    assert alice["type"] == "conference" and alice["kind"] == "pexip"
    assert alice["extra"]["service_type"] == "conference"

    events = json.loads(cli("events", "px", "00000000-0000-0000-0000-000000000001",
                            "--format", "json").out)
    calls = {e["lane"]: e for e in events if e["kind"] == "call"}
    assert set(calls) == {"Alice", "Bob"}
    assert calls["Bob"]["time"] == "2015-04-02T09:46:53.712941Z"
    assert calls["Bob"]["end"] == "2015-04-02T09:55:33.141261Z"
    assert calls["Bob"]["data"]["call_quality"] == "1_good"
    assert "Call disconnected" in calls["Bob"]["detail"]
    streams = [e for e in events if e["kind"].endswith("_stream")]
    assert {(s["kind"], s["data"]["rx_codec"]) for s in streams} == {
        ("audio_stream", "opus"), ("video_stream", "VP8")}
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)


def test_second_sync_fetches_only_the_new_pages(cli, pexip, data_dir):
    assert cli("sync").code == 0
    before = len(pexip.requests)
    new_ids = pexip.end_conferences(5)
    assert cli("sync").code == 0
    second = [t for _, t in pexip.requests[before:]]
    lists = [t for t in second if "limit=1&" not in t and "limit=1" != t[-7:]]
    # one probe and one page per list, and nothing from before the high-water mark
    assert len([t for t in second if "/conference/" in t]) <= 2
    assert len([t for t in second if "/participant/" in t]) <= 2
    assert all("offset=0" in t for t in lists if "offset=" in t)
    ids = {s["session_id"] for s in sessions_json(cli)}
    assert set(new_ids) <= ids and len(ids) == len(pexip.conference_ids())


def test_retention_deletes_during_the_crawl_lose_and_double_nothing(cli, data_dir):
    sim = PexipSimulator(conferences=600, retention=600, password=PASSWORD, seed=5)
    sim.start()
    try:
        add_source(data_dir, SourceConfig("busy", "pexip", sim.url,
                                          {"username": "admin", "page_size": "50"}), PASSWORD)
        existed_before = sim.conference_ids()
        sim.churn_per_request = 2  # two conferences end (and two expire) per request
        assert cli("sync").code == 0
        existed_throughout = existed_before & sim.conference_ids()
    finally:
        sim.stop()
    cached_ids = [r[0] for r in cached(data_dir, "SELECT session_id FROM sessions")]
    assert len(cached_ids) == len(set(cached_ids))
    assert existed_throughout <= set(cached_ids)
    assert set(cached_ids) <= existed_before | sim.conference_ids() | sim.deleted


def sessions_so_far(data_dir: Path) -> int:
    """Sessions a running sync has stored; 0 while its cache file is still being made (the
    file exists a moment before the migrations create its tables)."""
    if not (data_dir / "cache.db").exists():
        return 0
    try:
        return cached(data_dir, "SELECT COUNT(*) FROM sessions")[0][0]
    except sqlite3.OperationalError:
        return 0


def slow_sync_under_way(cli_process, data_dir: Path, sim: PexipSimulator, *, page_size: int,
                        workers: int, sessions: int):
    """Register the simulator as "slow", start `histview sync` in a process of its own and
    return it once it has stored ``sessions`` sessions (or after a minute)."""
    add_source(data_dir, SourceConfig("slow", "pexip", sim.url,
                                      {"username": "admin", "page_size": str(page_size),
                                       "workers": str(workers)}), PASSWORD)
    process = cli_process("-q", "sync")
    deadline = time.monotonic() + 60
    while sessions_so_far(data_dir) < sessions and time.monotonic() < deadline:
        time.sleep(0.1)
    return process


def test_sync_killed_midway_resumes_with_exactly_the_simulators_data(
        cli, cli_process, data_dir):
    sim = PexipSimulator(conferences=600, password=PASSWORD, seed=9, latency_s=0.15)
    sim.start()
    try:
        process = slow_sync_under_way(cli_process, data_dir, sim, page_size=40, workers=2,
                                      sessions=120)
        process.kill()
        process.wait(10)
        partial = cached(data_dir, "SELECT COUNT(*) FROM sessions")[0][0]
        assert 0 < partial < len(sim.conference_ids()), "kill landed mid-sync"
        sim.latency_s = 0
        assert cli("sync").code == 0
    finally:
        sim.stop()
    ids = [r[0] for r in cached(data_dir, "SELECT session_id FROM sessions")]
    assert sorted(ids) == sorted(sim.conference_ids())
    calls = [r[0] for r in cached(data_dir, "SELECT event_id FROM events WHERE kind = 'call'")]
    assert sorted(calls) == sorted(sim.participant_ids())


@pytest.mark.parametrize("fault, retry_after", [
    ("429", "0.05"), ("500", "0.05"), ("503", "0.05"), ("drop", "0.05"),
    ("truncate", "0.05"),  # a body cut short mid-page
    ("429", "NaN"),  # parses as a float; waiting NaN seconds raised ValueError
])
def test_transient_failures_are_retried(cli, pexip, fault, retry_after):
    pexip.faults.add(fault, retry_after=retry_after)
    pexip.faults.add(fault, path_contains="participant", retry_after=retry_after)
    result = cli("sync")
    assert result.code == 0, result.err
    assert len(sessions_json(cli)) == len(pexip.conference_ids())


def test_cancel_ends_a_long_retry_after_wait(sim, tmp_path):
    """A server asking to come back in ten minutes must not hold a cancelled sync."""
    sim.faults.add("429", count=5, retry_after="600")
    config = SourceConfig("px", "pexip", sim.url, {"username": "admin"})
    cancel, results = CancelToken(), []
    syncing = threading.Thread(target=lambda: results.extend(sync_sources(
        tmp_path / "cache.db", [config], lambda c: PASSWORD, cancel=cancel)), daemon=True)
    syncing.start()
    while not sim.requests:  # the first answer is the 429
        time.sleep(0.01)
    cancel.cancel()
    syncing.join(timeout=30)  # the old wait was 120 s (Retry-After's cap) per try
    assert not syncing.is_alive()
    assert results[0].cancelled and len(sim.requests) == 1


def cache_dump(data_dir: Path) -> list[tuple]:
    return cached(data_dir, "SELECT source, session_id, title, participants, search_text "
                            "FROM sessions ORDER BY session_id") + cached(
        data_dir, "SELECT source, session_id, event_id FROM events ORDER BY event_id")


@pytest.mark.parametrize("fault, words", [
    ("malformed", "malformed JSON"),
    ("html", "HTML page"),
    ("401", "credentials refused"),
    ("drop", "could not reach"),
])
def test_bad_answers_give_one_line_and_keep_the_cache(cli, pexip, data_dir, fault, words):
    assert cli("sync").code == 0
    before = cache_dump(data_dir)
    pexip.end_conferences(3)
    pexip.faults.add(fault, count=10 if fault == "drop" else 1)
    result = cli("sync")
    assert result.code == 1
    lines = [line for line in result.err.splitlines() if "failed" in line]
    assert len(lines) == 1 and "px" in lines[0] and words in lines[0], result.err
    assert cache_dump(data_dir) == before
    listing = json.loads(cli("source", "list", "--format", "json").out)
    assert listing[0]["status"] == "failed" and words in listing[0]["last_error"]
    pexip.faults.clear()
    assert cli("sync").code == 0  # and the next sync catches up
    assert len(sessions_json(cli)) == len(pexip.conference_ids())


def test_a_failed_sync_names_the_source_once(cli, pexip):
    """Before: "sync px failed: px: conference/: malformed JSON (...)"."""
    pexip.faults.add("malformed", count=1)
    result = cli("sync")
    assert result.code == 1
    [line] = [ln for ln in result.err.splitlines() if "failed" in ln]
    assert line.startswith("histview: sync px failed: conference/: malformed JSON"), line
    assert line.count("px") == 1


def test_an_unreadable_record_is_kept_raw_and_the_rest_of_its_page_still_lands(
        cli, pexip, data_dir):
    """Before, one record without an id failed its page on every sync, so nothing newer was
    ever cached until the node's retention deleted it."""
    assert cli("sync").code == 0
    new = pexip.end_conferences(5)
    pexip.odd_objects["conference"] = [
        {"name": "a conference without an id", "start_time": "2026-11-01T09:00:00"},
        {"id": "5b3e-odd", "name": "Odd", "start_time": "yesterday", "end_time": 5},
        # The shape of a time, but no moment: before, cached as text among real times.
        {"id": "5b3e-feb30", "name": "Odd", "start_time": "2026-02-30T25:61:00"},
        None,
    ]
    pexip.odd_objects["participant"] = [
        {"id": "p-odd", "conference": f"{API}conference/{new[0]}/", "start_time": [1]},
    ]
    result = cli("sync")
    assert result.code == 0, result.err
    assert "kept in the raw table only" in result.err
    # The outcome says it too, where the window's sync summary shows it.
    assert "px: " in result.err and "5 records could not be read" in result.err
    assert {r[0] for r in cached(data_dir, "SELECT session_id FROM sessions")} \
        == pexip.conference_ids()  # the five new ones too; the odd one is no session
    raw = {r[0] for r in cached(data_dir, "SELECT _id FROM raw_pexip_conference")}
    assert {"5b3e-odd", "5b3e-feb30"} <= raw and sum(key.startswith("no-id-") for key in raw) == 2
    assert cached(data_dir, "SELECT count(*) FROM events WHERE event_id = 'p-odd'") == [(0,)]


def test_the_password_reaches_no_file_and_no_output(cli, pexip, data_dir):
    outputs = [cli("-v", "sync"), cli("source", "list", "--format", "json"),
               cli("source", "test", "px"), cli("sessions", "--format", "json"),
               cli("export", "--format", "csv", "--out", str(data_dir / "all.csv"))]
    pexip.faults.add("401")
    outputs.append(cli("-v", "sync"))
    pexip.password = "changed-on-the-server"
    outputs.append(cli("source", "test", "px"))
    assert outputs[-1].code == 1
    for result in outputs:
        assert PASSWORD not in result.out + result.err
    assert files_containing(data_dir, PASSWORD) == []
    import base64

    basic = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    assert files_containing(data_dir, basic) == []


def test_search_finds_sessions_by_participant_and_by_disconnect_reason(cli, pexip, data_dir):
    assert cli("sync").code == 0
    found = sessions_json(cli, "--search", "Bob")
    assert "00000000-0000-0000-0000-000000000001" in {s["session_id"] for s in found}
    rows = cached(data_dir, "SELECT DISTINCT session_id FROM events WHERE kind = 'call' "
                            "AND detail LIKE '%proxying resource%'")
    assert rows, "the simulator's month has some 'Out of proxying resource' calls"
    found = sessions_json(cli, "--search", "proxying")
    assert {s["session_id"] for s in found} == {r[0] for r in rows}


def test_packet_loss_filter_of_the_simulator_matches_the_seed(pexip):
    import requests

    response = requests.get(f"{pexip.url}/api/admin/history/v1/participant/",
                            params={"media_streams__tx_packet_loss__gte": "0.5", "limit": 0},
                            auth=("admin", PASSWORD), timeout=10)
    objects = response.json()["objects"]
    assert objects and all(any(s["tx_packet_loss"] >= 0.5 for s in p["media_streams"])
                           for p in objects)
    assert response.json()["meta"]["limit"] == 10000



def test_a_conference_lists_its_participants_in_the_order_they_joined(cli, sim, data_dir):
    # One page holds every participant, so no conference straddles a page boundary.
    add_source(data_dir, SourceConfig("px", "pexip", sim.url,
                                      {"username": "admin", "page_size": "5000"}), PASSWORD)
    assert cli("sync").code == 0
    calls: dict[str, list[dict]] = {}
    for participant, _ in list(sim.participants.rows.values()):
        conference = participant["conference"].rstrip("/").rsplit("/", 1)[-1]
        calls.setdefault(conference, []).append(participant)

    def names(participants: list[dict]) -> list[str]:
        return list(dict.fromkeys(p["display_name"] or p["remote_alias"] for p in participants))

    def by(*fields: str, reverse: bool = False):
        return {c: names(sorted(ps, key=lambda p: [*(iso_utc(p[f]) for f in fields),
                                                   str(p["id"])], reverse=reverse))
                for c, ps in calls.items()}

    joined = by("start_time", "end_time")  # of two who joined together, who left first
    last_ended_first = by("end_time", reverse=True)
    assert sum(joined[c] != last_ended_first[c] for c in calls) > 20, "the month tests this"
    listed = {s["session_id"]: s["participants"] for s in sessions_json(cli)}
    assert {c: listed[c] for c in calls} == joined


def test_a_killed_sync_reads_interrupted_not_running(cli, cli_process, data_dir):
    sim = PexipSimulator(conferences=300, password=PASSWORD, seed=9, latency_s=0.2)
    sim.start()

    def status() -> str:
        [row] = json.loads(cli("source", "list", "--format", "json").out)
        return row["status"]

    try:
        process = slow_sync_under_way(cli_process, data_dir, sim, page_size=20, workers=1,
                                      sessions=1)
        assert status() == "running"
        process.kill()
        process.wait(10)
        assert status() == "interrupted"
        sim.latency_s = 0
        assert cli("sync").code == 0
        assert status() == "ok"
    finally:
        sim.stop()
