"""Microsoft Graph PSTN and Direct Routing call logs (seed 002, samples/msgraph.md).

Auth is OAuth2 client credentials through msal, whose in-memory cache reuses a token until
it expires; the token never leaves memory (it is added to the redactor at once). msal's
requests go through the source's own ``HttpClient`` (``msgraph_login.MsalHttp``): the same
TLS settings, retries and redaction as every Graph call. Each
resource is read over windows of at most 90 days (the vendor's limit) following
``@odata.nextLink`` verbatim. Rows land in the log when a call ends, sometimes hours later,
and ranges are on call *start*, so every sync re-reads a day before its high-water mark
(``RangePlan`` overlap); re-read rows upsert onto themselves by row id.
"""

from __future__ import annotations

import hashlib
import textwrap
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, ClassVar

import msal

from app.http import SourceError, parse_json
from app.sources.base import CancelToken, OptionProblem, Page, RangePlan, Source, SyncRequest
from app.sources.cloud import follow_links, split_windows
from app.sources.msgraph_login import MsalHttp
from app.sources.msgraph_parse import RESOURCES, error_message, normalize_page
from app.timeutil import format_utc, parse_utc, utc_now
from app.urls import origin

#: "The fromDateTime and toDateTime values cannot be more than a date range of 90 days"
#: (seed 002). One day of margin: the docs disagree on whether toDateTime is inclusive.
MAX_WINDOW_DAYS = 89
#: Calls are logged when they end, sometimes well after (issue 4): re-read this much.
LATE_ROWS = timedelta(days=1)
#: How far back a first or ``--full`` sync reaches (Teams keeps PSTN usage for a year).
HISTORY = timedelta(days=365)
#: No Teams call is older than Teams (launched March 2017): where an explicit --since stops.
TEAMS_BEGAN = "2017-01-01T00:00:00.000000Z"
LOGIN_TIMEOUT = (5.0, 30.0)

#: msal's token caches by credentials: one per process, never written to disk.
_TOKEN_CACHES: dict[tuple, msal.TokenCache] = {}
_CACHES_LOCK = threading.Lock()


class GraphSource(Source):
    kind = "msgraph"
    title = "Microsoft Graph: Teams PSTN and Direct Routing calls"
    secret_label = "client secret"
    options = ("tenant_id", "client_id")
    optional_options: ClassVar[dict[str, str | None]] = {
        "login_url": "https://login.microsoftonline.com", "api_version": "v1.0"}
    default_url = "https://graph.microsoft.com"
    url_options = ("login_url",)  # the client secret is posted to it

    def __init__(self, config, secret: str) -> None:
        super().__init__(config, secret)
        version = self.option("api_version") or "v1.0"
        if version not in ("v1.0", "beta"):
            raise SourceError(f"api_version must be v1.0 or beta, not {version!r}")
        self.version = version
        self.api = self.http(error_message=error_message)
        self._msal: msal.ConfidentialClientApplication | None = None
        self._msal_lock = threading.Lock()

    @classmethod
    def check_options(cls, options: dict[str, str]) -> None:
        """msal takes only an https sign-in address, loopback or not (``authority.py``'s
        ``canonicalize``, msal 1.39): a plain-http ``login_url`` would fail every sync."""
        login = options.get("login_url")
        if login and urllib.parse.urlsplit(login).scheme != "https":
            raise OptionProblem("login_url", f"{login} is plain http, which msal (Graph's "
                                             "sign-in library) refuses even on loopback: "
                                             "use https")

    # -- auth -------------------------------------------------------------------------------

    @property
    def authority(self) -> str:
        login = (self.option("login_url") or "").rstrip("/")
        return f"{login}/{self.option('tenant_id')}"

    def _app(self) -> msal.ConfidentialClientApplication:
        """This source's msal app, sending through this source's HTTP client (its cancel
        token and retry policy are this sync's). Its token cache is shared by every source
        with the same credentials in this process, so the syncs the window runs reuse a
        token until it expires; nothing of it is ever written to disk."""
        key = (self.authority, self.option("client_id"), str(self.verify),
               hashlib.sha256(self.secret.encode()).hexdigest())
        with _CACHES_LOCK:
            cache = _TOKEN_CACHES.setdefault(key, msal.TokenCache())
        with self._msal_lock:
            if self._msal is None:
                self._msal = self._msal_call("signing in", lambda: self._new_app(cache))
        return self._msal

    def _new_app(self, cache: msal.TokenCache) -> msal.ConfidentialClientApplication:
        login = self.http(base_url=origin(self.authority), timeout=LOGIN_TIMEOUT,
                          error_message=error_message)
        try:  # a source saved before the check: said in our words, not msal's
            self.check_options(self.config.options)
        except OptionProblem as problem:
            raise ValueError(str(problem)) from None
        return msal.ConfidentialClientApplication(
            self.option("client_id"), client_credential=self.secret, authority=self.authority,
            http_client=MsalHttp(login), token_cache=cache,
            # The login URL is the user's choice (a national cloud, a proxy, the simulator):
            # trust it rather than asking login.microsoftonline.com.
            instance_discovery=False)

    def _msal_call(self, what: str, call):
        """Run an msal call, its failures as one-line source errors naming the login host:
        ``MsalHttp``'s (already worded and redacted by ``app.http``) and msal's own
        ``ValueError`` (a discovery document it cannot use)."""
        login = origin(self.authority)
        try:
            return call()
        except SourceError as error:
            raise SourceError(self.redactor(f"{what} at {login}: {error}"), status=error.status,
                              unreachable=error.unreachable) from None
        except ValueError as error:
            # Said whole: ``reason`` trims brackets off both ends (made for urllib3's repr
            # chains), which cut the closing parenthesis off our own URL check's words.
            said = textwrap.shorten(self.redactor(str(error)), 200, placeholder=" …")
            raise SourceError(self.redactor(
                f"{what} at {login}: {said or type(error).__name__}")) from None

    def token(self) -> str:
        scope = [f"{self.config.url.rstrip('/')}/.default"]
        app = self._app()  # its failures already say "signing in at ...": not said twice
        result = self._msal_call("signing in",
                                 lambda: app.acquire_token_for_client(scopes=scope))
        result = result or {}
        token = result.get("access_token")
        if not token:
            detail = result.get("error_description") or "no access token returned"
            raise SourceError(self.redactor(
                f"sign-in refused by {origin(self.authority)}: {result.get('error', 'error')}: "
                f"{detail.splitlines()[0]}"))
        self.redactor.add(token)
        return token

    def _get(self, url: str) -> tuple[Any, str | None]:
        response = self.api.get(url, headers={"Authorization": f"Bearer {self.token()}"})
        body = parse_json(response, f"Graph {urllib.parse.urlsplit(url).path}")
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise SourceError("Graph answered without a 'value' list")
        return body, body.get("@odata.nextLink")

    # -- Source -----------------------------------------------------------------------------

    def test(self) -> str:
        now = utc_now()
        body, _ = self._get(self._first_url("pstn_calls", now - timedelta(days=1), now))
        count = len(body["value"])
        return f"signed in; {count} PSTN call{'' if count == 1 else 's'} in the last day"

    def resources(self) -> list[str]:
        return list(RESOURCES)

    def _first_url(self, resource: str, start, end) -> str:
        function = RESOURCES[resource][0]
        return (f"/{self.version}/communications/callRecords/{function}"
                f"(fromDateTime={format_utc(start)},toDateTime={format_utc(end)})")

    def pages(self, resource: str, checkpoint: dict | None, request: SyncRequest,
              cancel: CancelToken) -> Iterator[Page]:
        plan = RangePlan(checkpoint, request, overlap=LATE_ROWS, first_sync=HISTORY)
        seen: set[str] = set()
        for rng in plan.ranges():
            yield from self._range(resource, plan, rng, request, cancel, seen)

    def _range(self, resource: str, plan: RangePlan, rng: dict, request: SyncRequest,
               cancel: CancelToken, seen: set[str]) -> Iterator[Page]:
        """One planned range, window by window; the state says which window and link."""
        state = dict(rng.get("state") or {})
        # A --since before Teams existed starts when it did: from year 1 the walk asked for
        # every 89-day window since (16,600 requests) for calls that cannot exist.
        start = state.get("start") or max(rng["from"] or format_utc(request.now - HISTORY),
                                          TEAMS_BEGAN)
        windows = split_windows(parse_utc(start), parse_utc(rng["to"]), MAX_WINDOW_DAYS)
        if not windows:
            yield Page(resource, plan.finish(rng))
            return
        for index, (low, high) in enumerate(windows):
            if state.get("window") and format_utc(low) < state["window"]:
                continue  # finished before an interruption
            first = state.get("next") if state.get("window") == format_utc(low) else None
            last_window = index == len(windows) - 1
            for linked in follow_links(first or self._first_url(resource, low, high),
                                       self._get, cancel, what=f"Graph {resource}"):
                if linked.next_url is None and last_window:
                    checkpoint = plan.finish(rng)
                elif linked.next_url is None:
                    checkpoint = plan.update(rng, {"start": start,
                                                   "window": format_utc(windows[index + 1][0])})
                else:
                    checkpoint = plan.update(rng, {"start": start, "window": format_utc(low),
                                                   "next": linked.next_url})
                yield normalize_page(resource, linked.body["value"], checkpoint, seen)


SOURCE = GraphSource
