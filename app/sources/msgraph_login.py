"""msal's HTTP client for Graph's sign-in: histview's own ``HttpClient``.

msal sends the OpenID discovery and token requests through the object it is given as
``http_client`` (``ConfidentialClientApplication(http_client=...)``: anything with
requests-like ``get``/``post`` returning ``status_code``, ``text`` and ``headers``). Given
this one, sign-in gets what every other request of the source gets from ``app.http``: the
source's TLS settings, its retries (429/5xx, a connection dropped or an answer cut off) and
its redactor in every message.

Answers msal would misread are refused here, in one line each, before msal sees them: an
error status (msal parses a 401 page or a gateway's empty body as JSON and says
"Expecting value"), an HTML page, or JSON that is broken (msal logs such a body whole, and
a token answer cut short holds most of a token).
"""

from __future__ import annotations

from typing import Any

import requests

from app.http import HttpClient, parse_json


class MsalHttp:
    """An ``HttpClient`` as msal's ``http_client``; raises ``SourceError`` for any answer
    that is not JSON, and for any error status (``HttpClient`` raises it, saying Entra's
    ``error: error_description`` when the body has them)."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None,
             **kwargs: Any) -> requests.Response:
        return _json_answer(self.http.post(url, params=params, data=data, headers=headers,
                                           **kwargs), "POST")

    def get(self, url: str, params: Any = None, headers: Any = None,
            **kwargs: Any) -> requests.Response:
        return _json_answer(self.http.get(url, params=params, headers=headers, **kwargs),
                            "GET")

    def close(self) -> None:
        """msal may close its client; ``HttpClient`` keeps one session per thread."""


def _json_answer(response: requests.Response, method: str) -> requests.Response:
    """``response`` once its body is known to be JSON; the ``SourceError`` says where and
    what without quoting the body (``parse_json`` names the position, not the text)."""
    path = requests.utils.urlparse(response.url).path if response.url else ""
    parse_json(response, f"{method} {path}".strip())
    return response
