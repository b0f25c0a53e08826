"""RangePlan: what a sync covers, and how an interrupted one is finished (CONTRACT.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from app.demo.pexip import PexipSimulator
from app.sources.base import RangePlan, SyncRequest

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def stored(plan_checkpoint: dict) -> dict:
    """A checkpoint as it comes back from SQLite."""
    return json.loads(json.dumps(plan_checkpoint))


def test_first_sync_fetches_everything_then_only_what_is_new():
    plan = RangePlan(None, SyncRequest(now=at(0)))
    [everything] = plan.ranges()
    assert everything["from"] is None and everything["to"] == "2026-11-01T00:00:00.000000Z"
    checkpoint = stored(plan.finish(everything))
    plan = RangePlan(checkpoint, SyncRequest(now=at(5)), overlap=timedelta(minutes=2))
    [new] = plan.ranges()
    assert new["from"] == "2026-10-31T23:58:00.000000Z"
    assert new["to"] == "2026-11-01T05:00:00.000000Z"


def test_an_interrupted_since_range_is_finished_by_the_next_plain_sync():
    plan = RangePlan({"hwm": "2026-11-01T00:00:00.000000Z", "pending": []},
                     SyncRequest(since=at(-240), until=at(-120), now=at(1)))
    [backfill] = plan.ranges()
    checkpoint = stored(plan.update(backfill, {"done": [0, 100]}))  # then the process died

    plan = RangePlan(checkpoint, SyncRequest(now=at(2)))
    resumed, incremental = plan.ranges()
    assert resumed["from"] == "2026-10-22T00:00:00.000000Z"
    assert resumed["state"] == {"done": [0, 100]}  # resumes where it stopped
    assert incremental["from"] == "2026-11-01T00:00:00.000000Z"
    checkpoint = stored(plan.finish(resumed))
    assert checkpoint["hwm"] == "2026-11-01T00:00:00.000000Z"  # an old range moves no mark
    checkpoint = stored(plan.finish(incremental))
    assert checkpoint["hwm"] == "2026-11-01T02:00:00.000000Z"
    assert checkpoint["pending"] == []


def test_an_interrupted_first_sync_is_not_started_over():
    plan = RangePlan(None, SyncRequest(now=at(0)))
    [first] = plan.ranges()
    checkpoint = stored(plan.update(first, {"next": "page-7"}))
    plan = RangePlan(checkpoint, SyncRequest(now=at(3)))
    resumed, newer = plan.ranges()
    assert resumed["state"] == {"next": "page-7"} and resumed["from"] is None
    assert newer["from"] == first["to"]  # continues after it, not a second full crawl


def test_until_in_the_future_is_clamped_to_now():
    plan = RangePlan(None, SyncRequest(since=at(-5), until=at(100), now=at(0)))
    [rng] = plan.ranges()
    assert rng["to"] == "2026-11-01T00:00:00.000000Z"


def test_a_first_sync_since_a_date_leaves_the_older_history_to_the_next_plain_sync():
    plan = RangePlan(None, SyncRequest(since=at(-48), until=at(-24), now=at(0)))
    [asked] = plan.ranges()
    checkpoint = stored(plan.finish(asked))
    assert checkpoint["hwm"] is None  # what came before --since is not fetched yet

    plan = RangePlan(checkpoint, SyncRequest(now=at(1)))
    [everything] = plan.ranges()
    assert everything["from"] is None and everything["to"] == "2026-11-01T01:00:00.000000Z"
    assert stored(plan.finish(everything))["hwm"] == "2026-11-01T01:00:00.000000Z"


def test_a_first_sync_back_to_the_source_s_horizon_sets_the_mark():
    """A source that keeps a year (Graph) starts its first sync a year back: that is all."""
    plan = RangePlan(None, SyncRequest(now=at(0)), first_sync=timedelta(days=365))
    [first] = plan.ranges()
    assert first["from"] == "2025-11-01T00:00:00.000000Z"
    checkpoint = stored(plan.update(first, {"next": "page-2"}))  # interrupted, then resumed

    plan = RangePlan(checkpoint, SyncRequest(now=at(1)), first_sync=timedelta(days=365))
    resumed, newer = plan.ranges()
    assert resumed["state"] == {"next": "page-2"}
    assert newer["from"] == first["to"]  # not a second year-long crawl
    assert stored(plan.finish(resumed))["hwm"] == "2026-11-01T00:00:00.000000Z"
    assert stored(plan.finish(newer))["hwm"] == "2026-11-01T01:00:00.000000Z"


def test_a_plain_sync_after_a_first_ranged_one_fetches_all_the_source_keeps(cli, data_dir):
    """The user's path through the real command line and the Pexip simulator."""
    sim = PexipSimulator(conferences=300, password="pw", seed=5)
    sim.start()
    try:
        assert cli("source", "add", "pexip", "px", "--url", sim.url, "--username", "admin",
                   "--secret-stdin", stdin="pw\n").code == 0
        now = datetime.now(UTC)
        since, until = (now - timedelta(days=days) for days in (6, 3))
        assert cli("sync", "--since", since.isoformat(), "--until", until.isoformat()).code == 0
        ranged = json.loads(cli("sessions", "--format", "json", "--limit", "0").out)
        assert 0 < len(ranged) < len(sim.conference_ids())

        assert cli("sync").code == 0
        synced = json.loads(cli("sessions", "--format", "json", "--limit", "0").out)
        assert sorted(s["session_id"] for s in synced) == sorted(sim.conference_ids())
    finally:
        sim.stop()
