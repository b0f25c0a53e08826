"""Pexip Infinity management history API: conferences, participants, media streams, alarms.

Seed: ``000_ffc5e24a0231b3ab.txt``; facts the seed omits: ``samples/pexip.md``.

How the crawl stays exact over a live table. The node keeps the newest 10,000 conferences
and deletes the oldest as new ones end, *while we page*; plain ascending offset paging then
skips rows (every deletion shifts the rest down). So each window is crawled newest first
(``order_by=-end_time``) with a fixed upper bound taken from a one-row probe: new history
lands above the bound and retention deletes only at the tail, so the offset of every row
that exists throughout the crawl never moves. That makes the pages independent, so they are
fetched a few at a time (the total is known from ``meta.total_count``) and the checkpoint
records which offsets are stored. If the total grows mid-crawl (a late row inside the
window), the window is crawled once more; upserts on the vendor id keep every row once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from app.http import SourceError, parse_json
from app.model import Event, Session, keyed_documents
from app.sources.base import READ_ERRORS, CancelToken, Page, RangePlan, Source, SyncRequest
from app.sources.concurrent import fetch_concurrently
from app.timeutil import format_utc, iso_utc, parse_utc

log = logging.getLogger("histview.pexip")

API = "/api/admin/history/v1/"
#: The default page of 20 makes a 10,000-conference crawl 500 requests; the notes put the
#: server's ceiling at 10,000 and real clients use 1,000-5,000 (samples/pexip.md).
PAGE_SIZE = 1000
#: Late rows: history is written as calls end, but a short overlap costs one page at most.
OVERLAP = timedelta(minutes=2)
#: What a participant's call event keeps beside its detail line (the whole participant
#: document stays in the raw table and the raw view).
CALL_FIELDS = ("call_quality", "protocol", "call_direction", "disconnect_reason",
               "remote_alias", "local_alias", "display_name", "role", "remote_address",
               "system_location", "vendor", "bandwidth", "encryption", "license_type",
               "conversation_id", "media_node", "duration")
#: A media stream event's data: what the detail pane shows (times and URIs are the event's
#: own fields; packet counters stay in the raw participant document).
STREAM_FIELDS = ("stream_type", "rx_codec", "tx_codec", "rx_resolution", "tx_resolution",
                 "rx_bitrate", "tx_bitrate", "rx_packet_loss", "tx_packet_loss", "node", "id")


class PexipSource(Source):
    kind = "pexip"
    title = "Pexip Infinity: conference history"
    secret_label = "password"
    options = ("username",)
    optional_options = {"page_size": str(PAGE_SIZE), "workers": "4"}
    whole_number_options = {"page_size": (1, 10_000), "workers": (1, 16)}

    def __init__(self, config, secret: str) -> None:
        super().__init__(config, secret)
        self.page_size = max(1, min(int(self.option("page_size") or PAGE_SIZE), 10_000))
        self.workers = max(1, int(self.option("workers") or 4))
        username = self.option("username") or ""
        self.redactor.add_basic(username, secret)
        self.client = self.http(auth=(username, secret))

    def test(self) -> str:
        meta = self._get("conference/", {"limit": 1})["meta"]
        return f"{meta.get('total_count', 0)} conferences in history"

    def resources(self) -> list[str]:
        # One resource for conferences and participants: the participant window depends
        # on the conferences fetched (see _participant_request), so they share a checkpoint.
        return ["history", "alarm"]

    def pages(self, resource: str, checkpoint: dict | None, request: SyncRequest,
              cancel: CancelToken) -> Iterator[Page]:
        if resource == "alarm":
            yield from self._alarm_pages(checkpoint, request, cancel)
            return
        request = request.listed_by_end()  # history is written as a call ends
        state = dict(checkpoint or {})
        conf_plan = RangePlan(state.get("conference"), request, overlap=OVERLAP)
        for page in self._crawl("conference", conf_plan, cancel):
            starts = [s.start for s in page.sessions if s.start]
            if starts:
                state["floor"] = min(filter(None, [*starts, state.get("floor")]))
            state["conference"] = page.checkpoint
            yield self._with_checkpoint(page, state)
        state["conference"] = conf_plan.checkpoint()
        part_plan = RangePlan(state.get("participant"),
                              self._participant_request(request, state), overlap=OVERLAP)
        for page in self._crawl("participant", part_plan, cancel):
            state["participant"] = page.checkpoint
            yield self._with_checkpoint(page, state)
        state["participant"] = part_plan.checkpoint()
        state["floor"] = None
        yield Page("history", dict(state))

    @staticmethod
    def _with_checkpoint(page: Page, state: dict) -> Page:
        page.checkpoint = json.loads(json.dumps(state))
        return page

    @staticmethod
    def _participant_request(request: SyncRequest, state: dict) -> SyncRequest:
        """Participants end within their conference, so the participant window reaches back
        to the earliest start of the conferences fetched since the last participant pass."""
        floor = state.get("floor")
        if floor is None or request.full:
            return request
        since = parse_utc(floor) - OVERLAP
        if request.since is not None:
            since = min(since, request.since)
        elif state.get("participant", {}).get("hwm"):
            since = min(since, parse_utc(state["participant"]["hwm"]) - OVERLAP)
        return SyncRequest(since=since, until=request.until, full=False, now=request.now)

    # -- the crawl ---------------------------------------------------------------------------

    def _crawl(self, resource: str, plan: RangePlan, cancel: CancelToken) -> Iterator[Page]:
        for rng in plan.ranges():
            yield from self._crawl_range(resource, plan, rng, cancel)

    def _crawl_range(self, resource: str, plan: RangePlan, rng: dict,
                     cancel: CancelToken) -> Iterator[Page]:
        window = rng["state"]
        if "hi" not in window:
            window = self._probe(resource, rng)
            rng["to"] = window["hi"]
            if window["total"] == 0:
                yield Page(resource, plan.finish(rng))
                return
            yield Page(resource, plan.update(rng, window))
        while True:
            done = set(window["done"])
            offsets = [o for o in range(0, window["total"], self.page_size) if o not in done]
            grew = False
            def fetch(offset: int) -> tuple[int, Page]:
                # Parsing in the fetch thread overlaps it with the store's SQLite work.
                data = self._get(f"{resource}/", {**_window_filter("end_time", rng),
                                                  "limit": self.page_size, "offset": offset})
                return data["meta"].get("total_count", 0), self._page(resource, data)

            for offset, (total_now, page) in fetch_concurrently(fetch, offsets, cancel,
                                                                self.workers):
                window["done"] = sorted({*window["done"], offset})
                grew = grew or total_now > window["total"]
                page.checkpoint, page.total = plan.update(rng, window), window["total"]
                yield page
            if not grew:
                break
            # A late row inside the window shifted offsets: crawl it once more.
            window = {**window, "done": [], "total": self._probe(resource, rng)["total"]}
        yield Page(resource, plan.finish(rng))

    def _probe(self, resource: str, rng: dict) -> dict:
        """Count the window's rows and pin its upper bound just above the newest one."""
        data = self._get(f"{resource}/", {**_window_filter("end_time", rng), "limit": 1})
        total = int(data["meta"].get("total_count") or 0)
        newest = data["objects"][0].get("end_time") if data["objects"] else None
        hi = rng["to"]
        if newest:
            hi = min(hi, format_utc(parse_utc(iso_utc(newest)) + timedelta(microseconds=1)))
        return {"hi": hi, "total": total, "done": []}

    def _get(self, path: str, params: dict[str, Any]) -> dict:
        response = self.client.get(API + path, params=params)
        # No source name here: the sync's own line already says "sync NAME failed:".
        data = parse_json(response, path)
        if not isinstance(data, dict) or not isinstance(data.get("objects"), list) \
                or not isinstance(data.get("meta"), dict):
            raise SourceError(f"{path}: not a Tastypie list (no meta/objects)")
        return data

    def _page(self, resource: str, data: dict) -> Page:
        """A page's objects, each kept whole in the raw table and normalized when it can be.

        An object without an id, or whose times or fields cannot be read, is kept raw only
        and counted in a warning: failing the page instead would fail it on every sync, and
        nothing newer than it would ever be cached before the node's retention deleted it.
        """
        normalize: Callable[[dict, Page], None] = (
            _conference_into if resource == "conference" else _participant_into)
        page = Page(resource, None, items=len(data["objects"]))
        objects, page.raw[resource] = keyed_documents(data["objects"], "id", _has_id)
        unread = len(data["objects"]) - len(objects)
        if resource == "participant":
            # The crawl runs newest-ended first, so the customer who stayed to the end came
            # before the person who opened the bridge; a session lists people as they joined.
            objects = sorted(objects, key=_joined)
        for obj in objects:
            try:
                normalize(obj, page)
            except READ_ERRORS:
                unread += 1  # each normalizer adds all of an object's rows or none
        page.unreadable += unread
        if unread:
            log.warning("%s: %s: %d %s(s) without an id or with unreadable fields: kept in the "
                        "raw table only", self.config.name, resource, unread, resource)
        return page

    # -- alarms --------------------------------------------------------------------------------

    def _alarm_pages(self, checkpoint: dict | None, request: SyncRequest,
                     cancel: CancelToken) -> Iterator[Page]:
        plan = RangePlan(checkpoint, request, overlap=OVERLAP)
        for rng in plan.ranges():
            offset = rng["state"].get("offset", 0)
            while True:
                cancel.check()
                data = self._get("alarm/", {**_window_filter("time_raised", rng),
                                            "order_by": "time_raised",
                                            "limit": self.page_size, "offset": offset})
                offset += len(data["objects"])
                page = Page("alarm", plan.update(rng, {"offset": offset}),
                            items=len(data["objects"]))
                page.raw["alarm"] = keyed_documents(data["objects"], "id", _has_id)[1]
                yield page
                if not data["meta"].get("next") or not data["objects"]:
                    break
            yield Page("alarm", plan.finish(rng))


def _window_filter(field: str, rng: dict) -> dict[str, Any]:
    """A range as Pexip filters, newest first (see the module docstring for why)."""
    params: dict[str, Any] = {f"{field}__lt": _naive(rng["to"]), "order_by": f"-{field}"}
    if rng["from"]:
        params[f"{field}__gte"] = _naive(rng["from"])
    return params


def _naive(iso: str) -> str:
    """Pexip filters take naive UTC times (samples/pexip.md, "Filters / ordering")."""
    return iso[:-1] if iso.endswith("Z") else iso


def _has_id(value: Any) -> bool:
    """Every Pexip history object has an id, a number or a UUID."""
    return value != ""


def _joined(participant: dict) -> tuple[str, str, str]:
    """A sort key by join time; of two who joined together, who left first (then the id,
    so the order never depends on the page). Pexip's naive times sort as text, with or
    without microseconds ("09:46:53" before "09:46:53.7"); no time sorts last."""
    return (str(participant.get("start_time") or "~"), str(participant.get("end_time") or "~"),
            str(participant.get("id")))


def _uuid_from_uri(uri: str | None) -> str | None:
    """``/api/admin/history/v1/conference/<uuid>/`` -> ``<uuid>``."""
    return uri.rstrip("/").rsplit("/", 1)[-1] if uri else None


def _conference_into(obj: dict, page: Page) -> None:
    page.sessions.append(Session(
        session_id=str(obj["id"]), type="conference", title=obj.get("name") or "",
        start=iso_utc(obj.get("start_time")), end=iso_utc(obj.get("end_time")),
        duration_s=obj.get("duration"), status="ended",
        extra={k: obj.get(k) for k in ("service_type", "tag", "participant_count",
                                       "instant_message_count") if obj.get(k) not in (None, "")},
        # No ``raw`` here: the conference's document is already in raw_pexip_conference
        # under this id, where the window's Raw record finds it. A second copy cost a sync
        # 0.2 s and 6 MB per 10,000 conferences.
    ))


def _participant_into(obj: dict, page: Page) -> None:
    conference = _uuid_from_uri(obj.get("conference"))
    if not conference:
        return
    lane = obj.get("display_name") or obj.get("remote_alias") or str(obj.get("id"))
    events = [Event(
        session_id=conference, event_id=str(obj["id"]), time=iso_utc(obj.get("start_time")),
        end=iso_utc(obj.get("end_time")), lane=lane, kind="call",
        actor=obj.get("display_name") or None, detail=_call_detail(obj),
        data=_present(obj, CALL_FIELDS),
    )]
    # This loop runs for every media stream of a sync (82,000 in the benchmark's month).
    for stream in obj.get("media_streams") or ():
        stream_type = stream.get("stream_type")
        events.append(Event(
            session_id=conference, event_id=f"media:{stream.get('id')}",
            time=iso_utc(stream.get("start_time")), end=iso_utc(stream.get("end_time")),
            lane=lane, kind=f"{stream_type}_stream" if stream_type else "media_stream", seq=1,
            detail=_stream_detail(stream), data=_present(stream, STREAM_FIELDS),
        ))
    # Added only now, all together: an unreadable stream leaves no half a participant.
    page.participants.setdefault(conference, []).append(lane)
    page.events.extend(events)


def _present(obj: dict, fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields that have a value; Pexip sends "" for a field that does not apply."""
    return {k: v for k in fields if (v := obj.get(k)) is not None and v != ""}


def _call_detail(obj: dict) -> str:
    quality = str(obj.get("call_quality") or "").partition("_")[2] or obj.get("call_quality")
    bits = [obj.get("protocol"), f"{obj.get('call_direction')}bound" if obj.get(
        "call_direction") else None, obj.get("remote_alias"),
        f"quality {quality}" if quality else None, obj.get("disconnect_reason")]
    return " · ".join(str(b) for b in bits if b)


def _stream_detail(stream: dict) -> str:
    """``VP8 1280x720 loss rx 0.4% tx 0.2%``: codec and resolution only when known."""
    loss = f"loss rx {stream.get('rx_packet_loss', 0)}% tx {stream.get('tx_packet_loss', 0)}%"
    resolution = stream.get("rx_resolution")
    if resolution:
        loss = f"{resolution} {loss}"
    codec = stream.get("rx_codec") or stream.get("tx_codec")
    return f"{codec} {loss}" if codec else loss


SOURCE = PexipSource
