"""A loopback Microsoft Graph with its login host: PSTN and Direct Routing call logs.

One TLS server (msal accepts only https authorities, ``../shared/samples/msgraph.md``) plays
both hosts: the Entra ID endpoints msal needs (OpenID discovery and the v2.0 token
endpoint for client credentials) and Graph's ``getPstnCalls`` / ``getDirectRoutingCalls``
functions. It keeps the vendor's rules: a range over 90 days is a 400 with a Graph error
body (seed 002), pages of 1,000 rows with an ``@odata.nextLink`` whose parameter names
differ from the request's, ``@odata.count`` counting the rows of *this* page, bearer
tokens that expire, and rows that appear in the log only once published, sometimes hours
after the call ended.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
import urllib.parse
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.demo.msgraph_data import CallLogGenerator, seed_rows
from app.demo.server import DemoSource, Request, Response, Simulator
from app.demo.tls import make_loopback_tls

MAX_RANGE = timedelta(days=90)
PAGE_SIZE = 1000
FUNCTIONS = ("getPstnCalls", "getDirectRoutingCalls")
ROW_TYPES = {"getPstnCalls": "pstnCallLogRow", "getDirectRoutingCalls": "directRoutingLogRow"}
_CALL_LOG = re.compile(
    r"^/(v1\.0|beta)/communications/callRecords/(?:microsoft\.graph\.callRecords\.)?"
    r"(getPstnCalls|getDirectRoutingCalls)\((.*)\)$")


def _time(value: str) -> datetime:
    """A row or parameter time: date-only or ISO with up to 7 fractional digits."""
    text = value.strip().replace("Z", "+00:00")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def graph_error(status: int, code: str, message: str) -> Response:
    """Graph's error body (concepts/errors.md): error.code, error.message, innerError."""
    inner = {"date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
             "request-id": secrets.token_hex(16), "client-request-id": secrets.token_hex(16)}
    return Response.json({"error": {"code": code, "message": message, "innerError": inner}},
                         status)


def entra_error(status: int, error: str, description: str) -> Response:
    return Response.json({"error": error, "error_description": description,
                          "error_codes": [int(re.sub(r"\D", "", description.split(":")[0]) or 0)],
                          "trace_id": secrets.token_hex(16)}, status)


class GraphSimulator(Simulator):
    """Entra ID + Graph call logs. ``clock_offset`` moves the publishing clock forward."""

    def __init__(self, *, tenant_id: str = "4f8e2a1c-9b7d-4e3a-8c21-6d5f0b9a7e44",
                 client_id: str = "b6a1f3e2-5c4d-4a8b-9e7f-1d2c3b4a5f60",
                 client_secret: str | None = None, end: datetime | None = None,
                 days: int = 30, seed: int = 2, page_size: int = PAGE_SIZE,
                 token_lifetime_s: int = 3599, include_seed_rows: bool = True,
                 latency_s: float = 0.0) -> None:
        super().__init__(latency_s=latency_s)
        self.tenant_id, self.client_id = tenant_id, client_id
        self.client_secret = client_secret or "Qx8~" + secrets.token_urlsafe(30)
        self.page_size = page_size
        self.token_lifetime_s = token_lifetime_s
        self.clock_offset = timedelta(0)
        self.tokens: dict[str, float] = {}  # access token -> monotonic expiry
        self.tokens_issued = 0
        #: What the next token requests get instead of a token, oldest first: a test's
        #: refusal without Entra's JSON, a cut-off body (test-only; the faults in
        #: ``server.py`` cover drops, HTML pages and 5xx).
        self.login_answers: deque[Response] = deque()
        self._data_lock = threading.Lock()
        end = end or datetime.now(UTC)
        self.generator = CallLogGenerator(seed)
        self.rows: dict[str, list[dict[str, Any]]] = {f: [] for f in FUNCTIONS}
        if include_seed_rows:
            for function, rows in seed_rows().items():
                self.rows[function].extend(rows)
        self.rows["getPstnCalls"].extend(self.generator.pstn_month(end, days))
        self.rows["getDirectRoutingCalls"].extend(self.generator.direct_routing_month(end, days))

    # -- what tests and the demo change -----------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    def add_row(self, function: str, row: dict[str, Any],
                published: datetime | None = None) -> None:
        """Add a call log row; it shows once ``published`` (default: now) has passed."""
        with self._data_lock:
            self.rows[function].append({**row, "_published": published or self.now()})

    def published_ids(self, function: str) -> set[str]:
        now = self.now()
        with self._data_lock:
            return {r["id"] for r in self.rows[function] if r["_published"] <= now}

    def fail_next(self, status: int, code: str, message: str,
                  path_contains: str | None = None) -> None:
        """The next matching Graph request gets this Graph error body."""
        self.respond_next(graph_error(status, code, message), path_contains)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    # -- HTTP -------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = urllib.parse.unquote(request.path)
        tenant_path = f"/{self.tenant_id}/"
        if path.endswith("/v2.0/.well-known/openid-configuration"):
            return self._discovery(path)
        if path.endswith("/oauth2/v2.0/token"):
            if not path.startswith(tenant_path):
                return entra_error(400, "invalid_request",
                                   f"AADSTS90002: Tenant '{path.split('/')[1]}' not found.")
            return self._login_answer() or self._token(request)
        match = _CALL_LOG.match(path)
        if match is None:
            return graph_error(400, "BadRequest",
                               f"Resource not found for the segment '{path.rsplit('/', 1)[-1]}'.")
        if not self._authorized(request):
            return self.unauthorized()
        injected = self.take_canned(path)
        if injected is not None:
            return injected
        return self._call_log(request, *match.groups())

    def _discovery(self, path: str) -> Response:
        tenant = path.split("/")[1]
        if tenant != self.tenant_id:
            return entra_error(400, "invalid_tenant",
                               f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure "
                               "you have the correct tenant ID and are signing into the "
                               "correct cloud.")
        base = f"{self.url}/{tenant}"
        return Response.json({
            "issuer": f"{base}/v2.0", "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "jwks_uri": f"{self.url}/{tenant}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                      "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "tenant_region_scope": "NA", "cloud_instance_name": "microsoftonline.com",
        })

    def _token(self, request: Request) -> Response:
        form = {k: v[-1] for k, v in request.form().items()}
        if form.get("grant_type") != "client_credentials":
            return entra_error(400, "unsupported_grant_type",
                               "AADSTS70003: The app requested an unsupported grant type.")
        if form.get("client_id") != self.client_id:
            return entra_error(400, "unauthorized_client",
                               f"AADSTS700016: Application with identifier "
                               f"'{form.get('client_id')}' was not found in the directory.")
        if form.get("client_secret") != self.client_secret:
            return entra_error(401, "invalid_client",
                               "AADSTS7000215: Invalid client secret provided. Ensure the "
                               "secret being sent in the request is the client secret value, "
                               "not the client secret ID.")
        if not form.get("scope", "").endswith("/.default"):
            return entra_error(400, "invalid_scope",
                               "AADSTS1002012: The provided value for scope is not valid.")
        token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(48)
        self.tokens[token] = time.monotonic() + self.token_lifetime_s
        self.tokens_issued += 1
        return Response.json({"token_type": "Bearer", "expires_in": self.token_lifetime_s,
                              "ext_expires_in": self.token_lifetime_s, "access_token": token})

    def _login_answer(self) -> Response | None:
        try:
            return self.login_answers.popleft()
        except IndexError:
            return None

    def _authorized(self, request: Request) -> bool:
        expiry = self.tokens.get(request.bearer() or "")
        return expiry is not None and expiry > time.monotonic()

    def _call_log(self, request: Request, version: str, function: str, args: str) -> Response:
        params = dict(part.split("=", 1) for part in args.split(",") if "=" in part)
        # The nextLink names them from/to; the request fromDateTime/toDateTime (seed 002).
        low = params.get("fromDateTime") or params.get("from")
        high = params.get("toDateTime") or params.get("to")
        if not low or not high:
            return graph_error(400, "BadRequest",
                               "fromDateTime and toDateTime are required parameters.")
        try:
            start, end = _time(low), _time(high)
        except ValueError:
            return graph_error(400, "BadRequest", f"Invalid DateTimeOffset value '{low}'.")
        if end - start > MAX_RANGE:
            return graph_error(400, "BadRequest",
                               "The fromDateTime and toDateTime values cannot be more than a "
                               "date range of 90 days.")
        offset = _offset(request.arg("$skiptoken"))
        if offset is None:
            return graph_error(400, "BadRequest", "The $skiptoken value is not valid.")
        rows = self._rows(function, start, end)
        page = rows[offset:offset + self.page_size]
        body: dict[str, Any] = {
            "@odata.context": f"{self.url}/{version}/$metadata#Collection("
                              f"microsoft.graph.callRecords.{ROW_TYPES[function]})",
            "@odata.count": len(page),
            "value": page,
        }
        if offset + self.page_size < len(rows):
            body["@odata.nextLink"] = (
                f"{self.url}/{version}/communications/callRecords/{function}"
                f"(from={low},to={high})?$skiptoken={_skiptoken(offset + self.page_size)}")
        return Response.json(body)

    def _rows(self, function: str, start: datetime, end: datetime) -> list[dict]:
        now = self.now()
        with self._data_lock:
            rows = [r for r in self.rows[function] if r["_published"] <= now]
        # fromDateTime inclusive; toDateTime inclusive on the PSTN page, exclusive on the
        # Direct Routing page (the two vendor pages disagree: samples/msgraph.md).
        inclusive = function == "getPstnCalls"
        picked = [r for r in rows if start <= _time(r["startDateTime"])
                  and (_time(r["startDateTime"]) <= end if inclusive
                       else _time(r["startDateTime"]) < end)]
        picked.sort(key=lambda r: (r["startDateTime"], r["id"]))
        return [{k: v for k, v in r.items() if not k.startswith("_")} for r in picked]

    def unauthorized(self) -> Response:
        return graph_error(401, "InvalidAuthenticationToken",
                           "Access token has expired or is not yet valid.")

    def throttled(self, status: int) -> Response:
        """samples/graph_throttling_429_sample.http: code TooManyRequests, an innerError."""
        return graph_error(status, "TooManyRequests", "Please retry again later.")

    def malformed_body(self) -> Response:
        return Response(200, b'{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata",'
                             b' "@odata.count": 1000, "value": [{"id": "9c4984c7-6c3c-',
                        {"Content-Type": "application/json"})


def _skiptoken(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _offset(token: str | None) -> int | None:
    if token is None:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
    except (ValueError, KeyError, TypeError):
        return None


def start_graph(workdir: Path, **kwargs: Any) -> tuple[GraphSimulator, Path]:
    """A started Graph simulator over TLS with a fresh CA in ``workdir``; returns the CA."""
    tls = make_loopback_tls(workdir / "msgraph-tls")
    sim = GraphSimulator(**kwargs)
    sim.start(tls=tls.context)
    return sim, tls.ca_pem


def start_demo(workdir: Path, name: str = "msgraph-demo") -> DemoSource:
    sim, ca_pem = start_graph(workdir)
    options = {"tenant_id": sim.tenant_id, "client_id": sim.client_id, "login_url": sim.url}
    return DemoSource(sim, "msgraph", name, sim.url, options, sim.client_secret,
                      ca_bundle=str(ca_pem))
