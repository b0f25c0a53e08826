"""A video team's month of Pexip history: rooms, recurring meetings, mixed protocols, and
the occasional bad call, generated deterministically from a seed.

Times are naive UTC strings like the real node's (seed: "all date and time fields are in
UTC"), some with microseconds and some without, as both appear in the seed's examples.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

API = "/api/admin/history/v1/"

ROOMS = [
    ("meet.alice", "conference"), ("Support Standup", "conference"),
    ("Escalations Bridge", "conference"), ("Tier 2 Huddle", "conference"),
    ("Customer Success Weekly", "conference"), ("Training Room", "lecture"),
    ("VMR_1", "conference"), ("meet.ravi", "conference"), ("meet.chen", "conference"),
    ("Lobby Gateway", "gateway"), ("Incident War Room", "conference"),
    ("Onboarding Webinar", "lecture"), ("Test Call Service", "test_call"),
]
PEOPLE = [
    "Alice Moreno", "Bob Lindqvist", "Chen Wei", "Dana Okafor", "Elif Yılmaz", "Farid Haddad",
    "Grace Kim", "Hugo Bernard", "Ines Duarte", "Jonas Becker", "Kavya Rao", "Liam O'Brien",
    "Maya Cohen", "Noah Fischer", "Olga Petrova", "Pablo Ruiz", "Quinn Taylor", "Ravi Shah",
    "Sofia Rossi", "Tom Nguyen", "Uma Patel", "Victor Lemaire", "Wen Zhao", "Yusuf Demir",
]
PROTOCOLS = [("WebRTC", 0.45), ("SIP", 0.25), ("MSSIP", 0.1), ("H323", 0.08),
             ("TeamsConnector", 0.12)]
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
LOCATIONS = ["London", "Oslo", "New York", "Singapore"]
NODES = ["10.0.1.11", "10.0.1.12", "10.0.2.21", "10.0.3.31"]
ALARMS = ["capacity_exhausted", "licenses_expiring", "cloud_overflow_activated",
          "media_node_overloaded", "sync_failure"]


def pexip_time(moment: datetime, whole_seconds: bool = False) -> str:
    """Naive UTC, microseconds only when there are some (both forms appear in the seed)."""
    moment = moment.astimezone(UTC).replace(tzinfo=None)
    if whole_seconds:
        moment = moment.replace(microsecond=0)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{moment.microsecond:06d}" if moment.microsecond else "")


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


class HistoryGenerator:
    """Makes conferences with their participants; ``next_conference`` is also how the
    simulator adds live history while a client crawls."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.stream_id = 1000

    def month(self, end: datetime, count: int) -> list[tuple[dict, list[dict]]]:
        """``count`` conferences ending spread over the 30 days before ``end``."""
        start = end - timedelta(days=30)
        step = (end - start) / max(count, 1)
        return [self.next_conference(start + step * i + timedelta(seconds=self.rng.random()))
                for i in range(count)]

    def next_conference(self, ended: datetime) -> tuple[dict, list[dict]]:
        rng = self.rng
        name, service = rng.choice(ROOMS)
        duration = rng.choice([300, 900, 1800, 1800, 2700, 3600]) + rng.randint(-120, 240)
        started = ended - timedelta(seconds=duration)
        conf_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        people = rng.sample(PEOPLE, k=min(len(PEOPLE), rng.choice([2, 2, 3, 3, 3, 4, 5, 8])))
        participants = [self._participant(conf_id, name, service, person, started, ended)
                        for person in people]
        conference = {
            "duration": duration, "end_time": pexip_time(ended),
            "id": conf_id, "instant_message_count": rng.choice([0, 0, 0, 2, 7]),
            "name": name, "participant_count": len(participants),
            "participants": [p["resource_uri"] for p in participants],
            "resource_uri": f"{API}conference/{conf_id}/", "service_type": service,
            "start_time": pexip_time(started, whole_seconds=rng.random() < 0.5),
            "tag": rng.choice(["", "", "support", "sales", "internal"]),
        }
        return conference, participants

    def _participant(self, conf_id: str, room: str, service: str, person: str,
                     started: datetime, ended: datetime) -> dict:
        rng = self.rng
        join = started + timedelta(seconds=rng.randint(0, 120))
        leave = ended - timedelta(seconds=rng.choice([0, 0, 5, 60, 300]))
        leave = max(leave, join + timedelta(seconds=30))
        part_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        protocol = _pick(rng, PROTOCOLS)
        bad = rng.random() < 0.08
        quality = rng.choice(["3_bad", "4_terrible"]) if bad else rng.choice(
            ["1_good"] * 8 + ["2_ok", "0_unknown"])
        handle = person.lower().replace(" ", ".").replace("'", "")
        node = rng.choice(NODES)
        uri = f"{API}participant/{part_id}/"
        return {
            "bandwidth": rng.choice([768, 1024, 1536, 2048]), "call_direction": rng.choice(
                ["in"] * 9 + ["out"]),
            "call_quality": quality, "call_uuid": part_id,
            "conference": f"{API}conference/{conf_id}/", "conference_name": room,
            "conversation_id": part_id, "disconnect_reason": _pick(rng, DISCONNECTS),
            "display_name": person, "duration": int((leave - join).total_seconds()),
            "encryption": "On", "end_time": pexip_time(leave),
            "has_media": True, "id": part_id, "is_streaming": False,
            "license_count": 1, "license_type": "port",
            "local_alias": f"{room.lower().replace(' ', '.')}@video.example.com",
            "media_node": node,
            "media_streams": self._streams(uri, node, join, leave, bad),
            "parent_id": "", "protocol": protocol, "proxy_node": "None",
            "remote_address": f"198.51.100.{rng.randint(2, 250)}",
            "remote_alias": f"sip:{handle}@example.com" if protocol != "WebRTC"
            else f"Infinity_Connect_{handle}",
            "remote_port": rng.randint(10000, 65000), "resource_uri": uri,
            "role": rng.choice(["chair", "guest", "guest"]), "service_tag": "",
            "service_type": service, "signalling_node": node,
            "start_time": pexip_time(join), "system_location": rng.choice(LOCATIONS),
            "vendor": VENDORS[protocol],
        }

    def _streams(self, uri: str, node: str, join: datetime, leave: datetime,
                 bad: bool) -> list[dict[str, Any]]:
        rng = self.rng
        streams = []
        kinds = [("audio", "opus", ""), ("video", rng.choice(["VP8", "VP9", "H264"]),
                                         rng.choice(["1280x720", "1920x1080", "640x360"]))]
        if rng.random() < 0.2:
            kinds.append(("presentation", "H264", "1920x1080"))
        for index, (kind, codec, resolution) in enumerate(kinds):
            self.stream_id += 1
            loss = round(rng.uniform(3, 14), 2) if bad else round(rng.choice([0, 0, 0.01, 0.2]), 2)
            streams.append({
                "end_time": pexip_time(leave), "id": self.stream_id, "node": node,
                "participant": uri, "rx_bitrate": rng.randint(24, 1800),
                "rx_codec": codec, "rx_packet_loss": loss,
                "rx_packets_lost": int(loss * 100), "rx_packets_received": rng.randint(10_000, 90_000),
                "rx_resolution": resolution, "start_time": pexip_time(join),
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
            raised = end - timedelta(days=rng.uniform(0, 30))
            lowered = raised + timedelta(minutes=rng.randint(1, 240))
            rows.append({
                "details": "", "id": index + 1, "identifier": rng.randint(1, 9),
                "instance": rng.choice(NODES), "level": rng.choice(["warning", "error"]),
                "name": rng.choice(ALARMS), "node": rng.choice(NODES),
                "time_lowered": pexip_time(lowered), "time_raised": pexip_time(raised),
            })
        return sorted(rows, key=lambda r: r["time_raised"])


def seed_examples() -> list[tuple[dict, list[dict]]]:
    """The seed's own example conference and participants, with the seed's values."""
    conference = {
        "duration": 579, "end_time": "2015-04-10T09:49:26.556929",
        "id": "8583f400-7886-48c9-874b-5fefc2ac097e", "instant_message_count": 0,
        "name": "meet.alice", "participant_count": 3,
        "participants": [f"{API}participant/e9883f1d-88ca-495d-8366-b6eb772dfe57/",
                         f"{API}participant/5881adda-00ef-4315-8886-5d873d2ef269/",
                         f"{API}participant/29744376-0436-4fe1-ab80-06d93c71eb1c/"],
        "resource_uri": f"{API}conference/8583f400-7886-48c9-874b-5fefc2ac097e/",
        "service_type": "conference", "start_time": "2015-04-10T09:39:47", "tag": "",
    }
    vmr = "00000000-0000-0000-0000-000000000001"
    common = {
        "call_direction": "in", "conference": f"{API}conference/{vmr}/",
        "conference_name": "VMR_1", "disconnect_reason": "Call disconnected",
        "encryption": "On", "is_streaming": False, "local_alias": "meet@example.com",
        "media_node": "10.0.0.1", "protocol": "WebRTC", "proxy_node": "None",
        "remote_address": "10.0.0.2", "role": "chair", "service_tag": "",
        "service_type": "conference", "signalling_node": "10.0.0.1",
        "system_location": "London",
        "vendor": "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/41.0.2272.101 Safari/537.36",
    }
    bob = {**common, "bandwidth": 768, "call_quality": "1_good",
           "call_uuid": "b0a5b554-d1de-11e3-a321-000c29e37602",
           "conversation_id": "b0a5b554-d1de-11e3-a321-000c29e37602", "display_name": "Bob",
           "duration": 519, "end_time": "2015-04-02T09:55:33.141261", "has_media": True,
           "id": "00000000-0000-0000-0000-000000000003", "license_count": 1,
           "license_type": "port", "media_streams": _seed_streams(),
           "parent_id": "29744376-0436-4fe1-ab80-06d93c71eb1c",
           "remote_alias": "Infinity_Connect_Media_10.0.0.2", "remote_port": 11007,
           "resource_uri": f"{API}participant/00000000-0000-0000-0000-000000000003/",
           "start_time": "2015-04-02T09:46:53.712941"}
    alice = {**common, "bandwidth": 0, "call_quality": "0_unknown",
             "call_uuid": "1c26be9c-6511-4e5c-9588-8351f8c3decd",
             "conversation_id": "1c26be9c-6511-4e5c-9588-8351f8c3decd",
             "display_name": "Alice", "duration": 578,
             "end_time": "2015-04-02T09:55:49.348317", "has_media": False,
             "id": "00000000-0000-0000-0000-000000000002", "license_count": 0,
             "license_type": "nolicense", "media_streams": [], "parent_id": "",
             "remote_alias": "Infinity_Connect_10.0.0.2", "remote_port": 54686,
             "resource_uri": f"{API}participant/00000000-0000-0000-0000-000000000002/",
             "start_time": "2015-04-02T09:46:11.116767"}
    # The seed shows only these two participants of VMR_1; its conference row is implied.
    vmr_conf = {"duration": 578, "end_time": "2015-04-02T09:55:49.348317", "id": vmr,
                "instant_message_count": 0, "name": "VMR_1", "participant_count": 2,
                "participants": [alice["resource_uri"], bob["resource_uri"]],
                "resource_uri": f"{API}conference/{vmr}/", "service_type": "conference",
                "start_time": "2015-04-02T09:46:11.116767", "tag": ""}
    return [(conference, []), (vmr_conf, [alice, bob])]


def _seed_streams() -> list[dict]:
    uri = f"{API}participant/5881adda-00ef-4315-8886-5d873d2ef269/"
    return [
        {"end_time": "2015-07-22T12:43:33.645043", "id": 36, "node": "10.0.0.1",
         "participant": uri, "rx_bitrate": 29, "rx_codec": "opus", "rx_packet_loss": 0.0,
         "rx_packets_lost": 0, "rx_packets_received": 28091, "rx_resolution": "",
         "start_time": "2015-07-22T12:33:31.909536", "stream_id": "0", "stream_type": "audio",
         "tx_bitrate": 2, "tx_codec": "opus", "tx_packet_loss": 0.0, "tx_packets_lost": 0,
         "tx_packets_sent": 56347, "tx_resolution": ""},
        {"end_time": "2015-07-22T12:43:33.683385", "id": 37, "node": "10.0.0.1",
         "participant": uri, "rx_bitrate": 511, "rx_codec": "VP8", "rx_packet_loss": 0.01,
         "rx_packets_lost": 2, "rx_packets_received": 37027, "rx_resolution": "1280x720",
         "start_time": "2015-07-22T12:33:32.151438", "stream_id": "1", "stream_type": "video",
         "tx_bitrate": 511, "tx_codec": "VP8", "tx_packet_loss": 0.0, "tx_packets_lost": 0,
         "tx_packets_sent": 37335, "tx_resolution": "768x448"},
    ]
