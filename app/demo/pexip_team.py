"""The Pexip demo's cast and calendar: who the video team are, where they sit, what they
call from, the rooms they meet in ad hoc and the meetings they hold every week.

``pexip_data`` turns these into a month of conferences; they are kept apart so the people
and the schedule read as one page.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PEOPLE = [
    "Alice Moreno", "Bob Lindqvist", "Chen Wei", "Dana Okafor", "Elif Yılmaz", "Farid Haddad",
    "Grace Kim", "Hugo Bernard", "Ines Duarte", "Jonas Becker", "Kavya Rao", "Liam O'Brien",
    "Maya Cohen", "Noah Fischer", "Olga Petrova", "Pablo Ruiz", "Quinn Taylor", "Ravi Shah",
    "Sofia Rossi", "Tom Nguyen", "Uma Patel", "Victor Lemaire", "Wen Zhao", "Yusuf Demir",
]
#: Customers who join escalation calls from their own video systems.
GUESTS = [
    ("Grace Thompson", "northwind.example"), ("Samir Khan", "contoso.example"),
    ("Isabel Romero", "fabrikam.example"), ("Hiroshi Tanaka", "tailspin.example"),
    ("Karen Walsh", "lakeside.example"), ("Emeka Eze", "wingtip.example"),
]
#: A site, the UTC hours its people work, and the Conferencing Node they call into.
SITES = {
    "London": ((8, 17), "10.0.1.11"), "Oslo": ((7, 16), "10.0.1.12"),
    "New York": ((13, 22), "10.0.2.21"), "Singapore": ((1, 10), "10.0.3.31"),
}
PROTOCOLS = [("WebRTC", 0.45), ("SIP", 0.25), ("MSSIP", 0.1), ("H323", 0.08),
             ("TeamsConnector", 0.12)]
@dataclass(frozen=True)
class Room:
    """A room people meet in ad hoc; ``weight`` is its share of those meetings."""

    name: str
    service: str
    weight: float
    size: tuple[int, int]  # participants, fewest and most
    minutes: tuple[int, int]
    owner: str | None = None  # a personal room's owner joins every call in it, as chair
    any_hour: bool = False  # incidents do not wait for office hours
    guests: bool = False  # customers join


@dataclass(frozen=True)
class Recurring:
    """A meeting on fixed weekdays (0 = Monday) at a fixed UTC time, with its regulars."""

    name: str
    service: str
    weekdays: tuple[int, ...]
    at: tuple[int, int]  # UTC hour, minute
    minutes: int
    regulars: tuple[str, ...]


ROOMS = [
    Room("meet.alice", "conference", 0.12, (2, 4), (10, 45), owner="Alice Moreno"),
    Room("meet.ravi", "conference", 0.1, (2, 3), (10, 40), owner="Ravi Shah"),
    Room("meet.chen", "conference", 0.08, (2, 4), (15, 50), owner="Chen Wei"),
    Room("VMR_1", "conference", 0.15, (2, 5), (15, 60)),
    Room("Escalations Bridge", "conference", 0.2, (2, 4), (15, 75), guests=True),
    Room("Incident War Room", "conference", 0.03, (5, 11), (45, 180), any_hour=True),
    Room("Lobby Gateway", "gateway", 0.12, (2, 2), (5, 40)),
    Room("Test Call Service", "test_call", 0.08, (1, 1), (1, 3)),
]
RECURRING = [
    Recurring("Support Standup", "conference", (0, 1, 2, 3, 4), (8, 30), 15,
              ("Alice Moreno", "Bob Lindqvist", "Dana Okafor", "Hugo Bernard", "Ines Duarte",
               "Jonas Becker", "Olga Petrova")),
    Recurring("Tier 2 Huddle", "conference", (0, 2, 4), (13, 0), 30,
              ("Farid Haddad", "Grace Kim", "Maya Cohen", "Noah Fischer", "Tom Nguyen")),
    Recurring("Customer Success Weekly", "conference", (1,), (15, 0), 60,
              ("Ravi Shah", "Sofia Rossi", "Uma Patel", "Victor Lemaire", "Wen Zhao",
               "Noah Fischer", "Quinn Taylor")),
    Recurring("Training Room", "lecture", (2,), (10, 0), 45,
              ("Kavya Rao", "Liam O'Brien", "Pablo Ruiz", "Elif Yılmaz", "Yusuf Demir")),
    Recurring("Onboarding Webinar", "lecture", (3,), (14, 0), 60, ("Sofia Rossi",)),
]


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


@dataclass(frozen=True)
class Caller:
    """Who joins a call, from where and with what; a guest is a customer."""

    name: str
    site: str
    protocol: str
    domain: str = "example.com"
    guest: bool = False


def team_of(seed: int) -> dict[str, Caller]:
    """Each person's site and usual endpoint, fixed for the month."""
    rng = random.Random(seed)
    sites = list(SITES)
    team = {name: Caller(name, sites[index % len(sites)], pick(rng, PROTOCOLS))
            for index, name in enumerate(PEOPLE)}
    for name, domain in GUESTS:
        team[name] = Caller(name, rng.choice(sites), rng.choice(["SIP", "H323", "WebRTC"]),
                            domain, guest=True)
    return team
