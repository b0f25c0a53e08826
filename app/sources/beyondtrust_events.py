"""A BeyondTrust session's ``session_details`` as timeline events (seed 004).

Apart from ``beyondtrust_normalize`` because an event needs its own reading: whose lane it
goes on (a gsnumber resolved to the name the customer or representative list gives it, the
appliance's own actions on one system lane) and a one-line detail out of whichever of the
many event shapes it has (a chat body, a file, system information, key/value data).
"""

from __future__ import annotations

from typing import Any

from app.model import Event
from app.sources.beyondtrust_fields import stamp_utc, text

SYSTEM_LANE = "System"


def events_of(record: dict[str, Any], lsid: str, names: dict[str, str],
              session_start: str | None) -> list[Event]:
    events = []
    for seq, event in enumerate(record.get("session_details") or []):
        performer = _party(event.get("performed_by"), names)
        target = _party(event.get("destination"), names)
        data = {k: v for k, v in event.items() if k not in ("timestamp", "event_type")}
        if performer:
            data["performed_by"] = performer
        if target:
            data["destination"] = target
        stamp = event.get("timestamp")
        lane = _lane(performer)
        events.append(Event(
            session_id=lsid, event_id=str(seq), seq=seq,
            time=stamp_utc(stamp) if stamp else (session_start or ""),
            lane=lane, kind=event.get("event_type") or "event",
            actor=None if lane == SYSTEM_LANE else lane,
            detail=_detail(event, target), data=data,
        ))
    return events


def _party(element: dict[str, Any] | None, names: dict[str, str]) -> dict[str, Any] | None:
    if not element:
        return None
    party = dict(element)
    resolved = names.get(party.get("gsnumber") or "")
    if party.get("type") != "system" and resolved:
        party["name"] = resolved
    return party


def _lane(performer: dict[str, Any] | None) -> str:
    if not performer or performer.get("type") == "system":
        return SYSTEM_LANE
    return performer.get("name") or f"{performer.get('type', 'member')} #{performer.get('gsnumber')}"


def _detail(event: dict[str, Any], target: dict[str, Any] | None) -> str | None:
    if event.get("body") is not None and event.get("body") != "":
        return event["body"]
    if event.get("filename"):
        size = event.get("filesize")
        return f"{event['filename']} ({size} bytes)" if size else str(event["filename"])
    if event.get("files"):
        return ", ".join(text(f.get("name")) if isinstance(f, dict) else text(f)
                         for f in event["files"])
    if event.get("system_information"):
        categories = [c.get("name") or c.get("title") or "?" for c in event["system_information"]]
        return "System information: " + ", ".join(categories)
    if event.get("data"):
        return "; ".join(f"{k}: {v}" for k, v in event["data"].items())[:400]
    if target and target.get("name"):
        return f"to {target['name']}"
    return None
