"""``sync --since`` long before a source's first record means "everything it keeps": it
works (Restcomm failed with an OverflowError) and costs a handful of requests (BeyondTrust
walked month by month from the given year, Graph 89-day window by window)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.demo.beyondtrust import BeyondTrustSimulator
from app.demo.beyondtrust_timeline import month
from app.demo.msgraph import start_graph
from app.demo.restcomm import RestcommSimulator


def restcomm(tmp_path: Path):
    sim = RestcommSimulator(days=3, calls_per_weekday=6, seed=4)
    sim.start()
    return sim, ["restcomm", "--url", sim.url + "/restcomm", "--account-sid",
                 sim.account_sid], sim.auth_token


def beyondtrust(tmp_path: Path):
    sim = BeyondTrustSimulator(month(datetime.now(UTC), days=3, per_weekday=(6, 8), seed=2),
                               client_id="far", client_secret="far-secret-value")
    sim.start()
    return sim, ["beyondtrust", "--url", sim.url, "--client-id", "far"], "far-secret-value"


def msgraph(tmp_path: Path):
    sim, ca = start_graph(tmp_path, page_size=60, days=14)
    return sim, ["msgraph", "--url", sim.url, "--tenant-id", sim.tenant_id, "--client-id",
                 sim.client_id, "--login-url", sim.url, "--ca-bundle", str(ca)], \
        sim.client_secret


def most_pages(kind: str) -> int:
    """Graph is walked in 89-day windows, each resource, from when Teams began (2017);
    the others find where history starts in a few requests."""
    if kind != "msgraph":
        return 60
    windows = (datetime.now(UTC) - datetime(2017, 1, 1, tzinfo=UTC)).days // 89 + 2
    return 2 * windows + 20


def cached(cli) -> set[str]:
    return {s["session_id"] for s in json.loads(
        cli("sessions", "--limit", "0", "--format", "json").out)}


@pytest.mark.parametrize("make", [restcomm, beyondtrust, msgraph])
@pytest.mark.parametrize("since", ["0001-01-01", "1990-01-01"])
def test_a_since_long_ago_fetches_everything_in_a_few_requests(cli, tmp_path, make, since):
    sim, add, secret = make(tmp_path)
    try:
        assert cli("source", "add", add[0], "src", *add[1:], "--secret-stdin",
                   stdin=secret + "\n").code == 0
        result = cli("sync", "--since", since)
        assert result.code == 0, result.err
        [pages] = map(int, re.findall(r"items in (\d+) pages?", result.err))
        assert pages < most_pages(add[0]), result.err
        everything = cached(cli)
        assert everything
        assert cli("source", "remove", "src", "--purge").code == 0
        assert cli("source", "add", add[0], "src", *add[1:], "--secret-stdin",
                   stdin=secret + "\n").code == 0
        assert cli("sync").code == 0
        assert cached(cli) <= everything  # Graph's plain first sync reaches back a year only
    finally:
        sim.stop()
