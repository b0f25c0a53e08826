"""Reading a Restcomm account's lists page by page, and one call by its sid (seed 001,
samples/restcomm.md).

Apart from ``restcomm``, which turns pages into rows, because the paging has quirks of its
own that no row needs to know:
- Lists are ``Page``/``PageSize`` offset pages over live tables, newest first, each page's
  ``next_page_uri`` followed to the end, sequentially (``restcomm`` says why not
  concurrently).
- ``next_page_uri`` drops the list's filters (notes: ``<uri>?Page=..&PageSize=..&AfterSid=..``)
  and its prefix may not be the API root's (the seed's ``/api/...`` under a ``/restcomm``
  root): the link is followed with its own ``Page``/``PageSize``/``AfterSid`` and our filters
  put back, relative to the configured root.
- A page past the end is a 400 with no body (notes): when the list shrank under us, that
  is its end, not a failure.
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import requests

from app.http import HttpClient, Redactor, SourceError, parse_json
from app.sources.base import CancelToken, Page, RangePlan, SyncRequest
from app.sources.cloud import follow_links
from app.sources.restcomm_parse import filter_day, is_null
from app.timeutil import format_utc
from app.urls import origin

API_VERSION = "2012-04-24"
#: The server enforces no maximum (notes); bigger pages mean fewer round trips.
PAGE_SIZE = 500
#: list name -> (path under the account, the array's key). Traces are JSON only (seed).
LISTS = {"calls": ("Calls.json", "calls"), "recordings": ("Recordings.json", "recordings"),
         "traces": ("Traces", "traces")}

Normalizer = Callable[[dict, dict, dict, CancelToken], Page]


class AccountLists:
    """One account's lists and calls, read with its credentials; what the server answers is
    redacted of them before anyone reads it."""

    def __init__(self, client: HttpClient, account_sid: str, page_size: str | None,
                 redactor: Redactor) -> None:
        self.client, self.redactor = client, redactor
        self.account_path = f"/{API_VERSION}/Accounts/{account_sid}"
        self.page_size = _page_size(page_size)

    def crawl(self, resource: str, plan: RangePlan, extras: dict, request: SyncRequest,
              cancel: CancelToken, normalize: Normalizer) -> Iterator[Page]:
        """Every page of every pending range, each with the checkpoint valid once stored."""
        for rng in plan.ranges():
            state = dict(rng["state"])
            if "filters" not in state:  # fixed for the range: resumed offsets stay valid
                state["filters"] = self._filters(resource, rng, request, extras)
                state["asked"] = asked_bounds(rng, request)
            filters = state["filters"]
            start = state.get("next") or self._first_url(resource, filters)
            fetch = functools.partial(self._fetch, resource, filters=filters)
            for linked in follow_links(start, fetch, cancel, what=LISTS[resource][0]):
                page = normalize(linked.body, state, extras, cancel)
                if linked.next_url:
                    state = {**state, "next": linked.next_url}
                    done = plan.update(rng, state)
                else:
                    done = plan.finish(rng)
                page.checkpoint = {**done, **json.loads(json.dumps(extras))}
                yield page

    def json(self, response: requests.Response, what: str) -> Any:
        data = parse_json(response, what)
        text = response.text
        cleaned = self.redactor(text)
        return data if cleaned == text else json.loads(cleaned)

    def call(self, sid: str) -> dict | None:
        try:
            response = self.client.get(
                f"{self.account_path}/Calls/{urllib.parse.quote(sid, safe='')}.json")
        except SourceError as error:
            if error.status == 404:
                return None
            raise
        doc = self.json(response, f"call {sid}")
        return doc if isinstance(doc, dict) and doc.get("sid") else None

    def _filters(self, resource: str, rng: dict, request: SyncRequest,
                 extras: dict) -> dict[str, str]:
        if resource == "traces":
            # Seed: DateCreated is a UTC date-time, inclusive.
            return {"DateCreated": rng["from"][:19]} if rng["from"] else {}
        offset = extras.get("utc_offset")
        filters = {}
        if rng["from"]:
            filters["StartTime"] = filter_day(rng["from"], offset, upper=False)
        if rng["to"] < format_utc(request.now - timedelta(days=1)):  # an explicit --until
            filters["EndTime"] = filter_day(rng["to"], offset, upper=True)
        return filters

    def _first_url(self, resource: str, filters: dict[str, str]) -> str:
        query = {"Page": 0, "PageSize": self.page_size, **filters}
        return f"{self.account_path}/{LISTS[resource][0]}?{urllib.parse.urlencode(query)}"

    def _fetch(self, resource: str, url: str, filters: dict[str, str]) -> tuple[dict, str | None]:
        name, key = LISTS[resource]
        what = f"{name} page {_page_index(url)}"
        try:
            response = self.client.get(url)
        except SourceError as error:
            # Notes: a Page past num_pages is a 400 with no body. The list shrank under us
            # (traces expire from the tail): nothing is left there to read.
            if error.status == 400 and _page_index(url) > 0 and self._past_end(url, what):
                return {key: []}, None
            raise
        body = self.json(response, what)
        if not isinstance(body, dict) or not isinstance(body.get(key), list):
            raise SourceError(f"{what}: not a Restcomm list (no {key!r} array)")
        link = body.get("next_page_uri")
        return body, None if is_null(link) else self._next_url(str(link), filters)

    def _past_end(self, url: str, what: str) -> bool:
        """Whether the page asked for lies past the list's last page, asked afresh.
        ``num_pages`` is the last page's *index* (total // page size), not a count."""
        first = self.json(self.client.get(_with_query(url, Page="0")), what)
        last = first.get("num_pages") if isinstance(first, dict) else None
        return isinstance(last, int) and _page_index(url) > last

    def _next_url(self, link: str, filters: dict[str, str]) -> str:
        parts = urllib.parse.urlsplit(link)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        present = {name for name, _ in query}
        query += [(name, value) for name, value in filters.items() if name not in present]
        at = parts.path.find(f"/{API_VERSION}/")
        if at >= 0:
            base = parts.path[at:]  # relative to the configured API root
        elif parts.scheme:
            base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        else:
            base = origin(self.client.base_url) + parts.path
        return f"{base}?{urllib.parse.urlencode(query)}"


# -- helpers ---------------------------------------------------------------------------------

def asked_bounds(rng: dict, request: SyncRequest) -> dict[str, str]:
    """The bounds of ``rng`` the user asked for (``--since``, an ``--until`` in the past),
    which no session outside may cross into the cache (``restcomm`` drops them).

    The lists cannot keep to them: ``StartTime``/``EndTime`` take whole days in the server's
    zone (notes, "Filters (Calls)") and Traces' ``DateCreated`` has no upper bound (seed,
    "List Filter"). A plain sync's range gets none: its lower end is the high-water mark,
    whose boundary day is re-read on purpose (notes: "re-read the boundary day"), and its
    upper end is its own now, past which traces that arrive while it pages are still new.
    Kept in the range's state, so a resumed range keeps the bounds it was asked with."""
    asked = {}
    if request.since is not None and rng["from"] == format_utc(request.since):
        asked["from"] = rng["from"]
    if request.until is not None and request.until < request.now \
            and rng["to"] == format_utc(request.until):
        asked["to"] = rng["to"]
    return asked


def _page_size(value: str | None) -> int:
    try:
        return min(max(int(value or PAGE_SIZE), 1), 5000)
    except ValueError:
        return PAGE_SIZE


def _page_index(url: str) -> int:
    values = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("Page") or ["0"]
    try:
        return int(values[-1])
    except ValueError:
        return 0


def _with_query(url: str, **changes: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
             if k not in changes and k != "AfterSid"]
    query += list(changes.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
