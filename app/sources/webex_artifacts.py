"""A Webex meeting's recordings, transcripts and post-meeting chats (seed 003, Meeting Chats
reference, samples/webex.md).

Apart from the events crawl in ``webex`` because these lists follow other rules: each is
asked per meeting (by ``meetingId``), only when the meeting's flags promise it; what is not
there yet (recordings appear minutes after a meeting ends) is asked for again on the next
syncs for two days; and chats may be missing for a whole org. Their collection is
"upon-request and not enabled by default" (Meeting Chats reference), so an org that answers
403/404 is asked no more chats for the rest of the sync, and the sync goes on without them.
"""

from __future__ import annotations

import functools
import logging
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

from app.http import SourceError
from app.model import Artifact, keyed_documents
from app.sources.base import READ_ERRORS, CancelToken, Page
from app.sources.cloud import follow_links
from app.sources.concurrent import fetch_concurrently
from app.sources.webex_events import chat_event
from app.sources.webex_parse import Memory, merge_chat
from app.timeutil import format_utc, parse_utc, utc_now

ARTIFACT_WAIT = timedelta(hours=48)

log = logging.getLogger("histview.webex")

#: One page of a Webex list: its body (with ``items``) and the next page's link, if any.
ListPage = Callable[[str], tuple[dict[str, Any], str | None]]


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


class MeetingArtifacts:
    """The listings of one sync: which meetings were asked already lives in ``Memory``, and
    what the org said about chats in ``chats`` (a source is made anew for each sync)."""

    def __init__(self, source_name: str, list_page: ListPage, api_base: str) -> None:
        self.list_page, self.api_base = list_page, api_base
        self.chats = OrgFeature(source_name, "post-meeting chats")

    def add(self, summaries: dict[str, dict], memory: Memory, page: Page,
            cancel: CancelToken, unread: Counter[str]) -> None:
        """List recordings, transcripts and chats of the page's meetings whose flags promise
        them, once per sync each, a few listings at a time: each listing is its own round
        trip, and a meeting's listings need not wait for one another."""
        listings = [(key, kind) for key, summary in summaries.items()
                    if summary["type"] == "meeting" and key not in memory.checked
                    for kind in self.promised(summary["flags"])]
        wanted = list(dict.fromkeys(key for key, _ in listings))
        memory.checked.update(wanted)

        def fetch(listing: tuple[str, str]) -> list[dict] | None:
            return self._listing(*listing, cancel)

        for (key, kind), items in fetch_concurrently(fetch, listings, cancel):
            if items is not None:
                self._add_found(kind, key, summaries[key], items, page, unread)
        for key in wanted:
            self._await_if_missing(key, summaries[key], memory)

    def promised(self, flags: dict) -> list[str]:
        """The listings a meeting's flags promise, chats left out once the org said it
        has none."""
        return [kind for kind, listing in LISTINGS.items() if flags.get(listing.flag)
                and not (kind == "chat" and self.chats.disabled)]

    def _listing(self, meeting_id: str, kind: str, cancel: CancelToken) -> list[dict] | None:
        """One meeting's items of one kind; None for chats the org does not have."""
        url = f"{LISTINGS[kind].path}?meetingId={urllib.parse.quote(meeting_id)}&max=100"
        list_all = functools.partial(self._all, url, cancel)
        return self.chats.fetch(list_all) if kind == "chat" else list_all()

    def _all(self, url: str, cancel: CancelToken) -> list[Any]:
        return [item for linked in follow_links(url, self.list_page, cancel,
                                                what="Webex listing")
                for item in linked.body["items"]]

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
                    page.artifacts.append(recording_artifact(meeting_id, item, self.api_base))
                elif kind == "transcript":
                    page.artifacts.extend(transcript_artifacts(meeting_id, item))
                else:
                    event = chat_event(meeting_id, item)
                    merge_chat(summary, item)
                    page.events.extend([event] if event else [])
                summary["found"][kind] += 1
            except READ_ERRORS:  # no id, or a time or number of another shape
                unread[table] += 1

    def _await_if_missing(self, meeting_id: str, summary: dict, memory: Memory) -> None:
        # .get: a summary from a checkpoint older than chats has no "chat" count.
        missing = any(not summary["found"].get(kind)
                      for kind in self.promised(summary["flags"]))
        deadline = format_utc(parse_utc(summary["last"]) + ARTIFACT_WAIT)
        if missing and deadline > format_utc(utc_now()):
            memory.awaiting[meeting_id] = deadline
        else:
            memory.awaiting.pop(meeting_id, None)


# -- the rows ------------------------------------------------------------------------------

def recording_artifact(meeting_id: str, item: dict[str, Any], api: str) -> Artifact:
    """A recording by its stable resource URL: the direct-download links in its details
    expire within hours (samples/webex.md), so they are fetched when a download starts."""
    minutes, seconds = divmod(int(item.get("durationSeconds") or 0), 60)
    data = {k: item[k] for k in ("topic", "format", "durationSeconds", "sizeBytes",
                                 "createTime", "timeRecorded", "downloadUrl", "playbackUrl",
                                 "siteUrl", "hostEmail") if item.get(k) not in (None, "")}
    return Artifact(meeting_id, str(item["id"]), "recording",
                    f"Recording {item.get('topic') or ''} ({item.get('format') or 'MP4'}, "
                    f"{minutes}:{seconds:02d})".replace("  ", " "),
                    f"{api}/v1/recordings/{item['id']}", item.get("playbackUrl"), data)


def transcript_artifacts(meeting_id: str, item: dict[str, Any]) -> list[Artifact]:
    """One artifact per transcript format: the txt and vtt download links (stable API
    URLs, downloaded with the bearer token)."""
    found = []
    for fmt in ("txt", "vtt"):
        link = item.get(f"{fmt}DownloadLink")
        if link:
            data = {k: item[k] for k in ("startTime", "meetingTopic", "siteUrl")
                    if item.get(k)}
            found.append(Artifact(meeting_id, f"{item['id']}.{fmt}", "transcript",
                                  f"Transcript ({fmt})", link, None, {"format": fmt, **data}))
    return found
