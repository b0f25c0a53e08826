"""A loopback Restcomm (Telestax CPaaS) account: Calls, Recordings and Traces, 2012-04-24 API.

What it reproduces, from the seed (``seeds/001_e53aea88987ead46.txt``, Traces) and the notes
(``samples/restcomm.md``, read from the server's source):
- HTTP Basic ``AccountSid:AuthToken``; a wrong one gets 401 with an EMPTY body.
- Page/PageSize offset paging, newest first, with the list envelope of the converters:
  ``num_pages`` is ``total // page_size`` (the last page's index, not a count), ``start`` and
  ``end`` are strings, absent links are the string ``"null"``, and ``next_page_uri`` is
  ``<uri>?Page=n+1&PageSize=s&AfterSid=<last sid>``: the list's filters are NOT carried over.
  A Page past ``num_pages`` is a 400 with an empty body.
- Calls/Recordings filters ``StartTime``/``EndTime`` by day only, read as the server's local
  day; Traces' ``DateCreated`` as a UTC date or date-time (the seed). Trace list URIs start
  with ``/api`` (the seed) while the API lives under ``/restcomm``; both prefixes are served.
- Dates as ``EEE, d MMM yyyy HH:mm:ss Z`` in the server's zone (America/Denver here),
  ``start_time``/``end_time`` as ISO with offset, recording durations as strings, traces'
  ``date_created_ms`` with milliseconds.
- Traces live two days: older ones vanish as the clock moves. ``advance()`` moves the clock
  (new calls, recordings and traces appear; calls in progress finish) and ``trace_tick``
  advances it after every Traces page, as a busy account does while a client pages.
"""

from __future__ import annotations

import json
import math
import random
import re
import secrets
import struct
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app.demo.restcomm_data import API_VERSION, ORG_NAME, SimCall, SimRecording, SupportLine
from app.demo.restcomm_traces import SEED_TRACE, SimTrace, TraceWriter
from app.demo.server import DemoSource, Request, Response, Simulator, byte_range

TRACE_RETENTION = timedelta(days=2)  # seed: "The retention policy for this resource is 2 days"
DEFAULT_PAGE_SIZE = 50
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ACCOUNT = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>AC[^/.]+)(?P<rest>(\.json|/.*)?)$")


def rfc_date(moment: datetime, tz: ZoneInfo | None, *, millis: bool = False) -> str:
    """Java's ``EEE, d MMM yyyy HH:mm:ss Z`` (day without a leading zero)."""
    local = moment.astimezone(tz) if tz else moment.astimezone(UTC)
    clock = local.strftime("%H:%M:%S") + (f".{local.microsecond // 1000:03d}" if millis else "")
    return (f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year} "
            f"{clock} {local.strftime('%z')}")


class RestcommSimulator(Simulator):
    def __init__(self, *, now: datetime | None = None, days: int = 30,
                 calls_per_weekday: int = 140, seed: int = 4, account_sid: str | None = None,
                 auth_token: str | None = None, tz: str = "America/Denver",
                 latency_s: float = 0.0, horizon: timedelta = timedelta(days=3)) -> None:
        super().__init__(latency_s=latency_s)
        rng_sid = f"{random.Random(f'account-{seed}').getrandbits(128):032x}"
        self.account_sid = account_sid or f"AC{rng_sid}"
        self.auth_token = auth_token or secrets.token_hex(16)
        self.tz = ZoneInfo(tz)
        self.traces_enabled = True
        self.trace_tick = timedelta(0)
        self._fixed = now
        self._offset = timedelta(0)
        self._clock_lock = threading.Lock()
        start = self.now()
        line = SupportLine(seed=seed, account_sid=self.account_sid, auth_token=self.auth_token,
                           calls_per_weekday=calls_per_weekday, tz=self.tz)
        data = line.generate(start - timedelta(days=days), start + horizon)
        traces = TraceWriter(line).traces(data.calls,
                                          since=start - TRACE_RETENTION - timedelta(hours=6))
        self.instance_id = line.instance
        self.phone_number_sid = f"PN{rng_sid[::-1]}"
        self.calls = sorted(data.calls, key=lambda c: (c.created, c.sid), reverse=True)
        self.calls_by_sid = {c.sid: c for c in self.calls}
        self.recordings = sorted(data.recordings, key=lambda r: (r.created, r.sid), reverse=True)
        self.traces = sorted(traces, key=lambda t: (t.created, t.sid), reverse=True)
        self.downloads: list[tuple[str, str | None]] = []  # (path, Range) of each .wav asked

    # -- the clock ---------------------------------------------------------------------------

    def now(self) -> datetime:
        base = self._fixed or datetime.now(UTC)
        with self._clock_lock:
            return base + self._offset

    def advance(self, delta: timedelta) -> None:
        """Let time pass: new history appears, calls finish, old traces expire."""
        with self._clock_lock:
            self._offset += delta

    # -- what the server shows at a moment --------------------------------------------------

    def visible_calls(self, clock: datetime | None = None) -> list[SimCall]:
        clock = clock or self.now()
        return [c for c in self.calls if c.created <= clock]

    def visible_recordings(self, clock: datetime | None = None) -> list[SimRecording]:
        clock = clock or self.now()
        return [r for r in self.recordings if r.created <= clock]

    def visible_traces(self, clock: datetime | None = None) -> list[SimTrace]:
        clock = clock or self.now()
        return [t for t in self.traces if clock - TRACE_RETENTION < t.created <= clock]

    # -- documents ---------------------------------------------------------------------------

    def call_doc(self, call: SimCall, clock: datetime) -> dict[str, Any]:
        """A call as CallDetailRecordConverter writes it; null fields are left out."""
        ended = call.ended <= clock
        if ended:
            status = call.final_status
        elif call.answered and call.answered <= clock:
            status = "in-progress"
        else:
            status = "queued" if call.direction == "outbound-api" else "ringing"
        talk = (call.ended - call.answered).total_seconds() if call.answered and ended else 0
        ring_end = call.answered or call.ended
        updated = call.ended if ended else (call.answered if status == "in-progress"
                                            else call.created)
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{call.sid}"
        doc: dict[str, Any] = {
            "sid": call.sid, "instance_id": self.instance_id,
            "date_created": rfc_date(call.created, self.tz),
            "date_updated": rfc_date(updated, self.tz),
            "parent_call_sid": call.parent_sid, "account_sid": self.account_sid,
            "to": call.to, "from": call.from_,
            "phone_number_sid": self.phone_number_sid if call.direction == "inbound" else None,
            "status": status, "start_time": self._iso(call.created),
            "end_time": self._iso(call.ended) if ended else None,
            "duration": round(talk), "price_unit": "USD", "direction": call.direction,
            "api_version": API_VERSION, "caller_name": call.caller_name,
            "uri": base + ".json",
            "subresource_uris": {"notifications": f"/restcomm{base}/Notifications",
                                 "recordings": f"/restcomm{base}/Recordings"},
            "ring_duration": int((ring_end - call.created).total_seconds())
            if ended or status == "in-progress" else None,
        }
        return {k: v for k, v in doc.items() if v is not None}

    def _iso(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).isoformat(timespec="milliseconds")

    def recording_doc(self, rec: SimRecording) -> dict[str, Any]:
        return {
            "sid": rec.sid, "date_created": rfc_date(rec.created, self.tz),
            "date_updated": rfc_date(rec.created, self.tz), "account_sid": self.account_sid,
            "call_sid": rec.call_sid, "duration": str(round(rec.duration, 5)),
            "api_version": API_VERSION,
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{rec.sid}.json",
            "file_uri": f"{self.url}/restcomm/recordings/{rec.sid}.wav",
        }

    def trace_doc(self, trace: SimTrace) -> dict[str, Any]:
        if trace.verbatim is not None:
            return json.loads(json.dumps(trace.verbatim))
        return {
            "sid": trace.sid, "account_sid": self.account_sid,
            "account_friendly_name": "Northwind Outfitters Support",
            "org_sid": "OR" + self.account_sid[2:][::-1], "org_name": ORG_NAME,
            "date_created_ms": rfc_date(trace.created, None, millis=True),
            "session_sid": trace.session_sid,
            "uri": f"/Accounts/{self.account_sid}/Traces/{trace.sid}",
            "status": "completed" if 200 <= trace.code < 300 else "failed",
            "direction": trace.direction, "latency_ms": trace.latency_ms,
            "request": {"path": trace.path, "method": trace.method,
                        "headers": trace.request_headers, "body": trace.request_body},
            "response": {"status": {"code": str(trace.code), "phrase": trace.phrase,
                                    "headers": trace.response_headers,
                                    "body": trace.response_body}},
        }

    def malformed_body(self) -> Response:
        return Response(200, b'{"page":0,"num_pages":3,"page_size":50,"total":170,"start":"0",'
                             b'"end":"49","calls":[{"sid":"ID3f0c', {"Content-Type": "application/json"})

    # -- HTTP ----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        for prefix in ("/restcomm", "/api"):
            if request.path.startswith(prefix + "/"):
                rest = request.path[len(prefix):]
                break
        else:
            return Response(404)
        wav = re.fullmatch(r"/recordings/(RE[0-9a-f]+|ID[0-9a-f]+-RE[0-9a-f]+)\.wav", rest)
        if wav:  # notes: the .wav file itself is not protected, only the lists
            return self._wav(wav.group(1), request, static=True)
        if request.basic_auth() != (self.account_sid, self.auth_token):
            return Response(401, b"", {"WWW-Authenticate": 'Basic realm="Restcomm"'})
        match = _ACCOUNT.match(rest)
        if not match:
            return Response(404)
        if match["account"] != self.account_sid:
            return Response(403)
        return self._route(match["rest"], request)

    def _route(self, rest: str, request: Request) -> Response:
        if rest in ("", ".json"):
            return Response.json({
                "sid": self.account_sid, "friendly_name": "Northwind Outfitters Support",
                "type": "Full", "status": "active", "role": "Administrator",
                "date_created": rfc_date(self.now() - timedelta(days=900), self.tz),
                "uri": f"/{API_VERSION}/Accounts/{self.account_sid}.json"})
        clock = self.now()
        if rest == "/Calls.json":
            return self._list(request, "calls", lambda: self._call_rows(request, clock),
                              lambda c: self.call_doc(c, clock), "/restcomm", "Calls.json")
        if rest == "/Recordings.json":
            return self._list(request, "recordings", lambda: self._recording_rows(request, clock),
                              self.recording_doc, "/restcomm", "Recordings.json")
        if rest in ("/Traces", "/Traces.json"):
            if not self.traces_enabled:
                return self._error(403, "Traces need to be activated on your subscriber "
                                        "profile", "Forbidden")
            answer = self._list(request, "traces", lambda: self._trace_rows(request, clock),
                                self.trace_doc, "/api", "Traces")
            if answer.status == 200 and self.trace_tick:
                self.advance(self.trace_tick)
            return answer
        return self._item(rest, clock, request)

    def _item(self, rest: str, clock: datetime, request: Request) -> Response:
        call = re.fullmatch(r"/Calls/([^/]+)\.json", rest)
        if call:
            found = self.calls_by_sid.get(call.group(1))
            if found is None or found.created > clock:
                return Response(404)  # notes: many 404 paths answer with no body
            return Response.json(self.call_doc(found, clock))
        trace = re.fullmatch(r"/Traces/([^/.]+)(\.json)?", rest)
        if trace:
            for item in self.visible_traces(clock):
                if item.sid == trace.group(1):
                    return Response.json(self.trace_doc(item))
            return Response(404)
        recording = re.fullmatch(r"/Recordings/([^/.]+)\.(json|wav)", rest)
        if recording:
            for rec in self.visible_recordings(clock):
                if rec.sid == recording.group(1):
                    return (Response.json(self.recording_doc(rec)) if recording.group(2) ==
                            "json" else self._wav(rec.sid, request, static=False))
            return Response(404)
        return Response(404)

    @staticmethod
    def _error(status: int, message: str, error: str | None = None) -> Response:
        """AbstractEndpoint.buildErrorResponseBody: ``{"message":"...",\\n"error":"..."}``."""
        body = f'{{"message":"{message}"' + (f',\n"error":"{error}"' if error else "") + "}"
        return Response(status, body.encode(), {"Content-Type": "application/json"})

    # -- filters --------------------------------------------------------------------------------

    def _local_day(self, text: str | None) -> datetime | None:
        if text is None:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return datetime.fromisoformat(text).replace(tzinfo=self.tz)

    def _call_rows(self, request: Request, clock: datetime) -> list[SimCall]:
        since = self._local_day(request.arg("StartTime"))
        until = self._local_day(request.arg("EndTime"))
        rows = self.visible_calls(clock)
        if since is not None:  # notes: StartTime -> start_time >= date
            rows = [c for c in rows if c.created >= since]
        if until is not None:  # notes: EndTime -> end_time <= date + 1 day
            limit = until + timedelta(days=1)
            rows = [c for c in rows if c.ended <= clock and c.ended <= limit]
        for name, attr in (("ParentCallSid", "parent_sid"), ("Status", None)):
            value = request.arg(name)
            if value and attr:
                rows = [c for c in rows if getattr(c, attr) == value]
            elif value:
                rows = [c for c in rows if self.call_doc(c, clock)["status"] == value]
        return rows

    def _recording_rows(self, request: Request, clock: datetime) -> list[SimRecording]:
        since = self._local_day(request.arg("StartTime"))
        until = self._local_day(request.arg("EndTime"))
        rows = self.visible_recordings(clock)
        if since is not None:
            rows = [r for r in rows if r.created >= since]
        if until is not None:
            rows = [r for r in rows if r.created <= until + timedelta(days=1)]
        if request.arg("CallSid"):
            rows = [r for r in rows if r.call_sid == request.arg("CallSid")]
        return rows

    def _trace_rows(self, request: Request, clock: datetime) -> list[SimTrace]:
        rows = self.visible_traces(clock)
        since = request.arg("DateCreated")
        if since is not None:  # seed: inclusive, UTC, date or date-time, 400 if invalid
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?", since):
                raise ValueError(since)
            floor = datetime.fromisoformat(since).replace(tzinfo=UTC)
            rows = [t for t in rows if t.created >= floor]
        if request.arg("SessionSid"):
            rows = [t for t in rows if t.session_sid == request.arg("SessionSid")]
        if request.arg("Direction"):
            rows = [t for t in rows if t.direction == request.arg("Direction", "").lower()]
        return rows

    # -- paging --------------------------------------------------------------------------------

    def _list(self, request: Request, key: str, select: Callable[[], list[Any]],
              render: Callable[[Any], dict], prefix: str, name: str) -> Response:
        try:
            rows = select()
            page = int(request.arg("Page", "0") or 0)
            size = int(request.arg("PageSize", str(DEFAULT_PAGE_SIZE)) or DEFAULT_PAGE_SIZE)
        except ValueError:
            return Response(400)  # a bad filter or number: 400, no body
        if size <= 0:
            return Response(500)  # notes: PageSize=0 divides by zero
        total = len(rows)
        last = total // size  # notes: num_pages is the last page's index
        if page < 0 or page > last:
            return Response(400)
        chunk = rows[page * size:(page + 1) * size]
        uri = f"{prefix}/{API_VERSION}/Accounts/{self.account_sid}/{name}"
        first = page * size
        end = first + len(chunk) if page == last else first + len(chunk) - 1
        body = {
            "page": page, "num_pages": last, "page_size": size, "total": total,
            "start": str(first), "end": str(end), "uri": uri,
            "first_page_uri": f"{uri}?Page=0&PageSize={size}",
            "previous_page_uri": f"{uri}?Page={page - 1}&PageSize={size}" if page else "null",
            "next_page_uri": (f"{uri}?Page={page + 1}&PageSize={size}&AfterSid={chunk[-1].sid}"
                              if page < last and chunk else "null"),
            "last_page_uri": f"{uri}?Page={last}&PageSize={size}",
            key: [render(row) for row in chunk],
        }
        return Response.json(body)

    # -- media ---------------------------------------------------------------------------------

    def _wav(self, sid: str, request: Request, *, static: bool) -> Response:
        """A recording's audio. Assumption (nothing in the notes says either way): the open
        ``recordings/*.wav`` (``file_uri``) is a static file of the web app, which the servlet
        container serves with Range support like any static file; the API's
        ``Recordings/{sid}.wav`` is a JAX-RS endpoint that ignores Range and sends it whole."""
        self.downloads.append((request.path, request.headers.get("range")))
        for rec in self.recordings:
            if rec.sid == sid:
                whole = Response(200, wav_bytes(min(rec.duration, 3.0)),
                                 {"Content-Type": "audio/x-wav"})
                return byte_range(request, whole) if static else whole
        return Response(404)


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    """A short mono 16-bit PCM tone: a playable stand-in for the recorded call."""
    count = int(seconds * rate)
    samples = b"".join(struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / rate)))
                       for i in range(count))
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(samples)) + samples


def start_demo(workdir: Path, name: str = "restcomm-demo") -> DemoSource:
    """A month of the support line ending now, on a clock that keeps running."""
    sim = RestcommSimulator(calls_per_weekday=140, seed=4)
    url = sim.start() + "/restcomm"
    return DemoSource(sim, "restcomm", name, url, {"account_sid": sim.account_sid},
                      sim.auth_token)


__all__ = ["SEED_TRACE", "RestcommSimulator", "start_demo"]
