"""The loopback HTTP server every vendor simulator runs on, with injectable faults.

A simulator subclasses ``Simulator`` and implements ``handle(request)``; the base class owns
the socket (127.0.0.1, a free port), optional TLS, and the faults tests and the demo inject:
429 with Retry-After, 500, a dropped connection, malformed JSON, an HTML error page, a slow
answer and a 401. Faults are consumed in order, so "the next two requests get a 429" is
``sim.faults.add("429", count=2)``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import ssl
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

T = TypeVar("T")

HTML_ERROR = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
              b"<body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def form(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def basic_auth(self) -> tuple[str, str] | None:
        header = self.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        return user, password

    def bearer(self) -> str | None:
        header = self.headers.get("authorization", "")
        return header[7:] if header.lower().startswith("bearer ") else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Response:
        return cls(status, json.dumps(data).encode(),
                   {"Content-Type": "application/json", **headers})

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain") -> Response:
        return cls(status, text.encode(), {"Content-Type": content_type})


@dataclass
class Fault:
    kind: str  # 429 | 500 | 503 | drop | malformed | html | slow | 401 | truncate
    path_contains: str | None = None
    retry_after: str = "1"
    delay_s: float = 0.0


class MatchQueue(Generic[T]):
    """Items waiting for requests whose path contains their fragment (None: any path),
    each handed out once, oldest first. Thread-safe: the server answers on many threads."""

    def __init__(self) -> None:
        self._items: deque[tuple[T, str | None]] = deque()
        self._lock = threading.Lock()

    def put(self, item: T, path_contains: str | None = None) -> None:
        with self._lock:
            self._items.append((item, path_contains))

    def take(self, path: str) -> T | None:
        with self._lock:
            for entry in self._items:
                if entry[1] is None or entry[1] in path:
                    self._items.remove(entry)
                    return entry[0]
        return None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class FaultQueue(MatchQueue[Fault]):
    """Faults waiting for matching requests, each used once."""

    def add(self, kind: str, count: int = 1, *, path_contains: str | None = None,
            retry_after: str = "1", delay_s: float = 0.0) -> None:
        for _ in range(count):
            self.put(Fault(kind, path_contains, retry_after, delay_s), path_contains)


class Simulator:
    """Base of the five vendor simulators: a threaded HTTP(S) server on loopback."""

    def __init__(self, *, latency_s: float = 0.0) -> None:
        self.faults = FaultQueue()
        self.latency_s = latency_s
        self.requests: list[tuple[str, str]] = []  # (method, path?query) for tests
        self._canned: MatchQueue[Response] = MatchQueue()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.scheme = "http"

    # -- what subclasses implement ---------------------------------------------------------

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def malformed_body(self) -> Response:
        """A broken answer in the vendor's own format (JSON by default)."""
        return Response(200, b'{"meta": {"limit": 20, "next": nul', {"Content-Type": "application/json"})

    def throttled(self, status: int) -> Response:
        """An injected 429 or 503 in the vendor's own words (the fault adds its Retry-After).
        A vendor whose documents show none (Pexip, Restcomm, BeyondTrust) keeps this one."""
        return Response(status, b'{"message": "Too many requests"}',
                        {"Content-Type": "application/json"})

    def unauthorized(self) -> Response:
        """An injected 401: what this vendor answers a request whose credentials it refuses."""
        return Response(401, b"", {"WWW-Authenticate": 'Basic realm="api"'})

    # -- lifecycle --------------------------------------------------------------------------

    def start(self, port: int = 0, tls: ssl.SSLContext | None = None) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        server.daemon_threads = True
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
            self.scheme = "https"
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True,
                                        name=f"{type(self).__name__}-server")
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the simulator first"
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def respond_next(self, response: Response, path_contains: str | None = None) -> None:
        """The next matching request the simulator answers itself gets ``response``
        (a vendor error body, a replayed answer). Unlike a fault, it comes after auth."""
        self._canned.put(response, path_contains)

    def take_canned(self, path: str) -> Response | None:
        """The queued answer for ``path``, if any (call it where the vendor would answer)."""
        return self._canned.take(path)

    def record(self, method: str, target: str) -> None:
        with self._lock:
            self.requests.append((method, target))

    def requests_to(self, fragment: str) -> list[str]:
        with self._lock:
            return [target for _, target in self.requests if fragment in target]


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def byte_range(request: Request, response: Response) -> Response:
    """A whole-file 200 ``response`` narrowed to the request's ``Range``, as a static-file
    server does it (RFC 9110 §14): ``bytes=A-``, ``A-B`` or ``-N`` get 206 with
    Content-Range, a start past the end gets 416 with ``bytes */SIZE``; no header, several
    ranges or one it cannot parse get the whole file (a server may ignore Range).

    The file carries a strong ETag made from its bytes, and an ``If-Range`` that names
    another version (§13.1.5) gets the whole file: a resumed download never appends the
    rest of a file that changed to the start of the one it had."""
    if response.status != 200:
        return response
    response.headers.setdefault("Accept-Ranges", "bytes")
    response.headers.setdefault("ETag", f'"{hashlib.sha256(response.body).hexdigest()[:20]}"')
    if_range = (request.headers.get("if-range") or "").strip()
    if if_range and if_range not in (response.headers["ETag"],
                                     response.headers.get("Last-Modified")):
        return response
    match = _RANGE.fullmatch((request.headers.get("range") or "").strip())
    first, last = match.groups() if match else ("", "")
    if not (first or last) or (first and last and int(last) < int(first)):
        return response
    size = len(response.body)
    start = int(first) if first else max(size - int(last), 0)
    end = min(int(last), size - 1) if first and last else size - 1
    if start >= size:
        return Response(416, b"", {"Content-Range": f"bytes */{size}"})
    return Response(206, response.body[start:end + 1], {
        **response.headers, "Accept-Ranges": "bytes",
        "Content-Range": f"bytes {start}-{end}/{size}"})


def _handler_for(sim: Simulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes; with Nagle on, a keep-alive client's delayed
        # ACK stalls every answer ~40 ms. TCP_NODELAY (stdlib switch) sends them at once.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests and the demo read the simulator's state, not its log

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_HEAD(self) -> None:
            self._serve("HEAD")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urllib.parse.urlsplit(self.path)
            request = Request(method, parts.path,
                              urllib.parse.parse_qs(parts.query, keep_blank_values=True),
                              {k.lower(): v for k, v in self.headers.items()}, body)
            sim.record(method, self.path)
            if sim.latency_s:
                time.sleep(sim.latency_s)
            fault = sim.faults.take(self.path)
            if fault is not None and fault.kind == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            response = _fault_response(sim, fault) if fault else None
            if response is None:
                try:
                    response = sim.handle(request)
                except Exception as error:
                    response = Response.text(f"simulator error: {error}", 500)
            self._send(response, method, truncate=bool(fault and fault.kind == "truncate"))

        def _send(self, response: Response, method: str, truncate: bool) -> None:
            body = response.body
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(body[: len(body) // 2] if truncate else body)
            if truncate:
                self.close_connection = True

    return Handler


def _fault_response(sim: Simulator, fault: Fault) -> Response | None:
    if fault.kind in ("429", "503"):
        response = sim.throttled(int(fault.kind))
        response.headers["Retry-After"] = fault.retry_after
        return response
    if fault.kind == "500":
        return Response.text("Internal Server Error", 500)
    if fault.kind == "401":
        return sim.unauthorized()
    if fault.kind == "html":
        return Response(200, HTML_ERROR, {"Content-Type": "text/html"})
    if fault.kind == "malformed":
        return sim.malformed_body()
    if fault.kind == "slow":
        time.sleep(fault.delay_s or 2.0)
    return None  # slow and truncate go on to the real answer


@dataclass
class DemoSource:
    """A started simulator and what registering it as a source needs.

    Every ``app/demo/<kind>.py`` exposes ``start_demo(workdir, name) -> DemoSource`` with a
    realistic month of history, so ``histview demo`` and tests start them the same way.
    """

    simulator: Simulator
    kind: str
    name: str
    url: str
    options: dict[str, str]
    secret: str
    ca_bundle: str | None = None
