"""A support desk's month of Teams Phone call logs: PSTN calling-plan calls from the US
desk and Direct Routing calls from the Berlin office's SBC, generated from a seed.

Row shapes follow the vendor's examples (seed 002 and the getDirectRoutingCalls sample in
``../shared/samples``): seven fractional digits on PSTN times, three on Direct Routing
times, ``0001-01-01T00:00:00Z`` for "no failure", masked numbers on Direct Routing rows.
Each row also carries ``_published``: Graph adds a call to the log when it ends, sometimes
hours later (issue 4), and the simulator hides rows not yet published.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

TENANT_DOMAIN = "northwindtraders.com"

US_DESK = [
    "Maria Gonzalez", "James Carter", "Aisha Thompson", "Kevin O'Connell", "Priya Nair",
    "Daniel Brooks", "Hannah Lee", "Marcus Johnson",
]
BERLIN_DESK = ["Lena Hoffmann", "Tobias Krüger", "Sophie Wagner", "Jan Schulz", "Mia Becker"]

#: Destination, country code, number prefix, per-minute charge in USD (outbound only).
DESTINATIONS = [
    ("United States", "US", "+1", 0.0, 0.55), ("Canada", "CA", "+1", 0.0, 0.08),
    ("United Kingdom", "GB", "+44", 0.021, 0.1), ("Germany", "DE", "+49", 0.024, 0.08),
    ("Mexico", "MX", "+52", 0.045, 0.07), ("France", "FR", "+33", 0.026, 0.05),
    ("Netherlands", "NL", "+31", 0.028, 0.04), ("India", "IN", "+91", 0.035, 0.03),
]
US_AREAS = ["312", "773", "415", "646", "214", "617", "206", "305", "404", "512"]
SUPPORT_LINE = "+18005550142"
QUEUE_LINE = "+13125550100"
SBC = "sbc01.berlin.northwindtraders.com"
SIP_FAILURES = [(486, "Busy Here", 560486), (487, "Request Terminated", 540487),
                (480, "Temporarily Unavailable", 560480), (408, "Request Timeout", 560408),
                (503, "Service Unavailable", 560503)]

#: The example row of seed 002 (getPstnCalls), verbatim.
SEED_PSTN_ROW: dict[str, Any] = {
    "id": "9c4984c7-6c3c-427d-a30c-bd0b2eacee90",
    "callId": "1835317186_112562680@61.221.3.176",
    "userId": "db03c14b-06eb-4189-939b-7cbf3a20ba27",
    "userPrincipalName": "richard.malk@contoso.com",
    "userDisplayName": "Richard Malk",
    "startDateTime": "2019-11-01T00:00:08.2589935Z",
    "endDateTime": "2019-11-01T00:03:47.2589935Z",
    "duration": 219, "charge": 0.00, "callType": "user_in", "currency": "USD",
    "calleeNumber": "+1234567890", "usageCountryCode": "US", "tenantCountryCode": "US",
    "connectionCharge": 0.00, "callerNumber": "+0123456789", "destinationContext": None,
    "destinationName": "United States", "conferenceId": None,
    "licenseCapability": "MCOPSTNU", "inventoryType": "Subscriber", "operator": "Microsoft",
    "callDurationSource": "microsoft", "otherPartyCountryCode": "US",
    "clientPublicIpV4Address": "99.76.33.16",
    "clientPublicIpV6Address": "1234:fd2:5621:1:89::4500",
    "clientLocalIpV4Address": "192.168.1.165",
    "clientLocalIpV6Address": "2600:1700:1dca:8110::40",
    "administrativeUnitInfos": [{"id": "639b616c-f164-4a6f-a933-24936b8eb210"},
                                {"id": "cc6ea167-4e92-4c2d-9391-85791e978006"}],
}

#: The getDirectRoutingCalls doc example (samples/graph_psoxy_..._getDirectRoutingCalls).
SEED_DR_ROW: dict[str, Any] = {
    "id": "9e8bba57-dc14-533a-a7dd-f0da6575eed1",
    "correlationId": "c98e1515-a937-4b81-b8a8-3992afde64e0",
    "userId": "db03c14b-06eb-4189-939b-7cbf3a20ba27",
    "userPrincipalName": "richard.malk@contoso.com", "userDisplayName": "Richard Malk",
    "startDateTime": "2019-11-01T00:00:25.105Z", "inviteDateTime": "2019-11-01T00:00:21.949Z",
    "failureDateTime": "0001-01-01T00:00:00Z", "endDateTime": "2019-11-01T00:00:30.105Z",
    "duration": 5, "callType": "ByotIn", "successfulCall": True,
    "callerNumber": "+12345678***", "calleeNumber": "+01234567***",
    "mediaPathLocation": "USWE", "signalingLocation": "EUNO", "finalSipCode": 0,
    "callEndSubReason": 540000, "finalSipCodePhrase": "BYE",
    "trunkFullyQualifiedDomainName": "tll-audiocodes01.adatum.biz",
    "mediaBypassEnabled": False,
}


def graph_time(moment: datetime, digits: int) -> str:
    """Graph's ISO form: UTC, ``Z``, ``digits`` fractional digits (7 on PSTN rows)."""
    moment = moment.astimezone(UTC)
    fraction = f"{moment.microsecond:06d}{moment.microsecond % 10}"[:digits]
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if digits else "") + "Z"


def _user(name: str) -> dict[str, str]:
    first, last = name.lower().replace("'", "").split(" ", 1)
    return {"name": name, "upn": f"{first}.{last.replace(' ', '')}@{TENANT_DOMAIN}"
            .replace("ü", "ue").replace("ö", "oe"), "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, name))}


class CallLogGenerator:
    """Deterministic call logs for the ``days`` before ``end``; business hours, weekdays."""

    def __init__(self, seed: int = 2) -> None:
        self.rng = random.Random(seed)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _duration(self) -> int:
        return max(8, int(self.rng.lognormvariate(5.3, 0.8)))

    def _published(self, ended: datetime) -> datetime:
        """Most rows land within the hour; a few are published many hours late."""
        if self.rng.random() < 0.05:
            return ended + timedelta(hours=self.rng.uniform(2, 20))
        return ended + timedelta(minutes=self.rng.uniform(3, 45))

    def _us_number(self) -> str:
        return f"+1{self.rng.choice(US_AREAS)}555{self.rng.randrange(0, 10000):04d}"

    def _number(self, prefix: str) -> str:
        if prefix == "+1":
            return self._us_number()
        return prefix + "".join(str(self.rng.randrange(10)) for _ in range(9))

    def business_moments(self, end: datetime, days: int, per_day: tuple[int, int],
                         utc_hours: tuple[int, int]) -> list[datetime]:
        moments = []
        day = (end - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
        while day < end:
            if day.weekday() < 5 or self.rng.random() < 0.15:
                count = self.rng.randint(*per_day) // (1 if day.weekday() < 5 else 5)
                for _ in range(count):
                    seconds = self.rng.uniform(utc_hours[0] * 3600, utc_hours[1] * 3600)
                    moment = day + timedelta(seconds=seconds, microseconds=self.rng.random())
                    if moment < end - timedelta(minutes=20):
                        moments.append(moment)
            day += timedelta(days=1)
        return sorted(moments)

    def pstn_month(self, end: datetime, days: int = 30) -> list[dict[str, Any]]:
        """The US desk (13:00–23:00 UTC is 8–6 in Chicago) on a calling plan."""
        return [self.pstn_row(m) for m in self.business_moments(end, days, (18, 30), (13, 23))]

    def pstn_row(self, start: datetime) -> dict[str, Any]:
        rng = self.rng
        kind = rng.choices(["user_in", "user_out", "ucap_in", "conf_out"], [60, 32, 6, 2])[0]
        user = _user(rng.choice(US_DESK))
        dest, country, prefix, rate, _ = rng.choices(DESTINATIONS, [d[4] for d in DESTINATIONS])[0]
        if kind.endswith("_in"):
            dest, country, prefix, rate = "United States", "US", "+1", 0.0
        other = self._number(prefix)
        duration = self._duration()
        end = start + timedelta(seconds=duration)
        caller, callee = (other, SUPPORT_LINE if kind == "user_in" else QUEUE_LINE) \
            if kind.endswith("_in") else (SUPPORT_LINE, other)
        bot = kind == "ucap_in"  # seed notes: bot call types have null user fields
        row = {
            "id": self._uuid(),
            "callId": f"{rng.randrange(10**9, 2 * 10**9)}_{rng.randrange(10**8, 2 * 10**8)}"
                      f"@{rng.randrange(20, 220)}.{rng.randrange(256)}.{rng.randrange(256)}."
                      f"{rng.randrange(1, 255)}",
            "userId": None if bot else user["id"],
            "userPrincipalName": None if bot else user["upn"],
            "userDisplayName": None if bot else user["name"],
            "startDateTime": graph_time(start, 7), "endDateTime": graph_time(end, 7),
            "duration": duration,
            "charge": round(rate * duration / 60, 4), "callType": kind, "currency": "USD",
            "calleeNumber": callee, "usageCountryCode": "US", "tenantCountryCode": "US",
            "connectionCharge": 0.0, "callerNumber": caller,
            "destinationContext": None if kind.endswith("_in") else
            ("International" if country != "US" else "Domestic"),
            "destinationName": dest, "conferenceId": self._uuid() if kind == "conf_out" else None,
            "licenseCapability": "MCOPSTN1" if kind.endswith("_out") else "MCOPSTNU",
            "inventoryType": "Service" if kind.endswith("_in") and callee == SUPPORT_LINE
            else "Subscriber",
            "operator": "Microsoft", "callDurationSource": "microsoft",
            "otherPartyCountryCode": country,
            "clientPublicIpV4Address": f"73.{rng.randrange(256)}.{rng.randrange(256)}."
                                       f"{rng.randrange(1, 255)}",
            "clientLocalIpV4Address": f"10.20.{rng.randrange(1, 40)}.{rng.randrange(2, 250)}",
        }
        row["_published"] = self._published(end)
        return row

    def direct_routing_month(self, end: datetime, days: int = 30) -> list[dict[str, Any]]:
        """The Berlin office (07:00–16:00 UTC) through its own SBC."""
        return [self.dr_row(m) for m in self.business_moments(end, days, (8, 16), (7, 16))]

    def dr_row(self, start: datetime) -> dict[str, Any]:
        rng = self.rng
        kind = rng.choices(["ByotIn", "ByotOut", "ByotInUcap"], [55, 38, 7])[0]
        user = _user(rng.choice(BERLIN_DESK))
        invite = start - timedelta(seconds=rng.uniform(1.5, 9))
        failed = rng.random() < 0.12
        duration = 0 if failed else self._duration()
        end = start + timedelta(seconds=duration)
        office = "+4930" + "".join(str(rng.randrange(10)) for _ in range(5))
        other = rng.choice(["+49", "+49", "+43", "+41", "+44"]) + "".join(
            str(rng.randrange(10)) for _ in range(7))
        caller, callee = (other, office) if "In" in kind else (office, other)
        code, phrase, sub = rng.choice(SIP_FAILURES) if failed else (0, "BYE", 540000)
        row = {
            "id": self._uuid(), "correlationId": self._uuid(),
            "userId": user["id"], "userPrincipalName": user["upn"],
            "userDisplayName": user["name"],
            "startDateTime": graph_time(start, 3), "inviteDateTime": graph_time(invite, 3),
            "failureDateTime": graph_time(end, 3) if failed else "0001-01-01T00:00:00Z",
            "endDateTime": graph_time(end, 3), "duration": duration, "callType": kind,
            "successfulCall": not failed,
            "callerNumber": caller[:-3] + "***", "calleeNumber": callee[:-3] + "***",
            "mediaPathLocation": "EUWE", "signalingLocation": rng.choice(["EUNO", "EUWE"]),
            "finalSipCode": code, "callEndSubReason": sub, "finalSipCodePhrase": phrase,
            "trunkFullyQualifiedDomainName": SBC, "mediaBypassEnabled": rng.random() < 0.3,
        }
        row["_published"] = self._published(end)
        return row


def seed_rows() -> dict[str, list[dict[str, Any]]]:
    """The vendor's own example rows, published long ago."""
    published = datetime(2019, 11, 2, tzinfo=UTC)
    return {"getPstnCalls": [{**SEED_PSTN_ROW, "_published": published}],
            "getDirectRoutingCalls": [{**SEED_DR_ROW, "_published": published}]}
