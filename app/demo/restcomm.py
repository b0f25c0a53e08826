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
  day; Calls' ``To``/``From``/``Status`` with SQL LIKE and ``SortBy``/``Reverse`` (the
  notes). Traces' ``DateCreated`` as a UTC date or date-time and the seed's other list
  filters (exact, prefix or threshold, as each is documented). Calls answer JSON for
  ``.json`` or an Accept containing json, and XML in ``<RestcommResponse>`` without either
  (the notes and ``samples/restcomm_calls_list_sample.xml``). Trace list URIs start
  with ``/api`` (the seed) while the API lives under ``/restcomm``; both prefixes are served.
- Dates as ``EEE, d MMM yyyy HH:mm:ss Z`` in the server's zone (America/Denver here),
  ``start_time``/``end_time`` as ISO with offset, recording durations as strings, traces'
  ``date_created_ms`` with milliseconds.
- The documents and list envelopes themselves are written by ``app/demo/restcomm_docs.py``.
- Traces live two days: older ones vanish as the clock moves. ``advance()`` moves the clock
  (new calls, recordings and traces appear; calls in progress finish) and ``trace_tick``
  advances it after every Traces page, as a busy account does while a client pages.
"""

from __future__ import annotations

import random
import re
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app.demo import restcomm_docs as docs
from app.demo.restcomm_data import API_VERSION, SimCall, SimRecording, SupportLine
from app.demo.restcomm_docs import wav_bytes
from app.demo.restcomm_traces import SEED_TRACE, SimTrace, TraceWriter, trace_filters
from app.demo.server import DemoSource, Request, Response, Simulator, byte_range

TRACE_RETENTION = timedelta(days=2)  # seed: "The retention policy for this resource is 2 days"
DEFAULT_PAGE_SIZE = 50
_ACCOUNT = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>AC[^/.]+)(?P<rest>(\.json|/.*)?)$")


class RestcommSimulator(Simulator):
    def __init__(self, *, now: datetime | None = None, days: int = 30,
                 calls_per_weekday: int = 140, seed: int = 4, account_sid: str | None = None,
                 auth_token: str | None = None, tz: str = "America/Denver",
                 latency_s: float = 0.0, horizon: timedelta = timedelta(days=3)) -> None:
        super().__init__(latency_s=latency_s)
        rng_sid = f"{random.Random(f'account-{seed}').getrandbits(128):032x}"
        account_sid = account_sid or f"AC{rng_sid}"
        self.auth_token = auth_token or secrets.token_hex(16)
        self.traces_enabled = True
        self.trace_tick = timedelta(0)
        self._fixed = now
        self._offset = timedelta(0)
        self._clock_lock = threading.Lock()
        start = self.now()
        line = SupportLine(seed=seed, account_sid=account_sid, auth_token=self.auth_token,
                           calls_per_weekday=calls_per_weekday, tz=ZoneInfo(tz))
        self.account = docs.Account(account_sid, line.tz, line.instance, f"PN{rng_sid[::-1]}")
        data = line.generate(start - timedelta(days=days), start + horizon)
        traces = TraceWriter(line).traces(data.calls,
                                          since=start - TRACE_RETENTION - timedelta(hours=6))
        self.calls = sorted(data.calls, key=lambda c: (c.created, c.sid), reverse=True)
        self.calls_by_sid = {c.sid: c for c in self.calls}
        self.recordings = sorted(data.recordings, key=lambda r: (r.created, r.sid), reverse=True)
        self.traces = sorted(traces, key=lambda t: (t.created, t.sid), reverse=True)
        self.downloads: list[tuple[str, str | None]] = []  # (path, Range) of each .wav asked
        #: Records added as they are to every JSON page of a list ("calls", "recordings",
        #: "traces"), uncounted: a test's odd rows (no sid, unreadable times) among the real.
        self.odd_objects: dict[str, list] = {}

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

    @property
    def account_sid(self) -> str:
        return self.account.sid

    def recording_doc(self, rec: SimRecording) -> dict[str, Any]:
        """A recording's document, its ``file_uri`` on this server."""
        return docs.recording_doc(self.account, rec, self.url)

    def unauthorized(self) -> Response:
        return Response(401, b"", {"WWW-Authenticate": 'Basic realm="Restcomm"'})

    def malformed_body(self) -> Response:
        return Response(200, docs.MALFORMED_LIST, {"Content-Type": "application/json"})

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
            return self.unauthorized()
        match = _ACCOUNT.match(rest)
        if not match:
            return Response(404)
        if match["account"] != self.account_sid:
            return Response(403)
        return self._route(match["rest"], request)

    def _route(self, rest: str, request: Request) -> Response:
        if rest in ("", ".json"):
            return Response.json({
                "sid": self.account_sid, "friendly_name": docs.ACCOUNT_NAME,
                "type": "Full", "status": "active", "role": "Administrator",
                "date_created": docs.rfc_date(self.now() - timedelta(days=900), self.account.tz),
                "uri": f"/{API_VERSION}/Accounts/{self.account_sid}.json"})
        clock = self.now()
        calls = re.fullmatch(r"/Calls(\.json)?", rest)
        if calls:  # notes: ".json" or an Accept containing json is JSON, neither is XML
            xml = not calls.group(1) and not _wants_json(request)
            return self._list(request, "calls", lambda: self._call_rows(request, clock),
                              lambda c: docs.call_doc(self.account, c, clock),
                              "/restcomm", rest[1:], xml=xml)
        if rest == "/Recordings.json":
            return self._list(request, "recordings", lambda: self._recording_rows(request, clock),
                              self.recording_doc, "/restcomm", "Recordings.json")
        if rest in ("/Traces", "/Traces.json"):
            if not self.traces_enabled:
                return docs.error_response(403, "Traces need to be activated on your "
                                                "subscriber profile", "Forbidden")
            answer = self._list(request, "traces", lambda: self._trace_rows(request, clock),
                                lambda t: docs.trace_doc(self.account, t), "/api", "Traces")
            if answer.status == 200 and self.trace_tick:
                self.advance(self.trace_tick)
            return answer
        return self._item(rest, clock, request)

    def _item(self, rest: str, clock: datetime, request: Request) -> Response:
        call = re.fullmatch(r"/Calls/([^/.]+)(\.json)?", rest)
        if call:
            found = self.calls_by_sid.get(call.group(1))
            if found is None or found.created > clock:
                return Response(404)  # notes: many 404 paths answer with no body
            doc = docs.call_doc(self.account, found, clock)
            if not call.group(2) and not _wants_json(request):
                return docs.call_xml_response(doc)  # notes: XML in <RestcommResponse>
            return Response.json(doc)
        trace = re.fullmatch(r"/Traces/([^/.]+)(\.json)?", rest)
        if trace:
            for item in self.visible_traces(clock):
                if item.sid == trace.group(1):
                    return Response.json(docs.trace_doc(self.account, item))
            return Response(404)
        recording = re.fullmatch(r"/Recordings/([^/.]+)\.(json|wav)", rest)
        if recording:
            for rec in self.visible_recordings(clock):
                if rec.sid == recording.group(1):
                    return (Response.json(self.recording_doc(rec)) if recording.group(2) ==
                            "json" else self._wav(rec.sid, request, static=False))
            return Response(404)
        return Response(404)

    # -- filters --------------------------------------------------------------------------------

    def _local_day(self, text: str | None) -> datetime | None:
        if text is None:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return datetime.fromisoformat(text).replace(tzinfo=self.account.tz)

    def _call_rows(self, request: Request, clock: datetime) -> list[SimCall]:
        since = self._local_day(request.arg("StartTime"))
        until = self._local_day(request.arg("EndTime"))
        rows = self.visible_calls(clock)
        if since is not None:  # notes: StartTime -> start_time >= date
            rows = [c for c in rows if c.created >= since]
        if until is not None:  # notes: EndTime -> end_time <= date + 1 day
            limit = until + timedelta(days=1)
            rows = [c for c in rows if c.ended <= clock and c.ended <= limit]
        # notes: To, From, Status filter with SQL LIKE (call-detail-records.xml: "recipient"
        # like, "sender" like, "status" like, "parent_call_sid" like). CallDetailRecordFilter
        # puts "%" before To and From "so +15126002188 will be the same as 15126002188 and
        # 6002188": they match the number's END.
        likes = {"To": (lambda c: c.to, "%"), "From": (lambda c: c.from_, "%"),
                 "Status": (lambda c: docs.call_status(c, clock), ""),
                 "ParentCallSid": (lambda c: c.parent_sid or "", "")}
        for name, (value, lead) in likes.items():
            if pattern := request.arg(name):
                rows = [c for c in rows if _like(lead + pattern, value(c))]
        return self._sorted_calls(rows, request, clock)

    def _sorted_calls(self, rows: list[SimCall], request: Request,
                      clock: datetime) -> list[SimCall]:
        """notes: default order date_created DESC; ``SortBy=<Field>:<asc|desc>``; legacy
        ``Reverse``. As CallsEndpoint and Sorting.parseUrl read them: ``Reverse=true`` is
        ``DateCreated:desc`` and anything else ``DateCreated:asc``, but only without a
        SortBy; a field alone sorts ascending; an empty field or a direction that is
        neither asc nor desc (any case) is a 400 with a message; an unknown field (names
        are case-sensitive) keeps the default order. Ties keep the default order (the SQL
        names only the one column)."""
        sort_by = request.arg("SortBy")
        reverse = request.arg("Reverse")
        if sort_by is None and reverse is not None:
            sort_by = "DateCreated:" + ("desc" if reverse.lower() == "true" else "asc")
        if not sort_by:
            return rows
        field, _, direction = sort_by.partition(":")
        if ":" in sort_by and not field:
            raise SortError("Error parsing the SortBy parameter: missing field to sort by")
        if ":" in sort_by and direction.upper() not in ("ASC", "DESC"):
            raise SortError("Error parsing the SortBy parameter: sort direction needs to "
                            "be either ASC or DESC")
        key = _SORT_KEYS.get(field)
        if key is None:
            return rows
        descending = direction.upper() == "DESC"
        if field == "DateCreated":  # the default order is already date_created DESC
            return rows if descending else rows[::-1]
        return sorted(rows, key=lambda c: key(docs.call_doc(self.account, c, clock)),
                      reverse=descending)

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
        tests = trace_filters(request.arg)  # seed: the other "List Filter" parameters
        if tests:
            rows = [t for t in rows
                    if all(test(docs.trace_doc(self.account, t)) for test in tests)]
        return rows

    # -- paging --------------------------------------------------------------------------------

    def _list(self, request: Request, key: str, select: Callable[[], list[Any]],
              render: Callable[[Any], dict], prefix: str, name: str, *,
              xml: bool = False) -> Response:
        try:
            rows = select()
            page = int(request.arg("Page", "0") or 0)
            size = int(request.arg("PageSize", str(DEFAULT_PAGE_SIZE)) or DEFAULT_PAGE_SIZE)
        except SortError as error:  # CallsEndpoint: 400 with buildErrorResponseBody
            return docs.error_response(400, str(error), xml=xml)
        except ValueError:
            return Response(400)  # a bad filter or number: 400, no body
        if size <= 0:
            return Response(500)  # notes: PageSize=0 divides by zero
        if page < 0 or page > len(rows) // size:  # notes: num_pages is the last page's index
            return Response(400)
        uri = f"{prefix}/{API_VERSION}/Accounts/{self.account_sid}/{name}"
        chunk = [render(row) for row in rows[page * size:(page + 1) * size]]
        answer = docs.list_page(uri, key, chunk, page=page, size=size, total=len(rows))
        if not xml:  # after the envelope: AfterSid stays the last real record's
            answer[key] = chunk + self.odd_objects.get(key, [])
        return docs.calls_xml_response(answer) if xml else Response.json(answer)

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


class SortError(ValueError):
    """A SortBy that Sorting.parseUrl refuses: the message is the server's."""


#: SortBy's fields (CallsEndpoint's SORTING_URL_PARAM_*), as values of a call's document.
#: Price: the JSON has none and this line bills nothing, so every call ties.
_SORT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "DateCreated": lambda d: 0, "From": lambda d: d["from"], "To": lambda d: d["to"],
    "Direction": lambda d: d["direction"], "Status": lambda d: d["status"],
    "Duration": lambda d: d["duration"], "Price": lambda d: 0}


def _like(pattern: str, value: str) -> bool:
    """SQL LIKE: ``%`` any run of characters, ``_`` any one, the rest literally. Case
    counts: the notes name no collation, and numbers and statuses have no case to differ."""
    parts = (".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch("".join(parts), value, re.DOTALL) is not None


def _wants_json(request: Request) -> bool:
    """notes (AcceptFilter): an ``Accept`` header containing ``json`` asks for JSON."""
    return "json" in request.headers.get("accept", "").lower()


def start_demo(workdir: Path, name: str = "restcomm-demo") -> DemoSource:
    """A month of the support line ending now, on a clock that keeps running."""
    sim = RestcommSimulator(calls_per_weekday=140, seed=4)
    url = sim.start() + "/restcomm"
    return DemoSource(sim, "restcomm", name, url, {"account_sid": sim.account_sid},
                      sim.auth_token)


__all__ = ["SEED_TRACE", "RestcommSimulator", "start_demo", "wav_bytes"]
