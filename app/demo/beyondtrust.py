"""A loopback BeyondTrust Remote Support appliance: OAuth token endpoint and reporting API.

Behaves as seed 004 and ../shared/samples/beyondtrust.md describe: ``POST /oauth2/token``
with HTTP Basic client credentials (at most 30 live tokens per account, a new one evicting
the oldest, one hour each); ``/api/reporting`` by GET or form-encoded POST (multipart
refused); SupportSession by ``start_date``/``end_date`` (days) or ``start_time``/``end_time``
(seconds) + ``duration`` (0 = until now), ``lsid`` or ``lsids``, with ``limit=``
(``beyondtrust_limit``); ``start_*`` also returns sessions in progress, ``end_*`` only
closed ones; SupportSessionListing; the three recording
reports; an ``<error>`` answer (HTTP 200) for a bad request; any of the three namespaces.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from app.demo.beyondtrust_data import SimSession
from app.demo.beyondtrust_limit import limit_filter
from app.demo.beyondtrust_timeline import month
from app.demo.beyondtrust_xml import document, error_document, listing_xml, session_xml
from app.demo.server import HTML_ERROR, DemoSource, Request, Response, Simulator

NAMESPACES = {
    "current": "https://www.beyondtrust.com/namespaces/API/reporting",
    "sra": "http://www.beyondtrust.com/sra/namespaces/API/reporting",
    "bomgar": "http://www.bomgar.com/namespaces/API/reporting",
}
XML = "text/xml; charset=UTF-8"
MAX_TOKENS = 30
RECORDINGS = {"SupportSessionRecording": ("Screen Recording", "ssr"),
              "ShowMyScreenRecording": ("Show My Screen Recording", "smsr"),
              "CommandShellRecording": ("Command Shell Session Started", "shr")}


class BeyondTrustSimulator(Simulator):
    """The appliance. Tests reach in through ``close_session``, ``inject_error``,
    ``inject_answer``, ``revoke_tokens`` and ``odd_sessions``, and read ``tokens_issued``
    and ``reports``."""

    def __init__(self, sessions: list[SimSession], *, client_id: str = "histview-reports",
                 client_secret: str = "demo-secret", namespace: str = "current",
                 token_lifetime_s: int = 3600, latency_s: float = 0.0) -> None:
        super().__init__(latency_s=latency_s)
        self.client_id = client_id
        self.client_secret = client_secret
        self.namespace = NAMESPACES[namespace]
        self.token_lifetime_s = token_lifetime_s
        self.sessions = {s.lsid: s for s in sessions}
        self.ordered = sorted(sessions, key=lambda s: s.start)
        self.tokens: dict[str, float] = {}  # token -> expiry, oldest first
        self.tokens_issued = 0
        self.issued: list[str] = []  # every token ever handed out (secret-leak tests)
        self._fail_after: int | None = None
        self.reports: list[dict[str, str]] = []  # the parameters of every reporting call
        self.connection_headers: list[str | None] = []
        # (path?query, Range) of every recording or /session_download asked for. Assumption:
        # the appliance ignores Range and streams the file whole every time (seed 004 and the
        # notes say nothing of partial content), so a resumed download starts over.
        self.downloads: list[tuple[str, str | None]] = []
        self._xml_cache: dict[str, str] = {}
        self._state = threading.Lock()
        #: ``<session>`` elements added, as they are, to every SupportSession answer: a
        #: test's odd sessions (no lsid, unreadable times) among the real ones.
        self.odd_sessions: list[str] = []
        #: LSIDs the SupportSession report leaves out while the listing still names them (a
        #: session being archived, or one the API account may no longer read).
        self.withheld: set[str] = set()

    # -- test and demo controls ---------------------------------------------------------------

    def close_session(self, lsid: str, at: int | None = None) -> SimSession:
        """End a running session now: the rest of its story happens, squeezed before ``at``."""
        with self._state:
            session = self.sessions[lsid]
            now = int(at or time.time())
            later, session.later = session.later, []
            floor = session.events[-1].timestamp if session.events else session.start
            shift = max(0, later[-1].timestamp - now) if later else 0
            for event in later:
                event.timestamp = max(event.timestamp - shift, floor)
            session.events.extend(later)
            ends = [e.timestamp for e in session.events if e.event_type == "Session End"]
            session.end = max(ends or [floor, session.start])
            session.never_closes = False
            self._xml_cache.pop(lsid, None)
            return session

    def inject_error(self, message: str, *, inside: str | None = None) -> None:
        """The next reporting call answers HTTP 200 with an ``<error>`` (as the root, or
        inside ``<session_list>`` as seed 004 says a failed search does)."""
        self.inject_answer(error_document(self.namespace, message, inside=inside))

    def inject_answer(self, body: bytes) -> None:
        """The next reporting call (after auth) answers HTTP 200 with ``body``."""
        self.respond_next(Response(200, body, {"Content-Type": XML}), "/api/reporting")

    def fail_after(self, calls: int) -> None:
        """Let ``calls`` more reporting calls through, then answer one with an HTML page (an
        appliance behind a proxy that fell over mid-sync)."""
        self._fail_after = calls

    def revoke_tokens(self) -> None:
        with self._state:
            self.tokens.clear()

    def unauthorized(self) -> Response:
        return Response(401, error_document(self.namespace, "Invalid or expired access token"),
                        {"Content-Type": XML, "WWW-Authenticate": "Bearer"})

    def malformed_body(self) -> Response:
        """Truncated XML: an answer cut off in the middle of a session."""
        whole = self._session_list(self.ordered[:1]) if self.ordered else b"<session_list>"
        return Response(200, whole[: max(len(whole) // 2, 60)], {"Content-Type": XML})

    # -- routing ----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path == "/oauth2/token" and request.method == "POST":
            return self._token(request)
        if request.path == "/api/reporting" and request.method in ("GET", "POST"):
            response = self._reporting(request)
        elif request.path == "/session_download" and request.method == "GET":
            response = self._download_link(request)
        else:
            return Response.text("Not Found", 404)
        if (request.headers.get("connection") or "").lower() == "close":
            response.headers["Connection"] = "close"
        return response

    def _token(self, request: Request) -> Response:
        form = request.form()
        if request.basic_auth() != (self.client_id, self.client_secret):
            return Response.json({"error": "invalid_client"}, 401)
        if form.get("grant_type", [""])[-1] != "client_credentials":
            return Response.json({"error": "unsupported_grant_type"}, 400)
        token = secrets.token_urlsafe(32)
        with self._state:
            self.tokens[token] = time.time() + self.token_lifetime_s
            self.tokens_issued += 1
            self.issued.append(token)
            while len(self.tokens) > MAX_TOKENS:  # a 31st token silently kills the oldest
                self.tokens.pop(next(iter(self.tokens)))
        return Response.json({"access_token": token, "token_type": "Bearer",
                              "expires_in": self.token_lifetime_s})

    def _authorized(self, request: Request) -> bool:
        token = request.bearer()
        with self._state:
            expiry = self.tokens.get(token or "")
        return expiry is not None and expiry > time.time()

    def _params(self, request: Request) -> dict[str, str] | str:
        params = {k: v[-1] for k, v in request.query.items()}
        if request.method == "POST":
            kind = request.headers.get("content-type", "")
            if "multipart" in kind:
                return "Multipart POST requests are not supported"
            if request.body and "x-www-form-urlencoded" not in kind:
                return "POST requests must be application/x-www-form-urlencoded"
            params.update({k: v[-1] for k, v in request.form().items()})
        return params

    # -- reporting ----------------------------------------------------------------------------------

    def _reporting(self, request: Request) -> Response:
        self.connection_headers.append(request.headers.get("connection"))
        if not self._authorized(request):
            return self.unauthorized()
        params = self._params(request)
        if isinstance(params, str):
            return self._error(params)
        self.reports.append(params)
        if self._fail_after is not None:
            self._fail_after -= 1
            if self._fail_after < 0:
                self._fail_after = None
                return Response(200, HTML_ERROR, {"Content-Type": "text/html"})
        canned = self.take_canned(request.path)
        if canned is not None:
            return canned
        report = params.get("generate_report", "")
        if report == "SupportSession":
            found = self._select(params, allow_ids=True)
            if not isinstance(found, Response):
                found = self._limited(found, params)
            if isinstance(found, list):
                found = [s for s in found if s.lsid not in self.withheld]
            return found if isinstance(found, Response) else Response(
                200, self._session_list(found), {"Content-Type": XML})
        if report == "SupportSessionListing":
            found = self._select(params, allow_ids=False)
            return found if isinstance(found, Response) else Response(
                200, document("session_summary_list", self.namespace,
                              "".join(listing_xml(s) for s in found)), {"Content-Type": XML})
        if report in RECORDINGS:
            return self._recording(report, params, request)
        return self._error(f"Invalid report type: {report or '(none)'}")

    def _error(self, message: str) -> Response:
        return Response(200, error_document(self.namespace, message), {"Content-Type": XML})

    def _session_list(self, sessions: list[SimSession]) -> bytes:
        now = int(time.time())
        return document("session_list", self.namespace,
                        "".join(self._xml(s, now) for s in sessions)
                        + "".join(self.odd_sessions))

    def _limited(self, found: list[SimSession], params: dict[str, str]
                 ) -> list[SimSession] | Response:
        """SupportSession's ``limit=``: seed 004 line 638 "The limit parameter cannot be used in
        conjunction with either lsid or lsids. If it is used with either of these parameters,
        the limit parameter will be ignored."; the categories are its query examples
        (lines 756-767). SupportSessionListing documents no limit (lines 775-780)."""
        if "limit" not in params or "lsid" in params or "lsids" in params:
            return found
        match = limit_filter(params["limit"])
        if match is None:
            # Assumption: the seed gives no message for an unknown category; the appliance
            # answers a bad parameter with an <error>, as it does for the others.
            return self._error("Invalid limit parameter")
        now = int(time.time())
        return [s for s in found if match(s, now)]

    def _xml(self, session: SimSession, now: int) -> str:
        if session.end is None:  # still running: its duration grows, never cached
            return session_xml(session, self.url, now)
        cached = self._xml_cache.get(session.lsid)
        if cached is None:
            cached = self._xml_cache[session.lsid] = session_xml(session, self.url, now)
        return cached

    def _select(self, params: dict[str, str], *, allow_ids: bool) -> list[SimSession] | Response:
        now = time.time()
        if allow_ids and ("lsid" in params or "lsids" in params):
            wanted = params.get("lsid") or params.get("lsids", "")
            ids = [i.strip() for i in wanted.split(",") if i.strip()]
            return [self.sessions[i] for i in ids
                    if i in self.sessions and self.sessions[i].start <= now]
        key = next((k for k in ("start_date", "start_time", "end_date", "end_time")
                    if k in params), None)
        if key is None:
            return self._error("Missing required parameter: one of start_date, start_time, "
                               "end_date, end_time" + (", lsid, lsids" if allow_ids else ""))
        try:
            duration = int(params["duration"])
            if key.endswith("_date"):
                day = datetime.strptime(params[key], "%Y-%m-%d").replace(tzinfo=UTC)
                low, span = day.timestamp(), duration * 86400
            else:
                low, span = float(params[key]), duration
        except (KeyError, ValueError):
            return self._error(f"Invalid or missing parameters: {key} and duration")
        high = now if duration == 0 else low + span
        if key.startswith("start"):
            return [s for s in self.ordered if low <= s.start < high and s.start <= now]
        return [s for s in self.ordered if s.end is not None and low <= s.end < high]

    # -- recordings -------------------------------------------------------------------------------

    def _recording(self, report: str, params: dict[str, str], request: Request) -> Response:
        query = urllib.parse.urlencode(params)
        self.downloads.append((f"{request.path}?{query}", request.headers.get("range")))
        event_type, what = RECORDINGS[report]
        session = self.sessions.get(params.get("lsid", ""))
        instance = params.get("instance", "0") if report != "SupportSessionRecording" else None
        count = session.event_count(event_type) if session and session.end else 0
        if not count or (instance is not None and
                         (not instance.isdigit() or int(instance) >= count)):
            return self._error(f"No {report} for lsid {params.get('lsid', '')!r}"
                               + (f" instance {instance}" if instance is not None else ""))
        body = recording_bytes(session.lsid, what, instance)
        name = f"{session.lsid}_{what}{'_' + instance if instance else ''}.dat"
        return Response(200, body, {"Content-Type": "application/octet-stream",
                                    "Content-Disposition": f'attachment; filename="{name}"'})

    def _download_link(self, request: Request) -> Response:
        """The appliance's own ``/session_download`` links (chat transcripts, recordings)."""
        query = urllib.parse.urlencode(request.query, doseq=True)
        self.downloads.append((f"{request.path}?{query}", request.headers.get("range")))
        if not self._authorized(request):
            return Response.text("Login required", 401)
        token = dict(part.split("=", 1) for part in (request.arg("lsid") or "").split(";")
                     if "=" in part)
        session = self.sessions.get(token.get("l", ""))
        if session is None or session.end is None:
            return Response.text("Not Found", 404)
        if token.get("m") != "chat":
            return Response(200, recording_bytes(session.lsid, token.get("m", ""),
                                                 token.get("i")),
                            {"Content-Type": "application/octet-stream"})
        lines = [f"{datetime.fromtimestamp(e.timestamp, UTC):%Y-%m-%d %H:%M:%S} "
                 f"{e.performed_by.name if e.performed_by else 'System'}: {e.body}"
                 for e in session.events if e.event_type == "Chat Message"]
        return Response.text("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def recording_bytes(lsid: str, what: str, instance: str | None) -> bytes:
    """A small opaque recording, the same bytes every time for the same recording."""
    seed = hashlib.sha256(f"{lsid}:{what}:{instance}".encode()).digest()
    blocks = [seed]
    while len(blocks) < 128:
        blocks.append(hashlib.sha256(blocks[-1]).digest())
    return b"BTRS-RECORDING\x00" + what.encode() + b"\x00" + b"".join(blocks)


def start_demo(workdir: Path, name: str = "beyondtrust-demo") -> DemoSource:
    """A month of a help desk's sessions ending now, on a started loopback appliance."""
    workdir.mkdir(parents=True, exist_ok=True)
    client_id = "histview-demo"
    secret = secrets.token_urlsafe(24)
    simulator = BeyondTrustSimulator(month(datetime.now(UTC)), client_id=client_id,
                                     client_secret=secret)
    url = simulator.start()
    return DemoSource(simulator, "beyondtrust", name, url, {"client_id": client_id}, secret)
