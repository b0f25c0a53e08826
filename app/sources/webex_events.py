"""Webex compliance events and post-meeting chats as rows of a timeline (seed 003, Meeting
Chats reference).

Apart from the grouping in ``webex_parse`` because a row answers another question: not which
session an event belongs to, but who did what and when, in words a manager can read (an
actor by e-mail rather than a person id, a call leg by its numbers, a private chat marked as
one). The seed's field shapes that the grouping reads too (flags and booleans as strings,
``created`` times, the telephony resources) are read here, once.
"""

from __future__ import annotations

from typing import Any

from app.model import Event
from app.timeutil import iso_utc

CALL_RESOURCES = frozenset({"telephony_calls", "call_records", "callRecords"})
#: Seed 003 sends flags as "yes" strings and telephony booleans as "true" strings.
_YES = frozenset({"yes", "true", "on", "1", "y"})


def yes(value: Any) -> bool:
    return value is True or str(value).strip().lower() in _YES


def event_time(event: dict[str, Any]) -> str:
    return iso_utc(str(event["created"])) or ""


# -- compliance events --------------------------------------------------------------------

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
    return membership_text(event, data) or f"{resource} {event.get('type')}"


_MEMBERSHIP_VERBS = {"created": "added to", "deleted": "removed from", "updated": "changed in"}


def membership_text(event: dict[str, Any], data: dict) -> str | None:
    """``dana@example.com added to a space``: who, and what happened to their membership (the
    event names the space only by its id)."""
    if event.get("resource") != "memberships":
        return None
    who = data.get("personDisplayName") or data.get("personEmail") or "someone"
    return f"{who} {_MEMBERSHIP_VERBS.get(str(event.get('type')), 'changed in')} a space"


# -- post-meeting chats --------------------------------------------------------------------

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
