"""OAuth 2 client credentials for sources that authenticate with a bearer token.

Why a token manager and not a token per request: BeyondTrust keeps at most 30 live tokens
per API account and a 31st silently kills the oldest (../shared/samples/beyondtrust.md), so
a sync that minted a token per call would log out every other integration of the customer.
One token is fetched, reused until shortly before it expires, and renewed once when the
server answers 401 (revoked, appliance restarted, secret regenerated).

The token request and the token's parsing are oauthlib's (``BackendApplicationClient``, the
engine under requests-oauthlib's client-credentials flow). requests-oauthlib's own
``OAuth2Session``/``OAuth2`` are not used: they refuse ``http://`` unless the process-wide
``OAUTHLIB_INSECURE_TRANSPORT`` is set, and our loopback simulators speak http
(``app.urls.check_url`` already allows plain http for loopback only); and the token request
must go through the source's ``HttpClient`` for its TLS policy, retries and redaction.
"""

from __future__ import annotations

import json
import textwrap
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import requests
from oauthlib.oauth2 import BackendApplicationClient, OAuth2Error

from app.http import HttpClient, SourceError

T = TypeVar("T")

#: Renew this long before the server's expiry, so a token never dies mid-request.
EXPIRY_MARGIN_S = 60.0


class ClientCredentials(requests.auth.AuthBase):
    """A reusable bearer token for one API account; also a requests ``auth`` object.

    ``http`` is a client for the token endpoint built by ``Source.http()`` (same TLS policy
    and redactor as the API calls). Client id and secret go as HTTP Basic (RFC 6749 2.3.1,
    what BeyondTrust uses).
    """

    def __init__(self, http: HttpClient, token_path: str, client_id: str, secret: str, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.http = http
        self.token_path = token_path
        self.client_id = client_id
        self._secret = secret
        self.clock = clock
        self.tokens_fetched = 0
        self._client = BackendApplicationClient(client_id=client_id)
        self._token: str | None = None
        self._expires_at: float | None = None
        self._lock = threading.Lock()
        http.redact.add_basic(client_id, secret)
        if http.error_message is None:
            http.error_message = oauth_error_text

    # -- the token ------------------------------------------------------------------------

    def token(self) -> str:
        """The current token, fetched only when there is none or it is about to expire."""
        with self._lock:
            if self._token is None or self._expiring():
                self._token, self._expires_at = self._fetch()
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the token (the server refused it), unless another thread already renewed it."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None
                self._expires_at = None

    def _expiring(self) -> bool:
        return self._expires_at is not None and self.clock() >= self._expires_at - EXPIRY_MARGIN_S

    def _fetch(self) -> tuple[str, float | None]:
        try:
            response = self.http.post(
                self.token_path, data=self._client.prepare_request_body(),
                auth=(self.client_id, self._secret),
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Accept": "application/json"})
        except SourceError as error:
            # status dropped on purpose: a refused token request must not look like a
            # refused token to ``call``, which would only ask again. ``unreachable`` kept:
            # callers stop early on it instead of waiting through the same retries.
            raise SourceError(f"token request failed: {error}",
                              unreachable=error.unreachable) from None
        try:
            token = self._client.parse_request_body_response(response.text)
        except OAuth2Error as error:
            raise SourceError(self.http.redact(
                f"the token endpoint refused the client credentials: "
                f"{error.description or error.error}")) from None
        except (ValueError, TypeError) as error:
            raise SourceError(f"the token endpoint gave no usable token ({error})") from None
        access = token["access_token"]
        self.http.redact.add(access)
        self.tokens_fetched += 1
        expires_at = token.get("expires_at")
        return access, float(expires_at) if expires_at else None

    # -- using it ---------------------------------------------------------------------------

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

    def call(self, send: Callable[[], T]) -> T:
        """Run ``send`` (an HTTP call authenticated by this object); on a 401 renew the token
        and try once more. A second 401 is the server's final word and is raised."""
        used = self._token
        try:
            return send()
        except SourceError as error:
            if error.status != 401:
                raise
        self.invalidate(used)
        return send()


def oauth_error_text(response: requests.Response) -> str | None:
    """The ``error``/``error_description`` of an RFC 6749 5.2 error answer, if it is one."""
    try:
        data = json.loads(response.text)
    except ValueError:
        return None
    if not isinstance(data, dict) or "error" not in data:
        return None
    text = str(data.get("error"))
    if data.get("error_description"):
        text += f": {data['error_description']}"
    return textwrap.shorten(text, 300, placeholder=" …")  # whole words: "or htt" read badly
