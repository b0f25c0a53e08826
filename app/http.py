"""The one place requests sessions are made.

Every vendor call goes through ``HttpClient`` so that timeouts, retries, TLS policy and secret
redaction are decided once. Retries cover what a busy vendor does to a polite client: 429 and
503 with ``Retry-After`` (seconds, fractional seconds as Graph sends, or an HTTP date), other
5xx, and dropped connections; everything else fails at once with a one-line ``SourceError``.
How patient a client is comes from its ``RetryPolicy``: a sync waits for a server that is
restarting, a connection test answers at once.
"""

from __future__ import annotations

import base64
import logging
import math
import os
import re
import textwrap
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3

from app.terminal_text import one_line
from app.timeutil import utc_now
from app.urls import check_url, origin

log = logging.getLogger("histview.http")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = (5.0, 60.0)  # connect, read
MAX_RETRY_AFTER_S = 120.0
#: Tries after the first, and the first back-off step in seconds; the environment can tune
#: them for a flaky link (or a test that wants failures fast).
RETRIES = int(os.environ.get("HISTVIEW_HTTP_RETRIES", "4"))
BACKOFF_S = float(os.environ.get("HISTVIEW_HTTP_BACKOFF", "0.5"))


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed request is sent again.

    ``retries`` tries follow the first for answers that ask for it (429, 5xx), waiting
    ``backoff`` seconds doubled each time unless the server says how long. ``reconnect``
    says whether a host that cannot be reached (refused, unknown, timed out) or a
    connection dropped mid-answer gets the same tries: worth it for a sync, which rides out a
    server restarting, but not while a person waits for Test connection, where it took
    0.5 + 1 + 2 + 4 = 7.5 s to say "Connection refused".
    """

    retries: int = RETRIES
    backoff: float = BACKOFF_S
    reconnect: bool = True
    #: Tries after the first for a host that has not answered yet this run. A server that
    #: restarts mid-sync is waited for; one that never answered is most likely off or
    #: mistyped, and five offline sources took 5 x 7.5 s to say "Connection refused".
    first_contact_retries: int = 1


#: Work nobody watches second by second: a sync, a download.
PATIENT = RetryPolicy()
#: A person waits for the answer: an unreachable host is said at once (a busy server's
#: 429/5xx are still waited for, as it asks).
INTERACTIVE = RetryPolicy(reconnect=False)


class SourceError(Exception):
    """A failure talking to one source, with a one-line message safe to show anywhere.

    ``status`` is the HTTP status when there was one. The message never holds a secret:
    it is built through ``Redactor`` before the exception exists. Nor does it hold a control
    character: a vendor's message quoted in it is printed on stderr and stored as the
    source's last error, and its escape sequences must not drive the terminal
    (``one_line``).
    """

    def __init__(self, message: str, *, status: int | None = None,
                 unreachable: bool = False) -> None:
        super().__init__(one_line(message))
        self.status = status
        self.unreachable = unreachable


class Redactor:
    """Removes known secrets, in every encoding they travel in, from text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._needles: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < 3:
            return
        forms = {
            secret,
            urllib.parse.quote(secret, safe=""),
            urllib.parse.quote_plus(secret),
            base64.b64encode(secret.encode()).decode(),
        }
        self._needles.extend(sorted(forms - set(self._needles), key=len, reverse=True))

    def add_basic(self, username: str, password: str) -> None:
        self.add(password)
        self.add(base64.b64encode(f"{username}:{password}".encode()).decode())

    def __call__(self, text: str) -> str:
        for needle in self._needles:
            text = text.replace(needle, "***")
        return text


def unexpected_failure(error: Exception, redact: Redactor, where: str = "") -> str:
    """A failure no source foresaw, on one line, through ``redact`` (its text may quote a
    vendor's, so no control character is left in it: ``one_line``). A Unicode error is named
    without its text, which quotes the characters it choked on: they may be a secret's."""
    if isinstance(error, UnicodeError):
        return (f"{where}unexpected error: {type(error).__name__} (text in a form that "
                "cannot be sent or read)")
    return one_line(redact(f"{where}unexpected error: {type(error).__name__}: {error}"))


def retry_after_seconds(response: requests.Response, attempt: int, backoff: float) -> float:
    """How long to wait before the next try: the server's word first, else exponential."""
    header = response.headers.get("Retry-After") if response is not None else None
    if header:
        try:
            seconds = float(header)
            if not math.isfinite(seconds):  # "NaN" and "inf" parse as floats
                return backoff * (2**attempt)
            return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)
        except ValueError:
            try:
                delta = (parsedate_to_datetime(header) - utc_now()).total_seconds()
                return min(max(delta, 0.0), MAX_RETRY_AFTER_S)
            except (TypeError, ValueError):
                pass
    return backoff * (2**attempt)


class HttpClient:
    """A source's HTTP client: thread-safe (one requests.Session per thread), retrying.

    ``error_message`` lets a vendor turn its error body (Graph's ``error.message``,
    BeyondTrust's ``<error>``) into the message; it receives the response and returns text
    or None to fall back to the status line.

    ``retry`` is a ``RetryPolicy``, or a function returning one that is asked at each
    request: a source builds its clients once, and its ``test`` makes them answer at once
    while it runs (``app.sources.base.Source``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        source_name: str,
        redactor: Redactor | None = None,
        verify: bool | str = True,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | Callable[[], RetryPolicy] = PATIENT,
        headers: dict[str, str] | None = None,
        auth: Any = None,
        error_message: Callable[[requests.Response], str | None] | None = None,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = check_url(base_url)
        self.source_name = source_name
        self.redact = redactor or Redactor()
        self.verify = verify
        self.timeout = timeout
        self._retry = retry
        self.headers = dict(headers or {})
        self.auth = utf8_basic(auth)
        self.error_message = error_message
        self.pause = pause  # waits between tries; a source's may end the wait on cancel
        self._local = threading.local()
        self.answered = False  # has the host sent any answer yet (see first_contact_retries)
        if verify is False:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.verify = self.verify
            session.headers.update({"User-Agent": "histview/0.1", **self.headers})
            if self.auth is not None:
                session.auth = self.auth
            self._local.session = session
        return session

    def retry_policy(self) -> RetryPolicy:
        return self._retry if isinstance(self._retry, RetryPolicy) else self._retry()

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return self.base_url + "/" + path_or_url.lstrip("/")

    def _check_destination(self, url: str, kwargs: dict) -> None:
        """Credentials go to the base URL's own origin only.

        Next-page links come from the server's answers; one that points at another host
        would take the credentials there (a source fetching a recording from a CDN uses a
        client without them)."""
        if origin(url) == origin(self.base_url):
            return
        headers = {**self.headers, **(kwargs.get("headers") or {})}
        if self.auth is not None or kwargs.get("auth") is not None or any(
                name.lower() == "authorization" for name in headers):
            raise SourceError(self.redact(
                f"a link in the server's answer points to {origin(url) or url!r}; "
                f"{self.source_name}'s credentials go only to {origin(self.base_url)}"))

    def get(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path_or_url, **kwargs)

    def post(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path_or_url, **kwargs)

    def request(self, method: str, path_or_url: str, **kwargs: Any) -> requests.Response:
        """Send with retries; return a 2xx/3xx response or raise ``SourceError``."""
        url = self.url(path_or_url)
        self._check_destination(url, kwargs)
        kwargs.setdefault("timeout", self.timeout)
        if "auth" in kwargs:
            kwargs["auth"] = utf8_basic(kwargs["auth"])
        # Per request: requests lets REQUESTS_CA_BUNDLE override a session's verify.
        kwargs.setdefault("verify", self.verify)
        policy = self.retry_policy()
        for attempt in range(policy.retries + 1):
            response = self._send(method, url, attempt, policy, kwargs)
            if response is None:
                continue
            self.answered = True
            if response.status_code in RETRY_STATUSES and attempt < policy.retries:
                wait = retry_after_seconds(response, attempt, policy.backoff)
                log.info("%s: HTTP %s, retrying in %.2fs", self.source_name,
                         response.status_code, wait)
                response.close()
                self.pause(wait)
                continue
            if response.status_code >= 400:
                raise self._status_error(method, url, response)
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send(self, method: str, url: str, attempt: int, policy: RetryPolicy,
              kwargs: dict) -> requests.Response | None:
        """The response, or None when the connection failed and is to be tried again."""
        try:
            return self.session.request(method, url, **kwargs)
        except UnicodeEncodeError:
            # http.client sends header values as Latin-1. Python's message names the
            # character and its position in the secret: say which kind of thing is wrong only.
            raise SourceError(
                f"{self.source_name}'s secret or an option holds a character an HTTP header "
                "cannot carry (tokens and keys are plain ASCII); copy it again from the "
                "vendor's console") from None
        except requests.exceptions.SSLError as error:
            raise SourceError(self.redact(
                f"TLS verification failed for {origin(url)} (give --ca-bundle, or --insecure "
                f"to skip verification): {reason(error, self.redact)}"), unreachable=True) from None
        except (requests.ConnectionError, requests.Timeout,
                requests.exceptions.ChunkedEncodingError) as error:  # a body cut short
            tries = policy.retries if self.answered else min(policy.retries,
                                                             policy.first_contact_retries)
            if not policy.reconnect or attempt >= tries:
                raise SourceError(self.redact(
                    f"could not reach {origin(url)}: {reason(error, self.redact)}"),
                    unreachable=True) from None
            wait = policy.backoff * (2**attempt)
            log.info("%s: %s, retrying in %.2fs", self.source_name,
                     reason(error, self.redact), wait)
            self.pause(wait)
            return None

    def _status_error(self, method: str, url: str, response: requests.Response) -> SourceError:
        detail = None
        if self.error_message is not None:
            try:
                detail = self.error_message(response)
            except Exception:  # a vendor error parser must never hide the real failure
                detail = None
        path = urllib.parse.urlsplit(url).path
        text = f"HTTP {response.status_code} {response.reason or ''} from {method} {path}".strip()
        if response.status_code == 401:
            text += " (credentials refused)"
        if detail:
            text += f": {detail}"
        elif _looks_like_html(response):
            text += ": the server answered with an HTML page"
        return SourceError(self.redact(text), status=response.status_code)


def utf8_basic(auth: Any) -> Any:
    """A (user, password) pair as UTF-8 bytes: requests encodes text as Latin-1, so a
    password with "€" or "密" could not be sent at all, and one with "ü" went in a form no
    current server decodes (RFC 7617 names UTF-8). Other auth objects pass unchanged."""
    if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(p, str) for p in auth):
        return auth[0].encode(), auth[1].encode()
    return auth


def _looks_like_html(response: requests.Response) -> bool:
    """An HTML error page, by its type or its first bytes: ``response.text`` would decode a
    whole page of several megabytes to look at the start of it."""
    kind = response.headers.get("Content-Type", "")
    head = response.content[:200].lstrip().lower()
    return "html" in kind or head.startswith((b"<!doctype", b"<html"))


def reason(error: Exception, redact: Callable[[str], str] | None = None) -> str:
    """The innermost reason of a requests (or msal) error on one short line, without the
    long urllib3 repr chain: the SSL library's own words for a TLS failure.

    ``redact`` runs before the line is shortened: cut first, a secret at the cut would
    survive as a fragment its redactor no longer recognises."""
    text = redact(str(error)) if redact else str(error)
    ssl_reason = re.search(r"\[SSL: [A-Z_]+\] ([^(]+?)\s*\(_ssl", text)
    if ssl_reason:
        return ssl_reason.group(1)
    unknown_host = re.search(r"Failed to resolve '([^']+)'", text)
    if unknown_host:
        return (f"the host name {unknown_host.group(1)} was not found "
                "(check the URL, or whether this machine is online)")
    for marker in ("Caused by ", "Failed to establish a new connection: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return textwrap.shorten(text.strip("()'\" "), 200, placeholder=" …") or type(error).__name__


def parse_json(response: requests.Response, what: str) -> Any:
    """The JSON of a response, or a clear error when it is HTML, empty or broken."""
    if _looks_like_html(response):
        raise SourceError(f"{what}: expected JSON, the server answered with an HTML page")
    try:
        return response.json()
    except ValueError as error:
        raise SourceError(f"{what}: malformed JSON ({error})") from None
    except RecursionError:
        raise SourceError(f"{what}: the JSON is nested too deeply to read") from None
