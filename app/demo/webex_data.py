"""A support team's month in Webex: meetings with chat, recordings, transcripts and
post-meeting chats, Webex Calling CDR events, and space messages, generated from a seed.
The recurring meetings keep one series id, host and UTC slot across their occurrences;
ad-hoc ones fall anywhere in the team's working hours (who and when: ``webex_team``).

Shapes follow seed 003 (List Events: ``data`` carries ``meetingId``, the yes/no flags as
strings, telephony fields as strings with the vendor's ``corelationId`` spelling), the
Access Meeting Resources Guide samples (recordings, transcripts, meeting ended data) and the
Meeting Chats reference (``postMeetingChats`` items: ``chatTime``, ``type``, ``sender``,
``receivers``).
"""

from __future__ import annotations

import base64
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.demo.webex_team import (
    AD_HOC,
    CALL_TYPES,
    CHAT,
    CHAT_TYPES,
    CUSTOMERS,
    PRIVATE_CHAT,
    RECURRING,
    SKIPPED,
    SPACE_TEXT,
    TEAM,
    Series,
)

ORG = "Northwind Traders"
DOMAIN = "northwindtraders.com"
SITE = "northwindtraders.webex.com"
ORG_ID = base64.b64encode(b"ciscospark://us/ORGANIZATION/5b1c9e2a-7d43-4c8e-9f10-2a6b3c4d5e6f"
                          ).decode().rstrip("=")


def webex_id(kind: str, value: str) -> str:
    """Webex ids are base64 of ``ciscospark://us/KIND/uuid`` without padding."""
    return base64.b64encode(f"ciscospark://us/{kind}/{value}".encode()).decode().rstrip("=")


def webex_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


def _seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Person:
    name: str
    email: str
    person_id: str
    extension: str = ""
    number: str = ""
    org_id: str = ORG_ID

    def card(self) -> dict[str, str]:
        return {"personId": self.person_id, "displayName": self.name, "email": self.email}

    def chat_card(self) -> dict[str, str]:
        """A chat's sender or receiver, as the Meeting Chats reference shows them."""
        return {"email": self.email, "displayName": self.name, "personId": self.person_id,
                "orgId": self.org_id}


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a recurring series: what the series fixes rather than chance."""

    series_id: str
    scheduled: datetime
    host: Person
    attendees: list[Person]


@dataclass
class History:
    """Everything the simulator serves: events, and recordings/transcripts/chats by meeting."""

    events: list[dict[str, Any]] = field(default_factory=list)
    recordings: list[dict[str, Any]] = field(default_factory=list)
    transcripts: list[dict[str, Any]] = field(default_factory=list)
    chats: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: History) -> None:
        """Add another history's rows (a generated month, a meeting a test adds)."""
        self.events.extend(other.events)
        self.recordings.extend(other.recordings)
        self.transcripts.extend(other.transcripts)
        self.chats.extend(other.chats)


class WebexGenerator:
    def __init__(self, seed: int = 3) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.team = [self._person(n, DOMAIN, i) for i, n in enumerate(TEAM)]
        self.customers = [self._person(n, d, None) for n, d in CUSTOMERS]
        self.rooms = [webex_id("ROOM", self._uuid()) for _ in range(4)]

    def _uuid(self, rng: random.Random | None = None) -> str:
        return str(uuid.UUID(int=(rng or self.rng).getrandbits(128), version=4))

    def _person(self, name: str, domain: str, index: int | None) -> Person:
        first, last = name.lower().split(" ", 1)
        email = f"{first}.{last.replace(' ', '').replace('-', '')}@{domain}"
        person = Person(name, email, webex_id("PEOPLE", self._uuid()))
        if domain != DOMAIN:  # a customer belongs to an org of its own (no rng: see meeting)
            person.org_id = webex_id("ORGANIZATION", str(uuid.uuid5(uuid.NAMESPACE_DNS, domain)))
        if index is not None:
            person.extension = str(2100 + index)
            person.number = f"+1312555{2100 + index:04d}"
        return person

    def event(self, resource: str, kind: str, actor: Person | None, created: datetime,
              data: dict[str, Any]) -> dict[str, Any]:
        return {"id": webex_id("EVENT", self._uuid()), "resource": resource, "type": kind,
                "appId": "null",  # the seed's example sends the string "null"
                "actorId": actor.person_id if actor else webex_id("PEOPLE", self._uuid()),
                "orgId": ORG_ID, "created": webex_time(created), "data": data}

    # -- the month ---------------------------------------------------------------------------

    def month(self, end: datetime, days: int = 30) -> History:
        history = History()
        day = (end - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
        while day < end:
            if day.weekday() < 5:
                self._business_day(day, end, history)
            day += timedelta(days=1)
        history.events.sort(key=lambda e: e["created"])
        return history

    def _business_day(self, day: datetime, end: datetime, history: History) -> None:
        rng = self.rng
        for series in RECURRING:
            if day.weekday() in series.weekdays and rng.random() >= SKIPPED:
                self._occurrence(series, day, end, history)
        for title, minutes, rec, tra, chance in AD_HOC:
            if rng.random() < chance:
                start = day + timedelta(hours=rng.uniform(13.5, 21.5))
                if start + timedelta(minutes=minutes + 10) < end:
                    # Not every meeting of a recorded series gets recorded or transcribed.
                    self.meeting(title, start, minutes, rec and rng.random() < 0.8,
                                 tra and rng.random() < 0.7, history)
        for _ in range(rng.randint(25, 45)):
            start = day + timedelta(hours=rng.uniform(13, 23))
            if start + timedelta(minutes=30) < end:
                history.events.extend(self.call(start))
        for _ in range(rng.randint(10, 25)):
            moment = day + timedelta(hours=rng.uniform(12, 24))
            if moment < end:
                history.events.append(self.space_message(moment))

    def series_id(self, title: str) -> str:
        """A recurring meeting's one series id: the same in every month made from the seed,
        whatever its length or end, as a real series outlives any window onto it."""
        return uuid.UUID(int=random.Random(f"{self.seed}:{title}").getrandbits(128)).hex

    def _occurrence(self, series: Series, day: datetime, end: datetime,
                    history: History) -> None:
        """``series`` on ``day``: its slot (a minute early to two late), its host, and its
        regulars but for one or two away; recorded or transcribed most times it is set to."""
        rng = self.rng
        scheduled = day.replace(hour=series.at[0], minute=series.at[1])
        start = scheduled + timedelta(seconds=rng.uniform(-60, 120))
        if start + timedelta(minutes=series.minutes + 10) >= end:
            return
        people = {p.name: p for p in self.team}
        regulars = [people[name] for name in series.regulars]
        present = rng.sample(regulars, max(1, len(regulars) - rng.randint(0, 2)))
        plan = Occurrence(self.series_id(series.title), scheduled, people[series.host], present)
        self.meeting(series.title, start, series.minutes, series.recording and rng.random() < 0.8,
                     series.transcription and rng.random() < 0.7, history, occurrence=plan)

    def _ad_hoc(self, with_customer: bool, customer: Person, start: datetime) -> Occurrence:
        """An ad-hoc meeting's own series (one meeting), a host and a few of the team."""
        rng = self.rng
        host = rng.choice(self.team)
        attendees = [a for a in rng.sample(self.team, rng.randint(2, 5)) if a is not host]
        if with_customer:
            attendees.append(customer)
        return Occurrence(uuid.UUID(int=rng.getrandbits(128)).hex, start, host, attendees)

    def meeting(self, title: str, start: datetime, minutes: int, recording: bool,
                transcription: bool, history: History, chats: int | None = None, *,
                occurrence: Occurrence | None = None) -> str:
        """One ended meeting into ``history``: an occurrence of a series, or ad hoc without
        one; ``chats`` forces that many post-meeting chats (the 30% chance otherwise decides
        whether it has a handful)."""
        rng = self.rng
        customer = rng.choice(self.customers)
        company = customer.email.split("@")[1].split(".")[0].replace("-", " ").title()
        plan = occurrence or self._ad_hoc("{company}" in title, customer, start)
        title = title.format(company=company)
        host, series = plan.host, plan.series_id
        attendees = [a for a in plan.attendees if a is not host]
        chat = rng.random() < 0.3 or chats is not None  # the draw happens either way
        meeting_id = f"{series}_I_{rng.randrange(10**17, 10**18)}"
        end = start + timedelta(minutes=minutes * rng.uniform(0.7, 1.3))
        flags = {"recordingEnabled": _yes(recording), "transcriptionEnabled": _yes(transcription),
                 "hasPostMeetingsChat": _yes(chat)}
        for _ in range(rng.randint(0, 6)):
            sender = rng.choice([host, *attendees])
            moment = start + (end - start) * rng.random()
            history.events.append(self.event("meetingMessages", "created", sender, moment, {
                "id": webex_id("MEETING_MESSAGE", self._uuid()), "meetingId": meeting_id,
                "text": rng.choice(CHAT), "personId": sender.person_id,
                "personEmail": sender.email, "created": webex_time(moment), **flags}))
        history.events.append(self.event("meetings", "ended", host, end + timedelta(seconds=2), {
            "id": meeting_id, "meetingId": meeting_id, "meetingSeriesId": series,
            "title": title, "meetingType": "meeting", "state": "ended", "timezone": "UTC",
            "start": _seconds(start), "end": _seconds(end), "siteUrl": SITE,
            "hostUserId": host.person_id, "hostEmail": host.email, "host": host.card(),
            "attendees": [a.card() for a in attendees], **flags}))
        if chat:
            history.chats.extend(self.chats(meeting_id, start, end, [host, *attendees], chats))
        if recording:
            history.recordings.append(self.recording(meeting_id, series, title, start, end, host,
                                                     plan.scheduled))
        if transcription:
            created = end + timedelta(minutes=rng.uniform(2, 9))
            transcript = {"id": f"{self._uuid()}_M_{series}", "meetingId": meeting_id,
                          "meetingTopic": title, "siteUrl": SITE, "startTime": _seconds(start),
                          "_ready": created, "_people": [host, *attendees]}
            history.transcripts.append(transcript)
            history.events.append(self.event("meetingTranscripts", "created", host, created, {
                "id": transcript["id"], "meetingId": meeting_id, "created": webex_time(created),
                **flags}))
        return meeting_id

    def chats(self, meeting_id: str, start: datetime, end: datetime, people: list[Person],
              count: int | None = None) -> list[dict[str, Any]]:
        """A meeting's post-meeting chats, ready a minute or two after it ended.

        Drawn from a ``Random`` seeded by the meeting id, not from ``self.rng``: the month
        generated before chats existed stays exactly the same (tests and saved demo caches
        know its meetings), and a meeting's chats are the same whenever it is generated.
        """
        rng = random.Random(meeting_id)
        count = rng.randint(2, 8) if count is None else count
        ready = end + timedelta(minutes=rng.uniform(1, 2))
        return [self._chat(rng, meeting_id, start + (end - start) * rng.random(), people, ready)
                for _ in range(count)]

    def _chat(self, rng: random.Random, meeting_id: str, moment: datetime,
              people: list[Person], ready: datetime) -> dict[str, Any]:
        """One chat: mostly to everyone, sometimes to one person or a few (host and
        presenter). Assumption: a public chat lists no receivers (the reference shows only
        a private one)."""
        sender = rng.choice(people)
        others = [p for p in people if p is not sender]
        kind = rng.choices([k for k, _ in CHAT_TYPES], [w for _, w in CHAT_TYPES])[0]
        if kind == "private" and others:
            receivers = [rng.choice(others)]
        elif kind == "group" and others:
            receivers = rng.sample(others, min(2, len(others)))
        else:  # public, or alone in the meeting with no one to whisper to
            kind, receivers = "public", []
        text = rng.choice(CHAT if kind == "public" else PRIVATE_CHAT)
        return {"id": self._uuid(rng), "chatTime": _seconds(moment), "text": text,
                "meetingId": meeting_id, "type": kind, "sender": sender.chat_card(),
                "receivers": [r.chat_card() for r in receivers], "_ready": ready}

    def recording(self, meeting_id: str, series: str, title: str, start: datetime,
                  end: datetime, host: Person, scheduled: datetime | None = None
                  ) -> dict[str, Any]:
        """A meeting's recording; its ``scheduledMeetingId`` names the scheduled slot, not
        the actual start (the guide's sample: scheduled 20:30, started 20:25:19)."""
        rng = self.rng
        duration = int((end - start).total_seconds())
        key = uuid.UUID(int=rng.getrandbits(128)).hex
        ready = end + timedelta(minutes=rng.uniform(1, 6))
        return {
            "_ready": ready,
            "id": key, "meetingId": meeting_id,
            "scheduledMeetingId": f"{series}_{(scheduled or start).strftime('%Y%m%dT%H%M00Z')}",
            "meetingSeriesId": series, "topic": title,
            "createTime": _seconds(ready),
            "timeRecorded": _seconds(start + timedelta(seconds=rng.uniform(5, 90))),
            "siteUrl": SITE, "hostEmail": host.email,
            "downloadUrl": f"https://{SITE}/northwindtraders/lsr.php?RCID={uuid.UUID(int=rng.getrandbits(128)).hex}",
            "playbackUrl": f"https://{SITE}/northwindtraders/ldr.php?RCID={uuid.UUID(int=rng.getrandbits(128)).hex}",
            "password": "".join(rng.choice("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
                                for _ in range(8)),
            "format": "MP4", "serviceType": "MeetingCenter", "durationSeconds": duration,
            "sizeBytes": duration * rng.randint(9000, 16000), "shareToMe": False,
            "integrationTags": [], "status": "available",
        }

    def call(self, start: datetime) -> list[dict[str, Any]]:
        """One Webex Calling call: a CDR event per leg, sharing the correlation id."""
        rng = self.rng
        agent = rng.choice(self.team)
        inbound = rng.random() < 0.6
        internal = rng.random() < 0.15
        outside = f"+1{rng.choice(['312', '773', '415', '646', '214'])}555{rng.randrange(10000):04d}"
        other = rng.choice([p for p in self.team if p is not agent]) if internal else None
        calling = other.number if other else outside
        caller, callee = (calling, agent.number) if inbound or internal else (agent.number, outside)
        answered = rng.random() < (0.93 if inbound else 0.75)
        duration = int(rng.lognormvariate(5.0, 0.9)) if answered else 0
        ring = rng.uniform(2, 18)
        answer = start + timedelta(seconds=ring) if answered else None
        transfer = answer + timedelta(seconds=duration * rng.uniform(0.3, 0.8)) \
            if answered and rng.random() < 0.12 else None
        correlation = self._uuid()
        legs = []
        owners = [("TERMINATING", agent)] if inbound and not internal else [("ORIGINATING", agent)]
        if internal:
            owners = [("ORIGINATING", other), ("TERMINATING", agent)]
        for direction, owner in owners:
            data = {
                "corelationId": correlation,  # sic: the seed spells it so
                "callType": "SIP_ENTERPRISE" if internal else rng.choice(CALL_TYPES),
                "userId": owner.person_id, "userType": "User", "callDirection": direction,
                "isCallAnswered": "true" if answered else "false",
                "callDurationSeconds": str(duration), "callStartTime": webex_time(start),
                "callAnswerTime": webex_time(answer) if answer else "",
                "callTransferTime": webex_time(transfer) if transfer else "",
                "callingNumber": caller, "callingLineId": owner.extension if caller == owner.number else "",
                "calledNumber": callee, "calledLineId": owner.extension if callee == owner.number else "",
                "dialedDigits": callee.removeprefix("+1") if direction == "ORIGINATING" else "",
                "callRedirectingNumber": "", "callRedirectedReason": "",
            }
            created = start + timedelta(seconds=ring + duration + rng.uniform(1, 20))
            data["created"] = webex_time(created)
            legs.append(self.event("telephony_calls", "created", owner, created, data))
        return legs

    def space_message(self, moment: datetime) -> dict[str, Any]:
        rng = self.rng
        sender = rng.choice(self.team)
        company = rng.choice(CUSTOMERS)[1].split(".")[0].title()
        kind = rng.choices(["messages", "memberships"], [9, 1])[0]
        data: dict[str, Any] = {"id": webex_id("MESSAGE", self._uuid()),
                                "roomId": rng.choice(self.rooms), "roomType": "group",
                                "personId": sender.person_id, "personEmail": sender.email,
                                "created": webex_time(moment)}
        if kind == "messages":
            data["text"] = rng.choice(SPACE_TEXT).format(company=company)
        else:
            data["id"] = webex_id("MEMBERSHIP", self._uuid())
            data["isModerator"] = False
        return self.event(kind, "created", sender, moment, data)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
