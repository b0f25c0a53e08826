"""RangePlan: what a sync covers, and how an interrupted one is finished (CONTRACT.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

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
