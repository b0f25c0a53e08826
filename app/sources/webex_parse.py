"""Webex events grouped into sessions (CONTRACT.md), across pages and syncs.

Grouping: an event whose ``data`` carries a ``meetingId`` (or a ``meetings`` event, whose
``data.id`` is the meeting) belongs to that meeting; a telephony CDR event
(``telephony_calls`` in seed 003, ``call_records`` in the newer reference) belongs to the call
named by its correlation id (spelt ``corelationId`` by the vendor); any other event is a
session of its own whose type is its resource.

A meeting's events arrive over many pages and syncs, so a session is kept as a *summary*
(plain JSON, stored in the checkpoint while the session may still grow) that every new event
is merged into. Merges are order-free (min, max, union, or) because Webex lists newest first
and a re-read overlap brings the same events again. ``Memory`` is what the checkpoint keeps
of them, and of the meetings whose recordings, transcripts or chats are still awaited
(``webex_artifacts``). How one event reads on a timeline is ``webex_events``'s concern.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from app.model import Event, Session
from app.sources.base import READ_ERRORS
from app.sources.webex_events import (
    CALL_RESOURCES,
    event_time,
    make_event,
    membership_text,
    yes,
)
from app.timeutil import format_utc, iso_utc, parse_utc, plus, seconds_between

#: How long after its last event a session may still receive events (and stays in memory).
HORIZON = {"meeting": timedelta(hours=12), "call": timedelta(hours=1)}
FLAGS = ("recordingEnabled", "transcriptionEnabled", "hasPostMeetingsChat")
_CALL_EXTRA = ("callType", "userType", "callingLineId", "calledLineId", "dialedDigits",
               "callRedirectingNumber", "callRedirectedReason")
_MEETING_EXTRA = ("hostEmail", "siteUrl", "meetingType", "meetingSeriesId", "timezone",
                  "state", "title")


def session_key(event: dict[str, Any]) -> tuple[str, str]:
    """(session id, session type) of an event; raises for one without an id, a time or a
    ``data`` object (seed 003's shape), which no session can hold."""
    data = event["data"]
    if not (isinstance(data, dict) and event["id"] and event["created"]):
        raise TypeError("not an event of seed 003's shape")
    resource = str(event.get("resource") or "event")
    meeting = data.get("meetingId") or (data.get("id") if resource == "meetings" else None)
    if meeting:
        return str(meeting), "meeting"
    correlation = data.get("corelationId") or data.get("correlationId")
    if resource in CALL_RESOURCES and correlation:
        return str(correlation), "call"
    return str(event["id"]), resource


def new_summary(kind: str) -> dict[str, Any]:
    return {"type": kind, "first": None, "last": None, "people": [], "extra": {},
            "flags": {}, "found": {"recording": 0, "transcript": 0, "chat": 0}}


def add_event(session_id: str, summary: dict[str, Any], event: dict[str, Any],
              people: dict[str, str]) -> Event:
    """An event's row, once merged into ``summary``. One that cannot be read (a time that
    is no time, a field of another shape) raises and leaves the summary as it was, so a
    session never holds half an event (a copy one level deep: ``merge`` goes no deeper)."""
    row = make_event(session_id, event, people)
    before = {key: copy.copy(value) for key, value in summary.items()}
    try:
        merge(summary, event)
    except READ_ERRORS:
        summary.clear()
        summary.update(before)
        raise
    return row


def merge(summary: dict[str, Any], event: dict[str, Any]) -> None:
    """Fold one event into its session's summary (idempotent, order-free)."""
    created = event_time(event)
    summary["first"] = min(filter(None, (summary["first"], created)))
    summary["last"] = max(filter(None, (summary["last"], created)))
    data = event.get("data") or {}
    if summary["type"] == "meeting":
        _merge_meeting(summary, event, data)
    elif summary["type"] == "call":
        _merge_call(summary, data)
    else:
        _merge_other(summary, event, data)


def _add_people(summary: dict[str, Any], *names: Any) -> None:
    for name in names:
        if name and str(name) not in summary["people"]:
            summary["people"].append(str(name))


def _person(summary: dict[str, Any], value: Any) -> str | None:
    """A host/attendee entry (an object with a name and e-mail, or plain text); remembers
    whose e-mail it is, so a chat sender known by e-mail is not listed twice."""
    if not isinstance(value, dict):
        return str(value) if value else None
    name = value.get("displayName") or value.get("name")
    email = value.get("email") or value.get("personEmail")
    if name and email:
        summary.setdefault("names", {})[str(email).lower()] = str(name)
    return name or email


def _put(extra: dict[str, Any], data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        value = data.get(name)
        if value not in (None, "", "null"):
            extra[name] = value


def _merge_meeting(summary: dict[str, Any], event: dict[str, Any], data: dict) -> None:
    extra = summary["extra"]
    extra["meetingId"] = data.get("meetingId") or data.get("id")
    if event.get("resource") == "meetings":  # the meeting's own record: start, end, host
        summary["start"] = iso_utc(data.get("start")) or summary.get("start")
        summary["end"] = iso_utc(data.get("end")) or summary.get("end")
        summary["title"] = data.get("title") or data.get("topic") or summary.get("title")
        _put(extra, data, _MEETING_EXTRA)
    host = _person(summary, data.get("host")) or data.get("hostDisplayName")
    if host:
        summary["host"] = host
    _add_people(summary, host, data.get("hostEmail") if not host else None)
    _add_people(summary, *(_person(summary, a) for a in data.get("attendees") or []))
    if event.get("resource") != "meetings":
        _add_people(summary, data.get("personEmail"))
    for flag in FLAGS:
        if flag in data:
            summary["flags"][flag] = summary["flags"].get(flag, False) or yes(data[flag])


def _earliest(current: str | None, value: Any) -> str | None:
    moment = iso_utc(str(value)) if value else None
    return min(filter(None, (current, moment)), default=None)


def _merge_call(summary: dict[str, Any], data: dict) -> None:
    extra = summary["extra"]
    extra["correlationId"] = data.get("corelationId") or data.get("correlationId")
    legs = set(summary.get("legs", []))
    legs.add(str(data.get("callDirection") or "").upper())
    summary["legs"] = sorted(legs - {""})
    summary["answered"] = summary.get("answered", False) or yes(data.get("isCallAnswered"))
    duration = data.get("callDurationSeconds")
    if str(duration or "").strip().isdigit():
        summary["duration"] = max(summary.get("duration") or 0, int(duration))
    for name, key in (("callStartTime", "call_start"), ("callAnswerTime", "call_answer"),
                      ("callTransferTime", "call_transfer")):
        summary[key] = _earliest(summary.get(key), data.get(name))
    summary.setdefault("calling", data.get("callingNumber"))
    summary.setdefault("called", data.get("calledNumber"))
    _add_people(summary, data.get("callingNumber"), data.get("calledNumber"))
    _put(extra, data, _CALL_EXTRA)


def _merge_other(summary: dict[str, Any], event: dict[str, Any], data: dict) -> None:
    text = data.get("text") or data.get("markdown")
    summary["title"] = (str(text)[:80] if text else None) or membership_text(event, data) \
        or f"{event.get('resource')} {event.get('type')}"
    _add_people(summary, data.get("personEmail"))
    _put(summary["extra"], data, ("roomId", "roomType", "personEmail", "text", "id"))
    summary["extra"]["eventType"] = event.get("type")


def merge_chat(summary: dict[str, Any], item: dict[str, Any]) -> None:
    """A chat's sender took part in the meeting, whether or not an event named them."""
    _add_people(summary, _person(summary, item.get("sender")))


# -- sessions ------------------------------------------------------------------------------

def call_direction(legs: list[str]) -> str | None:
    """CDR legs -> direction: only originating (the seed's typo ``ORIGINTATING`` too) is
    outbound, only terminating inbound, both an internal call."""
    origin = any(leg.startswith("ORIG") for leg in legs)
    term = any(leg.startswith("TERM") for leg in legs)
    if origin and term:
        return "internal"
    return "outbound" if origin else "inbound" if term else None


def people(summary: dict[str, Any]) -> list[str]:
    """Participants, an e-mail dropped when the same person is listed by name."""
    names = summary.get("names", {})
    listed = set(summary["people"])
    return [p for p in summary["people"] if names.get(p.lower()) not in listed]


def _after(start: str, seconds: float) -> str:
    """``start`` plus ``seconds``, with as many fraction digits as ``start`` has."""
    digits = min(len(start.rstrip("Z").partition(".")[2]), 6)
    head, _, fraction = format_utc(plus(parse_utc(start), seconds=seconds))[:-1].partition(".")
    return f"{head}.{fraction[:digits]}Z" if digits else f"{head}Z"


def build_session(session_id: str, summary: dict[str, Any], raw: str | None) -> Session:
    kind = summary["type"]
    if kind == "meeting":
        return _meeting_session(session_id, summary, raw)
    if kind == "call":
        return _call_session(session_id, summary, raw)
    # Seed 003, the event ``type``: "created", "updated" (a property on the resource) or
    # "deleted": what became of the message or membership is this one-event session's state.
    event_type = summary["extra"].get("eventType")
    return Session(session_id, kind, summary.get("title") or kind, summary["first"],
                   participants=people(summary), status=str(event_type) if event_type else None,
                   extra=dict(summary["extra"]), raw=raw)


def _meeting_session(session_id: str, summary: dict[str, Any], raw: str | None) -> Session:
    host = summary.get("host")
    start = summary.get("start") or summary["first"]
    end = summary.get("end")
    flags = {flag: summary["flags"].get(flag, False) for flag in FLAGS}
    return Session(
        session_id, "meeting",
        summary.get("title") or (f"Meeting hosted by {host}" if host else "Webex meeting"),
        start, end, seconds_between(start, end), people(summary),
        status="ended" if end else None,
        has_recording=summary["found"]["recording"] > 0,
        has_transcript=summary["found"]["transcript"] > 0,
        extra={**summary["extra"], **({"host": host} if host else {}), **flags}, raw=raw)


def _call_session(session_id: str, summary: dict[str, Any], raw: str | None) -> Session:
    start = summary.get("call_start") or summary["first"]
    duration = summary.get("duration")
    end = _after(start, duration) if start and duration is not None else None
    answered = summary.get("answered", False)
    extra = {**summary["extra"], "answered": answered, "callDirection": ", ".join(
        summary.get("legs", []))}
    for key, name in (("call_start", "callStartTime"), ("call_answer", "callAnswerTime"),
                      ("call_transfer", "callTransferTime")):
        if summary.get(key):
            extra[name] = summary[key]
    return Session(
        session_id, "call",
        f"Call {summary.get('calling') or '?'} → {summary.get('called') or '?'}",
        start, end, float(duration) if duration is not None else None,
        people(summary), direction=call_direction(summary.get("legs", [])),
        status="answered" if answered else "not answered", extra=extra, raw=raw)


# -- what the checkpoint keeps -------------------------------------------------------------

class Memory:
    """Summaries of sessions that may still grow, and meetings awaiting artifacts."""

    def __init__(self, checkpoint: dict | None) -> None:
        checkpoint = checkpoint or {}
        self.open: dict[str, dict[str, Any]] = dict(checkpoint.get("open") or {})
        self.awaiting: dict[str, str] = dict(checkpoint.get("awaiting") or {})
        self.checked: set[str] = set()  # meetings whose artifacts this sync already listed
        self.people: dict[str, str] = {}  # person id -> e-mail, from snapshots (learn_people)

    def state(self) -> dict[str, Any]:
        return {"open": self.open, "awaiting": self.awaiting}

    def prune(self, low: str | None, high: str | None, range_end: str) -> None:
        """Keep summaries near the page just read, near the range's end, or awaiting."""
        keep = {}
        for key, summary in self.open.items():
            horizon = HORIZON.get(summary["type"], timedelta(0))
            last, first = parse_utc(summary["last"]), parse_utc(summary["first"])
            near_page = low is not None and last >= parse_utc(low) - horizon \
                and first <= parse_utc(high) + horizon
            if near_page or last >= parse_utc(range_end) - horizon or key in self.awaiting:
                keep[key] = summary
        self.open = keep
