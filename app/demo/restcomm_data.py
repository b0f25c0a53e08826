"""A support line's month on Restcomm: IVR, queues, agents, callbacks, voicemail, SMS.

Generated deterministically from a seed, as plain records with UTC datetimes; the simulator
(``app/demo/restcomm.py``) decides what the server shows at its clock and renders the
vendor's formats. A call's traces are derived from the call itself, with the HTTP exchanges
a real CPaaS application has with the platform: RCML fetches (webhooks), live-call
modifications and SMS sends (API), status callbacks.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

API_VERSION = "2012-04-24"
SUPPORT_NUMBER = "+13035550100"
APP = "https://ivr.northwind-outfitters.example"
ORG_NAME = "support.northwind-outfitters.example"

#: The seed's example trace (seeds/001_e53aea88987ead46.txt, "Listing a Singe Trace Record"),
#: served verbatim: its session has no call row, so it becomes a ``trace_session``.
SEED_TRACE: dict[str, Any] = {
    "sid": "TRXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "account_sid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "account_friendly_name": "account name",
    "org_sid": "ORfe81fe8a3d5f4d5391e901db0bf5755d",
    "org_name": "customer.company.com",
    "date_created_ms": "Wed, 30 Jun 2021 16:41:09.456 +0000",
    "session_sid": "IDbb44ef8c2ebf4d4599d0378a2a8a2ea8-CAd9e08ede8b604e739ba7d0bd477fdf49",
    "uri": "/Accounts/AC1234/Traces/TRXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "status": "completed",
    "direction": "webhook",
    "latency_ms": 564,
    "request": {
        "path": "/cpaasAppPath?AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "method": "GET",
        "headers": {"accept": "application/xml"},
        "body": "",
    },
    "response": {
        "status": {
            "code": "200",
            "phrase": "OK",
            "headers": {"content-length": 43, "content-type": "application/xml"},
            "body": "<Response><say> hello world</say><Response>",
        }
    },
}
SEED_TRACE_TIME = datetime(2021, 6, 30, 16, 41, 9, 456000, tzinfo=UTC)

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
class SimTrace:
    sid: str
    session_sid: str
    created: datetime
    direction: str  # webhook | api
    method: str
    path: str
    code: int
    phrase: str
    latency_ms: int
    request_headers: dict[str, Any]
    request_body: str
    response_headers: dict[str, Any]
    response_body: str
    verbatim: dict[str, Any] | None = None  # the seed's record, served as published


@dataclass
class Dataset:
    calls: list[SimCall]
    recordings: list[SimRecording]
    traces: list[SimTrace]


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
        self.instance = "ID" + self._hex()
        self.customers = [self._customer() for _ in range(max(40, calls_per_weekday * 3))]

    # -- ids and people -------------------------------------------------------------------

    def _hex(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def sid(self, prefix: str) -> str:
        """Restcomm 8 style sids: instance id, dash, type prefix and 32 hex digits."""
        return f"{self.instance}-{prefix}{self._hex()}"

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

    def generate(self, start: datetime, end: datetime, traces_from: datetime) -> Dataset:
        calls: list[SimCall] = []
        recordings: list[SimRecording] = []
        day = start.astimezone(self.tz).replace(hour=0, minute=0, second=0, microsecond=0)
        while day < end:
            for moment in self._call_times(day):
                if start <= moment < end:
                    self._one_call(moment, calls, recordings)
            day += timedelta(days=1)  # wall-clock arithmetic: stays at local midnight
        traces = [t for call in calls if call.parent_sid is None and call.created >= traces_from
                  for t in self._traces_for(call)]
        traces += self._sms_traces([c for c in calls if c.created >= traces_from])
        traces.append(SimTrace(SEED_TRACE["sid"], SEED_TRACE["session_sid"], SEED_TRACE_TIME,
                               "webhook", "GET", "", 200, "OK", 564, {}, "", {}, "",
                               verbatim=SEED_TRACE))
        return Dataset(calls, recordings, traces)

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

    # -- traces --------------------------------------------------------------------------------

    def _basic(self) -> str:
        token = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return f"Basic {token}"

    def _trace(self, session_sid: str, at: datetime, direction: str, method: str, path: str,
               *, code: int = 200, phrase: str = "OK", body: str = "", answer: str = "",
               answer_type: str = "application/xml") -> SimTrace:
        latency = int(self.rng.lognormvariate(4.6, 0.6)) + 8
        if direction == "webhook":
            headers = {"accept": "application/xml, text/xml", "user-agent": "Restcomm/8.4.0"}
        else:  # the application calls the API with the account's own credentials
            headers = {"authorization": self._basic(), "user-agent": "northwind-ivr/2.3",
                       "content-type": "application/x-www-form-urlencoded"}
        if method == "POST" and direction == "webhook":
            headers["content-type"] = "application/x-www-form-urlencoded"
        reply = {"content-type": answer_type, "content-length": len(answer.encode())}
        created = at + timedelta(milliseconds=latency)
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
        return SimTrace("TR" + self._hex(), session_sid, created, direction, method, path,
                        code, phrase, latency, headers, body, reply, answer)

    def _params(self, call: SimCall, status: str, **more: str) -> str:
        base = {"AccountSid": self.account_sid, "CallSid": call.sid, "From": call.from_,
                "To": call.to, "CallStatus": status, "ApiVersion": API_VERSION,
                "Direction": call.direction, **more}
        return "&".join(f"{k}={_quote(v)}" for k, v in base.items())

    def _traces_for(self, call: SimCall) -> list[SimTrace]:
        if call.direction == "outbound-api":
            return self._callback_traces(call)
        sid, t0 = call.sid, call.created
        out = []
        if call.scenario == "app_error":
            out.append(self._trace(sid, t0, "webhook", "GET",
                                   f"/ivr/welcome?{self._params(call, 'ringing')}", code=500,
                                   phrase="Internal Server Error",
                                   answer="<html><body><h1>500 Internal Server Error</h1>"
                                          "</body></html>", answer_type="text/html"))
            return out
        if call.scenario == "voicemail":
            out.append(self._trace(sid, t0, "webhook", "GET",
                                   f"/ivr/welcome?{self._params(call, 'ringing')}",
                                   answer="<Response><Say>Our support line is open 7 am to 7 pm "
                                          "Mountain Time. Please leave a message.</Say>"
                                          "<Redirect>/voicemail/record</Redirect></Response>"))
            out.append(self._trace(sid, t0 + timedelta(seconds=12), "webhook", "POST",
                                   "/voicemail/record", body=self._params(call, "in-progress"),
                                   answer='<Response><Record maxLength="120" '
                                          'action="/voicemail/done"/></Response>'))
            out.append(self._trace(sid, call.ended - timedelta(seconds=3), "webhook", "POST",
                                   "/voicemail/done", body=self._params(call, "in-progress"),
                                   answer="<Response><Say>Thank you. Goodbye.</Say><Hangup/>"
                                          "</Response>"))
            out.append(self._status_callback(call))
            return out
        key, queue = call.queue.split(":")
        out.append(self._trace(sid, t0, "webhook", "GET",
                               f"/ivr/welcome?{self._params(call, 'ringing')}",
                               answer='<Response><Gather numDigits="1" action="/ivr/menu">'
                                      "<Say>Thank you for calling Northwind Outfitters. For "
                                      "orders press 1, technical support 2, returns 3.</Say>"
                                      "</Gather></Response>"))
        said = next(text for k, _, text in QUEUES if k == key)
        menu_at = t0 + timedelta(seconds=self.rng.uniform(9, 20))
        out.append(self._trace(sid, menu_at, "webhook", "POST", "/ivr/menu",
                               body=self._params(call, "in-progress", Digits=key),
                               answer=f"<Response><Say>{said}</Say><Redirect>/queue/wait?q="
                                      f"{queue}</Redirect></Response>"))
        out.append(self._trace(sid, menu_at + timedelta(seconds=4), "webhook", "POST",
                               f"/queue/wait?q={queue}", body=self._params(call, "in-progress"),
                               answer='<Response><Play loop="0">https://media.northwind-'
                                      'outfitters.example/hold-music.wav</Play></Response>'))
        for leg in call.children:
            connect = f"{APP}/queue/connect?agent={leg.agent}"
            out.append(self._trace(
                sid, leg.created - timedelta(seconds=1), "api", "POST",
                f"/restcomm/{API_VERSION}/Accounts/{self.account_sid}/Calls/{sid}.json",
                body=f"Url={_quote(connect)}&Method=POST",
                answer=f'{{"sid":"{sid}","status":"in-progress"}}',
                answer_type="application/json"))
            out.append(self._trace(
                sid, leg.created - timedelta(milliseconds=300), "webhook", "POST",
                f"/queue/connect?agent={leg.agent}", body=self._params(call, "in-progress"),
                answer=f'<Response><Dial record="true" timeout="20" action="/queue/wait?q='
                       f'{queue}"><Client>{leg.agent}</Client></Dial></Response>'))
        out.append(self._status_callback(call))
        return out

    def _callback_traces(self, call: SimCall) -> list[SimTrace]:
        sid, t0 = call.sid, call.created
        out = [self._trace(
            sid, t0 - timedelta(milliseconds=200), "api", "POST",
            f"/restcomm/{API_VERSION}/Accounts/{self.account_sid}/Calls.json",
            body=f"From={_quote(call.from_)}&To={_quote(call.to)}&Url="
                 f"{_quote(APP + '/callback/answer?agent=' + str(call.agent))}",
            answer=f'{{"sid":"{sid}","status":"queued"}}', answer_type="application/json")]
        if call.answered:
            out.append(self._trace(sid, call.answered, "webhook", "POST",
                                   f"/callback/answer?agent={call.agent}",
                                   body=self._params(call, "in-progress"),
                                   answer=f"<Response><Dial><Client>{call.agent}</Client>"
                                          "</Dial></Response>"))
        out.append(self._status_callback(call))
        return out

    def _status_callback(self, call: SimCall) -> SimTrace:
        duration = int((call.ended - (call.answered or call.ended)).total_seconds())
        return self._trace(call.sid, call.ended, "webhook", "POST", "/callbacks/status",
                           body=self._params(call, call.final_status,
                                             CallDuration=str(duration)),
                           code=204, phrase="No Content")

    def _sms_traces(self, calls: list[SimCall]) -> list[SimTrace]:
        """Case-number texts after some agent calls: SMS sessions have no call row."""
        out = []
        for call in calls:
            if call.scenario != "agent" or self.rng.random() > 0.3:
                continue
            sms = self.sid("SM")
            at = call.ended + timedelta(seconds=self.rng.uniform(20, 400))
            case = self.rng.randint(40000, 49999)
            text = (f"Northwind Support: your case #{case} is open. Reply to this text "
                    "or call 303-555-0100.")
            out.append(self._trace(
                sms, at, "api", "POST",
                f"/restcomm/{API_VERSION}/Accounts/{self.account_sid}/SMS/Messages.json",
                body=f"From={_quote(SUPPORT_NUMBER)}&To={_quote(call.customer)}&Body="
                     f"{_quote(text)}&StatusCallback={_quote(APP + '/sms/status')}",
                answer=f'{{"sid":"{sms}","status":"queued"}}', answer_type="application/json"))
            for offset, status in ((2, "sent"), (6, "delivered")):
                out.append(self._trace(
                    sms, at + timedelta(seconds=offset), "webhook", "POST", "/sms/status",
                    body=f"AccountSid={self.account_sid}&SmsSid={sms}&SmsStatus={status}"
                         f"&From={_quote(SUPPORT_NUMBER)}&To={_quote(call.customer)}",
                    code=204, phrase="No Content"))
        return out


def _quote(value: str) -> str:
    return quote(value, safe="")
