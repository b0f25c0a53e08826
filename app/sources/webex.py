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
transcripts and post-meeting chats listed when their events are read (``webex_artifacts``);
chats become events on the meeting's timeline.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import requests

from app.http import SourceError, parse_json
from app.model import keyed_documents
from app.sources.base import (
    READ_ERRORS,
    CancelToken,
    Page,
    RangePlan,
    Source,
    SyncRequest,
    download_headers,
)
from app.sources.cloud import follow_links, link_header_next
from app.sources.webex_artifacts import MeetingArtifacts
from app.sources.webex_events import learn_people
from app.sources.webex_parse import (
    HORIZON,
    Memory,
    add_event,
    build_session,
    new_summary,
    session_key,
)
from app.timeutil import format_utc, utc_now
from app.urls import origin

OVERLAP = timedelta(minutes=15)
PAGE_MAX = 1000  # seed 003: "between 1 and 1000, inclusive"

log = logging.getLogger("histview.webex")


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
        self.artifacts = MeetingArtifacts(config.name, self._list, self.api.base_url)

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
        # A meeting's or call's events are created as it ends: see listed_by_end.
        plan = RangePlan(checkpoint, request.listed_by_end(), overlap=OVERLAP)
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
        self.artifacts.add(summaries, memory, page, cancel, unread)
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
        self.artifacts.add(summaries, memory, page, cancel, unread)
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
