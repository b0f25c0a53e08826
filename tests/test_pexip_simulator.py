"""The Pexip simulator answers as the seed's management node does, where a client may look.

``histview demo`` shows a newcomer this node's data, and tests of the client trust it, so its
filters, orderings and per-object fields follow seed 000 and samples/pexip.md.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
import requests

from app.demo.pexip import PexipSimulator
from app.demo.pexip_data import API

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def node():
    simulator = PexipSimulator(conferences=120, seed=5, end=NOW, alarms=2000)
    simulator.start()
    yield simulator
    simulator.stop()


def get(node: PexipSimulator, path: str, **params) -> requests.Response:
    return requests.get(f"{node.url}{API}{path}", params=params,
                        auth=(node.username, node.password), timeout=10)


def test_a_participant_s_quality_history_agrees_with_its_call_quality(node):
    participants = get(node, "participant/", limit=0).json()["objects"]
    for level in ("1_good", "3_bad", "4_terrible"):
        listed = next(p for p in participants if p["call_quality"] == level
                      and p["duration"] >= 600)
        one = get(node, f"participant/{listed['id']}/").json()
        readings = one["historic_call_quality"]
        # one reading per 20-second window, summarised by level (seed: "Perceived call quality")
        assert len(readings) == listed["duration"] // 20
        assert one["bucketed_call_quality"] == [readings.count(n) for n in range(5)]
        assert Counter(readings).most_common(1)[0][0] == int(level[0])
        assert len(set(readings)) > 1  # quality drifts over a 10-minute call
    assert "historic_call_quality" not in participants[0]  # only for a single participant


def test_ordering_by_a_number_sorts_numerically(node):
    durations = [c["duration"] for c in
                 get(node, "conference/", order_by="duration", limit=0).json()["objects"]]
    assert durations == sorted(durations) and len(set(durations)) > 10
    descending = get(node, "conference/", order_by="-duration", limit=3).json()["objects"]
    assert descending[0]["duration"] == max(durations)


def test_a_time_filter_with_an_offset_is_read_as_that_moment_in_utc(node):
    naive = get(node, "conference/", end_time__gte="2026-11-15T09:00:00", limit=0)
    zulu = get(node, "conference/", end_time__gte="2026-11-15T09:00:00Z", limit=0)
    offset = get(node, "conference/", end_time__gte="2026-11-15T10:00:00+01:00", limit=0)
    assert naive.status_code == zulu.status_code == offset.status_code == 200
    count = naive.json()["meta"]["total_count"]
    assert 0 < count < 120
    assert zulu.json()["meta"]["total_count"] == offset.json()["meta"]["total_count"] == count
    assert get(node, "conference/", end_time__gte="last tuesday").status_code == 400


def test_alarm_history_holds_only_alarms_already_lowered(node):
    alarms = get(node, "alarm/", limit=0).json()["objects"]
    assert len(alarms) == 2000
    now = NOW.replace(tzinfo=None).isoformat()
    assert all(a["time_raised"] < a["time_lowered"] <= now for a in alarms)


def test_an_injected_refusal_answers_as_the_node_does(node):
    node.faults.add("401", count=1)
    refused = get(node, "conference/")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="Pexip"'
    assert refused.content == requests.get(f"{node.url}{API}conference/", auth=("admin", "no"),
                                           timeout=10).content
