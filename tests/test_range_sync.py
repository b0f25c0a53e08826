"""``sync --since X --until Y`` fetches the sessions that started in the range, as
``sessions --from X --to Y`` filters them, for the vendors that list a session only when it
ends (Pexip's history, Webex's events): one still running at Y is not left out."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.demo.pexip import PexipSimulator
from app.demo.webex import WebexSimulator
from app.timeutil import format_utc, parse_utc


def pexip():
    sim = PexipSimulator(conferences=120, password="pexip-pw", seed=11)
    return sim, ["pexip", "--username", "admin"], "pexip-pw"


def webex():
    sim = WebexSimulator(days=4, seed=5)
    return sim, ["webex"], sim.token


@pytest.mark.parametrize("make", [pexip, webex])
def test_a_range_sync_keeps_the_sessions_still_running_at_its_end(cli, make):
    sim, kind_args, secret = make()
    sim.start()
    try:
        add = ["source", "add", kind_args[0], "src", "--url", sim.url, *kind_args[1:],
               "--secret-stdin"]
        assert cli(*add, stdin=secret + "\n").code == 0
        assert cli("sync", "--full").code == 0
        everything = json.loads(cli("sessions", "--limit", "0", "--format", "json").out)
        long_ones = [s for s in everything if (s["duration_s"] or 0) > 600][:3]
        assert long_ones, "the simulator has sessions longer than ten minutes"
        for session in long_ones:
            since = parse_utc(session["start"]) - timedelta(seconds=30)
            until = since + timedelta(minutes=2)  # ends long before the session does
            assert cli("source", "remove", "src", "--purge").code == 0
            assert cli(*add, stdin=secret + "\n").code == 0
            synced = cli("sync", "--since", format_utc(since), "--until", format_utc(until))
            assert synced.code == 0, synced.err
            listed = json.loads(cli("sessions", "--from", format_utc(since), "--to",
                                    format_utc(until), "--format", "json").out)
            assert session["session_id"] in {s["session_id"] for s in listed}
    finally:
        sim.stop()
