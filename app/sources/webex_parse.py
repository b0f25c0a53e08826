"""Webex events grouped into sessions (CONTRACT.md), recordings/transcripts as artifacts, and
post-meeting chats as events of their meeting.

Grouping: an event whose ``data`` carries a ``meetingId`` (or a ``meetings`` event, whose
``data.id`` is the meeting) belongs to that meeting; a telephony CDR event
(``telephony_calls`` in seed 003, ``call_records`` in the newer reference) belongs to the call
named by its correlation id (spelt ``corelationId`` by the vendor); any other event is a
session of its own whose type is its resource.

A meeting's events arrive over many pages and syncs, so a session is kept as a *summary*
(plain JSON, stored in the checkpoint while the session may still grow) that every new event
is merged into. Merges are order-free (min, max, union, or) because Webex lists newest first
and a re-read overlap brings the same events again.
"""

from __future__ import annotations

import copy
from typing import Any

from app.model import Artifact, Event, Session
from app.sources.base import READ_ERRORS
from app.timeutil import format_utc, iso_utc, parse_utc, plus, seconds_between

CALL_RESOURCES = frozenset({"telephony_calls", "call_records", "callRecords"})
FLAGS = ("recordingEnabled", "transcriptionEnabled", "hasPostMeetingsChat")
#: Seed 003 sends flags as "yes" strings and telephony booleans as "true" strings.
_YES = frozenset({"yes", "true", "on", "1", "y"})
_CALL_EXTRA = ("callType", "userType", "callingLineId", "calledLineId", "dialedDigits",
               "callRedirectingNumber", "callRedirectedReason")
_MEETING_EXTRA = ("hostEmail", "siteUrl", "meetingType", "meetingSeriesId", "timezone",
                  "state", "title")


def yes(value: Any) -> bool:
    return value is True or str(value).strip().lower() in _YES


def event_time(event: dict[str, Any]) -> str:
    return iso_utc(str(event["created"])) or ""


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
    summary["title"] = (str(text)[:80] if text else None) or _membership_text(event, data) \
        or f"{event.get('resource')} {event.get('type')}"
    _add_people(summary, data.get("personEmail"))
    _put(summary["extra"], data, ("roomId", "roomType", "personEmail", "text", "id"))
    summary["extra"]["eventType"] = event.get("type")


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
    return Session(session_id, kind, summary.get("title") or kind, summary["first"],
                   participants=people(summary), extra=dict(summary["extra"]), raw=raw)


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


# -- events --------------------------------------------------------------------------------

def make_event(session_id: str, event: dict[str, Any],
               people: dict[str, str] | None = None) -> Event:
    """One compliance event; ``people`` (see ``learn_people``) names actors whose own
    snapshot does not."""
    data = event.get("data") or {}
    resource, kind = event.get("resource"), event.get("type")
    lane = data.get("personEmail") or data.get("hostEmail") or _leg_lane(data) or resource
    return Event(session_id, str(event["id"]), event_time(event), str(lane or "system"),
                 f"{resource}.{kind}", actor=_actor(event, data, people or {}),
                 detail=_detail(event, data), data=dict(data))


#: Snapshot fields that name a person by id, beside the field with that person's e-mail.
_PERSON_FIELDS = (("personId", "personEmail"), ("hostUserId", "hostEmail"))


def learn_people(data: dict, people: dict[str, str]) -> None:
    """Add the person ids a snapshot gives beside an e-mail (a message's sender, a meeting's
    host and attendees) to ``people``. A transcript's event names its actor by id alone;
    the meeting's own events, read earlier in the same sync, usually say who that is."""
    for id_field, email_field in _PERSON_FIELDS:
        if data.get(id_field) and data.get(email_field):
            people[str(data[id_field])] = str(data[email_field])
    attendees = data.get("attendees") if isinstance(data.get("attendees"), list) else []
    for person in (data.get("host"), *attendees):
        if isinstance(person, dict) and person.get("personId") and person.get("email"):
            people[str(person["personId"])] = str(person["email"])


def _actor(event: dict[str, Any], data: dict, people: dict[str, str]) -> str | None:
    """Who acted, as a manager can read it: the e-mail the event's own snapshot gives for
    its ``actorId`` (a message's sender, a meeting's host), or for a call leg's own user that
    leg's number, or what this sync learnt of that id; else the vendor's person id: naming
    the rest would take a People API request per person, which the seed does not cover."""
    actor = event.get("actorId")
    if not actor:
        return None
    for id_field, email_field in _PERSON_FIELDS:
        if data.get(id_field) == actor and data.get(email_field):
            return str(data[email_field])
    if data.get("userId") == actor:
        return _leg_lane(data) or actor
    return people.get(str(actor), actor)


def _leg_lane(data: dict) -> str | None:
    direction = str(data.get("callDirection") or "").upper()
    if direction.startswith("ORIG"):
        return data.get("callingNumber")
    if direction.startswith("TERM"):
        return data.get("calledNumber")
    return None


def _detail(event: dict[str, Any], data: dict) -> str:
    resource = event.get("resource")
    if data.get("text"):
        return str(data["text"])[:300]
    if resource == "meetings":
        return f"meeting {event.get('type')}: {data.get('title') or data.get('id')}"
    if resource in CALL_RESOURCES:
        answered = "answered" if yes(data.get("isCallAnswered")) else "not answered"
        return (f"{data.get('callDirection') or 'call'} leg {data.get('callingNumber') or '?'}"
                f" → {data.get('calledNumber') or '?'}, {answered}, "
                f"{data.get('callDurationSeconds') or 0} s")
    return _membership_text(event, data) or f"{resource} {event.get('type')}"


_MEMBERSHIP_VERBS = {"created": "added to", "deleted": "removed from", "updated": "changed in"}


def _membership_text(event: dict[str, Any], data: dict) -> str | None:
    """``dana@example.com added to a space``: who, and what happened to their membership (the
    event names the space only by its id)."""
    if event.get("resource") != "memberships":
        return None
    who = data.get("personDisplayName") or data.get("personEmail") or "someone"
    return f"{who} {_MEMBERSHIP_VERBS.get(str(event.get('type')), 'changed in')} a space"


# -- post-meeting chats --------------------------------------------------------------------

def merge_chat(summary: dict[str, Any], item: dict[str, Any]) -> None:
    """A chat's sender took part in the meeting, whether or not an event named them."""
    _add_people(summary, _person(summary, item.get("sender")))


def chat_event(meeting_id: str, item: dict[str, Any]) -> Event | None:
    """A post-meeting chat (Meeting Chats reference) on its meeting's timeline, in its
    sender's e-mail lane as the meeting's meetingMessages events are; None without a time."""
    time = iso_utc(str(item.get("chatTime") or ""))
    if time is None:
        return None
    sender = _contact(item.get("sender"))
    receivers = [_contact(r) for r in item.get("receivers") or [] if isinstance(r, dict)]
    kind = str(item.get("type") or "")
    return Event(meeting_id, f"chat:{item['id']}", time,
                 sender.get("email") or sender.get("displayName") or "system", "chat",
                 actor=sender.get("displayName") or sender.get("email"),
                 detail=_chat_detail(kind, receivers, str(item.get("text") or "")),
                 data={"type": kind, "sender": sender, "receivers": receivers})


def _contact(value: Any) -> dict[str, str]:
    """A chat's sender or receiver by name and e-mail (its ids stay in the raw table)."""
    value = value if isinstance(value, dict) else {}
    return {k: str(value[k]) for k in ("displayName", "email") if value.get(k)}


def _chat_detail(kind: str, receivers: list[dict[str, str]], text: str) -> str:
    """The text, and for a private (1:1) or group chat whom it went to: a manager reading
    the timeline must not take a whisper for something everyone heard."""
    if kind not in ("private", "group") or not receivers:
        return text
    names = ", ".join(r.get("displayName") or r.get("email") or "?" for r in receivers)
    return f"to {names}: {text}"


# -- artifacts -----------------------------------------------------------------------------

def recording_artifact(meeting_id: str, item: dict[str, Any], api: str) -> Artifact:
    """A recording by its stable resource URL: the direct-download links in its details
    expire within hours (samples/webex.md), so they are fetched when a download starts."""
    minutes, seconds = divmod(int(item.get("durationSeconds") or 0), 60)
    data = {k: item[k] for k in ("topic", "format", "durationSeconds", "sizeBytes",
                                 "createTime", "timeRecorded", "downloadUrl", "playbackUrl",
                                 "siteUrl", "hostEmail") if item.get(k) not in (None, "")}
    return Artifact(meeting_id, str(item["id"]), "recording",
                    f"Recording {item.get('topic') or ''} ({item.get('format') or 'MP4'}, "
                    f"{minutes}:{seconds:02d})".replace("  ", " "),
                    f"{api}/v1/recordings/{item['id']}", item.get("playbackUrl"), data)


def transcript_artifacts(meeting_id: str, item: dict[str, Any]) -> list[Artifact]:
    """One artifact per transcript format: the txt and vtt download links (stable API
    URLs, downloaded with the bearer token)."""
    found = []
    for fmt in ("txt", "vtt"):
        link = item.get(f"{fmt}DownloadLink")
        if link:
            data = {k: item[k] for k in ("startTime", "meetingTopic", "siteUrl")
                    if item.get(k)}
            found.append(Artifact(meeting_id, f"{item['id']}.{fmt}", "transcript",
                                  f"Transcript ({fmt})", link, None, {"format": fmt, **data}))
    return found
