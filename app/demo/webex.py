"""A loopback Webex REST API: compliance events, meeting recordings, transcripts and chats.

Behaves as seed 003 and samples/webex.md describe: bearer tokens; ``/v1/events`` with
``from``/``to``/``max``/``resource``/``type``/``actorId``, newest first, ``to`` in the future
refused with 400, ``max`` outside 1–1000 refused and silently capped at ``page_cap``
otherwise (1000, the documented cap, unless a test lowers it to force paging), paged by an
RFC 5988 ``Link: <…>; rel="next"`` header and nothing else (no total); the old defect of
next links carrying ``max=null`` (which then fails) when ``legacy_max_null`` is on; Webex's
error body (``message``, ``errors``, ``trackingId``);
recordings and transcripts listed by ``meetingId``, ``from`` (inclusive), ``to`` (exclusive)
and, for recordings, ``topic``, ``max`` 1–100 (a larger one silently capped), newest first;
recording details with temporary direct-download links that expire after three hours; a
meeting's post-meeting chats (Meeting Chats reference:
``/v1/meetings/postMeetingChats?meetingId=…&max=…&offset=…``, ``meetingId`` required,
oldest first, paged by ``offset`` in the ``Link`` header), answered 403 when
``chats_enabled`` is off, as for an org that never had the upon-request collection turned on
(assumed: the reference does not say what such an org gets).
"""

from __future__ import annotations

import base64
import secrets
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.demo.server import DemoSource, Request, Response, Simulator, byte_range
from app.demo.webex_data import History, WebexGenerator
from app.demo.webex_samples import sample_history

PAGE_CAP = 1000  # seed 003, List Events: "max ... must be between 1 and 1000, inclusive"
LISTING_CAP = 100  # samples/webex.md: recordings and transcripts take ``max`` 1-100
LINK_LIFETIME = timedelta(hours=3)  # the captured sample's links expire 3 h after the call
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(4096)


def _time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Paging:
    """How a listing says where a page starts: the query parameter and its encoding."""

    param: str
    decode: Callable[[str], int]  # raises ValueError on a value the API would refuse
    encode: Callable[[int], str]


def _read_cursor(value: str) -> int:
    return int(base64.urlsafe_b64decode(value.encode()).decode())


def _write_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def _read_offset(value: str) -> int:
    if not value.isdigit():
        raise ValueError(f"offset must be a whole number (got {value!r}).")
    return int(value)


@dataclass(frozen=True)
class Filters:
    """What a per-meeting listing's ``from``/``to`` window and ``topic`` are matched on;
    None where the listing documents no such parameter (then it is ignored)."""

    time: str | None = None
    topic: str | None = None


#: samples/webex.md "Recordings" [H]: ``from`` (inclusive), ``to`` (exclusive), ``topic``.
#: Assumption: the window reads ``createTime``, the time the list is sorted by.
RECORDING_FILTERS = Filters("createTime", "topic")
#: samples/webex.md "Meeting transcripts" [H]: ``from`` (incl), ``to`` (excl). Assumption:
#: the window reads ``startTime``, the only time a transcript item carries.
TRANSCRIPT_FILTERS = Filters("startTime")


#: Events, recordings and transcripts: an opaque cursor the client only ever follows.
CURSOR = Paging("cursor", _read_cursor, _write_cursor)
#: Meeting chats: the reference documents a plain ``offset``.
OFFSET = Paging("offset", _read_offset, str)


def webex_error(status: int, message: str) -> Response:
    tracking = f"ROUTER_{secrets.token_hex(4).upper()}-{secrets.token_hex(2).upper()}"
    return Response.json({"message": message, "errors": [{"description": message}],
                          "trackingId": tracking}, status, TrackingID=tracking)


class WebexSimulator(Simulator):
    def __init__(self, *, end: datetime | None = None, days: int = 30, seed: int = 3,
                 token: str | None = None, page_cap: int = PAGE_CAP,
                 include_samples: bool = True, latency_s: float = 0.0) -> None:
        super().__init__(latency_s=latency_s)
        self.token = token or "NWM" + secrets.token_urlsafe(40) + "_PF84_" + secrets.token_hex(8)
        self.page_cap = page_cap
        self.legacy_max_null = False
        self.chats_enabled = True  # off: the org never had meeting chat collection enabled
        #: Events a test puts first in every events answer, as they are: odd ones (``data``
        #: that is no object, a time nobody can read) among the real ones. Test-only.
        self.odd_events: list[Any] = []
        self.generator = WebexGenerator(seed)
        self.history = sample_history() if include_samples else History()
        self.history.extend(self.generator.month(end or datetime.now(UTC), days))
        self.tickets: dict[str, datetime] = {}  # direct-download ticket -> expiry
        self.downloads: list[tuple[str, str | None]] = []  # (path, Range) of each file asked
        self._data_lock = threading.Lock()

    # -- what tests and the demo change -----------------------------------------------------

    def add_events(self, events: list[dict[str, Any]]) -> None:
        with self._data_lock:
            self.history.events.extend(events)

    def add_meeting(self, start: datetime, minutes: int = 30, *, recording: bool = True,
                    transcription: bool = True, chats: int | None = None) -> str:
        """A new meeting (with its chat, recording and transcript); returns its id.
        ``chats`` gives it exactly that many post-meeting chats (otherwise it has a
        handful or none, by chance)."""
        fresh = History()
        meeting_id = self.generator.meeting("Escalation review: {company}", start, minutes,
                                            recording, transcription, fresh, chats)
        with self._data_lock:
            self.history.extend(fresh)
        return meeting_id

    def events_between(self, start: datetime | None, end: datetime) -> list[dict[str, Any]]:
        with self._data_lock:
            return [e for e in self.history.events if _time(e["created"]) < end
                    and (start is None or _time(e["created"]) >= start)]

    def expire_links(self) -> None:
        self.tickets.clear()

    def fail_next(self, status: int, message: str, path_contains: str | None = None) -> None:
        """The next matching API request gets this Webex error body."""
        self.respond_next(webex_error(status, message), path_contains)

    # -- HTTP -------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/nbr/"):
            return self._direct_download(request)
        if request.bearer() != self.token:
            return self.unauthorized()
        path = request.path.rstrip("/")
        injected = self.take_canned(path)
        if injected is not None:
            return injected
        if path == "/v1/events":
            return self._events(request)
        if path == "/v1/recordings":
            return self._by_meeting(request, self.history.recordings, "createTime",
                                    filters=RECORDING_FILTERS)
        if path.startswith("/v1/recordings/"):
            return self._recording(path.rsplit("/", 1)[1])
        if path == "/v1/meetingTranscripts":
            return self._by_meeting(request, self._transcript_items(), "startTime",
                                    filters=TRANSCRIPT_FILTERS)
        if path.startswith("/v1/meetingTranscripts/") and path.endswith("/download"):
            return self._transcript_download(path.split("/")[3], request)
        if path == "/v1/meetings/postMeetingChats":
            return self._post_meeting_chats(request)
        return webex_error(404, "The requested resource could not be found.")

    def _events(self, request: Request) -> Response:
        try:
            limit = _max(request.arg("max"), 1000)
            low = _time(request.arg("from")) if request.arg("from") else None
            high = _time(request.arg("to")) if request.arg("to") else datetime.now(UTC)
        except ValueError as error:
            return webex_error(400, str(error))
        if high > datetime.now(UTC):
            return webex_error(400, "'to' cannot be set to a future date.")
        items = [e for e in self.events_between(low, high) if _matches(e, request)]
        items.sort(key=lambda e: (e["created"], e["id"]), reverse=True)  # newest first
        return self._paged(request, [*self.odd_events, *items], min(limit, self.page_cap))

    def _paged(self, request: Request, items: list[dict], size: int,
               paging: Paging = CURSOR) -> Response:
        """One page of ``items`` from where ``paging``'s parameter says, and a ``Link``
        rel="next" carrying the next position while any are left (the only paging
        signal Webex gives: samples/webex.md)."""
        value = request.arg(paging.param)
        try:
            offset = 0 if value is None else paging.decode(value)
        except (ValueError, TypeError):
            return webex_error(400, f"Invalid {paging.param}.")
        headers = {}
        if offset + size < len(items):
            query = {k: v[-1] for k, v in request.query.items() if k != paging.param}
            if self.legacy_max_null:
                query["max"] = "null"  # the old Link defect (WebexPythonSDK _fix_next_url)
            query[paging.param] = paging.encode(offset + size)
            link = f"{self.url}{request.path}?{urllib.parse.urlencode(query)}"
            headers["Link"] = f'<{link}>; rel="next"'
        return Response.json({"items": items[offset:offset + size]}, **headers)

    def _by_meeting(self, request: Request, rows: list[dict], order: str, *,
                    filters: Filters = Filters(), newest_first: bool = True,
                    paging: Paging = CURSOR) -> Response:
        """A per-meeting listing: the ready rows of ``meetingId`` (all meetings without
        one) that ``filters`` keeps, sorted by ``order``, ``max`` capped at 100."""
        try:
            limit = _capped_max(request.arg("max"), LISTING_CAP)
            keep = _row_filter(request, filters)
        except ValueError as error:
            return webex_error(400, str(error))
        meeting = request.arg("meetingId")
        now = datetime.now(UTC)
        with self._data_lock:  # recordings appear minutes after a meeting ends
            items = [self._public(r) for r in rows
                     if meeting in (None, r["meetingId"]) and r["_ready"] <= now and keep(r)]
        items.sort(key=lambda r: r.get(order, ""), reverse=newest_first)
        return self._paged(request, items, limit, paging)

    def _post_meeting_chats(self, request: Request) -> Response:
        """A meeting's chats, oldest first. Assumption: an org without the upon-request
        chat collection gets 403 with the usual error body (the reference does not say)."""
        if not request.arg("meetingId"):
            return webex_error(400, "meetingId is required.")
        if not self.chats_enabled:
            return webex_error(403, "Meeting chats collection is not enabled for this "
                                    "organization.")
        return self._by_meeting(request, self.history.chats, "chatTime", newest_first=False,
                                paging=OFFSET)

    def _public(self, row: dict) -> dict:
        return {k: v for k, v in row.items() if not k.startswith("_")}

    def _transcript_items(self) -> list[dict]:
        items = []
        for t in self.history.transcripts:
            link = (f"{self.url}/v1/meetingTranscripts/{t['id']}/download?"
                    f"meetingId={t['meetingId']}&format=")
            items.append({**t, "vttDownloadLink": link + "vtt", "txtDownloadLink": link + "txt"})
        return items

    def _recording(self, key: str) -> Response:
        with self._data_lock:
            row = next((r for r in self.history.recordings if r["id"] == key), None)
        if row is None:
            return webex_error(404, "The requested recording could not be found.")
        ticket = base64.b64encode(secrets.token_bytes(36)).decode()
        expires = datetime.now(UTC) + LINK_LIFETIME
        self.tickets[ticket] = expires
        query = urllib.parse.urlencode({"recordid": key, "from": "MBS", "ticket": ticket,
                                        "timestamp": int(datetime.now(UTC).timestamp() * 1000)})
        base = f"{self.url}/nbr/MultiThreadDownloadServlet"
        return Response.json({**self._public(row), "temporaryDirectDownloadLinks": {
            "recordingDownloadLink": f"{base}?{query}",
            "audioDownloadLink": f"{base}/audio.mp3?{query}",
            "expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}})

    def _direct_download(self, request: Request) -> Response:
        """A temporary direct link. Assumption: it honours Range, as its name says (the
        MultiThreadDownloadServlet serves parts of a file to multi-threaded downloaders)."""
        self.downloads.append((request.path, request.headers.get("range")))
        expiry = self.tickets.get(request.arg("ticket") or "")
        if expiry is None or expiry < datetime.now(UTC):
            return Response.text("<html><body>The link has expired.</body></html>", 403,
                                 "text/html")
        return byte_range(request, Response(200, FAKE_MP4, {"Content-Type": "video/mp4"}))

    def _transcript_download(self, key: str, request: Request) -> Response:
        """A transcript rendered by the API. Assumption: it ignores Range (an API answer,
        not a file; nothing documents partial content), so a resume gets it whole."""
        self.downloads.append((request.path, request.headers.get("range")))
        transcript = next((t for t in self.history.transcripts if t["id"] == key), None)
        if transcript is None or request.arg("format") not in ("txt", "vtt"):
            return webex_error(404, "The requested transcript could not be found.")
        people = [p.name for p in transcript["_people"]] or ["Speaker"]
        lines = ["Thanks for joining, let's get started.", "I can reproduce it on my side.",
                 "Let's capture the logs and follow up by email."]
        if request.arg("format") == "txt":
            body = "\n".join(f"{people[i % len(people)]}: {line}" for i, line in enumerate(lines))
            return Response.text(body + "\n")
        cues = [f"{i + 1}\n00:00:{i * 4:02d}.000 --> 00:00:{i * 4 + 3:02d}.500\n"
                f"{people[i % len(people)]}: {line}\n" for i, line in enumerate(lines)]
        return Response.text("WEBVTT\n\n" + "\n".join(cues), content_type="text/vtt")

    def unauthorized(self) -> Response:
        return webex_error(401, "The request requires a valid access token set in the "
                                "Authorization request header.")

    def throttled(self, status: int) -> Response:
        """webex.md "Rate limits & errors": the usual message/errors/trackingId body."""
        return webex_error(status, "Too many requests, retry after some time.")

    def malformed_body(self) -> Response:
        return Response(200, b'{"items": [{"id": "Y2lzY29zcGFyazovL3VzL0VWRU5UL',
                        {"Content-Type": "application/json"})


def _max(value: str | None, ceiling: int) -> int:
    if value is None:
        return ceiling
    if not value.isdigit() or not 1 <= int(value) <= ceiling:
        raise ValueError(f"max must be between 1 and {ceiling}, inclusive (got {value!r}).")
    return int(value)


def _capped_max(value: str | None, cap: int) -> int:
    """A listing's ``max``, over ``cap`` silently cut to it (samples/webex.md Pagination:
    "If `max` exceeds an endpoint's cap, the cap is silently used (no error)"). Assumption:
    below 1 or not a number is still refused, as List Events refuses it."""
    if value is None:
        return cap
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"max must be a whole number of at least 1 (got {value!r}).")
    return min(int(value), cap)


def _row_filter(request: Request, filters: Filters) -> Callable[[dict], bool]:
    """The request's ``from``/``to``/``topic`` as a test of one row. Assumptions: ``from``
    after ``to`` is refused with 400, as the admin variant's reference says; ``topic``
    matches case-insensitively anywhere in the topic (the notes say only that it filters)."""
    low = _time(request.arg("from")) if filters.time and request.arg("from") else None
    high = _time(request.arg("to")) if filters.time and request.arg("to") else None
    if low and high and low > high:
        raise ValueError("'from' cannot be after 'to'.")
    topic = (request.arg("topic") or "").casefold() if filters.topic else ""

    def keep(row: dict) -> bool:
        if filters.time and (low or high):
            moment = _time(row[filters.time])
            if (low and moment < low) or (high and moment >= high):
                return False
        return not topic or topic in str(row.get(filters.topic or "", "")).casefold()
    return keep


def _matches(event: dict, request: Request) -> bool:
    return all(request.arg(name) in (None, event.get(name))
               for name in ("resource", "type", "actorId"))


def start_demo(workdir: Path, name: str = "webex-demo") -> DemoSource:
    sim = WebexSimulator()
    url = sim.start()
    return DemoSource(sim, "webex", name, url, {}, sim.token)

