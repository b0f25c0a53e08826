"""A video team's month of Pexip history, generated deterministically from a seed.

It should read like a real node's month: a standup every weekday at the same time and the
other recurring meetings on their days, ad-hoc calls in the office hours of the team's four
sites (quiet at weekends), personal rooms whose owner chairs every call, gateway calls with an
inbound and an outbound leg, one-person test calls, webinars full of guests, the odd night-time
incident bridge, and a few calls of bad quality. Everyone calls from their own site and
usually from their own kind of endpoint. Who they are and when they meet is
``pexip_team``; this module makes the conferences, participants and media streams.

Times are naive UTC strings like the real node's (seed: "all date and time fields are in
UTC"), some with microseconds and some without, as both appear in the seed's examples.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from app.demo.pexip_team import (
    GUESTS,
    PEOPLE,
    PROTOCOLS,
    RECURRING,
    ROOMS,
    SITES,
    Caller,
    Recurring,
    Room,
    pick,
    team_of,
)

API = "/api/admin/history/v1/"
NODES = [node for _, node in SITES.values()]

VENDORS = {
    "WebRTC": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0.0.0 Safari/537.36",
    "SIP": "Cisco Webex Room Kit CE9.15", "MSSIP": "UCCAPI/16.0.14326 OC/16.0.14326",
    "H323": "Polycom RealPresence Group 500", "TeamsConnector": "Microsoft Teams",
}
DISCONNECTS = [
    ("Call disconnected", 0.62), ("Remote disconnect", 0.2), ("Timeout", 0.04),
    ("Media process disconnected", 0.03), ("Disconnected by an administrator", 0.02),
    ("Conference host ended the conference", 0.07), ("Out of proxying resource", 0.02),
]
#: Display name to SIP user part: "Liam O'Brien" -> "liam.obrien", "Elif Yılmaz" -> "elif.yilmaz".
HANDLE_CHARACTERS = str.maketrans({" ": ".", "'": None, "ı": "i"})
ALARMS = ["capacity_exhausted", "licenses_expiring", "cloud_overflow_activated",
          "media_node_overloaded", "sync_failure"]


def pexip_time(moment: datetime, whole_seconds: bool = False) -> str:
    """Naive UTC, microseconds only when there are some (both forms appear in the seed)."""
    moment = moment.astimezone(UTC).replace(tzinfo=None)
    if whole_seconds:
        moment = moment.replace(microsecond=0)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{moment.microsecond:06d}" if moment.microsecond else "")


class HistoryGenerator:
    """Makes conferences with their participants; ``next_conference`` is also how the
    simulator adds live history while a client crawls."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.stream_id = 1000
        self.team = team_of(seed)

    def month(self, end: datetime, count: int) -> list[tuple[dict, list[dict]]]:
        """``count`` conferences in the 30 days before ``end``, oldest first.

        The recurring meetings take at most a fifth of them (the newest occurrences, when
        ``count`` is small); ad-hoc meetings fill the rest.
        """
        start = end - timedelta(days=30)
        recurring = self._recurring_plans(start, end)
        recurring = recurring[len(recurring) - min(len(recurring), count // 5):]
        plans = recurring + [self._adhoc_plan(start, end)
                             for _ in range(count - len(recurring))]
        timed = [(room, *self._times(room, begins)) for begins, room in plans]
        # A meeting still running at ``end`` is not history yet: an earlier one takes its place.
        timed = [(room, started, ended) for room, started, ended in timed if ended < end]
        while len(timed) < count:
            begins, room = self._adhoc_plan(start, end - timedelta(days=2))
            timed.append((room, *self._times(room, begins)))
        timed.sort(key=lambda meeting: meeting[2])
        return [self._conference(room, started, ended) for room, started, ended in timed]

    def next_conference(self, ended: datetime) -> tuple[dict, list[dict]]:
        """An ad-hoc meeting that ends at ``ended`` (a busy node's live history)."""
        room = self._adhoc_room()
        return self._conference(room, ended - self._length(room), ended)

    # -- when meetings happen ------------------------------------------------------------

    def _recurring_plans(self, start: datetime,
                         end: datetime) -> list[tuple[datetime, Recurring]]:
        plans = []
        day = start.replace(hour=0, minute=0, second=0, microsecond=0)
        while day < end:
            for meeting in RECURRING:
                begins = day.replace(hour=meeting.at[0], minute=meeting.at[1])
                if day.weekday() in meeting.weekdays and start <= begins:
                    plans.append((begins, meeting))
            day += timedelta(days=1)
        return plans

    def _adhoc_plan(self, start: datetime, end: datetime) -> tuple[datetime, Room]:
        """A room, booked on a weekday in office hours at one of the sites (a weekend day now
        and then; an incident at any hour)."""
        rng = self.rng
        room = self._adhoc_room()
        span_days = max((end - start).days, 0) + 1  # today too, up to ``end``
        while True:
            day = (start + timedelta(days=rng.randrange(span_days))).replace(
                hour=0, minute=0, second=0, microsecond=0)
            if day.weekday() < 5 or rng.random() < 0.15:
                break
        if room.any_hour:
            hour = rng.uniform(0, 24)
        else:
            first, last = SITES[rng.choice(list(SITES))][0]
            hour = rng.uniform(first, last - 0.5)
        return day + timedelta(hours=hour, seconds=rng.random()), room

    def _adhoc_room(self) -> Room:
        return self.rng.choices(ROOMS, [room.weight for room in ROOMS])[0]

    # -- who joins -------------------------------------------------------------------------

    def _callers(self, room: Room | Recurring) -> list[Caller]:
        rng = self.rng
        if isinstance(room, Recurring):
            present = [name for name in room.regulars if rng.random() < 0.85] or [room.regulars[0]]
            if room.service == "lecture":  # a presenter and an audience
                audience = [name for name in PEOPLE if name not in present[:2]]
                present = present[:2] + rng.sample(audience, k=rng.randint(6, 14))
            names = present
        else:
            size = rng.randint(*room.size)
            names = [room.owner] if room.owner else []
            pool = [n for n in PEOPLE if n not in names]
            names += rng.sample(pool, k=max(size - len(names), 1))
            if room.guests:  # the customer joins the bridge someone of ours opened
                names[1:1] = [rng.choice(GUESTS)[0]]
                names = names[:max(size, 2)]
        return [self.team[name] for name in names]

    def _times(self, room: Room | Recurring, begins: datetime) -> tuple[datetime, datetime]:
        """When a meeting booked for ``begins`` really starts and ends: a little late."""
        length = self._length(room)
        started = begins + timedelta(seconds=self.rng.randint(0, 90))
        return started, started + length

    def _length(self, room: Room | Recurring) -> timedelta:
        """A meeting's length: its booked minutes, rarely on the minute."""
        rng = self.rng
        minutes = room.minutes if isinstance(room, Recurring) else rng.randint(*room.minutes)
        seconds = minutes * 60 + rng.randint(-90, 240 if minutes > 5 else 30)
        return timedelta(seconds=max(seconds, 45))

    def _conference(self, room: Room | Recurring, started: datetime,
                    ended: datetime) -> tuple[dict, list[dict]]:
        rng = self.rng
        conf_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        callers = self._callers(room)
        participants = [
            self._participant(conf_id, room, caller, started, ended, index)
            for index, caller in enumerate(callers)
        ]
        duration = int((ended - started).total_seconds())
        conference = {
            "duration": duration, "end_time": pexip_time(ended),
            "id": conf_id, "instant_message_count": rng.choice([0, 0, 0, 2, 7]),
            "name": room.name, "participant_count": len(participants),
            "participants": [p["resource_uri"] for p in participants],
            "resource_uri": f"{API}conference/{conf_id}/", "service_type": room.service,
            "start_time": pexip_time(started, whole_seconds=rng.random() < 0.5),
            "tag": "internal" if isinstance(room, Recurring)
            else "support" if room.guests else rng.choice(["", "", "sales"]),
        }
        return conference, participants

    def _participant(self, conf_id: str, room: Room | Recurring, caller: Caller,
                     started: datetime, ended: datetime, index: int) -> dict:
        """One call leg. The first caller opens the meeting and chairs it; a gateway's second
        leg is the call Pexip places onward, into Teams."""
        rng = self.rng
        onward = room.service == "gateway" and index == 1
        join = started + timedelta(seconds=rng.randint(0, 15 if index == 0 or onward else 150))
        leave = ended - timedelta(seconds=rng.choice([0, 0, 5, 60, 300]))
        if rng.random() < 0.1:  # left early
            leave = join + (leave - join) * rng.uniform(0.3, 0.9)
        leave = max(leave, join + timedelta(seconds=30))
        part_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        protocol = "TeamsConnector" if onward else caller.protocol if rng.random() < 0.85 \
            else pick(rng, PROTOCOLS)
        if room.service == "gateway" and not onward and protocol not in ("SIP", "H323"):
            protocol = "SIP"  # a room system calling through to a Teams meeting
        bad = rng.random() < (0.15 if caller.guest else 0.06)
        quality = rng.choice(["3_bad", "4_terrible"]) if bad else rng.choice(
            ["1_good"] * 8 + ["2_ok", "0_unknown"])
        handle = caller.name.lower().translate(HANDLE_CHARACTERS)
        node = SITES[caller.site][1]
        uri = f"{API}participant/{part_id}/"
        alias = room.name.lower().replace(" ", ".")
        return {
            "bandwidth": rng.choice([768, 1024, 1536, 2048]),
            # Now and then a meeting dials someone out; a gateway's caller always dials in.
            "call_direction": "out" if onward or (
                room.service == "conference" and rng.random() < 0.04) else "in",
            "call_quality": quality, "call_uuid": part_id,
            "conference": f"{API}conference/{conf_id}/", "conference_name": room.name,
            "conversation_id": part_id, "disconnect_reason": pick(rng, DISCONNECTS),
            "display_name": caller.name, "duration": int((leave - join).total_seconds()),
            "encryption": "On", "end_time": pexip_time(leave),
            "has_media": True, "id": part_id, "is_streaming": False,
            "license_count": 1, "license_type": "port",
            "local_alias": f"{alias}@video.example.com",
            "media_node": node,
            "media_streams": self._streams(uri, node, join, leave, bad,
                                           presenting=index == 0 and room.service == "lecture"),
            "parent_id": "", "protocol": protocol, "proxy_node": "None",
            "remote_address": f"198.51.100.{rng.randint(2, 250)}",
            "remote_alias": f"Infinity_Connect_{handle}" if protocol == "WebRTC"
            else f"sip:{handle}@{caller.domain}",
            "remote_port": rng.randint(10000, 65000), "resource_uri": uri,
            "role": self._role(room, caller, index), "service_tag": "",
            "service_type": room.service, "signalling_node": node,
            "start_time": pexip_time(join), "system_location": caller.site,
            "vendor": VENDORS[protocol],
        }

    def _role(self, room: Room | Recurring, caller: Caller, index: int) -> str:
        """Whoever opens a meeting chairs it; customers, webinar audiences and test callers
        are guests; in a team meeting about a third of the others hold the host PIN."""
        if index == 0 and room.service != "test_call":
            return "chair"
        if caller.guest or room.service in ("lecture", "test_call"):
            return "guest"
        return self.rng.choice(["chair", "guest", "guest"])

    def _streams(self, uri: str, node: str, join: datetime, leave: datetime, bad: bool,
                 presenting: bool = False) -> list[dict[str, Any]]:
        """Audio and video for the whole call; a presentation, when there is one, for a
        stretch in the middle (a webinar's presenter always shares a screen)."""
        rng = self.rng
        streams = []
        whole = (join, leave)
        kinds = [("audio", "opus", "", whole),
                 ("video", rng.choice(["VP8", "VP9", "H264"]),
                  rng.choice(["1280x720", "1920x1080", "640x360"]), whole)]
        if presenting or rng.random() < 0.15:
            shared = join + (leave - join) * rng.uniform(0.05, 0.4)
            kinds.append(("presentation", "H264", "1920x1080",
                          (shared, shared + (leave - shared) * rng.uniform(0.3, 0.9))))
        for index, (kind, codec, resolution, (begins, ends)) in enumerate(kinds):
            self.stream_id += 1
            loss = round(rng.uniform(3, 14), 2) if bad else round(rng.choice([0, 0, 0.01, 0.2]), 2)
            streams.append({
                "end_time": pexip_time(ends), "id": self.stream_id, "node": node,
                "participant": uri, "rx_bitrate": rng.randint(24, 1800),
                "rx_codec": codec, "rx_packet_loss": loss,
                "rx_packets_lost": int(loss * 100), "rx_packets_received": rng.randint(10_000, 90_000),
                "rx_resolution": resolution, "start_time": pexip_time(begins),
                "stream_id": str(index), "stream_type": kind,
                "tx_bitrate": rng.randint(24, 1800), "tx_codec": codec,
                "tx_packet_loss": round(loss / 2, 2), "tx_packets_lost": int(loss * 50),
                "tx_packets_sent": rng.randint(10_000, 90_000), "tx_resolution": resolution,
            })
        return streams

    def alarms(self, end: datetime, count: int) -> list[dict]:
        rng = self.rng
        rows = []
        for index in range(count):
            # History holds alarms already lowered: both times lie before ``end``.
            lowered = end - timedelta(days=rng.uniform(0, 30))
            raised = lowered - timedelta(minutes=rng.randint(1, 240))
            rows.append({
                "details": "", "id": index + 1, "identifier": rng.randint(1, 9),
                "instance": rng.choice(NODES), "level": rng.choice(["warning", "error"]),
                "name": rng.choice(ALARMS), "node": rng.choice(NODES),
                "time_lowered": pexip_time(lowered), "time_raised": pexip_time(raised),
            })
        return sorted(rows, key=lambda r: r["time_raised"])


def quality_readings(participant: dict) -> list[int]:
    """A participant's ``historic_call_quality``: one reading per 20-second window of the
    call, 0 Unknown to 4 Terrible, whose most frequent value is its ``call_quality`` (seed
    000, "Perceived call quality"). A fifth of the windows drift one level either side, as
    packet loss comes and goes; the same participant always gets the same readings."""
    first = str(participant.get("call_quality") or "0")[:1]
    level = int(first) if first.isdigit() else 0
    windows = max(1, min(int(participant.get("duration") or 0) // 20, 720))
    readings = [level] * windows
    if level == 0:
        return readings  # no measurement at all: every window is Unknown
    rng = random.Random(str(participant.get("id")))
    for window in rng.sample(range(windows), windows // 5):
        readings[window] = min(4, max(1, level + rng.choice((-1, 1))))
    return readings
