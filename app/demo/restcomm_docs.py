"""The simulator's JSON: calls, recordings, traces, list pages and errors as Restcomm's
converters write them, and a recording's audio.

Formats from the notes (``samples/restcomm.md``) and the seed: dates as ``EEE, d MMM yyyy
HH:mm:ss Z`` in the server's zone, calls' ``start_time``/``end_time`` as ISO with offset,
recording durations as strings, traces' ``date_created_ms`` with milliseconds, absent page
links as the string ``"null"``, ``num_pages`` as the last page's index. What the server
shows at a moment, and how it answers, is ``app/demo/restcomm.py``'s job.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from app.demo.restcomm_data import API_VERSION, ORG_NAME, SimCall, SimRecording
from app.demo.restcomm_traces import SimTrace
from app.demo.server import Response

ACCOUNT_NAME = "Northwind Outfitters Support"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MALFORMED_LIST = (b'{"page":0,"num_pages":3,"page_size":50,"total":170,"start":"0",'
                  b'"end":"49","calls":[{"sid":"ID3f0c')


@dataclass(frozen=True)
class Account:
    """Whose documents these are: the account, the server's zone and its instance."""

    sid: str
    tz: ZoneInfo
    instance_id: str
    phone_number_sid: str


def rfc_date(moment: datetime, tz: ZoneInfo | None, *, millis: bool = False) -> str:
    """Java's ``EEE, d MMM yyyy HH:mm:ss Z`` (day without a leading zero)."""
    local = moment.astimezone(tz) if tz else moment.astimezone(UTC)
    clock = local.strftime("%H:%M:%S") + (f".{local.microsecond // 1000:03d}" if millis else "")
    return (f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year} "
            f"{clock} {local.strftime('%z')}")


def call_status(call: SimCall, clock: datetime) -> str:
    if call.ended <= clock:
        return call.final_status
    if call.answered and call.answered <= clock:
        return "in-progress"
    return "queued" if call.direction == "outbound-api" else "ringing"


def call_doc(account: Account, call: SimCall, clock: datetime) -> dict[str, Any]:
    """A call as CallDetailRecordConverter writes it; null fields are left out."""
    ended = call.ended <= clock
    status = call_status(call, clock)
    talk = (call.ended - call.answered).total_seconds() if call.answered and ended else 0
    ring_end = call.answered or call.ended
    updated = call.ended if ended else (call.answered if status == "in-progress"
                                        else call.created)
    base = f"/{API_VERSION}/Accounts/{account.sid}/Calls/{call.sid}"
    doc: dict[str, Any] = {
        "sid": call.sid, "instance_id": account.instance_id,
        "date_created": rfc_date(call.created, account.tz),
        "date_updated": rfc_date(updated, account.tz),
        "parent_call_sid": call.parent_sid, "account_sid": account.sid,
        "to": call.to, "from": call.from_,
        "phone_number_sid": account.phone_number_sid if call.direction == "inbound" else None,
        "status": status, "start_time": _iso(call.created, account.tz),
        "end_time": _iso(call.ended, account.tz) if ended else None,
        "duration": round(talk), "price_unit": "USD", "direction": call.direction,
        "api_version": API_VERSION, "caller_name": call.caller_name,
        "uri": base + ".json",
        "subresource_uris": {"notifications": f"/restcomm{base}/Notifications",
                             "recordings": f"/restcomm{base}/Recordings"},
        "ring_duration": int((ring_end - call.created).total_seconds())
        if ended or status == "in-progress" else None,
    }
    return {k: v for k, v in doc.items() if v is not None}


def _iso(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat(timespec="milliseconds")


def recording_doc(account: Account, rec: SimRecording, server_url: str) -> dict[str, Any]:
    return {
        "sid": rec.sid, "date_created": rfc_date(rec.created, account.tz),
        "date_updated": rfc_date(rec.created, account.tz), "account_sid": account.sid,
        "call_sid": rec.call_sid, "duration": str(round(rec.duration, 5)),
        "api_version": API_VERSION,
        "uri": f"/{API_VERSION}/Accounts/{account.sid}/Recordings/{rec.sid}.json",
        "file_uri": f"{server_url}/restcomm/recordings/{rec.sid}.wav",
    }


def trace_doc(account: Account, trace: SimTrace) -> dict[str, Any]:
    if trace.verbatim is not None:
        return json.loads(json.dumps(trace.verbatim))
    return {
        "sid": trace.sid, "account_sid": account.sid,
        "account_friendly_name": ACCOUNT_NAME,
        "org_sid": "OR" + account.sid[2:][::-1], "org_name": ORG_NAME,
        "date_created_ms": rfc_date(trace.created, None, millis=True),
        "session_sid": trace.session_sid,
        "uri": f"/Accounts/{account.sid}/Traces/{trace.sid}",
        "status": "completed" if 200 <= trace.code < 300 else "failed",
        "direction": trace.direction, "latency_ms": trace.latency_ms,
        "request": {"path": trace.path, "method": trace.method,
                    "headers": trace.request_headers, "body": trace.request_body},
        "response": {"status": {"code": str(trace.code), "phrase": trace.phrase,
                                "headers": trace.response_headers,
                                "body": trace.response_body}},
    }


def list_page(uri: str, key: str, docs: list[dict[str, Any]], *, page: int, size: int,
              total: int) -> dict[str, Any]:
    """One page of a list, in the converters' envelope: ``start``/``end`` as strings,
    ``num_pages`` the last page's index, absent links the string ``"null"``, and the next
    link with ``Page``/``PageSize``/``AfterSid`` only (the list's filters are not kept)."""
    last = total // size
    first = page * size
    end = first + len(docs) if page == last else first + len(docs) - 1
    return {
        "page": page, "num_pages": last, "page_size": size, "total": total,
        "start": str(first), "end": str(end), "uri": uri,
        "first_page_uri": f"{uri}?Page=0&PageSize={size}",
        "previous_page_uri": f"{uri}?Page={page - 1}&PageSize={size}" if page else "null",
        "next_page_uri": (f"{uri}?Page={page + 1}&PageSize={size}&AfterSid={docs[-1]['sid']}"
                          if page < last and docs else "null"),
        "last_page_uri": f"{uri}?Page={last}&PageSize={size}",
        key: docs,
    }


def error_response(status: int, message: str, error: str | None = None, *,
                   xml: bool = False) -> Response:
    """AbstractEndpoint.buildErrorResponseBody: ``{"message":"...",\\n"error":"..."}``, or
    in XML ``<RestcommResponse><Message>…</Message>[<Error>…</Error>]</RestcommResponse>``."""
    if xml:
        body = (f"<RestcommResponse><Message>{escape(message)}</Message>"
                + (f"<Error>{escape(error)}</Error>" if error else "") + "</RestcommResponse>")
        return Response(status, body.encode(), {"Content-Type": "application/xml"})
    body = f'{{"message":"{message}"' + (f',\n"error":"{error}"' if error else "") + "}"
    return Response(status, body.encode(), {"Content-Type": "application/json"})


#: A call's XML elements in the order of samples/restcomm_calls_list_sample.xml, each with
#: the JSON document's key it shows (None: a field the JSON leaves out, see below).
_CALL_XML = (("Sid", "sid"), ("DateCreated", "date_created"), ("DateUpdated", "date_updated"),
             ("ParentCallSid", "parent_call_sid"), ("AccountSid", "account_sid"),
             ("To", "to"), ("From", "from"), ("PhoneNumberSid", "phone_number_sid"),
             ("Status", "status"), ("StartTime", "start_time"), ("EndTime", "end_time"),
             ("Duration", "duration"), ("Price", None), ("Direction", "direction"),
             ("AnsweredBy", "answered_by"), ("ApiVersion", "api_version"),
             ("ForwardedFrom", "forwarded_from"), ("CallerName", "caller_name"))
#: The list element's attributes (notes: "XML list attributes"), from the JSON envelope.
_LIST_XML = (("page", "page"), ("numpages", "num_pages"), ("pagesize", "page_size"),
             ("total", "num_pages"), ("start", "start"), ("end", "end"), ("uri", "uri"),
             ("firstpageuri", "first_page_uri"), ("previouspageuri", "previous_page_uri"),
             ("nextpageuri", "next_page_uri"), ("lastpageuri", "last_page_uri"))


def call_xml(doc: dict[str, Any], indent: str = "") -> str:
    """A call's ``<Call>`` element, from its JSON document, as the sample shows it: absent
    values as empty elements (``<ParentCallSid/>``), ``Price`` present (the notes: "JSON
    omits price; XML has Price"; 0.00 as in the sample: this line is not billed), and
    ``Uri``/``SubresourceUris`` without ``.json`` or ``/restcomm``, as in the sample."""
    lines = [f"{indent}<Call>"]
    for tag, key in _CALL_XML:
        value = "0.00" if key is None else doc.get(key)
        lines.append(f"{indent}  <{tag}/>" if value is None
                     else f"{indent}  <{tag}>{escape(str(value))}</{tag}>")
    base = doc["uri"].removesuffix(".json")
    lines += [f"{indent}  <Uri>{escape(base)}</Uri>", f"{indent}  <SubresourceUris>",
              f"{indent}    <Notifications>{escape(base)}/Notifications</Notifications>",
              f"{indent}    <Recordings>{escape(base)}/Recordings</Recordings>",
              f"{indent}  </SubresourceUris>", f"{indent}</Call>"]
    return "\n".join(lines)


def call_xml_response(doc: dict[str, Any]) -> Response:
    """One call without ``.json`` nor a json Accept: wrapped in ``<RestcommResponse>``."""
    body = f"<RestcommResponse>\n{call_xml(doc, '  ')}\n</RestcommResponse>"
    return Response(200, body.encode(), {"Content-Type": "application/xml"})


def calls_xml_response(page: dict[str, Any]) -> Response:
    """A Calls list page in XML (``samples/restcomm_calls_list_sample.xml``): the JSON
    envelope's values as attributes of ``<Calls>``, whose ``total`` is the last page's
    index (the notes: "the XML total attribute is emitted as getTotalPages() (bug)"; the
    sample shows total="0" beside its one call)."""
    attrs = " ".join(f"{name}={quoteattr(str(page[key]))}" for name, key in _LIST_XML)
    calls = [call_xml(doc, "    ") for doc in page["calls"]]
    body = "\n".join(["<RestcommResponse>", f"  <Calls {attrs}>", *calls, "  </Calls>",
                      "</RestcommResponse>"])
    return Response(200, body.encode(), {"Content-Type": "application/xml"})


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    """A short mono 16-bit PCM tone: a playable stand-in for the recorded call."""
    count = int(seconds * rate)
    samples = b"".join(struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / rate)))
                       for i in range(count))
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(samples)) + samples
