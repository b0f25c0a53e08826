"""BeyondTrust Remote Support (ex-Bomgar): support sessions from the reporting API.

How a sync walks the appliance (seed 004, ../shared/samples/beyondtrust.md):
- One OAuth 2 client-credentials token per sync, reused, renewed once on a 401 (an API
  account holds at most 30 live tokens; a new one silently kills the oldest).
- ``generate_report=SupportSession`` over bounded ``start_time`` + ``duration`` windows, from
  the last window on. ``start_*`` windows return sessions still in progress too, so nothing
  that began is missed; a window is sized to answer a bounded number of sessions, and
  windows longer than ``DIRECT_MAX_S`` are first listed (SupportSessionListing, a few bytes
  per session) and then fetched by ``lsids=`` in batches, so no answer grows without limit.
  A first sync lists the whole history that way.
- Sessions seen without an ``end_time`` are remembered in the checkpoint by LSID and fetched
  again by ``lsids=`` on later syncs until they close (never by re-reading old windows).
- Every reporting call closes its connection, as the seed asks.
- A session without an LSID, or whose times or fields cannot be read, is kept in the raw
  table only and counted in one warning per page; the rest of the page lands.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import requests

from app.http import SourceError
from app.model import Artifact, Event, Session
from app.sources.base import (
    READ_ERRORS,
    CancelToken,
    Page,
    RangePlan,
    Source,
    SyncRequest,
    download_headers,
)
from app.sources.beyondtrust_fields import session_time
from app.sources.beyondtrust_normalize import normalize, raw_key, raw_row
from app.sources.beyondtrust_parse import SessionXml, error_text, parse_listing, parse_sessions
from app.sources.oauth import ClientCredentials
from app.timeutil import format_utc, parse_utc, utc_now
from app.urls import origin

log = logging.getLogger("histview.beyondtrust")

RESOURCE = "support_session"
REPORT_PATH = "/api/reporting"
TOKEN_PATH = "/oauth2/token"

#: A window re-reads this much of the previous one: the appliance's clock and ours differ.
OVERLAP = timedelta(minutes=10)
#: Windows up to this long are asked for directly; longer ones are listed first.
DIRECT_MAX_S = 3600
FIRST_STEP_S = 3600
MAX_STEP_S = 31 * 86400
#: How many sessions a direct window should answer; the next window is sized for it.
TARGET_SESSIONS = 150
#: LSIDs per ``lsids=`` request: ~100 sessions of 50 events is a couple of megabytes.
BATCH = 100
#: Stop asking for a session that has had no end time this long after its start; it
#: "closed abnormally" (seed 004) and will keep an empty end_time for ever.
OPEN_GIVE_UP = timedelta(days=7)
#: Syncs that ask again for a session the listing named but the session report left out,
#: before it is taken as gone (deleted, or out of the API account's reach). Before, it was
#: skipped at once and for good: the checkpoint moved past it, so only --full found it.
MISSING_TRIES = 3


class BeyondTrustSource(Source):
    kind = "beyondtrust"
    title = "BeyondTrust Remote Support: support sessions and recordings"
    secret_label = "OAuth client secret"
    options = ("client_id",)

    def __init__(self, config, secret: str) -> None:
        super().__init__(config, secret)
        client_id = self.option("client_id") or ""
        self.oauth = ClientCredentials(self.http(), TOKEN_PATH, client_id, secret)
        # seed 004: "When making consecutive API calls, you must close the connection after
        # each API call."
        self.api = self.http(auth=self.oauth, headers={"Connection": "close"},
                             error_message=_error_message)

    # -- the Source interface ---------------------------------------------------------------

    def test(self) -> str:
        rows = self.listing({"start_time": int(utc_now().timestamp()) - 86400, "duration": 0})
        return f"token accepted; {len(rows)} support sessions started in the last 24 hours"

    def resources(self) -> list[str]:
        return [RESOURCE]

    def pages(self, resource: str, checkpoint: dict | None, request: SyncRequest,
              cancel: CancelToken) -> Iterator[Page]:
        checkpoint = checkpoint or {}
        plan = RangePlan(checkpoint, request, overlap=OVERLAP)
        walk = _Walk(self, plan, dict(checkpoint.get("open") or {}), request, cancel,
                     missing=dict(checkpoint.get("missing") or {}))
        yield from walk.refresh_pending()
        for rng in plan.ranges():
            yield from walk.range_pages(rng)

    def open_download(self, artifact: dict, offset: int = 0,
                      if_range: str | None = None) -> requests.Response:
        """Stream a recording with the bearer token, never sending it to another host."""
        url = artifact.get("url") or ""
        if origin(url) != origin(self.config.url):
            raise SourceError(f"refusing to send the API token to {origin(url) or url!r}")
        return self.oauth.call(lambda: self.api.get(url, stream=True,
                                                    headers=download_headers(offset, if_range)))

    # -- reporting calls -----------------------------------------------------------------------

    def _report(self, params: dict[str, Any]) -> requests.Response:
        """One reporting call, form-encoded POST (the seed allows GET or POST; POST keeps a
        long ``lsids=`` list out of URL length limits)."""
        return self.oauth.call(lambda: self.api.post(REPORT_PATH, data=params))

    def sessions(self, params: dict[str, Any]) -> list[SessionXml]:
        response = self._report({"generate_report": "SupportSession", **params})
        return parse_sessions(response.content, response.headers.get("Content-Type", ""))

    def listing(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        response = self._report({"generate_report": "SupportSessionListing", **params})
        return parse_listing(response.content, response.headers.get("Content-Type", ""))

    def page(self, found: list[SessionXml], checkpoint: dict, *, listing: list | None = None,
             abandoned: set[str] = frozenset(), pending: int = 0) -> Page:
        """A report's sessions, each kept whole in the raw table and normalized when it can be.

        A session without an LSID, or whose times or fields cannot be read, is kept raw only
        and counted in a warning: failing the page instead would fail it on every sync, and
        nothing newer would reach the cache before the appliance's retention removed it.
        """
        sessions: list[Session] = []
        events: list[Event] = []
        artifacts: list[Artifact] = []
        unread = 0
        for item in found:
            if not item.lsid:
                unread += 1
                continue
            try:
                session, its_events, its_artifacts = normalize(
                    item, self.config.url, abandoned_tracking=item.lsid in abandoned)
            except READ_ERRORS:
                unread += 1  # normalize returns all of a session's rows or raises: none land
                continue
            sessions.append(session)
            events.extend(its_events)
            artifacts.extend(its_artifacts)
        if unread:
            log.warning("%s: %s: %d session(s) without an lsid or with unreadable fields: "
                        "kept in the raw table only", self.config.name, RESOURCE, unread)
        raw: dict[str, list[dict]] = {RESOURCE: [raw_row(s) for s in found]}
        if listing:
            raw["support_session_listing"] = [
                {**r, "_id": raw_key(_lsid(r), r.get("_doc") or "")} for r in listing]
        return Page(RESOURCE, checkpoint, sessions=sessions, events=events,
                    artifacts=artifacts, raw=raw, replace_children=True, items=len(found),
                    unreadable=unread, pending=pending)


class _Walk:
    """One sync of the support sessions: the open-session refresh, then the time ranges."""

    def __init__(self, source: BeyondTrustSource, plan: RangePlan, open_lsids: dict[str, str],
                 request: SyncRequest, cancel: CancelToken, *,
                 missing: dict[str, int] | None = None) -> None:
        self.source = source
        self.plan = plan
        self.open = open_lsids  # lsid -> start (ISO), sessions seen without an end_time
        self.missing = missing or {}  # lsid -> syncs it was asked for and left out
        self.left_out_now: set[str] = set()  # counted once per sync, however often asked
        self.request = request
        self.cancel = cancel

    def checkpoint(self, range_checkpoint: dict | None = None) -> dict:
        return {**(range_checkpoint or self.plan.checkpoint()), "open": dict(self.open),
                "missing": dict(self.missing)}

    def track(self, found: list[SessionXml]) -> set[str]:
        """Remember sessions without an end time; return those too old to wait for."""
        limit = format_utc(self.request.now - OPEN_GIVE_UP)
        abandoned = set()
        for item in found:
            if not item.lsid:
                continue  # kept raw only (``page``): nothing to ask for again
            self.missing.pop(item.lsid, None)
            try:
                end = session_time(item.record.get("end_time"))
                start = session_time(item.record.get("start_time"))
            except READ_ERRORS:
                self.open.pop(item.lsid, None)  # unreadable times: kept raw only, not chased
                continue
            if end:
                self.open.pop(item.lsid, None)
                continue
            start = start or format_utc(self.request.now)
            if start < limit:
                self.open.pop(item.lsid, None)
                abandoned.add(item.lsid)
            else:
                self.open[item.lsid] = start
        return abandoned

    # -- sessions still in progress at an earlier sync, or left out of an answer ------------

    def refresh_pending(self) -> Iterator[Page]:
        lsids = sorted(set(self.open) | set(self.missing))
        for start in range(0, len(lsids), BATCH):
            self.cancel.check()
            batch = lsids[start:start + BATCH]
            found = self.source.sessions({"lsids": ",".join(batch)})
            abandoned = self.track(found)
            pending = self._left_out(set(batch) - {s.lsid for s in found})
            yield self.source.page(found, self.checkpoint(), abandoned=abandoned,
                                   pending=pending)

    def _left_out(self, lsids: set[str]) -> int:
        """Count another sync for each session an answer left out; one left out at
        ``MISSING_TRIES`` syncs is given up (an open one too: the appliance no longer has
        it). Returns how many are still to be asked for. A session left out again in the
        same sync (a ``--since`` range re-lists what the refresh asked for) is not counted
        again: it would be given up a sync early, and named twice in the sync's note."""
        lsids = lsids - self.left_out_now
        self.left_out_now |= lsids
        for lsid in lsids:
            self.open.pop(lsid, None)
            tries = self.missing.get(lsid, 0) + 1
            if tries >= MISSING_TRIES:
                self.missing.pop(lsid, None)
                log.warning("%s: session %s was listed but left out of %d answers: given up",
                            self.source.config.name, lsid, tries)
            else:
                self.missing[lsid] = tries
        return sum(lsid in self.missing for lsid in lsids)

    def _sessions_of(self, batch: list[str]) -> tuple[list[SessionXml], set[str]]:
        """A batch's sessions, asking once more for those the answer left out (an appliance
        busy archiving may); returns the sessions and the LSIDs still missing."""
        found = self.source.sessions({"lsids": ",".join(batch)}) if batch else []
        left_out = set(batch) - {s.lsid for s in found}
        if left_out:
            self.cancel.check()
            again = self.source.sessions({"lsids": ",".join(sorted(left_out))})
            found += [s for s in again if s.lsid in left_out]
            left_out -= {s.lsid for s in again}
        return found, left_out

    # -- time ranges -----------------------------------------------------------------------

    def range_pages(self, rng: dict) -> Iterator[Page]:
        """Walk one range in windows; each page's checkpoint says where the next one starts."""
        end = math.floor(parse_utc(rng["to"]).timestamp())
        state = dict(rng.get("state") or {})
        if "next" not in state:
            begin = 0 if rng["from"] is None else math.floor(parse_utc(rng["from"]).timestamp())
            state = {"next": begin, "step": end - begin if rng["from"] is None else FIRST_STEP_S}
        while True:
            window_end = state.get("window_end") or min(state["next"] + state["step"], end)
            if state["next"] >= end or window_end <= state["next"]:
                yield self.source.page([], self.checkpoint(self.plan.finish(rng)))
                return
            last = window_end >= end
            if window_end - state["next"] <= DIRECT_MAX_S:
                pages = self._direct(rng, state, window_end, last)
            else:
                pages = self._listed(rng, state, window_end, last)
            for page, next_state in pages:
                yield page
                state = next_state
            if last:
                return

    def _after(self, rng: dict, state: dict, window_end: int, count: int, last: bool) -> tuple:
        """The checkpoint once a window is done, and the state of the next window."""
        step = _next_step(window_end - state["next"], count)
        following = {"next": window_end, "step": step}
        if last:
            return self.checkpoint(self.plan.finish(rng)), following
        return self.checkpoint(self.plan.update(rng, following)), following

    def _direct(self, rng: dict, state: dict, window_end: int, last: bool) -> Iterator[tuple]:
        self.cancel.check()
        found = self.source.sessions({"start_time": state["next"],
                                      "duration": max(window_end - state["next"], 1)})
        abandoned = self.track(found)
        checkpoint, following = self._after(rng, state, window_end, len(found), last)
        yield self.source.page(found, checkpoint, abandoned=abandoned), following

    def _listed(self, rng: dict, state: dict, window_end: int, last: bool) -> Iterator[tuple]:
        """A long window: list its LSIDs, then fetch them in batches. The checkpoint keeps
        the window's end and the last LSID done, so a resumed sync lists the same window and
        skips what it already stored."""
        self.cancel.check()
        listing = self.source.listing({"start_time": state["next"],
                                       "duration": window_end - state["next"]})
        lsids = list(dict.fromkeys(_lsid(r) for r in listing if _lsid(r)))
        if state.get("after") in lsids:
            lsids = lsids[lsids.index(state["after"]) + 1:]
        batches = [lsids[i:i + BATCH] for i in range(0, len(lsids), BATCH)] or [[]]
        for number, batch in enumerate(batches):
            self.cancel.check()
            found, left_out = self._sessions_of(batch)
            abandoned = self.track(found)
            pending = self._left_out(left_out)
            if number == len(batches) - 1:
                checkpoint, following = self._after(rng, state, window_end, len(listing), last)
            else:
                following = {**state, "window_end": window_end, "after": batch[-1]}
                checkpoint = self.checkpoint(self.plan.update(rng, following))
            page = self.source.page(found, checkpoint, abandoned=abandoned,
                                    listing=listing if number == 0 else None, pending=pending)
            yield page, following


def _lsid(row: dict[str, Any]) -> str | None:
    """A listing row's LSID; None when it has none, or one that is not text."""
    lsid = row.get("lsid")
    return lsid if isinstance(lsid, str) and lsid.strip() else None


def _next_step(step: int, count: int) -> int:
    """Size the next window for ``TARGET_SESSIONS``, changing at most fourfold at a time.
    After an empty window the step grows past ``MAX_STEP_S``: a ``--since`` years before the
    appliance's first session walked month by month to it (24,000 requests from year 1)."""
    if count == 0:
        return max(step * 4, 60)
    factor = min(max(TARGET_SESSIONS / count, 0.25), 4.0)
    return int(min(max(step * factor, 60), MAX_STEP_S))


def _error_message(response: requests.Response) -> str | None:
    return error_text(response.content)


SOURCE = BeyondTrustSource
