"""Restcomm (Telestax CPaaS) 2012-04-24 API: calls, recordings and traces of one account.

Seed: ``seeds/001_e53aea88987ead46.txt`` (Traces); what the seed omits: ``samples/restcomm.md``.

The crawl, and why it is shaped this way:
- Lists are ``Page``/``PageSize`` offset pages over live tables, newest first. Each page's
  ``next_page_uri`` is followed to the end, sequentially: new rows enter at the head and only
  push older rows onto later pages (seen twice, stored once), and expiring traces leave from
  the tail, which moves nothing we have not read. ``num_pages`` is known up front, but pages
  fetched concurrently against a list that grows meanwhile can miss the rows that shift past
  the page already fetched, and a trace missed is gone for good after two days: so no
  concurrency here.
- ``next_page_uri`` drops the list's filters (notes: ``<uri>?Page=..&PageSize=..&AfterSid=..``)
  and its prefix may not be the API root's (the seed's ``/api/...`` under a ``/restcomm``
  root): the link is followed with its own ``Page``/``PageSize``/``AfterSid`` and our filters
  put back, relative to the configured root.
- Incremental by date filter: Calls' and Recordings' ``StartTime`` take a day, which the
  server reads in its own zone (notes): the day sent is early enough in UTC and in the zone
  the server's own dates show, and the re-read boundary day is deduplicated by sid. Traces'
  ``DateCreated`` takes a UTC date-time (seed).
- Calls still ringing or in progress are remembered and fetched again next time, so their
  end, duration and final status arrive even when they fall outside the re-read day.
- Traces name their session (``session_sid``), normally a call. A session sid that is not a
  call this sync has seen is looked up once (``Calls/{sid}.json``): a call row found becomes
  the session; none makes a ``trace_session``. Call rows and traces can thus arrive in
  either order.
"""

from __future__ import annotations

import functools
import json
import logging
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, ClassVar

import requests

from app.http import HttpClient, SourceError, origin, parse_json
from app.model import RawDocument
from app.sources.base import CancelToken, Page, RangePlan, Source, SyncRequest, download_headers
from app.sources.cloud import follow_links
from app.sources.restcomm_parse import (
    READ_ERRORS,
    call_events,
    call_session,
    error_message,
    filter_day,
    integer,
    is_null,
    is_open,
    keyed,
    mask_credentials,
    read_trace,
    recording_artifact,
    session_channel,
    text_field,
    trace_session,
    utc_offset_minutes,
    widen_span,
)
from app.timeutil import format_utc

log = logging.getLogger("histview.restcomm")

API_VERSION = "2012-04-24"
#: The server enforces no maximum (notes); bigger pages mean fewer round trips.
PAGE_SIZE = 500
#: list name -> (path under the account, the array's key). Traces are JSON only (seed).
LISTS = {"calls": ("Calls.json", "calls"), "recordings": ("Recordings.json", "recordings"),
         "traces": ("Traces", "traces")}
#: A trace is stamped when the response arrived and may be written a little later.
TRACE_OVERLAP = timedelta(minutes=15)

Normalizer = Callable[[dict, dict, dict, CancelToken], Page]


class RestcommSource(Source):
    kind = "restcomm"
    title = "Restcomm: calls, traces and recordings"
    secret_label = "auth token"
    options = ("account_sid",)
    optional_options: ClassVar[dict[str, str | None]] = {"page_size": str(PAGE_SIZE)}
    whole_number_options: ClassVar[dict[str, tuple[int, int]]] = {"page_size": (1, 5000)}

    def __init__(self, config, secret: str) -> None:
        super().__init__(config, secret)
        self.account_sid = (self.option("account_sid") or "").strip()
        if not self.account_sid:
            raise SourceError("no account SID configured (source add ... --account-sid SID)")
        self.redactor.add_basic(self.account_sid, secret)
        self.client = self.http(auth=(self.account_sid, secret), error_message=error_message)
        self.page_size = _page_size(self.option("page_size"))
        self.known_calls: set[str] = set()  # call sids seen this sync (rows or lookups)
        self.not_calls: set[str] = set()  # session sids with no call row
        self._anonymous: HttpClient | None = None

    @property
    def account_path(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}"

    def test(self) -> str:
        account = self._json(self.client.get(self.account_path + ".json"), "account")
        if not isinstance(account, dict):
            raise SourceError("account: not a Restcomm account document")
        name = account.get("friendly_name") or self.account_sid
        return f"account {name} ({account.get('status') or 'status unknown'})"

    def resources(self) -> list[str]:
        # Calls first, so traces mostly find their call already seen this sync.
        return ["calls", "recordings", "traces"]

    def pages(self, resource: str, checkpoint: dict | None, request: SyncRequest,
              cancel: CancelToken) -> Iterator[Page]:
        normalizers: dict[str, Normalizer] = {"calls": self._calls_page,
                                              "recordings": self._recordings_page,
                                              "traces": self._traces_page}
        if resource not in normalizers:
            raise SourceError(f"unknown resource {resource!r}")
        checkpoint = dict(checkpoint or {})
        extras = {k: v for k, v in checkpoint.items() if k not in ("hwm", "pending")}
        plan = RangePlan(checkpoint, request,
                         overlap=TRACE_OVERLAP if resource == "traces" else timedelta(0))
        if resource == "calls" and extras.get("open"):
            yield self._refresh_open(plan, extras, cancel)
        yield from self._crawl(resource, plan, extras, request, cancel, normalizers[resource])

    def open_download(self, artifact: dict, offset: int = 0,
                      if_range: str | None = None) -> requests.Response:
        """Stream a recording. Credentials go only to the API's own host: ``file_uri`` may
        point at S3 or a CDN (notes: ``s3_uri``), which must never see the auth token."""
        url = artifact["url"]
        if origin(url) == origin(self.client.base_url):
            return self.client.get(url, stream=True, headers=download_headers(offset, if_range))
        if self._anonymous is None:
            self._anonymous = self.http(error_message=error_message)
        return self._anonymous.get(url, stream=True, headers=download_headers(offset, if_range))

    # -- the crawl -----------------------------------------------------------------------------

    def _crawl(self, resource: str, plan: RangePlan, extras: dict, request: SyncRequest,
               cancel: CancelToken, normalize: Normalizer) -> Iterator[Page]:
        """Every page of every pending range, each with the checkpoint valid once stored."""
        for rng in plan.ranges():
            state = dict(rng["state"])
            if "filters" not in state:  # fixed for the range: resumed offsets stay valid
                state["filters"] = self._filters(resource, rng, request, extras)
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
        body = self._json(response, what)
        if not isinstance(body, dict) or not isinstance(body.get(key), list):
            raise SourceError(f"{what}: not a Restcomm list (no {key!r} array)")
        link = body.get("next_page_uri")
        return body, None if is_null(link) else self._next_url(str(link), filters)

    def _past_end(self, url: str, what: str) -> bool:
        """Whether the page asked for lies past the list's last page, asked afresh.
        ``num_pages`` is the last page's *index* (total // page size), not a count."""
        first = self._json(self.client.get(_with_query(url, Page="0")), what)
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

    def _json(self, response: requests.Response, what: str) -> Any:
        data = parse_json(response, what)
        text = response.text
        cleaned = self.redactor(text)
        return data if cleaned == text else json.loads(cleaned)

    def _get_call(self, sid: str) -> dict | None:
        try:
            response = self.client.get(
                f"{self.account_path}/Calls/{urllib.parse.quote(sid, safe='')}.json")
        except SourceError as error:
            if error.status == 404:
                return None
            raise
        doc = self._json(response, f"call {sid}")
        return doc if isinstance(doc, dict) and doc.get("sid") else None

    # -- calls ---------------------------------------------------------------------------------

    def _refresh_open(self, plan: RangePlan, extras: dict, cancel: CancelToken) -> Page:
        """Fetch again the calls that were still going at the last sync."""
        page = Page("calls", None)
        still_open, unread = [], Counter[str]()
        for sid in extras["open"]:
            cancel.check()
            doc = self._get_call(sid)
            if doc is None:
                continue
            # A row gone unreadable is not asked for again: it would be, on every sync.
            if self._read_call(page, doc, unread) and is_open(doc):
                still_open.append(sid)
        extras["open"] = still_open
        page.items = len(page.sessions)
        self._warn_unread(page, unread)
        page.checkpoint = {**plan.checkpoint(), **json.loads(json.dumps(extras))}
        return page

    def _calls_page(self, body: dict, state: dict, extras: dict, cancel: CancelToken) -> Page:
        page = Page("calls", None, items=len(body["calls"]), total=integer(body.get("total")))
        docs, page.raw["calls"] = keyed(body["calls"])
        unread = Counter({"calls": len(body["calls"]) - len(docs)})
        open_calls = set(extras.get("open") or [])
        for doc in docs:
            if self._add_call(page, doc, unread) and is_open(doc):
                open_calls.add(doc["sid"])
            else:
                open_calls.discard(doc["sid"])
        extras["open"] = sorted(open_calls)
        self._learn_offset(docs, extras)
        self._warn_unread(page, unread)
        return page

    def _read_call(self, page: Page, doc: dict, unread: Counter[str]) -> bool:
        """A call fetched alone (``Calls/{sid}.json``): raw always, rows when readable."""
        doc = mask_credentials(doc)
        page.raw.setdefault("calls", []).append(RawDocument(str(doc["sid"]), doc))
        return self._add_call(page, doc, unread)

    def _add_call(self, page: Page, doc: dict, unread: Counter[str]) -> bool:
        """A call's session, events and agent leg, all or none: an unreadable row (a time
        that does not parse, a field of another type) is counted and left to the raw
        table, so the rest of its page still lands."""
        try:
            session = call_session(doc)
            events = call_events(doc, session)
            parent, callee = text_field(doc, "parent_call_sid"), text_field(doc, "to")
            leg = (parent, callee) if parent and callee else None
        except READ_ERRORS:
            unread["calls"] += 1
            return False
        page.sessions.append(session)
        page.events.extend(events)
        if leg:  # an agent leg: its callee joins the customer's call
            page.participants.setdefault(leg[0], []).append(leg[1])
        self.known_calls.add(session.session_id)
        return True

    def _warn_unread(self, page: Page, unread: Counter[str]) -> None:
        """One line per page, with counts only: a record may quote credentials or a
        customer's words, which do not belong in a log."""
        page.unreadable += sum(unread.values())
        counts = ", ".join(f"{n} {name}" for name, n in sorted(unread.items()) if n)
        if counts:
            log.warning("%s: %s page: %s without a sid or with unreadable fields: kept in "
                        "the raw table only", self.config.name, page.resource, counts)

    @staticmethod
    def _learn_offset(docs: list[dict], extras: dict) -> None:
        """Remember the server's zone from its own dates, for the day filters."""
        for doc in docs:
            offset = utc_offset_minutes(str(doc.get("date_created") or ""))
            if offset is not None:
                extras["utc_offset"] = offset
                return

    # -- recordings ------------------------------------------------------------------------------

    def _recordings_page(self, body: dict, state: dict, extras: dict,
                         cancel: CancelToken) -> Page:
        page = Page("recordings", None, items=len(body["recordings"]),
                    total=integer(body.get("total")))
        docs, page.raw["recordings"] = keyed(body["recordings"])
        unread = Counter({"recordings": len(body["recordings"]) - len(docs)})
        for doc in docs:
            try:
                artifact = recording_artifact(doc, self.client.base_url, self.account_sid)
            except READ_ERRORS:  # kept raw only, as an unreadable call is
                unread["recordings"] += 1
                continue
            if artifact is not None:
                page.artifacts.append(artifact)
        self._learn_offset(docs, extras)
        self._warn_unread(page, unread)
        return page

    # -- traces ----------------------------------------------------------------------------------

    def _traces_page(self, body: dict, state: dict, extras: dict, cancel: CancelToken) -> Page:
        page = Page("traces", None, items=len(body["traces"]), total=integer(body.get("total")))
        docs, page.raw["traces"] = keyed(body["traces"])
        unread = Counter({"traces": len(body["traces"]) - len(docs)})
        read = [found for doc in docs if (found := read_trace(doc, unread)) is not None]
        page.events.extend(event for event, _, _ in read)
        self._resolve_sessions(page, {event.session_id for event, _, _ in read}, cancel, unread)
        spans = state.setdefault("spans", {})
        touched = set()
        for event, status, parties in read:
            if event.session_id not in self.not_calls:
                continue
            spans[event.session_id] = widen_span(spans.get(event.session_id), event.time,
                                                 status, parties)
            touched.add(event.session_id)
        page.sessions.extend(trace_session(sid, spans[sid]) for sid in sorted(touched))
        self._warn_unread(page, unread)
        return page

    def _resolve_sessions(self, page: Page, session_sids: set[str], cancel: CancelToken,
                          unread: Counter[str]) -> None:
        """Find which unseen session sids are calls: their call row joins the page. A call
        row that cannot be read leaves its traces a ``trace_session``, so they still show."""
        for sid in sorted(session_sids - self.known_calls - self.not_calls):
            if session_channel(sid) == "call":
                cancel.check()
                doc = self._get_call(sid)
                if doc is not None and self._read_call(page, doc, unread):
                    continue
            self.not_calls.add(sid)


# -- helpers ---------------------------------------------------------------------------------

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


SOURCE = RestcommSource
