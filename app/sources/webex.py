"""Webex compliance events, grouped into meetings, calls and single-event sessions, with
meeting recordings, transcripts and post-meeting chats (seed 003, samples/webex.md).

``GET /v1/events`` is read by ``from``/``to`` with ``max=1000``, following the ``Link:
rel="next"`` header to the end: the server silently caps ``max`` and tells no total, so
counting pages would stop early. Every sync re-reads a short overlap before its high-water
mark and upserts by event id.

Sessions span pages and syncs, so the source keeps, in the checkpoint, a summary of each
meeting or call that may still grow (events within a few hours of the page being read or
of the range's end) and merges new events into it; see ``webex_parse``. The choice over
re-reading the cache: a source never touches the store, and the summary is small. A session
whose events arrive further apart than that horizon is rebuilt from the later events alone
(its events and artifacts stay; the row shows what those events say).

Meetings with recording, transcription or classic-client chat on get their recordings,
transcripts and post-meeting chats listed when their events are read; what is not there yet
(recordings appear minutes after a meeting ends) is asked for again on the next syncs for
two days. Chats become events on the meeting's timeline. Their collection is "upon-request
and not enabled by default" for an org (Meeting Chats reference), so an org that answers
403/404 is asked no more chats for the rest of the sync, and the sync goes on without them.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, NamedTuple

import requests

from app.http import SourceError, origin, parse_json
from app.model import keyed_documents
from app.sources.base import CancelToken, Page, RangePlan, Source, SyncRequest, download_headers
from app.sources.cloud import follow_links, link_header_next
from app.sources.concurrent import fetch_concurrently
from app.sources.webex_parse import (  # READ_ERRORS is base's, as webex_parse uses it
    READ_ERRORS,
    add_event,
    build_session,
    chat_event,
    learn_people,
    merge_chat,
    new_summary,
    recording_artifact,
    session_key,
    transcript_artifacts,
)
from app.timeutil import format_utc, parse_utc, utc_now

OVERLAP = timedelta(minutes=15)
PAGE_MAX = 1000  # seed 003: "between 1 and 1000, inclusive"
ARTIFACT_WAIT = timedelta(hours=48)
#: How long after its last event a session may still receive events (and stays in memory).
HORIZON = {"meeting": timedelta(hours=12), "call": timedelta(hours=1)}

log = logging.getLogger("histview.webex")


class Listing(NamedTuple):
    """A per-meeting list: the meeting flag that promises it (seed 003), its path (listed
    by ``meetingId``, ``max`` 1-100, Link-paged) and the raw table of its documents."""

    flag: str
    path: str
    raw: str


LISTINGS = {
    "recording": Listing("recordingEnabled", "/v1/recordings", "recordings"),
    "transcript": Listing("transcriptionEnabled", "/v1/meetingTranscripts",
                          "meeting_transcripts"),
    # Meeting Chats reference; seed 003 calls it "the postMeetingsChat resource".
    "chat": Listing("hasPostMeetingsChat", "/v1/meetings/postMeetingChats", "meeting_chats"),
}


def error_message(response: requests.Response) -> str | None:
    """Webex's ``{"message", "errors": [{"description"}], "trackingId"}`` (samples/webex.md)."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not body.get("message"):
        return None
    tracking = body.get("trackingId") or response.headers.get("TrackingID")
    return f"{body['message']}" + (f" (trackingId {tracking})" if tracking else "")


def _fix_next(link: str | None) -> str | None:
    """Drop the errant ``max=null`` old Webex next links carried, which fails the next
    request as-is (WebexPythonSDK ``_fix_next_url``; samples/webex.md)."""
    if not link or "max=null" not in link:
        return link
    parts = urllib.parse.urlsplit(link)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
             if not (k == "max" and v == "null")]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class Memory:
    """Summaries of sessions that may still grow, and meetings awaiting artifacts."""

    def __init__(self, checkpoint: dict | None) -> None:
        checkpoint = checkpoint or {}
        self.open: dict[str, dict[str, Any]] = dict(checkpoint.get("open") or {})
        self.awaiting: dict[str, str] = dict(checkpoint.get("awaiting") or {})
        self.checked: set[str] = set()  # meetings whose artifacts this sync already listed
        self.people: dict[str, str] = {}  # person id -> e-mail, from snapshots (learn_people)

    def state(self) -> dict[str, Any]:
        return {"open": self.open, "awaiting": self.awaiting}

    def prune(self, low: str | None, high: str | None, range_end: str) -> None:
        """Keep summaries near the page just read, near the range's end, or awaiting."""
        keep = {}
        for key, summary in self.open.items():
            horizon = HORIZON.get(summary["type"], timedelta(0))
            last, first = parse_utc(summary["last"]), parse_utc(summary["first"])
            near_page = low is not None and last >= parse_utc(low) - horizon \
                and first <= parse_utc(high) + horizon
            if near_page or last >= parse_utc(range_end) - horizon or key in self.awaiting:
                keep[key] = summary
        self.open = keep


class OrgFeature:
    """A listing an org may not have, learnt from the first request for it.

    Webex collects meeting chats only for orgs that asked (Meeting Chats reference:
    "upon-request and not enabled by default"). What it answers an org without them is not
    documented: assumed 403 with its usual error body, and 404 is read the same way. Until
    one request has answered, requests go one at a time, so such an org gets one request
    per sync rather than one per meeting in flight; after a refusal none is sent.
    """

    def __init__(self, source_name: str, what: str) -> None:
        self.source_name, self.what = source_name, what
        self.disabled = False
        self._settled = False
        self._lock = threading.Lock()

    def fetch(self, list_all: Callable[[], list[dict]]) -> list[dict] | None:
        """``list_all()``'s items, or None when the org does not have the feature."""
        if not self._settled:
            with self._lock:
                if not self._settled:
                    return self._first(list_all)
        return None if self.disabled else list_all()

    def _first(self, list_all: Callable[[], list[dict]]) -> list[dict] | None:
        try:
            items = list_all()
        except SourceError as error:
            if error.status not in (403, 404):
                raise  # 401, 5xx after retries, malformed JSON: a failure like any other
            self.disabled = True
            log.info("%s: %s are not enabled for this organization; not asked again this "
                     "sync (%s)", self.source_name, self.what, error)
            items = None
        self._settled = True
        return items


class WebexSource(Source):
    kind = "webex"
    title = "Webex: meetings, calls, recordings and transcripts"
    secret_label = "access token"
    default_url = "https://webexapis.com"

    def __init__(self, config, secret: str) -> None:
        super().__init__(config, secret)
        self.api = self.http(headers={"Authorization": f"Bearer {secret}"},
                             error_message=error_message)
        # What the org said about chats holds for this sync: sync_one makes a source a sync.
        self.chats = OrgFeature(config.name, "post-meeting chats")

    def _list(self, url: str) -> tuple[dict[str, Any], str | None]:
        response = self.api.get(url)
        body = parse_json(response, f"Webex {urllib.parse.urlsplit(url).path}")
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise SourceError("Webex answered without an 'items' list")
        return body, _fix_next(link_header_next(response))

    def test(self) -> str:
        body, _ = self._list("/v1/events?max=1")
        return f"token accepted; compliance events readable ({len(body['items'])} listed)"

    def resources(self) -> list[str]:
        return ["events"]

    # -- events -----------------------------------------------------------------------------

    def pages(self, resource: str, checkpoint: dict | None, request: SyncRequest,
              cancel: CancelToken) -> Iterator[Page]:
        plan = RangePlan(checkpoint, request, overlap=OVERLAP)
        memory = Memory(checkpoint)
        if memory.awaiting:
            yield self._awaited_artifacts(plan, memory, cancel)
        for rng in plan.ranges():
            first = rng["state"].get("next") or self._events_url(rng)
            for linked in follow_links(first, self._list, cancel, what="Webex events"):
                page = self._events_page(linked.body["items"], memory, cancel)
                times = [e.time for e in page.events]
                if linked.next_url is None:  # the range is done: keep only its recent end
                    times = []
                memory.prune(min(times, default=None), max(times, default=None), rng["to"])
                done = plan.finish(rng) if linked.next_url is None else \
                    plan.update(rng, {"next": linked.next_url})
                page.checkpoint = {**done, **memory.state()}
                yield page

    def _events_url(self, rng: dict) -> str:
        # ``to`` is the plan's "now", already past: Webex refuses a ``to`` in the future.
        params = {"from": rng["from"], "to": rng["to"], "max": PAGE_MAX}
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        return f"/v1/events?{query}"

    def _events_page(self, items: list[Any], memory: Memory, cancel: CancelToken) -> Page:
        """A page's events, each kept whole in the raw table and put in its session when it
        can be read. One without an id, a time or a ``data`` object, or whose fields cannot
        be read, is kept raw only and counted in a warning: failing the page instead would
        fail it on every sync, and nothing newer than it would ever be cached."""
        page = Page("events", None, raw={"events": keyed_documents(items, "id")[1]})
        unread: Counter[str] = Counter()
        groups: dict[str, tuple[str, list[dict]]] = {}
        for item in items:
            try:
                key, kind = session_key(item)
                learn_people(item["data"], memory.people)
            except READ_ERRORS:
                unread["events"] += 1
                continue
            groups.setdefault(key, (kind, []))[1].append(item)
        summaries, raws = {}, {}
        for key, (kind, events) in groups.items():
            fresh = key not in memory.open
            summary = memory.open.get(key) or new_summary(kind)
            read = []
            for event in events:
                try:
                    page.events.append(add_event(key, summary, event, memory.people))
                    read.append(event)
                except READ_ERRORS:
                    unread["events"] += 1
            if not read:
                continue
            summaries[key] = summary
            # The session's document: its events on this page, when they define it.
            if fresh or any(e.get("resource") == "meetings" for e in read):
                raws[key] = json.dumps(read, ensure_ascii=False)
        self._meeting_artifacts(summaries, memory, page, cancel, unread)
        for key, summary in summaries.items():
            page.sessions.append(build_session(key, summary, raws.get(key)))
            if summary["type"] in HORIZON:
                memory.open[key] = summary
        page.items = len(page.raw["events"])
        self._warn_unread(page, unread)
        return page

    def _warn_unread(self, page: Page, unread: Counter[str]) -> None:
        """One warning per page, with counts only: a record may hold a customer's words."""
        page.unreadable += sum(unread.values())
        if unread:
            counts = ", ".join(f"{resource}: {count}" for resource, count in unread.items())
            log.warning("%s: records without an id or with a time or field that cannot be "
                        "read, kept in the raw table only (%s)", self.config.name, counts)

    # -- artifacts --------------------------------------------------------------------------

    def _meeting_artifacts(self, summaries: dict[str, dict], memory: Memory, page: Page,
                           cancel: CancelToken, unread: Counter[str]) -> None:
        """List recordings, transcripts and chats of the page's meetings whose flags promise
        them, once per sync each, a few listings at a time: each listing is its own round
        trip, and a meeting's listings need not wait for one another."""
        listings = [(key, kind) for key, summary in summaries.items()
                    if summary["type"] == "meeting" and key not in memory.checked
                    for kind in self._promised(summary["flags"])]
        wanted = list(dict.fromkeys(key for key, _ in listings))
        memory.checked.update(wanted)

        def fetch(listing: tuple[str, str]) -> list[dict] | None:
            return self._listing(*listing, cancel)

        for (key, kind), items in fetch_concurrently(fetch, listings, cancel):
            if items is not None:
                self._add_found(kind, key, summaries[key], items, page, unread)
        for key in wanted:
            self._await_if_missing(key, summaries[key], memory)

    def _promised(self, flags: dict) -> list[str]:
        """The listings a meeting's flags promise, chats left out once the org said it
        has none."""
        return [kind for kind, listing in LISTINGS.items() if flags.get(listing.flag)
                and not (kind == "chat" and self.chats.disabled)]

    def _listing(self, meeting_id: str, kind: str, cancel: CancelToken) -> list[dict] | None:
        """One meeting's items of one kind; None for chats the org does not have."""
        url = f"{LISTINGS[kind].path}?meetingId={urllib.parse.quote(meeting_id)}&max=100"
        list_all = functools.partial(self._all, url, cancel)
        return self.chats.fetch(list_all) if kind == "chat" else list_all()

    def _add_found(self, kind: str, meeting_id: str, summary: dict, items: list[Any],
                   page: Page, unread: Counter[str]) -> None:
        """One listing's items as the page's rows: each a raw document and, when it can be
        read, an artifact (recordings, transcripts) or a timeline event with its sender
        among the people (chats); the others are counted in ``unread``, as events are."""
        table = LISTINGS[kind].raw
        page.raw.setdefault(table, []).extend(keyed_documents(items, "id")[1])
        summary["found"][kind] = 0
        for item in items:
            try:  # an item's rows are all made before any is added
                if not item["id"]:
                    raise KeyError("id")
                if kind == "recording":
                    page.artifacts.append(recording_artifact(meeting_id, item, self.api.base_url))
                elif kind == "transcript":
                    page.artifacts.extend(transcript_artifacts(meeting_id, item))
                else:
                    event = chat_event(meeting_id, item)
                    merge_chat(summary, item)
                    page.events.extend([event] if event else [])
                summary["found"][kind] += 1
            except READ_ERRORS:  # no id, or a time or number of another shape
                unread[table] += 1

    def _all(self, url: str, cancel: CancelToken) -> list[Any]:
        return [item for linked in follow_links(url, self._list, cancel, what="Webex listing")
                for item in linked.body["items"]]

    def _await_if_missing(self, meeting_id: str, summary: dict, memory: Memory) -> None:
        # .get: a summary from a checkpoint older than chats has no "chat" count.
        missing = any(not summary["found"].get(kind)
                      for kind in self._promised(summary["flags"]))
        deadline = format_utc(parse_utc(summary["last"]) + ARTIFACT_WAIT)
        if missing and deadline > format_utc(utc_now()):
            memory.awaiting[meeting_id] = deadline
        else:
            memory.awaiting.pop(meeting_id, None)

    def _awaited_artifacts(self, plan: RangePlan, memory: Memory, cancel: CancelToken) -> Page:
        """Recordings, transcripts and chats that were not ready when their meeting was
        read."""
        page = Page("recordings", None)
        now = format_utc(utc_now())
        summaries = {}
        for meeting_id, deadline in list(memory.awaiting.items()):
            if meeting_id in memory.open and deadline >= now:
                summaries[meeting_id] = memory.open[meeting_id]
            else:
                memory.awaiting.pop(meeting_id)
        unread: Counter[str] = Counter()
        self._meeting_artifacts(summaries, memory, page, cancel, unread)
        self._warn_unread(page, unread)
        page.sessions = [build_session(key, summary, None) for key, summary in summaries.items()]
        page.checkpoint = {**plan.checkpoint(), **memory.state()}
        return page

    def open_download(self, artifact: dict, offset: int = 0,
                      if_range: str | None = None) -> requests.Response:
        """Stream an artifact. A recording's direct link is fetched fresh from its details
        now (those links expire within hours, so a resumed download asks again); it carries
        its own ticket, so the token is not sent to the download host."""
        url = artifact["url"]
        if not self._is_api(url):
            raise SourceError(f"refusing to send the Webex token to {origin(url)}")
        if artifact.get("kind") != "recording":
            return self.api.get(url, stream=True, headers=download_headers(offset, if_range))
        link = direct_link(parse_json(self.api.get(url), "Webex recording details"))
        for ticket in urllib.parse.parse_qs(urllib.parse.urlsplit(link).query).get("ticket", []):
            self.redactor.add(ticket)
        try:
            host = self.http(base_url=origin(link))
        except ValueError as error:  # plain http off loopback: the ticket would travel in clear
            raise SourceError(f"Webex's download link was refused: {error}") from None
        return host.get(link, stream=True, headers=download_headers(offset, if_range))

    def _is_api(self, url: str) -> bool:
        return origin(url) == origin(self.api.base_url)


def direct_link(details: Any) -> str:
    """The recording's ``temporaryDirectDownloadLinks.recordingDownloadLink``, or a
    ``SourceError`` that says what was missing (details of another shape included)."""
    links = details.get("temporaryDirectDownloadLinks") if isinstance(details, dict) else None
    link = links.get("recordingDownloadLink") if isinstance(links, dict) else None
    if not link or not isinstance(link, str):
        raise SourceError("Webex gave no download link for this recording (the token "
                          "may lack the recordings scope)")
    return link


SOURCE = WebexSource
