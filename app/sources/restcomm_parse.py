"""Restcomm documents into sessions, events and artifacts, and its odd formats into ours.

Seed: ``seeds/001_e53aea88987ead46.txt`` (Traces); facts the seed omits:
``samples/restcomm.md`` (read from the server's converters).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections import Counter
from datetime import date, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from app.model import Artifact, Event, RawDocument, Session, keyed_documents
from app.sources.base import READ_ERRORS
from app.timeutil import format_utc, iso_utc, parse_utc, seconds_between

#: Call statuses that will still change (notes: queued, ringing, in-progress, completed,
#: failed, busy, no-answer, canceled).
OPEN_STATUSES = frozenset({"queued", "ringing", "in-progress"})
_RFC_FRACTION = re.compile(r"^(.*\d{1,2}:\d{2}:\d{2})(\.\d+)(\s.*)?$")
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-auth-token"})
#: Day filters are read in the server's zone, which can move an hour with daylight saving.
DST_MARGIN = timedelta(hours=1)
#: Before any date told us the server's zone: the widest UTC offset there is.
ANY_ZONE = timedelta(hours=14)


# -- records ------------------------------------------------------------------------------------

def keyed(records: list) -> tuple[list[dict], list[RawDocument]]:
    """The records that carry a ``sid`` (every Restcomm record has one: notes, "Field
    formats"; seed, "sid"), credentials masked, and every record as a raw document."""
    return keyed_documents([mask_credentials(record) for record in records], "sid",
                           lambda sid: isinstance(sid, str) and bool(sid.strip()))


def text_field(doc: dict[str, Any], key: str) -> str | None:
    """A field that is text or absent. Anything else makes the record unreadable (its
    ``TypeError`` is one of ``READ_ERRORS``): a list or an object would otherwise reach the
    cache's columns and fail the whole page there, where nothing can skip one record."""
    value = doc.get(key)
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{key} is a {type(value).__name__}, not text")


def is_open(doc: dict[str, Any]) -> bool:
    """Whether a call will still change (its status may be of any type in an odd row)."""
    status = doc.get("status")
    return isinstance(status, str) and status in OPEN_STATUSES


# -- formats ------------------------------------------------------------------------------------

def is_null(link: Any) -> bool:
    """Absent page links are the *string* ``"null"`` (notes, "Paging" quirks)."""
    return link is None or (isinstance(link, str) and link.strip() in ("", "null"))


def restcomm_time(value: Any) -> str | None:
    """Any Restcomm time as ISO UTC.

    Lists write ``EEE, d MMM yyyy HH:mm:ss Z`` in the server's zone (``Mon, 6 Jan 2014
    08:51:07 +0900``), traces the same with milliseconds (seed: ``Wed, 30 Jun 2021
    16:41:09.456 +0000``), and calls' start/end times ISO with an offset (notes). The
    milliseconds are kept, as CONTRACT.md promises.
    """
    if value is None or not str(value).strip() or str(value).strip() == "null":
        return None
    text = str(value).strip()
    if text[:4].isdigit():
        moment = iso_utc(text)
        parse_utc(moment)  # iso_utc reads the shape only: "25:61" would pass as a time
        return moment
    fraction = ""
    match = _RFC_FRACTION.match(text)
    if match:
        text, fraction = match.group(1) + (match.group(3) or ""), match.group(2)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        raise ValueError(f"not a Restcomm date: {str(value)[:40]!r}") from None
    return format_utc(moment, with_fraction=False)[:-1] + fraction + "Z"


def utc_offset_minutes(value: Any) -> int | None:
    """The server's UTC offset, as its RFC 2822 dates tell it (``... -0600`` -> -360)."""
    match = re.search(r"\s([+-])(\d{2})(\d{2})\s*$", str(value or ""))
    if not match:
        return None
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    return -minutes if match.group(1) == "-" else minutes


def number(value: Any) -> float | None:
    """Durations come as numbers or as strings (``"14.70275"``, notes)."""
    if value is None or value == "" or value == "null":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def integer(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def filter_day(iso: str, utc_offset: int | None, *, upper: bool) -> str:
    """The ``YYYY-MM-DD`` for a day filter that cannot cut into the range.

    The server compares the day in its own zone (notes: ``StartTime`` -> ``start_time >=
    date``): take the earlier (for a lower bound) of the UTC day and the server's local day,
    an hour further out for daylight saving; with the zone unknown, assume any zone.
    """
    moment = parse_utc(iso)
    try:
        moment = moment + DST_MARGIN if upper else moment - DST_MARGIN
        if utc_offset is not None:
            local = moment + timedelta(minutes=utc_offset)
        else:
            local = moment + ANY_ZONE if upper else moment - ANY_ZONE
    except OverflowError:  # ``--since 0001-01-01``: the first (or last) day there is
        return (date.max if upper else date.min).isoformat()
    day = max(moment.date(), local.date()) if upper else min(moment.date(), local.date())
    return day.isoformat()


def error_message(response: requests.Response) -> str | None:
    """Restcomm's error body: ``{"message":"...",\\n"error":"..."}`` or the XML
    ``<Message>``/``<Error>``; many errors have no body at all (notes, "Auth, errors")."""
    text = response.text.strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError:
            return None
        parts = [body.get("message"), body.get("error")] if isinstance(body, dict) else []
        return " - ".join(str(p) for p in parts if p) or None
    found = re.findall(r"<(Message|Error)>([^<]*)</\1>", text)
    return " - ".join(value for _, value in found if value) or None


def mask_credentials(doc: Any) -> Any:
    """Blank credential headers inside a trace.

    A trace records every header of the request (seed, ``request.headers``), and the
    application calls the API with ``Authorization: Basic AccountSid:AuthToken``: stored
    as is, the cache would hold the secret. Nothing else the vendor sent is changed.
    """
    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: ("***" if key == "headers" and k.lower() in _SECRET_HEADERS
                        else walk(v, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(doc)


# -- calls ----------------------------------------------------------------------------------------

def call_session(doc: dict[str, Any]) -> Session:
    """A call row (CallDetailRecordConverter's fields, notes "Field formats")."""
    sid = str(doc["sid"])
    start = restcomm_time(doc.get("start_time")) or restcomm_time(doc.get("date_created"))
    end = restcomm_time(doc.get("end_time"))
    caller, callee = text_field(doc, "from") or "", text_field(doc, "to") or ""
    who = text_field(doc, "caller_name") or caller
    keep = ("from", "to", "caller_name", "parent_call_sid", "answered_by", "forwarded_from",
            "ring_duration", "price", "price_unit", "phone_number_sid", "instance_id")
    extra = {k: doc[k] for k in keep if doc.get(k) not in (None, "", "null")}
    extra["date_created"] = restcomm_time(doc.get("date_created"))
    return Session(
        session_id=sid, type="call", title=f"{who} → {callee}".strip(), start=start,
        end=end, duration_s=number(doc.get("duration")) if end else None,
        participants=list(dict.fromkeys(p for p in (doc.get("caller_name"), caller, callee)
                                        if p)),
        direction=text_field(doc, "direction") or None,
        status=text_field(doc, "status") or None, extra=extra,
        raw=json.dumps(doc, indent=2, ensure_ascii=False),
    )


def call_events(doc: dict[str, Any], session: Session) -> list[Event]:
    """The call's own state changes: it started (a span to its end), was answered, ended."""
    sid = session.session_id
    if not session.start:
        return []
    status = doc.get("status") or "unknown"
    events = [Event(
        session_id=sid, event_id="call:start", time=session.start, end=session.end,
        lane="call", kind="call", actor=doc.get("from") or None,
        detail=f"{doc.get('direction') or 'call'} from {doc.get('from')} to {doc.get('to')}",
        data={"status": status, "direction": doc.get("direction")},
    )]
    ring = number(doc.get("ring_duration"))
    if ring is not None and session.end and status == "completed" and \
            number(doc.get("duration")):
        answered = _plus_seconds(session.start, ring)
        events.append(Event(session_id=sid, event_id="call:answered", time=answered,
                            lane="call", kind="answered", actor=doc.get("to") or None,
                            detail=f"answered after {ring:g} s ringing", seq=1))
    if session.end:
        events.append(Event(
            session_id=sid, event_id="call:end", time=session.end, lane="call", kind=status,
            detail=f"{status} after {session.duration_s or 0:g} s", seq=2,
            data={"duration_s": session.duration_s},
        ))
    return events


def _plus_seconds(iso: str, seconds: float) -> str:
    return format_utc(parse_utc(iso) + timedelta(seconds=seconds))


# -- recordings -----------------------------------------------------------------------------------

def recording_artifact(doc: dict[str, Any], api_root: str, account_sid: str) -> Artifact | None:
    """A recording of a call (RecordingConverter: ``duration`` is a string)."""
    call_sid = text_field(doc, "call_sid")
    if not call_sid:
        return None
    sid = str(doc["sid"])
    duration = number(doc.get("duration"))
    created = restcomm_time(doc.get("date_created"))
    url = (text_field(doc, "file_uri")
           or f"{api_root}/2012-04-24/Accounts/{account_sid}/Recordings/{sid}.wav")
    label = f"Recording {duration:.1f} s" if duration is not None else "Recording"
    return Artifact(
        session_id=str(call_sid), artifact_id=sid, kind="recording", label=label, url=url,
        data={"recording_sid": sid, "duration_s": duration, "date_created": created,
              "s3_uri": doc.get("s3_uri")},
    )


# -- traces ---------------------------------------------------------------------------------------

def trace_time(doc: dict[str, Any]) -> str | None:
    # The seed's table names ``date_created``; its examples send ``date_created_ms``.
    return restcomm_time(doc.get("date_created_ms") or doc.get("date_created"))


def trace_response(doc: dict[str, Any]) -> dict[str, Any]:
    """The seed nests code, phrase, headers and body under ``response.status``; its
    property table puts headers and body beside ``status``: read both."""
    response = doc.get("response") or {}
    status = response.get("status") if isinstance(response.get("status"), dict) else {}
    return {
        "code": status.get("code", response.get("status_code")),
        "phrase": status.get("phrase", response.get("phrase")),
        "headers": status.get("headers", response.get("headers")),
        "body": status.get("body", response.get("body")),
    }


def trace_event(doc: dict[str, Any]) -> Event | None:
    """One HTTP exchange between the platform and the application, on its session."""
    session_sid, time = text_field(doc, "session_sid"), trace_time(doc)
    if not session_sid or not time:
        return None
    request = doc.get("request") or {}
    answer = trace_response(doc)
    webhook = str(doc.get("direction") or "").lower() == "webhook"
    method, path = request.get("method") or "", request.get("path") or ""
    latency = number(doc.get("latency_ms"))
    detail = f"{method} {path} → {answer['code'] or '?'} {answer['phrase'] or ''}".rstrip()
    if latency is not None:
        detail += f" ({latency:g} ms)"
    return Event(
        session_id=str(session_sid), event_id=str(doc["sid"]), time=time,
        lane="webhook" if webhook else "API", kind="http_request",
        actor="Restcomm" if webhook else "application", detail=detail,
        data={"trace_sid": doc.get("sid"), "method": method, "path": path,
              "response_code": answer["code"], "response_phrase": answer["phrase"],
              "latency_ms": doc.get("latency_ms"), "status": doc.get("status"),
              "direction": doc.get("direction"), "request_body": request.get("body"),
              "response_body": answer["body"]},
    )


def session_channel(session_sid: str) -> str:
    """What a session sid names: ``ID<instance>-CA...`` a call, ``-SM``/``-MM`` a message."""
    tail = session_sid.rsplit("-", 1)[-1]
    return {"CA": "call", "SM": "SMS", "MM": "message"}.get(tail[:2], "session")


def trace_parties(doc: dict[str, Any]) -> list[str]:
    """``From``/``To`` from a trace's query string or form body, where the app put them."""
    request = doc.get("request") or {}
    found: list[str] = []
    for text in (urllib.parse.urlsplit(request.get("path") or "").query, request.get("body")):
        if not isinstance(text, str) or "=" not in text:
            continue
        params = urllib.parse.parse_qs(text)
        found += [v for key in ("From", "To") for v in params.get(key, [])[:1]]
    return list(dict.fromkeys(found))


def read_trace(doc: dict, unread: Counter[str]) -> tuple[Event, str | None, list[str]] | None:
    """A trace's event, status and parties, or None: one with no session or time names no
    session (kept raw, as ever); one whose fields cannot be read is counted too."""
    try:
        event = trace_event(doc)
        return None if event is None else (event, trace_status(doc), trace_parties(doc))
    except READ_ERRORS:
        unread["traces"] += 1
        return None


def trace_status(doc: dict[str, Any]) -> str | None:
    """Seed, ``status``: "completed in case the response status code is in the 2XX range.
    failed in case response status code is not 2XX". A trace without it is read by that
    same rule from ``response.status.code``; with neither, nothing is known."""
    status = doc.get("status")
    if isinstance(status, str) and status.strip():
        return status.strip()
    code = str(trace_response(doc)["code"] or "").strip()
    if not code.isdigit():
        return None
    return "completed" if code.startswith("2") else "failed"


def widen_span(span: dict[str, Any] | None, time: str, status: str | None,
               parties: list[str]) -> dict[str, Any]:
    """A trace session's span with one more trace: its first and last time, its parties,
    and the status of its latest trace, which is the session's final state (of two traces
    at the same millisecond a failure wins, so the order pages come in never changes it).
    Times are compared as moments: ``...:09Z`` and ``...:09.456Z`` do not sort as text."""
    if span is None:
        return {"first": time, "last": time, "parties": list(parties), "status": status}
    first, last = parse_utc(span["first"]), parse_utc(span["last"])
    moment = parse_utc(time)
    if moment > last or (moment == last and status == "failed"):
        span["status"] = status
    span["first"] = time if moment < first else span["first"]
    span["last"] = time if moment > last else span["last"]
    span["parties"] = list(dict.fromkeys([*span["parties"], *parties]))
    return span


def trace_session(session_sid: str, span: dict[str, Any]) -> Session:
    """A session known only from its traces (no call row: an SMS, or a call the account
    has no record of). ``span`` holds the first and last trace time, the parties and the
    latest trace's status (``widen_span``). Its duration is in whole seconds, cut as the
    vendors count theirs (Pexip's 579 for 579.56 s, CONTRACT.md): traces carry
    milliseconds, a session length does not."""
    channel = session_channel(session_sid)
    parties = list(span.get("parties") or [])
    title = f"{channel} {' → '.join(parties[:2])}" if parties else f"{channel} {session_sid}"
    seconds = seconds_between(span["first"], span["last"])
    return Session(
        session_id=session_sid, type="trace_session", title=title, start=span["first"],
        end=span["last"], duration_s=int(seconds) if seconds is not None else None,
        participants=parties, status=span.get("status"),
        extra={"session_sid": session_sid, "channel": channel},
    )
