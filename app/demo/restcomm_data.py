"""A support line's month on Restcomm: its people and numbers, and the calls they make.

IVR, queues, agents, callbacks, voicemail, recordings; generated deterministically from a
seed, as plain records with UTC datetimes. The simulator (``app/demo/restcomm.py``) decides
what the server shows at its clock and renders the vendor's formats; the traces those calls
leave are written by ``app/demo/restcomm_traces.py`` from the same random stream.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

API_VERSION = "2012-04-24"
SUPPORT_NUMBER = "+13035550100"
APP = "https://ivr.northwind-outfitters.example"
ORG_NAME = "support.northwind-outfitters.example"

AGENTS = ["maria.gomez", "james.okafor", "priya.natarajan", "tom.becker", "lena.fischer",
          "andre.silva", "hannah.lee", "omar.haddad"]
FIRST = ["Dana", "Marcus", "Aisha", "Kevin", "Sofia", "Raj", "Emily", "Carlos", "Mei",
         "Jordan", "Fatima", "Liam", "Olivia", "Ethan", "Grace", "Noah", "Isabel", "Wei",
         "Hannah", "Diego", "Chloe", "Samuel", "Amara", "Tyler", "Nina", "Victor"]
LAST = ["Whitfield", "Brennan", "Khan", "Schultz", "Morales", "Patel", "Nakamura", "Reyes",
        "Chen", "Lindqvist", "Haddad", "O'Connor", "Dubois", "Ferreira", "Kowalski", "Mensah",
        "Novak", "Sato", "Hughes", "Castillo", "Jansen", "Murphy", "Abara", "Yilmaz"]
COMPANIES = ["ACME LOGISTICS", "BLUE RIVER DENTAL", "SUMMIT BIKE CO", "PINE RIDGE HOA",
             "REDSTONE CAFE", "ALPINE OPTICS", "CEDAR LAW GROUP", "HARBOR FREIGHTWAYS"]
AREAS = ["303", "720", "970", "719", "212", "415", "312", "512", "206", "617", "801"]
QUEUES = [("1", "orders", "Connecting you to our orders team."),
          ("2", "technical", "Connecting you to technical support."),
          ("3", "returns", "Connecting you to returns and exchanges.")]


@dataclass
class Customer:
    number: str
    caller_name: str | None


@dataclass
class SimCall:
    sid: str
    direction: str  # inbound | outbound-api | outbound-dial
    from_: str
    to: str
    created: datetime
    ended: datetime
    final_status: str
    answered: datetime | None = None
    parent_sid: str | None = None
    caller_name: str | None = None
    scenario: str = ""
    queue: str = ""
    agent: str | None = None
    customer: str = ""
    children: list[SimCall] = field(default_factory=list)


@dataclass
class SimRecording:
    sid: str
    call_sid: str
    created: datetime
    duration: float


@dataclass
class Dataset:
    calls: list[SimCall]
    recordings: list[SimRecording]


class SupportLine:
    """Generates a Denver support line's calls over ``[start, end)``.

    Weekdays get ``calls_per_weekday`` customer calls in business hours (plus a few after
    hours, which go to voicemail), weekends a fifth of that; agents place callbacks.
    """

    def __init__(self, *, seed: int, account_sid: str, auth_token: str,
                 calls_per_weekday: int, tz: ZoneInfo) -> None:
        self.rng = random.Random(seed)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.calls_per_weekday = calls_per_weekday
        self.tz = tz
        self.instance = "ID" + self.hex32()
        self.customers = [self._customer() for _ in range(max(40, calls_per_weekday * 3))]

    # -- ids and people -------------------------------------------------------------------

    def hex32(self) -> str:
        """32 random hex digits (sids are built from them)."""
        return f"{self.rng.getrandbits(128):032x}"

    def sid(self, prefix: str) -> str:
        """Restcomm 8 style sids: instance id, dash, type prefix and 32 hex digits."""
        return f"{self.instance}-{prefix}{self.hex32()}"

    def _customer(self) -> Customer:
        number = f"+1{self.rng.choice(AREAS)}5550{self.rng.randint(100, 199)}"
        roll = self.rng.random()
        if roll < 0.45:
            name = f"{self.rng.choice(LAST)} {self.rng.choice(FIRST)}".upper()
        elif roll < 0.6:
            name = self.rng.choice(COMPANIES)
        else:
            name = None  # no CNAM for mobiles, as often happens
        return Customer(number, name)

    # -- the month ----------------------------------------------------------------------------

    def generate(self, start: datetime, end: datetime) -> Dataset:
        """Every call (agent legs included) and recording over ``[start, end)``."""
        calls: list[SimCall] = []
        recordings: list[SimRecording] = []
        day = start.astimezone(self.tz).replace(hour=0, minute=0, second=0, microsecond=0)
        while day < end:
            for moment in self._call_times(day):
                if start <= moment < end:
                    self._one_call(moment, calls, recordings)
            day += timedelta(days=1)  # wall-clock arithmetic: stays at local midnight
        return Dataset(calls, recordings)

    def _call_times(self, day: datetime) -> list[datetime]:
        weekend = day.weekday() >= 5
        count = self.calls_per_weekday // 5 if weekend else self.calls_per_weekday
        count = max(0, int(self.rng.gauss(count, count ** 0.5 / 2 + 0.5)))
        times = []
        for _ in range(count):
            hour = min(max(self.rng.gauss(11.5, 2.6), 7.0), 18.9)  # busiest late morning
            times.append(day + timedelta(hours=hour))
        for _ in range(self.rng.randint(0, 2)):  # after hours: voicemail
            times.append(day + timedelta(hours=self.rng.choice([6.2, 19.4, 21.1, 22.7])))
        return sorted(t.astimezone(UTC) for t in times)

    def _one_call(self, at: datetime, calls: list[SimCall], recordings: list[SimRecording]) -> None:
        customer = self.rng.choice(self.customers)
        local_hour = at.astimezone(self.tz).hour
        if self.rng.random() < 0.1:
            call = self._callback(at, customer)
        elif local_hour < 7 or local_hour >= 19:
            call = self._voicemail(at, customer, recordings)
        else:
            call = self._inbound(at, customer, recordings)
        calls.append(call)
        calls.extend(call.children)

    def _inbound(self, at: datetime, customer: Customer,
                 recordings: list[SimRecording]) -> SimCall:
        rng = self.rng
        key, queue, _ = rng.choice(QUEUES)
        call = SimCall(self.sid("CA"), "inbound", customer.number, SUPPORT_NUMBER, at,
                       at, "completed", answered=at + timedelta(seconds=rng.uniform(0.8, 2.5)),
                       caller_name=customer.caller_name, queue=f"{key}:{queue}",
                       customer=customer.number)
        roll = rng.random()
        if roll < 0.04:  # the IVR webhook answered 500: Restcomm fails the call
            call.scenario, call.final_status = "app_error", "failed"
            call.answered = None
            call.ended = at + timedelta(seconds=rng.uniform(0.5, 2))
            return call
        in_queue = call.answered + timedelta(seconds=rng.uniform(12, 40))
        waited = in_queue + timedelta(seconds=rng.expovariate(1 / 70))
        if roll < 0.16:  # gave up waiting in the queue
            call.scenario = "abandoned"
            call.ended = waited
            return call
        call.scenario = "agent"
        if rng.random() < 0.1:  # the first agent let it ring out
            first = rng.choice(AGENTS)
            missed = self._agent_leg(call, first, waited, "no-answer", ring=20)
            call.children.append(missed)
            waited = missed.ended + timedelta(seconds=rng.uniform(5, 30))
        agent = rng.choice(AGENTS)
        leg = self._agent_leg(call, agent, waited, "completed",
                              ring=rng.uniform(2, 9), talk=rng.lognormvariate(5.6, 0.7))
        call.children.append(leg)
        call.agent = agent
        call.ended = leg.ended + timedelta(seconds=rng.uniform(0.2, 1.5))
        if rng.random() < 0.8:  # <Dial record="true">: calls are recorded for quality
            recordings.append(SimRecording(self.sid("RE"), call.sid, leg.ended,
                                           (leg.ended - leg.answered).total_seconds()))
        return call

    def _agent_leg(self, parent: SimCall, agent: str, at: datetime, status: str, *,
                   ring: float, talk: float = 0.0) -> SimCall:
        answered = at + timedelta(seconds=ring) if status == "completed" else None
        ended = (answered + timedelta(seconds=talk)) if answered else at + timedelta(seconds=ring)
        return SimCall(self.sid("CA"), "outbound-dial", SUPPORT_NUMBER, f"client:{agent}", at,
                       ended, status, answered=answered, parent_sid=parent.sid, agent=agent,
                       scenario="agent_leg", customer=parent.customer)

    def _voicemail(self, at: datetime, customer: Customer,
                   recordings: list[SimRecording]) -> SimCall:
        rng = self.rng
        answered = at + timedelta(seconds=rng.uniform(0.8, 2))
        length = rng.uniform(8, 95)
        ended = answered + timedelta(seconds=14 + length + 3)
        call = SimCall(self.sid("CA"), "inbound", customer.number, SUPPORT_NUMBER, at, ended,
                       "completed", answered=answered, caller_name=customer.caller_name,
                       scenario="voicemail", customer=customer.number)
        recordings.append(SimRecording(self.sid("RE"), call.sid, ended - timedelta(seconds=3),
                                       round(length, 5)))
        return call

    def _callback(self, at: datetime, customer: Customer) -> SimCall:
        rng = self.rng
        agent = rng.choice(AGENTS)
        status = rng.choices(["completed", "no-answer", "busy", "failed"], [60, 20, 12, 8])[0]
        ring = rng.uniform(3, 25) if status != "failed" else 0.4
        answered = at + timedelta(seconds=ring) if status == "completed" else None
        talk = rng.lognormvariate(5.2, 0.6) if answered else 0
        ended = (answered or at + timedelta(seconds=ring)) + timedelta(seconds=talk)
        return SimCall(self.sid("CA"), "outbound-api", SUPPORT_NUMBER, customer.number, at,
                       ended, status, answered=answered, scenario="callback", agent=agent,
                       customer=customer.number)
