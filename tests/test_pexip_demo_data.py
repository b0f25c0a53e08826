"""The Pexip demo month reads like a real video team's: what a newcomer sees in `histview demo`
and what the benchmark crawls."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from app.demo.pexip_data import HistoryGenerator, pexip_time
from app.demo.pexip_team import GUESTS, RECURRING, ROOMS

END = datetime(2026, 11, 23, 8, 40, tzinfo=UTC)  # a Monday, ten minutes into its standup


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module", params=[7, 11, 23])
def month(request) -> list[tuple[dict, list[dict]]]:
    return HistoryGenerator(seed=request.param).month(END, 300)


def test_the_month_has_the_count_asked_for_oldest_first_and_all_ended(month):
    ends = [conference["end_time"] for conference, _ in month]
    assert len(month) == 300 and ends == sorted(ends)
    assert ends[-1] < pexip_time(END) and parse(ends[0]) > END - timedelta(days=31)
    # The standup running at END is not history yet; calls that ended before it are.
    today = [c["name"] for c, _ in month if c["start_time"].startswith("2026-11-23")]
    assert "Support Standup" not in today


def test_recurring_meetings_keep_their_days_and_times(month):
    for meeting in RECURRING:
        starts = [parse(c["start_time"]) for c, _ in month if c["name"] == meeting.name]
        days = {start.date() for start in starts}
        expected = {(END - timedelta(days=n)).date() for n in range(1, 30)
                    if (END - timedelta(days=n)).weekday() in meeting.weekdays}
        assert days == expected, meeting.name
        for start in starts:
            booked = start.replace(hour=meeting.at[0], minute=meeting.at[1], second=0,
                                   microsecond=0)
            assert timedelta(0) <= start - booked <= timedelta(seconds=90), meeting.name
    standups = [p for c, p in month if c["name"] == "Support Standup"]
    regulars = Counter(leg["display_name"] for legs in standups for leg in legs)
    assert set(regulars) == set(RECURRING[0].regulars)  # the same team every morning


def test_weekends_are_quiet_and_ad_hoc_calls_keep_office_hours(month):
    per_day: dict[bool, Counter] = defaultdict(Counter)
    for conference, _ in month:
        start = parse(conference["start_time"])
        per_day[start.weekday() >= 5][start.date()] += 1
    weekday = sum(per_day[False].values()) / 21
    weekend = sum(per_day[True].values()) / 8
    assert weekend < weekday / 3
    night = [c for c, _ in month if c["name"] != "Incident War Room"
             and parse(c["start_time"]).hour in (23, 0)]
    assert not night  # no site of the team works at midnight UTC


def test_each_kind_of_room_has_the_calls_it_would_have(month):
    by_room = defaultdict(list)
    for conference, legs in month:
        by_room[conference["name"]].append((conference, legs))
        assert conference["participant_count"] == len(legs)
        assert {leg["service_type"] for leg in legs} == {conference["service_type"]}
    for _, legs in by_room["Test Call Service"]:
        assert len(legs) == 1 and legs[0]["duration"] <= 4 * 60
    for _, legs in by_room["Lobby Gateway"]:
        inbound, onward = legs
        assert inbound["call_direction"] == "in" and inbound["protocol"] in ("SIP", "H323")
        assert onward["call_direction"] == "out" and onward["protocol"] == "TeamsConnector"
    for room in ROOMS:
        for _, legs in by_room[room.name] if room.owner else ():
            assert legs[0]["display_name"] == room.owner and legs[0]["role"] == "chair"
    customers = {name for name, _ in GUESTS}
    for _, legs in by_room["Escalations Bridge"]:
        guests = [leg for leg in legs if leg["display_name"] in customers]
        assert len(guests) == 1 and guests[0]["role"] == "guest"
        assert not guests[0]["remote_alias"].endswith("@example.com")
    for _, legs in by_room["Onboarding Webinar"]:
        assert len(legs) >= 7 and "presentation" in {
            s["stream_type"] for s in legs[0]["media_streams"]}


def test_people_call_from_their_own_site_and_a_few_calls_go_badly(month):
    legs = [leg for _, conference_legs in month for leg in conference_legs]
    sites = defaultdict(set)
    for leg in legs:
        sites[leg["display_name"]].add((leg["system_location"], leg["media_node"]))
    assert all(len(where) == 1 for where in sites.values())
    bad = [leg for leg in legs if leg["call_quality"] in ("3_bad", "4_terrible")]
    assert 0.02 < len(bad) / len(legs) < 0.15
    assert all(s["rx_packet_loss"] >= 3 for leg in bad for s in leg["media_streams"])
    assert all(leg["remote_alias"].isascii() for leg in legs)


def test_a_busy_nodes_month_has_about_three_participants_a_conference():
    big = HistoryGenerator(seed=7).month(END, 10_000)
    participants = sum(len(legs) for _, legs in big)
    assert len(big) == 10_000 and 27_000 <= participants <= 33_000


def test_live_history_ends_exactly_when_the_simulator_says():
    generator = HistoryGenerator(seed=3)
    for minutes in range(0, 600, 37):
        ended = END + timedelta(minutes=minutes)
        conference, legs = generator.next_conference(ended)
        assert conference["end_time"] == pexip_time(ended)
        assert all(parse(leg["end_time"]) <= ended for leg in legs)
