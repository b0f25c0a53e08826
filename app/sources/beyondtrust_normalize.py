"""Turning one parsed BeyondTrust support session into histview's normalized records.

Session = the support session (LSID), with the fields a manager searches and sorts by read
from its customer and representative lists and surveys; events = its ``session_details`` in
the appliance's order (``beyondtrust_events``); artifacts = the recordings and the chat
transcript the XML offers, and only those (``beyondtrust_artifacts``). The raw table's row
is made here too, from the same parsed record.
"""

from __future__ import annotations

import hashlib
from typing import Any

from app.model import Artifact, Event, Session
from app.sources.beyondtrust_artifacts import artifacts_of
from app.sources.beyondtrust_events import events_of
from app.sources.beyondtrust_fields import as_list, attr, session_time, text
from app.sources.beyondtrust_parse import SessionXml

#: Session children that become artifacts or events rather than ``extra`` fields.
_NOT_EXTRA = {
    "lsid", "session_details", "session_chat_view_url", "session_chat_download_url",
    "session_recording_view_url", "session_recording_download_url",
    "show_my_screen_recordings", "command_shell_recordings", "start_time", "end_time",
    "customer_list", "rep_list", "team_list", "cust_survey_list", "rep_survey_list",
    "custom_attributes", "primary_customer", "primary_rep", "primary_team", "public_site",
    "jumpoint", "duration",
}


# -- the session ---------------------------------------------------------------------------

def normalize(session: SessionXml, base_url: str, *, abandoned_tracking: bool = False
              ) -> tuple[Session, list[Event], list[Artifact]]:
    """The normalized session, its events and its artifacts.

    ``abandoned_tracking`` marks a session whose ``end_time`` stayed empty for so long that
    histview stopped asking for it (seed 004: a session that "closed abnormally" keeps an
    empty end time for ever).
    """
    record = session.record
    lsid = session.lsid
    names = gsnumber_names(record)
    start = session_time(record.get("start_time"))
    end = session_time(record.get("end_time"))
    artifacts = artifacts_of(record, lsid, base_url)
    result = Session(
        session_id=lsid, type="support_session", title=title_of(record, lsid),
        start=start, end=end, duration_s=duration_seconds(record) if end else None,
        participants=participants_of(record),
        status=status_of(record, end, abandoned_tracking),
        has_recording=any(a.kind != "chat" for a in artifacts),
        # A transcript is an artifact of kind "transcript" (CONTRACT.md; the store's
        # REFRESH_SQL and ``download --kind transcript`` read it so). Seed 004 offers none:
        # its "chat transcript" (session_chat_download_url) is the chat log, kind "chat".
        has_transcript=any(a.kind == "transcript" for a in artifacts),
        extra=extra_of(record), raw=session.xml,
    )
    events = events_of(record, lsid, names, start)
    return result, events, artifacts


def duration_seconds(record: dict[str, Any]) -> float | None:
    """``<duration>`` is ``HH:MM:SS`` (seed 004); hours may exceed 24."""
    parts = text(record.get("duration")).strip().split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:  # also the empty text: float("")
        return None
    seconds = 0.0
    for number in numbers:
        seconds = seconds * 60 + number
    return seconds


def status_of(record: dict[str, Any], end: str | None, abandoned_tracking: bool) -> str:
    if end is None:
        return "no end recorded" if abandoned_tracking else "in progress"
    # seed 004: rep_list "will be empty" and primary_rep absent when the customer closed
    # the session before a representative took it: a manager calls that abandoned.
    if not as_list(record.get("rep_list")) and not record.get("primary_rep"):
        return "abandoned"
    return "ended"


def primary_customer(record: dict[str, Any]) -> dict[str, Any]:
    customers = [c for c in as_list(record.get("customer_list")) if isinstance(c, dict)]
    wanted = attr(record.get("primary_customer"), "gsnumber")
    for customer in customers:
        if wanted and customer.get("gsnumber") == wanted:
            return customer
    return customers[0] if customers else {}


def customer_info(customer: dict[str, Any]) -> dict[str, Any]:
    """The customer's front-end survey (``<info>``: name, company, issue, details)."""
    info = customer.get("info")
    return info if isinstance(info, dict) else {}


def customer_name(customer: dict[str, Any]) -> str:
    return text(customer_info(customer).get("name")) or text(customer.get("username"))


def rep_name(rep: dict[str, Any]) -> str:
    for key in ("private_display_name", "display_name", "public_display_name", "username"):
        if text(rep.get(key)):
            return text(rep.get(key))
    return ""


def title_of(record: dict[str, Any], lsid: str) -> str:
    """"Customer (Company): issue" from the front-end survey, with what is missing left out.
    ``issue`` may be a bare numeric id (seed 004); the typed description reads better then."""
    customer = primary_customer(record)
    info = customer_info(customer)
    who = customer_name(customer) or text(record.get("primary_customer"))
    company = text(info.get("company"))
    issue = text(info.get("issue"))
    if not issue or issue.isdigit():
        issue = " ".join(text(info.get("details")).split())[:80] or issue
    if company:
        who = f"{who} ({company})" if who else company
    if who and issue:
        return f"{who}: {issue}"
    return who or issue or f"Support session {lsid}"


def participants_of(record: dict[str, Any]) -> list[str]:
    names = [customer_name(c) for c in as_list(record.get("customer_list"))
             if isinstance(c, dict)]
    if not any(names) and text(record.get("primary_customer")):
        names = [text(record.get("primary_customer"))]
    names += [rep_name(r) for r in as_list(record.get("rep_list")) if isinstance(r, dict)]
    return list(dict.fromkeys(n for n in names if n))


def gsnumber_names(record: dict[str, Any]) -> dict[str, str]:
    """gsnumber -> name, from the customer and representative lists (seed 004: the gsnumber
    "can be used to correlate ... with an event's <performed_by> or <destination>")."""
    names: dict[str, str] = {}
    for customer in as_list(record.get("customer_list")):
        if isinstance(customer, dict) and customer.get("gsnumber"):
            names[customer["gsnumber"]] = customer_name(customer)
    for rep in as_list(record.get("rep_list")):
        if isinstance(rep, dict) and rep.get("gsnumber"):
            names[rep["gsnumber"]] = rep_name(rep)
    return {k: v for k, v in names.items() if v}


def extra_of(record: dict[str, Any]) -> dict[str, Any]:
    """The fields a manager wants as columns or search hits; empty ones left out."""
    info = customer_info(primary_customer(record))
    # The start and end timestamps are the session's own start and end (``session_time``);
    # as UNIX seconds beside them they only puzzled a reader. The raw record keeps them.
    extra: dict[str, Any] = {
        "duration": text(record.get("duration")),
        "public_site": text(record.get("public_site")),
        "public_site_id": attr(record.get("public_site"), "id"),
        "jumpoint": text(record.get("jumpoint")),
        "jumpoint_id": attr(record.get("jumpoint"), "id"),
        "primary_customer": text(record.get("primary_customer")),
        "primary_rep": text(record.get("primary_rep")),
        "primary_rep_id": attr(record.get("primary_rep"), "id"),
        "primary_team": text(record.get("primary_team")),
        "primary_team_id": attr(record.get("primary_team"), "id"),
        "company": text(info.get("company")),
        "issue": text(info.get("issue")),
        "issue_details": text(info.get("details")),
        "custom_attributes": custom_attributes(record),
        "customers": as_list(record.get("customer_list")),
        "representatives": as_list(record.get("rep_list")),
        "teams": [_team(t) for t in as_list(record.get("team_list"))],
        "customer_survey": _questions(record.get("cust_survey_list")),
        "rep_survey": _questions(record.get("rep_survey_list")),
    }
    for key, value in record.items():
        if key not in _NOT_EXTRA and key not in extra:
            extra[key] = value  # session_type, lseq, external_key, file counts, new elements
    for key in ("file_transfer_count", "file_move_count", "file_delete_count"):
        if str(extra.get(key, "")).isdigit():
            extra[key] = int(extra[key])
    return {k: v for k, v in extra.items() if v not in (None, "", [], {})}


def custom_attributes(record: dict[str, Any]) -> dict[str, str]:
    values = {}
    for item in as_list(record.get("custom_attributes")):
        if isinstance(item, dict):
            name = item.get("display_name") or item.get("code_name") or "attribute"
            values[name] = text(item)
    return values


def _team(team: Any) -> dict[str, Any]:
    if not isinstance(team, dict):
        return {"name": team}
    data = {k: v for k, v in team.items() if k != "value"}
    data["name"] = text(team)
    return data


def _questions(surveys: Any) -> list[dict[str, Any]]:
    """Each question with its answers, in the order the survey asked them."""
    return [question for survey in as_list(surveys) if isinstance(survey, dict)
            for question in survey.get("questions", [])]


# -- the raw row ---------------------------------------------------------------------------

def raw_key(lsid: str | None, xml: str) -> str:
    """A raw row's key: the LSID, or for a record the appliance sent without one a digest
    of its XML, so it is cached once however often it comes (``RawDocument.unkeyed``'s
    ``no-id-`` form; BeyondTrust rows are flattened records, not JSON documents)."""
    if lsid:
        return lsid
    return "no-id-" + hashlib.sha256(xml.encode()).hexdigest()[:20]


def raw_row(session: SessionXml) -> dict[str, Any]:
    """The raw table row: the session's XML plus its scalar fields flattened to columns."""
    row: dict[str, Any] = {"_id": raw_key(session.lsid, session.xml), "_doc": session.xml}
    for key, value in session.record.items():
        if isinstance(value, str):
            row[key] = value
        elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            for name, item in value.items():
                row[key if name == "value" else f"{key}_{name}"] = item
    return row
