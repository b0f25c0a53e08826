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
- How a ``next_page_uri`` is followed, and a page past the end read: ``restcomm_crawl``.
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

import json
import logging
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import ClassVar

import requests

from app.http import HttpClient, SourceError
from app.model import RawDocument
from app.sources.base import (
    READ_ERRORS,
    CancelToken,
    Page,
    RangePlan,
    Source,
    SyncRequest,
    download_headers,
)
from app.sources.restcomm_crawl import PAGE_SIZE, AccountLists, Normalizer
from app.sources.restcomm_parse import (
    call_events,
    call_session,
    error_message,
    integer,
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
from app.timeutil import time_key
from app.urls import origin

log = logging.getLogger("histview.restcomm")

#: A trace is stamped when the response arrived and may be written a little later.
TRACE_OVERLAP = timedelta(minutes=15)


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
        self.lists = AccountLists(self.client, self.account_sid, self.option("page_size"),
                                  self.redactor)
        self.known_calls: set[str] = set()  # call sids seen this sync (rows or lookups)
        self.not_calls: set[str] = set()  # session sids with no call row
        self.outside: set[str] = set()  # calls starting outside the asked range (not kept)
        self._anonymous: HttpClient | None = None

    def test(self) -> str:
        account = self.lists.json(self.client.get(self.lists.account_path + ".json"),
                                  "account")
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
        yield from self.lists.crawl(resource, plan, extras, request, cancel,
                                    normalizers[resource])

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

    # -- calls ---------------------------------------------------------------------------------

    def _refresh_open(self, plan: RangePlan, extras: dict, cancel: CancelToken) -> Page:
        """Fetch again the calls that were still going at the last sync."""
        page = Page("calls", None)
        still_open, unread = [], Counter[str]()
        for sid in extras["open"]:
            cancel.check()
            doc = self.lists.call(sid)
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
        self._drop_outside(page, state.get("asked") or {})
        extras["open"] = sorted(open_calls - self.outside)
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
        self.outside.discard(session.session_id)  # another range may hold it
        return True

    def _drop_outside(self, page: Page, asked: dict[str, str]) -> None:
        """Take out of ``page`` the calls that start outside the range the user asked for,
        with their events: the day filters let the boundary days' calls through (notes,
        "Filters (Calls)": day granularity, in the server's zone), and a trace may name a
        call of any day. Their rows stay in the raw table: nothing sent is thrown away."""
        dropped = {s.session_id for s in page.sessions if outside(s.start, asked)}
        if not dropped:
            return
        self.outside |= dropped
        self.known_calls -= dropped
        page.sessions = [s for s in page.sessions if s.session_id not in dropped]
        page.events = [e for e in page.events if e.session_id not in dropped]
        for sid in dropped:
            page.participants.pop(sid, None)

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
            if artifact is not None and artifact.session_id not in self.outside:
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
        asked = state.get("asked") or {}
        # Seed, "List Filter": DateCreated is a lower bound only, so every trace up to now
        # comes. One past an asked --until is kept only when its call is already known to
        # start inside the range (a callback after the bound); its session is not looked up.
        self._resolve_sessions(page, {event.session_id for event, _, _ in read
                                      if not outside(event.time, asked)}, cancel, unread)
        self._drop_outside(page, asked)
        read = [(event, status, parties) for event, status, parties in read
                if event.session_id not in self.outside
                and (event.session_id in self.known_calls or not outside(event.time, asked))]
        page.events.extend(event for event, _, _ in read)
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
        for sid in sorted(session_sids - self.known_calls - self.not_calls - self.outside):
            if session_channel(sid) == "call":
                cancel.check()
                doc = self.lists.call(sid)
                if doc is not None and self._read_call(page, doc, unread):
                    continue
            self.not_calls.add(sid)


def outside(moment: str | None, asked: dict[str, str]) -> bool:
    """Whether ``moment`` falls outside ``[asked from, asked to)``, compared in time order
    (``...:09Z`` and ``...:09.456Z`` do not sort as text; ``time_key`` does); no bound, no
    limit."""
    if not moment or not asked:
        return False
    at = time_key(moment)
    low, high = asked.get("from"), asked.get("to")
    return (low is not None and at < time_key(low)) or (high is not None and at >= time_key(high))


SOURCE = RestcommSource
