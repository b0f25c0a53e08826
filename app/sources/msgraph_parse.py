"""Graph call log rows (pstnCallLogRow, directRoutingLogRow) as sessions and events.

Field meanings from seed 002 and samples/msgraph.md: ``id`` is the row's key (``callId`` is
"not guaranteed to be unique"); times are UTC with up to seven fractional digits, kept as
sent; Direct Routing writes ``0001-01-01T00:00:00Z`` for "no failure"; bot call types
(``ucap_in``) have null user fields.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import requests

from app.model import Event, RawDocument, Session
from app.sources.base import Page
from app.timeutil import iso_utc, seconds_between

log = logging.getLogger("histview.msgraph")

#: resource -> (Graph function, session type)
RESOURCES = {
    "pstn_calls": ("getPstnCalls", "pstn_call"),
    "direct_routing_calls": ("getDirectRoutingCalls", "direct_routing_call"),
}
#: Fields that are columns of the session already; everything else goes in ``extra``.
_COLUMNS = {"id", "startDateTime", "endDateTime", "duration"}
_NO_TIME = "0001-01-01T00:00:00Z"


def error_message(response: requests.Response) -> str | None:
    """Graph's ``{"error": {"code", "message"}}`` as ``code: message`` (concepts/errors.md)."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        return ": ".join(str(p) for p in (code, message) if p) or None
    if isinstance(error, str):  # Entra ID's token endpoint shape
        return ": ".join(p for p in (error, body.get("error_description")) if p)
    return None


def graph_time(value: Any) -> str | None:
    if not value or value == _NO_TIME:
        return None
    return iso_utc(str(value))


def direction(call_type: str | None) -> str | None:
    """``user_in``/``ucap_out``/``ByotIn``/``ByotOutUcap`` -> inbound/outbound."""
    text = (call_type or "").lower()
    if text.endswith("_in") or text.startswith("byotin") or "_in_" in text:
        return "inbound"
    if text.endswith("_out") or text.startswith("byotout") or "_out_" in text:
        return "outbound"
    return None


def _unique(values: list[Any]) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v))


def _extra(row: dict[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for name, value in row.items():
        if name in _COLUMNS or value is None or value == "" or value == _NO_TIME:
            continue
        if isinstance(value, list):  # administrativeUnitInfos: [{"id": ...}]
            value = ", ".join(str(v.get("id", v)) if isinstance(v, dict) else str(v)
                              for v in value)
        elif isinstance(value, dict):
            value = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # as text, so a search for a charge or SIP code finds it
        extra[name] = value
    return extra


def _status(resource: str, row: dict[str, Any]) -> str | None:
    """In Direct Routing's words (``successfulCall`` + ``finalSipCode``/``Phrase``), for
    both row kinds, so a manager filters one word across Teams calls."""
    if row.get("successfulCall") is None:
        # samples/msgraph.md, pstnCallLogRow: "status: none (all rows are connected
        # calls)": the PSTN log holds only calls that went through.
        return "successful" if resource == "pstn_calls" else None
    if row["successfulCall"]:
        return "successful"
    return " ".join(str(p) for p in ("failed", row.get("finalSipCode"),
                                     row.get("finalSipCodePhrase")) if p)


def row_session(resource: str, row: dict[str, Any]) -> tuple[Session, list[Event]]:
    """One call log row: its session and its start and end events."""
    row_id = str(row["id"])
    start = graph_time(row.get("startDateTime")) or graph_time(row.get("inviteDateTime"))
    end = graph_time(row.get("endDateTime")) or graph_time(row.get("failureDateTime"))
    user = row.get("userDisplayName") or row.get("userPrincipalName")
    caller, callee = row.get("callerNumber"), row.get("calleeNumber")
    way = direction(row.get("callType"))
    duration = row.get("duration")
    status = _status(resource, row)
    session = Session(
        session_id=row_id, type=RESOURCES[resource][1],
        title=f"{user or 'PSTN service call'}: {caller or '?'} → {callee or '?'}",
        start=start, end=end,
        duration_s=float(duration) if duration is not None else seconds_between(start, end),
        participants=_unique([row.get("userDisplayName"), row.get("userPrincipalName"),
                              caller, callee]),
        direction=way, status=status, extra=_extra(row),
        raw=json.dumps(row, ensure_ascii=False),
    )
    lane = str(user or caller or "call")
    events = []
    if start:
        events.append(Event(row_id, "start", start, lane, "call_start", actor=user,
                            detail=f"{way or 'call'} {caller or '?'} → {callee or '?'}",
                            data={"callType": row.get("callType")}))
    if end:
        failed = status is not None and status.startswith("failed")
        detail = status if failed else f"ended after {duration} s"
        events.append(Event(row_id, "end", end, lane, "call_failed" if failed else "call_end",
                            actor=user, detail=detail, seq=1))
    return session, events


def normalize_page(resource: str, rows: list[dict[str, Any]], checkpoint: dict | None,
                   seen: set[str]) -> Page:
    """A Graph page as a Page of complete sessions; ``seen`` drops rows already read in
    this sync (windows share their edges), and counts only new ones."""
    page = Page(resource, checkpoint, replace_children=True)
    page.raw[resource] = []
    unkeyed = 0
    for row in rows:
        if not isinstance(row, dict) or not row.get("id"):
            unkeyed += 1
            page.raw[resource].append(RawDocument.unkeyed(row))
            continue
        if str(row["id"]) in seen:
            continue
        seen.add(str(row["id"]))
        session, events = row_session(resource, row)
        page.sessions.append(session)
        page.events.extend(events)
        page.raw[resource].append(RawDocument(str(row["id"]), row))
    page.items = len(page.sessions)
    page.unreadable = unkeyed
    if unkeyed:
        log.warning("%s: %d row(s) without an id: kept in the raw table only",
                    resource, unkeyed)
    return page
