"""The traces a support line's calls leave on Restcomm (the Traces resource, seed 001).

A call's traces are derived from the call itself, with the HTTP exchanges a real CPaaS
application has with the platform: RCML fetches (webhooks), live-call modifications and SMS
sends (API), status callbacks. They draw from the line's random stream after its calls
(``SupportLine.generate``), so a seed gives the same month as ever.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from app.demo.restcomm_data import API_VERSION, APP, QUEUES, SUPPORT_NUMBER, SimCall, SupportLine

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


class TraceWriter:
    """Writes the traces of a line's calls, with the line's ids and random stream."""

    def __init__(self, line: SupportLine) -> None:
        self.line = line
        self.rng = line.rng
        self.account_sid = line.account_sid
        self.auth_token = line.auth_token

    def traces(self, calls: list[SimCall], since: datetime) -> list[SimTrace]:
        """The traces of calls (and their SMS follow-ups) created from ``since`` on, and the
        seed's example trace."""
        out = [t for call in calls if call.parent_sid is None and call.created >= since
               for t in self._traces_for(call)]
        out += self._sms_traces([c for c in calls if c.created >= since])
        out.append(SimTrace(SEED_TRACE["sid"], SEED_TRACE["session_sid"], SEED_TRACE_TIME,
                            "webhook", "GET", "", 200, "OK", 564, {}, "", {}, "",
                            verbatim=SEED_TRACE))
        return out

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
        return SimTrace("TR" + self.line.hex32(), session_sid, created, direction, method, path,
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
            sms = self.line.sid("SM")
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


TraceTest = Callable[[dict[str, Any]], bool]


def trace_filters(arg: Callable[[str], str | None]) -> list[TraceTest]:
    """The seed's "List Filter" parameters a request names, as tests on a trace's DOCUMENT
    (what a client sees, so the seed's verbatim example trace is tested on its own values).

    Seed 001, "List Filter": Status "match with this status" (exact); Latency "equal or over
    the given value in milliseconds" (a threshold); ResponseCode "Can be used for prefix
    match" (ResponseCode=2 is every 2xx); ResponseBody "match provided filter string" (no
    prefix match is documented for it, unlike RequestPath: exact); RequestPath "Can be used
    for prefix match"; AccountSid, OrgSid "match" (exact). Parameter names are
    case-sensitive ("All request parameters are case-sensitive"). An empty value filters
    nothing, as for SessionSid. A Latency that is not a whole number raises ValueError (the
    list answers 400, as the seed says of a bad DateCreated).
    """
    tests: list[TraceTest] = []
    exact = {"Status": ("status",), "ResponseBody": ("response", "status", "body"),
             "AccountSid": ("account_sid",), "OrgSid": ("org_sid",)}
    prefix = {"ResponseCode": ("response", "status", "code"), "RequestPath": ("request", "path")}
    for name, where in exact.items():
        if wanted := arg(name):
            tests.append(lambda doc, w=where, v=wanted: _field(doc, w) == v)
    for name, where in prefix.items():
        if wanted := arg(name):
            tests.append(lambda doc, w=where, v=wanted: _field(doc, w).startswith(v))
    if latency := arg("Latency"):
        floor = int(latency)
        tests.append(lambda doc: int(doc["latency_ms"]) >= floor)
    return tests


def _field(doc: dict[str, Any], where: tuple[str, ...]) -> str:
    """A trace document's value at a path, as text (the code is a string in the seed)."""
    value: Any = doc
    for key in where:
        value = value.get(key, "") if isinstance(value, dict) else ""
    return str(value)


def _quote(value: str) -> str:
    return quote(value, safe="")
