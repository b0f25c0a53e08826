"""Webex events, meetings, calls and artifacts against the loopback Webex simulator."""

from __future__ import annotations

import json
import logging
import math
import re
import sqlite3
import urllib.parse
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from app.demo.server import Response
from app.demo.webex import WebexSimulator
from app.demo.webex_samples import (
    SAMPLE_MEETING,
    SAMPLE_RECORDING,
    SAMPLE_TRANSCRIPT,
    SEED_EVENT,
)
from app.http import SourceError
from app.model import SourceConfig
from app.sources import create_source
from app.sources.webex_parse import session_key
from app.store import queries
from app.store.cache import Store
from app.sync import sync_sources
from app.timeutil import iso_utc
from tests.conftest import FIXTURES, files_containing

SEED_MEETING = "16ce696f75844d24b2d4fab04b4419af_I_183979003076423608"
SEED_CALL = "fdda8613-d34b-424c-8c6a-44ff2e19379c"


@pytest.fixture
def sim():
    simulator = WebexSimulator(days=7, page_cap=37)
    simulator.start()
    yield simulator
    simulator.stop()


def config(sim: WebexSimulator, name: str = "webex") -> SourceConfig:
    return SourceConfig(name, "webex", sim.url)


def sync(data_dir: Path, *sims: WebexSimulator, names: tuple[str, ...] = ("webex", "other")):
    tokens = {name: s.token for name, s in zip(names, sims, strict=False)}
    configs = [config(s, name) for name, s in zip(names, sims, strict=False)]
    return sync_sources(data_dir / "cache.db", configs, secret_for=lambda c: tokens[c.name])


def db(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / "cache.db")


def checkpoint(data_dir: Path) -> dict:
    store = Store(data_dir / "cache.db")
    try:
        return store.checkpoint("webex", "events")
    finally:
        store.close()


def served_chats(sim: WebexSimulator, meeting_id: str | None = None) -> list[dict]:
    """The post-meeting chats the simulator serves now (ready), of one meeting or all."""
    now = datetime.now(UTC)
    return [c for c in sim.history.chats
            if c["_ready"] <= now and meeting_id in (None, c["meetingId"])]


def served_event_ids(sim: WebexSimulator) -> list[str]:
    """What a sync stores as events: every compliance event, and each chat as one."""
    return [e["id"] for e in sim.history.events] + [f"chat:{c['id']}" for c in served_chats(sim)]


def counts(data_dir: Path) -> tuple[int, int]:
    with db(data_dir) as conn:
        return (conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def test_first_sync_lands_every_event_once_following_link_to_the_end(sim, data_dir):
    [result] = sync(data_dir, sim)
    assert result.ok, result.error
    events = sim.history.events
    with db(data_dir) as conn:
        stored = [r[0] for r in conn.execute("SELECT event_id FROM events")]
        sessions = {r[0] for r in conn.execute("SELECT session_id FROM sessions")}
    assert sorted(stored) == sorted(served_event_ids(sim))
    assert sessions == {session_key(e)[0] for e in events}
    # max=1000 was asked, 37 came per page: every page was reached through Link alone.
    listing = sim.requests_to("/v1/events")
    assert len(listing) == math.ceil(len(events) / 37)
    assert "max=1000" in listing[0] and all("cursor=" in t for t in listing[1:])
    # A re-sync doubles nothing.
    assert sync(data_dir, sim)[0].ok
    assert counts(data_dir) == (len(sessions), len(served_event_ids(sim)))


def test_actors_read_as_the_email_or_number_their_event_gives(sim, data_dir):
    assert sync(data_dir, sim)[0].ok
    with db(data_dir) as conn:
        actors = dict(conn.execute("SELECT event_id, actor FROM events"))
    by_email = [e for e in sim.history.events if e["data"].get("personId") == e["actorId"]]
    legs = [e for e in sim.history.events if e["data"].get("userId") == e["actorId"]]
    assert by_email and legs
    for event in by_email:  # a message's sender
        assert actors[event["id"]] == event["data"]["personEmail"]
    for event in legs:  # a call leg's own user, by that leg's number
        data = event["data"]
        own = data["callingNumber"] if data["callDirection"] == "ORIGINATING" \
            else data["calledNumber"]
        assert actors[event["id"]] == own


def test_a_membership_reads_as_who_was_added_to_a_space(sim, data_dir):
    assert sync(data_dir, sim)[0].ok
    joined = [e for e in sim.history.events if e["resource"] == "memberships"]
    assert joined
    with db(data_dir) as conn:
        for event in joined:
            title, detail = conn.execute(
                "SELECT s.title, e.detail FROM events e JOIN sessions s USING (source, "
                "session_id) WHERE e.event_id = ?", (event["id"],)).fetchone()
            assert title == detail == f"{event['data']['personEmail']} added to a space"


def test_a_message_or_membership_session_is_in_the_state_its_event_says(sim, data_dir):
    """Seed 003's event types (created, updated, deleted) as the session's status: before,
    every message and membership session had a null status."""
    def event(key: str, resource: str, kind: str) -> dict:
        return {"id": key, "resource": resource, "type": kind, "actorId": "p-1",
                "created": _recent(), "data": {"id": f"{key}-data", "roomId": "room-1",
                                               "personEmail": "ana@example.com"}}
    sim.odd_events = [event("ev-edited", "messages", "updated"),
                      event("ev-deleted", "messages", "deleted"),
                      event("ev-left", "memberships", "deleted")]
    assert sync(data_dir, sim)[0].ok
    with db(data_dir) as conn:
        status = dict(conn.execute("SELECT session_id, status FROM sessions WHERE type IN "
                                   "('messages', 'memberships')"))
    assert (status.pop("ev-edited"), status.pop("ev-deleted"), status.pop("ev-left")) == \
        ("updated", "deleted", "deleted")
    created = {e["id"] for e in sim.history.events
               if e["resource"] in ("messages", "memberships") and session_key(e)[1] != "meeting"}
    assert created and set(status) == created and set(status.values()) == {"created"}


def test_meetings_are_whole_though_their_events_span_pages(sim, data_dir):
    assert sync(data_dir, sim)[0].ok
    ended = [e for e in sim.history.events if e["resource"] == "meetings"]
    assert len(ended) > 10
    with db(data_dir) as conn:
        for event in ended:
            data = event["data"]
            session = queries.get_session(conn, "webex", data["id"])
            assert (session["start"], session["end"]) == (iso_utc(data["start"]),
                                                          iso_utc(data["end"]))
            names = [a["displayName"] for a in data.get("attendees", [])]
            if "host" in data:
                assert session["extra"]["host"] == data["host"]["displayName"]
                names.append(data["host"]["displayName"])
            assert set(names) <= set(session["participants"])
            emails = {a["email"] for a in data.get("attendees", [])}
            assert not emails & set(session["participants"])  # listed once, by name
            recorded = any(r["meetingId"] == data["id"] for r in sim.history.recordings)
            assert session["has_recording"] == recorded
            count = len(queries.list_events(conn, "webex", data["id"]))
            assert count == sum(session_key(e)[0] == data["id"] for e in sim.history.events) \
                + len(served_chats(sim, data["id"]))


def test_seed_examples_come_out_with_their_values(sim, data_dir):
    # The simulator serves the vendor's own examples, as kept in tests/fixtures.
    seed = json.loads((FIXTURES / "webex_events_seed_example.json").read_text())["items"][0]
    assert seed == SEED_EVENT
    listed = json.loads((FIXTURES / "webex_recordings_list_sample.json").read_text())
    assert listed["items"][0] == SAMPLE_RECORDING
    transcripts = json.loads((FIXTURES / "webex_meetingTranscripts_list_sample.json").read_text())
    assert {k: transcripts["items"][0][k] for k in SAMPLE_TRANSCRIPT} == SAMPLE_TRANSCRIPT
    webhook = json.loads((FIXTURES / "webex_meeting_ended_webhook_sample.json").read_text())
    assert webhook["data"] == SAMPLE_MEETING

    assert sync(data_dir, sim)[0].ok
    with db(data_dir) as conn:
        meeting = queries.get_session(conn, "webex", SEED_MEETING)
        assert meeting["type"] == "meeting" and meeting["start"] == "2016-05-16T21:34:59.324Z"
        assert meeting["participants"] == ["matt@example.com"]
        extra = meeting["extra"]
        assert extra["recordingEnabled"] and extra["transcriptionEnabled"]
        assert extra["hasPostMeetingsChat"]
        [event] = queries.list_events(conn, "webex", SEED_MEETING)
        # The seed's actorId is the sender's personId: the actor reads as their e-mail.
        assert SEED_EVENT["actorId"] == SEED_EVENT["data"]["personId"]
        assert event["actor"] == "matt@example.com"
        assert event["kind"] == "messages.created" and event["detail"].startswith(
            "PROJECT UPDATE")
        hits = queries.list_sessions(conn, queries.SessionFilter(search="box.com/s/lf5vj"))
        assert [h["session_id"] for h in hits] == [SEED_MEETING]

        call = queries.get_session(conn, "webex", SEED_CALL)
        assert call["type"] == "call" and call["direction"] == "outbound"  # "ORIGINTATING"
        assert (call["start"], call["duration_s"], call["status"]) == (
            "2023-02-08T06:12:43.976Z", 192, "answered")
        assert call["end"] == "2023-02-08T06:15:55.976Z"
        assert call["participants"] == ["910481234", "4089671221"]
        assert (call["extra"]["callAnswerTime"], call["extra"]["callTransferTime"]) == (
            "2023-02-08T06:12:47.012Z", "2023-02-08T06:15:19.112Z")
        assert call["extra"]["callType"] == "SIP_ENTERPRISE"

        guide = queries.get_session(conn, "webex", SAMPLE_MEETING["id"])
        assert (guide["start"], guide["end"], guide["duration_s"]) == (
            "2021-05-14T20:25:19Z", "2021-05-14T20:26:54Z", 95)
        assert guide["has_recording"] and guide["has_transcript"]
        artifacts = {a["artifact_id"]: a for a in
                     queries.list_artifacts(conn, "webex", SAMPLE_MEETING["id"])}
        recording = artifacts[SAMPLE_RECORDING["id"]]
        assert recording["url"] == f"{sim.url}/v1/recordings/{SAMPLE_RECORDING['id']}"
        assert recording["view_url"] == SAMPLE_RECORDING["playbackUrl"]
        assert recording["data"]["sizeBytes"] == 4982263
        txt = artifacts[SAMPLE_TRANSCRIPT["id"] + ".txt"]
        vtt = artifacts[SAMPLE_TRANSCRIPT["id"] + ".vtt"]
        assert txt["url"].endswith("format=txt") and vtt["url"].endswith("format=vtt")
        raw = conn.execute("SELECT _doc FROM raw_webex_events WHERE _id = ?",
                           (SEED_EVENT["id"],)).fetchone()[0]
        assert json.loads(raw) == SEED_EVENT


def _hold_back(sim: WebexSimulator, meeting_id: str, resources: set[str]) -> list[dict]:
    held = [e for e in sim.history.events
            if e["resource"] in resources and session_key(e)[0] == meeting_id]
    sim.history.events = [e for e in sim.history.events if e not in held]
    return held


def test_second_sync_reads_only_new_events_and_completes_a_running_meeting(sim, data_dir):
    now = datetime.now(UTC)
    meeting_id = sim.add_meeting(now - timedelta(hours=1), 30)
    late = _hold_back(sim, meeting_id, {"meetings", "meetingTranscripts"})  # still running
    recording = next(r for r in sim.history.recordings if r["meetingId"] == meeting_id)
    recording["_ready"] = now + timedelta(days=1)
    assert sync(data_dir, sim)[0].ok
    hwm = checkpoint(data_dir)["hwm"]
    with db(data_dir) as conn:
        running = queries.get_session(conn, "webex", meeting_id)
    if running is not None:  # it had chat before the first sync
        assert running["end"] is None and not running["has_recording"]
    for event in late:
        event["created"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    sim.add_events(late)
    recording["_ready"] = now
    sim.requests.clear()
    assert sync(data_dir, sim)[0].ok
    listing = sim.requests_to("/v1/events")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(listing[0]).query)
    assert datetime.fromisoformat(query["from"][0]) == \
        datetime.fromisoformat(hwm) - timedelta(minutes=15)
    assert len(listing) == 1  # only the last minutes: one page
    data = next(e for e in late if e["resource"] == "meetings")["data"]
    with db(data_dir) as conn:
        session = queries.get_session(conn, "webex", meeting_id)
        assert session["end"] == iso_utc(data["end"]) and session["has_recording"]
        assert data["host"]["displayName"] in session["participants"]
        if running is not None:
            assert set(running["participants"]) - {a["email"] for a in data["attendees"]} \
                <= set(session["participants"])
    assert counts(data_dir)[1] == len(served_event_ids(sim))


def test_a_recording_not_ready_yet_is_fetched_by_a_later_sync(sim, data_dir):
    meeting_id = sim.add_meeting(datetime.now(UTC) - timedelta(hours=2), 30,
                                 transcription=False)
    recording = next(r for r in sim.history.recordings if r["meetingId"] == meeting_id)
    recording["_ready"] = datetime.now(UTC) + timedelta(hours=1)
    assert sync(data_dir, sim)[0].ok
    assert meeting_id in checkpoint(data_dir)["awaiting"]
    with db(data_dir) as conn:
        assert not queries.get_session(conn, "webex", meeting_id)["has_recording"]
    recording["_ready"] = datetime.now(UTC)
    assert sync(data_dir, sim)[0].ok
    assert checkpoint(data_dir)["awaiting"] == {}
    with db(data_dir) as conn:
        assert queries.get_session(conn, "webex", meeting_id)["has_recording"]
        [artifact] = queries.list_artifacts(conn, "webex", meeting_id)
        assert artifact["url"].endswith(f"/v1/recordings/{recording['id']}")


def _chat_only_word(sim: WebexSimulator, meeting_id: str, chats: list[dict]) -> str:
    """A word of the meeting's chats that none of its events or artifacts carry."""
    rows = [*sim.history.events, *sim.history.recordings, *sim.history.transcripts]
    elsewhere = json.dumps(rows, default=str).lower()
    return next(word for chat in chats for word in re.findall(r"[a-z]{6,}", chat["text"].lower())
                if word not in elsewhere)


def test_post_meeting_chats_join_their_meetings_timeline_people_and_search(sim, data_dir):
    meeting_id = sim.add_meeting(datetime.now(UTC) - timedelta(hours=2), 30, chats=130)
    chats = served_chats(sim, meeting_id)
    assert len(chats) == 130  # more than the listing's max of 100: it takes two pages
    # Seed 003: the meeting's attendees are the CI-authenticated ones; a guest can chat too.
    guest = {"email": "pat.guest@example.org", "displayName": "Pat Guest",
             "personId": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ndWVzdA", "orgId": "Y2lzY29zcGFyaw"}
    chats[0]["sender"] = guest
    [result] = sync(data_dir, sim)
    assert result.ok, result.error
    with db(data_dir) as conn:
        session = queries.get_session(conn, "webex", meeting_id)
        timeline = {e["event_id"]: e for e in queries.list_events(conn, "webex", meeting_id)
                    if e["kind"] == "chat"}
        raw = dict(conn.execute("SELECT _id, _doc FROM raw_webex_meeting_chats").fetchall())
        hits = queries.list_sessions(conn, queries.SessionFilter(
            search=_chat_only_word(sim, meeting_id, chats)))
    assert sorted(timeline) == sorted(f"chat:{c['id']}" for c in chats)  # each exactly once
    first = timeline[f"chat:{chats[0]['id']}"]
    assert (first["time"], first["lane"], first["actor"]) == (
        iso_utc(chats[0]["chatTime"]), guest["email"], guest["displayName"])
    private = next(c for c in chats if c["type"] == "private")
    assert timeline[f"chat:{private['id']}"]["detail"] == \
        f"to {private['receivers'][0]['displayName']}: {private['text']}"
    public = next(c for c in chats if c["type"] == "public")
    assert timeline[f"chat:{public['id']}"]["detail"] == public["text"]
    assert "Pat Guest" in session["participants"]
    assert guest["email"] not in session["participants"]  # listed once, by name
    assert meeting_id in [hit["session_id"] for hit in hits]
    assert json.loads(raw[chats[0]["id"]])["sender"] == guest  # the vendor's whole document


def test_a_second_sync_asks_no_chats_again_for_meetings_already_listed(data_dir):
    # The month ends an hour ago, so the second sync's 15-minute overlap re-reads no meeting.
    sim = WebexSimulator(end=datetime.now(UTC) - timedelta(hours=1), days=7, page_cap=37)
    sim.start()
    try:
        meeting_id = sim.add_meeting(datetime.now(UTC) - timedelta(hours=3), 30, chats=4)
        assert sync(data_dir, sim)[0].ok
        asked = {urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["meetingId"][0]
                 for url in sim.requests_to("postMeetingChats")}
        assert meeting_id in asked and asked >= {c["meetingId"] for c in sim.history.chats}
        sim.requests.clear()
        assert sync(data_dir, sim)[0].ok
        assert sim.requests_to("postMeetingChats") == []
        assert checkpoint(data_dir)["awaiting"] == {}
        assert counts(data_dir)[1] == len(served_event_ids(sim))
    finally:
        sim.stop()


CHATS_OFF = {
    "403": lambda sim: setattr(sim, "chats_enabled", False),
    "404": lambda sim: sim.fail_next(404, "The requested resource could not be found.",
                                     "postMeetingChats"),
}


@pytest.mark.parametrize("answer", list(CHATS_OFF))
def test_an_org_without_chat_collection_syncs_everything_else(sim, data_dir, caplog, answer):
    meeting_id = sim.add_meeting(datetime.now(UTC) - timedelta(hours=2), 30, chats=12)
    CHATS_OFF[answer](sim)
    caplog.set_level(logging.INFO, logger="histview.webex")
    [result] = sync(data_dir, sim)
    assert result.ok, result.error
    assert len(sim.requests_to("postMeetingChats")) <= 1  # the org said no once
    with db(data_dir) as conn:
        session = queries.get_session(conn, "webex", meeting_id)
        kinds = sorted(a["kind"] for a in queries.list_artifacts(conn, "webex", meeting_id))
        chat_events = conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'chat'").fetchone()
    assert session["has_recording"] and session["has_transcript"]
    assert kinds == ["recording", "transcript", "transcript"]
    assert chat_events == (0,)
    said = [r.getMessage() for r in caplog.records if "chats" in r.getMessage()]
    assert len(said) == 1 and "not enabled" in said[0] and sim.token not in said[0]


@pytest.mark.parametrize("fault", ["500", "401", "malformed"])
def test_a_chat_listing_that_breaks_fails_the_sync_and_keeps_the_cache(sim, data_dir, fault):
    assert sync(data_dir, sim)[0].ok
    before, saved = counts(data_dir), checkpoint(data_dir)
    # Ended within the next sync's 15-minute overlap, its chats ready.
    sim.add_meeting(datetime.now(UTC) - timedelta(minutes=25), 15, chats=3)
    sim.faults.add(fault, count=10, path_contains="postMeetingChats")  # outlasts the retries
    [result] = sync(data_dir, sim)
    assert not result.ok and "postMeetingChats" in result.error and sim.token not in result.error
    assert counts(data_dir) == before and checkpoint(data_dir) == saved


def test_429_is_waited_out(sim, data_dir):
    sim.faults.add("429", count=2, path_contains="/v1/events", retry_after="0.05")
    sim.faults.add("429", count=1, path_contains="/v1/recordings", retry_after="0.05")
    [result] = sync(data_dir, sim)
    assert result.ok, result.error
    assert counts(data_dir)[1] == len(served_event_ids(sim))


def test_next_links_with_the_old_max_null_defect_are_followed(sim, data_dir):
    sim.legacy_max_null = True
    [result] = sync(data_dir, sim)
    assert result.ok, result.error
    assert not sim.requests_to("max=null")
    assert counts(data_dir)[1] == len(served_event_ids(sim))


def test_the_simulator_refuses_a_future_to_and_the_source_never_sends_one(sim, data_dir):
    future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = requests.get(f"{sim.url}/v1/events", params={"to": future},
                          headers={"Authorization": f"Bearer {sim.token}"}, timeout=10)
    assert answer.status_code == 400 and "trackingId" in answer.json()
    assert sync(data_dir, sim)[0].ok  # every `to` it sent was accepted


def test_downloads_fetch_a_fresh_link_and_keep_the_token_home(sim, data_dir):
    assert sync(data_dir, sim)[0].ok
    with db(data_dir) as conn:
        artifacts = queries.list_artifacts(conn, "webex", SAMPLE_MEETING["id"])
    recording = next(a for a in artifacts if a["kind"] == "recording")
    assert "ticket" not in recording["url"]
    sim.expire_links()  # any link fetched before now is dead
    source = create_source(config(sim), sim.token)
    with source.open_download(recording) as response:
        assert response.content.startswith(b"\x00\x00\x00\x18ftyp")
    vtt = next(a for a in artifacts if a["artifact_id"].endswith(".vtt"))
    with source.open_download(vtt) as response:
        assert response.text.startswith("WEBVTT")
    foreign = {**vtt, "url": "https://elsewhere.example.com/steal"}
    with pytest.raises(Exception, match="refusing to send the Webex token"):
        source.open_download(foreign)


@pytest.mark.parametrize("details, words", [
    ({"temporaryDirectDownloadLinks": "https://dl.example.com/r.mp4"}, "no download link"),
    ({"temporaryDirectDownloadLinks": {"recordingDownloadLink": 42}}, "no download link"),
    (["not", "an", "object"], "no download link"),
    ({"temporaryDirectDownloadLinks": {"recordingDownloadLink":
                                       "http://dl.example.com/r.mp4?ticket=T1CK3T"}},
     "plain http"),
])
def test_recording_details_of_another_shape_fail_the_download_in_one_line(sim, data_dir,
                                                                          details, words):
    assert sync(data_dir, sim)[0].ok
    with db(data_dir) as conn:
        artifacts = queries.list_artifacts(conn, "webex", SAMPLE_MEETING["id"])
    recording = next(a for a in artifacts if a["kind"] == "recording")
    sim.respond_next(Response(200, json.dumps(details).encode(),
                              {"Content-Type": "application/json"}),
                     urllib.parse.urlsplit(recording["url"]).path)
    with pytest.raises(SourceError, match=words) as failure:
        create_source(config(sim), sim.token).open_download(recording)
    assert "T1CK3T" not in str(failure.value) and "\n" not in str(failure.value)


def test_a_transcripts_actor_is_named_by_what_the_meetings_events_said(sim, data_dir):
    """A transcript event names its actor by person id only; the meeting's host is known."""
    assert sync(data_dir, sim)[0].ok
    with db(data_dir) as conn:
        actors = [row[0] for row in conn.execute(
            "SELECT actor FROM events WHERE kind = 'meetingTranscripts.created'")]
        found = conn.execute("SELECT COUNT(*) FROM sessions_fts WHERE sessions_fts MATCH ?",
                             (f'"{actors[0]}"',)).fetchone()[0] if actors else 0
    assert actors and all("@" in actor for actor in actors), actors
    assert found >= 1


def test_an_event_without_an_id_is_kept_raw_and_said(sim, data_dir, caplog):
    assert sync(data_dir, sim)[0].ok
    created = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    unkeyed = {"resource": "messages", "type": "created", "created": created,
               "data": {"text": "an event the API sent without its id"}}
    sim.respond_next(Response(200, json.dumps({"items": [unkeyed]}).encode(),
                              {"Content-Type": "application/json"}), "/v1/events")
    before = counts(data_dir)
    assert sync(data_dir, sim)[0].ok
    with db(data_dir) as conn:
        kept = conn.execute("SELECT _id FROM raw_webex_events WHERE _doc LIKE ?",
                            ("%without its id%",)).fetchall()
    assert len(kept) == 1 and kept[0][0].startswith("no-id-")
    assert counts(data_dir) == before  # no session can hold it; the others are unchanged
    assert "without an id" in caplog.text


def _recent(minutes: float = 2) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _odd_events() -> list[dict]:
    """Events whose ``data`` is no object, whose time cannot be read, or whose meeting's own
    start cannot be read; the words in them must never reach a log."""
    def event(key: str, data: object, created: str | None = None) -> dict:
        return {"id": key, "resource": "messages", "type": "created", "actorId": "p-odd",
                "created": created or _recent(), "data": data}
    meeting = {"id": "odd-meeting_I_1", "meetingId": "odd-meeting_I_1", "title": "Odd sync",
               "start": "soon after lunch", "end": _recent(1)}
    return [event("odd-null", None), event("odd-text", "a snapshot sent as text"),
            event("odd-list", ["a", "list"]),
            event("odd-created", {"text": "sent some day"}, "yesterday-ish"),
            {**event("odd-start", meeting), "resource": "meetings", "type": "ended"}]


def _webex_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "histview.webex" and r.levelno == logging.WARNING]


def test_an_event_whose_data_or_time_cannot_be_read_is_kept_raw_and_the_rest_lands(
        sim, data_dir, caplog):
    """Before, an event whose ``data`` was a string or a list, or whose time could not be
    read, failed its page on every later sync, so nothing newer was ever cached."""
    assert sync(data_dir, sim)[0].ok
    hwm = checkpoint(data_dir)["hwm"]
    meeting_id = sim.add_meeting(datetime.now(UTC) - timedelta(minutes=20), 10)
    sim.odd_events = _odd_events()
    for _ in range(2):  # and every later sync too
        caplog.clear()
        sim.requests.clear()
        [result] = sync(data_dir, sim)
        assert result.ok, result.error
        # One warning for the one page that held them: the resource and the count only.
        [said] = _webex_warnings(caplog)
        assert "events: 5" in said and "kept in the raw table only" in said
        for words in ("a snapshot sent as text", "sent some day", "yesterday-ish",
                      "soon after lunch", "Odd sync", sim.token):
            assert words not in caplog.text
    assert checkpoint(data_dir)["hwm"] > hwm
    ended = next(e["id"] for e in sim.history.events
                 if e["resource"] == "meetings" and e["data"]["id"] == meeting_id)
    with db(data_dir) as conn:
        raw = {r[0] for r in conn.execute("SELECT _id FROM raw_webex_events")}
        events = {r[0] for r in conn.execute("SELECT event_id FROM events")}
        sessions = {r[0] for r in conn.execute("SELECT session_id FROM sessions")}
    odd = {e["id"] for e in _odd_events()}
    assert odd <= raw and not odd & events
    assert not {"odd-meeting_I_1", *odd} & sessions
    assert ended in events and meeting_id in sessions


def test_a_recording_or_chat_that_cannot_be_read_is_kept_raw_and_its_meeting_lands(
        sim, data_dir, caplog):
    """A listing's item that cannot be read failed the sync on every try, like an event."""
    assert sync(data_dir, sim)[0].ok
    meeting_id = sim.add_meeting(datetime.now(UTC) - timedelta(minutes=25), 15, chats=3)
    ready = datetime.now(UTC) - timedelta(minutes=1)
    sim.history.recordings.append({
        "id": "rec-odd", "meetingId": meeting_id, "topic": "Odd recording", "_ready": ready,
        "createTime": "after the meeting", "durationSeconds": "about an hour"})
    sim.history.chats.extend([
        {"id": "chat-odd", "meetingId": meeting_id, "chatTime": "after lunch",
         "text": "a chat nobody can date", "type": "public", "_ready": ready},
        {"meetingId": meeting_id, "chatTime": _recent(), "text": "a chat without its id",
         "_ready": ready}])
    [result] = sync(data_dir, sim)
    assert result.ok, result.error
    [said] = _webex_warnings(caplog)
    assert "recordings: 1" in said and "meeting_chats: 2" in said
    for words in ("Odd recording", "about an hour", "nobody can date", "without its id",
                  sim.token):
        assert words not in caplog.text
    with db(data_dir) as conn:
        session = queries.get_session(conn, "webex", meeting_id)
        artifacts = {a["artifact_id"] for a in queries.list_artifacts(conn, "webex", meeting_id)}
        events = {e["event_id"] for e in queries.list_events(conn, "webex", meeting_id)}
        recordings = {r[0] for r in conn.execute("SELECT _id FROM raw_webex_recordings")}
        chats = {r[0] for r in conn.execute("SELECT _id FROM raw_webex_meeting_chats")}
    assert session["has_recording"] and session["has_transcript"]
    real = next(r["id"] for r in sim.history.recordings if r["meetingId"] == meeting_id)
    assert real in artifacts and "rec-odd" not in artifacts and "rec-odd" in recordings
    assert "chat-odd" in chats and any(key.startswith("no-id-") for key in chats)
    assert "chat:chat-odd" not in events
    assert {f"chat:{c['id']}" for c in served_chats(sim, meeting_id) if "id" in c
            and c["id"] != "chat-odd"} <= events


FAULTS = {
    "malformed": lambda sim: sim.faults.add("malformed", path_contains="/v1/events"),
    "html": lambda sim: sim.faults.add("html", path_contains="/v1/events"),
    "401": lambda sim: sim.faults.add("401", path_contains="/v1/events"),
    "vendor error": lambda sim: sim.fail_next(
        403, "The compliance officer role is required to list events.", "/v1/events"),
}
EXPECTED = {"malformed": "malformed JSON", "html": "HTML page", "401": "credentials refused",
            "vendor error": "compliance officer role is required"}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_bad_answers_fail_one_source_and_keep_the_cache(sim, data_dir, fault):
    other = WebexSimulator(days=3, seed=8, include_samples=False)
    other.start()
    try:
        assert all(r.ok for r in sync(data_dir, sim, other))
        before, saved = counts(data_dir), checkpoint(data_dir)
        sim.add_meeting(datetime.now(UTC) - timedelta(hours=1), 20)
        FAULTS[fault](sim)
        failed, finished = sync(data_dir, sim, other)
        assert not failed.ok and finished.ok, (failed, finished)
        assert failed.source == "webex"
        assert EXPECTED[fault] in failed.error and "\n" not in failed.error
        assert counts(data_dir) == before and checkpoint(data_dir) == saved
        for token in (sim.token, other.token):
            assert token not in failed.error
            assert files_containing(data_dir, token) == []
    finally:
        other.stop()


def test_cli_round_trip_keeps_the_token_out_of_every_output(sim, cli, data_dir):
    outputs = [cli("source", "add", "webex", "webex", "--url", sim.url, "--secret-stdin",
                   stdin=sim.token + "\n")]
    outputs.append(cli("sync", "webex"))
    assert outputs[-1].code == 0, outputs[-1].err
    outputs.append(cli("sessions", "--format", "json", "--search", "box.com"))
    assert [r["session_id"] for r in json.loads(outputs[-1].out)] == [SEED_MEETING]
    outputs.append(cli("artifacts", "webex", SAMPLE_MEETING["id"], "--format", "json"))
    kinds = sorted(a["kind"] for a in json.loads(outputs[-1].out))
    assert kinds == ["recording", "transcript", "transcript"]
    sim.faults.add("401", path_contains="/v1/events")
    outputs.append(cli("sync", "webex"))
    assert outputs[-1].code == 1 and "webex" in outputs[-1].err
    for output in outputs:
        assert sim.token not in output.out + output.err
    assert files_containing(data_dir, sim.token) == []


def api(sim: WebexSimulator, path_or_url: str, **params) -> requests.Response:
    url = path_or_url if path_or_url.startswith("http") else f"{sim.url}{path_or_url}"
    return requests.get(url, params=params, timeout=10,
                        headers={"Authorization": f"Bearer {sim.token}"})


def listed(sim: WebexSimulator, path: str, **params) -> list[dict]:
    """Every item of a listing, following its Link rel="next" to the end."""
    answer, items = api(sim, path, **params), []
    while True:
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        if "next" not in answer.links:
            return items
        answer = api(sim, answer.links["next"]["url"])


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.mark.parametrize("path, field", [("/v1/recordings", "createTime"),
                                         ("/v1/meetingTranscripts", "startTime")])
def test_recordings_and_transcripts_keep_to_their_from_to_window(sim, path, field):
    # samples/webex.md "Recordings", "Meeting transcripts": `from` inclusive, `to` exclusive.
    for hours in (6, 5, 4, 3):
        sim.add_meeting(datetime.now(UTC) - timedelta(hours=hours), 30)
    everything = listed(sim, path)
    times = sorted({moment(item[field]) for item in everything})
    low, high = times[1], times[-2]

    def ids(items: Iterable[dict]) -> list[str]:
        return sorted(item["id"] for item in items)

    window = listed(sim, path, **{"from": low.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                  "to": high.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert ids(window) == ids(i for i in everything if low <= moment(i[field]) < high)
    assert {moment(i[field]) for i in window} >= {low} and high not in {
        moment(i[field]) for i in window}
    assert ids(listed(sim, path, **{"from": high.isoformat()})) == ids(
        i for i in everything if moment(i[field]) >= high)
    assert ids(listed(sim, path, to=low.isoformat())) == ids(
        i for i in everything if moment(i[field]) < low)
    for bad in ({"from": "last tuesday"}, {"from": high.isoformat(), "to": low.isoformat()}):
        answer = api(sim, path, **bad)
        assert answer.status_code == 400 and "trackingId" in answer.json()


def test_recordings_filter_by_topic_whatever_its_case(sim):
    # samples/webex.md "Recordings": `topic` filters the list.
    everything = listed(sim, "/v1/recordings")
    found = listed(sim, "/v1/recordings", topic="test MEETING-20210514")
    assert [r["id"] for r in found] == [SAMPLE_RECORDING["id"]] and len(everything) > 1
    assert listed(sim, "/v1/recordings", topic="no such meeting") == []


def test_events_come_up_to_1000_a_page_and_recordings_up_to_100(data_dir):
    # Seed 003: List Events `max` is "between 1 and 1000, inclusive"; samples/webex.md:
    # recordings and transcripts take `max` 1-100.
    sim = WebexSimulator(days=7)
    sim.start()
    try:
        page = api(sim, "/v1/events", max=1000)
        assert page.status_code == 200 and len(page.json()["items"]) > 100
        assert "next" not in page.links  # a week fits in one page of 1000
        assert api(sim, "/v1/events", max=1001).status_code == 400
        for hours in range(101):
            sim.add_meeting(datetime.now(UTC) - timedelta(hours=3, minutes=hours), 20)
        recordings = api(sim, "/v1/recordings", max=100)
        assert len(recordings.json()["items"]) == 100 and "next" in recordings.links
        # samples/webex.md Pagination: a `max` over the cap is silently capped, not refused.
        over = api(sim, "/v1/recordings", max=101)
        assert over.status_code == 200 and len(over.json()["items"]) == 100
    finally:
        sim.stop()


@pytest.mark.parametrize("path", ["/v1/recordings", "/v1/meetingTranscripts"])
def test_a_listing_max_over_its_cap_of_100_is_silently_capped(path):
    # samples/webex.md Pagination: "If `max` exceeds an endpoint's cap, the cap is silently
    # used (no error)"; Recordings and Meeting transcripts: `max` 1-100.
    sim = WebexSimulator(days=1, include_samples=False)
    sim.start()
    try:
        for minutes in range(105):
            sim.add_meeting(datetime.now(UTC) - timedelta(hours=3, minutes=minutes), 20)
        first = api(sim, path, max=5000)
        assert first.status_code == 200, first.text
        assert len(first.json()["items"]) == 100 and "next" in first.links
        rest = api(sim, first.links["next"]["url"])
        assert rest.status_code == 200 and "next" not in rest.links
        assert len(first.json()["items"]) + len(rest.json()["items"]) == len(listed(sim, path))
        for bad in ("0", "-3", "ten"):
            refused = api(sim, path, max=bad)
            assert refused.status_code == 400 and "trackingId" in refused.json(), bad
    finally:
        sim.stop()


def test_recurring_meetings_keep_one_series_and_slot_ad_hoc_ones_do_not(data_dir):
    sim = WebexSimulator(days=30, include_samples=False)
    sim.start()
    try:
        ended = [e["data"] for e in listed(sim, "/v1/events", resource="meetings", type="ended")]
    finally:
        sim.stop()
    for title, least in (("Support daily standup", 15), ("Weekly support metrics", 3)):
        series = [d for d in ended if d["title"] == title]
        assert len(series) >= least, title
        assert len({d["meetingSeriesId"] for d in series}) == 1, title
        assert len({d["id"] for d in series}) == len(series)  # one instance id each
        assert all(d["id"].startswith(d["meetingSeriesId"] + "_I_") for d in series)
        assert len({d["hostEmail"] for d in series}) == 1
        starts = [moment(d["start"]) for d in series]
        minutes = sorted(s.hour * 60 + s.minute + s.second / 60 for s in starts)
        assert minutes[-1] - minutes[0] <= 3, (title, minutes)  # one slot, a minute or two off
        assert all(s.weekday() < 5 for s in starts)
        if title.startswith("Weekly"):
            assert len({s.weekday() for s in starts}) == 1
    # The series is the same whatever window the month is generated for.
    other = WebexSimulator(days=7, end=datetime.now(UTC) - timedelta(days=3))
    assert {e["data"]["meetingSeriesId"] for e in other.history.events
            if e["data"].get("title") == "Support daily standup"} == {
        next(d["meetingSeriesId"] for d in ended if d["title"] == "Support daily standup")}
    escalations = [d for d in ended if d["title"].startswith("Escalation review")]
    assert len({d["meetingSeriesId"] for d in escalations}) == len(escalations) > 1


def test_injected_throttling_and_refusal_answer_in_webex_s_own_words():
    import requests

    sim = WebexSimulator(days=2)
    sim.start()
    try:
        sim.faults.add("429", count=1, retry_after="3")
        throttled = requests.get(f"{sim.url}/v1/events", timeout=10)
        sim.faults.add("401", count=1)
        refused = requests.get(f"{sim.url}/v1/events", timeout=10)
    finally:
        sim.stop()
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    assert refused.status_code == 401
    for answer in (throttled, refused):
        assert set(answer.json()) == {"message", "errors", "trackingId"}
