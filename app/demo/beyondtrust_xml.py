"""The simulator's XML: sessions, listings and errors as the reporting API writes them.

Element order and presence follow seed 004's SupportSession section: URLs of transcripts
and recordings only once a session has ended, ``primary_rep`` only when a representative
took the session, an empty ``end_time`` while it runs, ``encoded_body`` (base64) instead of
``body`` when a chat line holds characters XML 1.0 cannot carry. The ``/session_download``
links copy the shape of the real chat links in the Sekoia sample.
"""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.parse
from datetime import UTC, datetime, timedelta, timezone
from xml.sax.saxutils import escape, quoteattr

from app.demo.beyondtrust_data import Party, SimEvent, SimSession

#: The appliance's "system time" for the ISO texts (the timestamp attributes are UTC).
APPLIANCE_TZ = timezone(timedelta(hours=-5))
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def document(root: str, namespace: str, inner: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{namespace}">\n'
            f"{inner}</{root}>\n").encode()


def error_document(namespace: str, message: str, *, inside: str | None = None) -> bytes:
    error = f"<error>{escape(message)}</error>\n"
    if inside:
        return document(inside, namespace, error)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<error xmlns="{namespace}">'
            f"{escape(message)}</error>\n").encode()


def listing_xml(session: SimSession) -> str:
    recorded = int(session.end is not None and session.event_count("Screen Recording") > 0)
    key = f" external_key={quoteattr(session.external_key)}" if session.external_key else ""
    return (f'<session_summary lsid="{session.lsid}" has_recording="{recorded}"{key}>'
            f"<lseq>{session.lseq}</lseq></session_summary>\n")


def _el(name: str, text: object = "", **attrs: object) -> str:
    attributes = "".join(f" {k}={quoteattr(str(v))}" for k, v in attrs.items())
    return f"<{name}{attributes}>{escape(str(text))}</{name}>"


def _time(name: str, stamp: int | None) -> str:
    if stamp is None:
        return f"<{name}></{name}>"
    local = datetime.fromtimestamp(stamp, UTC).astimezone(APPLIANCE_TZ)
    return _el(name, local.isoformat(), timestamp=stamp)


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def download_link(base: str, lsid: str, what: str, view: bool, instance: int | None = None) -> str:
    digest = hashlib.sha1(f"{lsid}:{what}".encode()).hexdigest()
    token = f"l={lsid};h={digest};t=sd;m={what}" + (f";i={instance}" if instance is not None
                                                     else "")
    query = {"lsid": token, "dl_action": what, **({"view": "1"} if view else {})}
    return f"{base}/session_download?{urllib.parse.urlencode(query)}"


def session_xml(session: SimSession, base: str, now: int) -> str:
    """One ``<session>`` element as the appliance would write it at ``now``."""
    ended = session.end is not None
    moment = session.end if ended else now
    out = [f'<session lsid="{session.lsid}">', _el("session_type", "support"),
           _el("lseq", session.lseq), _time("start_time", session.start),
           _time("end_time", session.end), _el("duration", _hms(moment - session.start)),
           _el("public_site", session.public_site[1], id=session.public_site[0])]
    if session.jumpoint:
        out.append(_el("jumpoint", session.jumpoint[1], id=session.jumpoint[0]))
    out.append(_el("external_key", session.external_key))
    out.append("<custom_attributes>" + "".join(
        _el("custom_attribute", value, display_name=display, code_name=code)
        for code, display, value in session.custom_attributes) + "</custom_attributes>")
    if ended:
        out += _links(session, base)
    transfers = sum(session.event_count(t) for t in ("File Upload", "File Download"))
    out += [_el("file_transfer_count", transfers), _el("file_move_count", 0),
            _el("file_delete_count", 0),
            _el("primary_customer", session.customer.name, gsnumber=session.customer.gsnumber)]
    reps = [r for r in session.reps if r.fields["_joined"] <= moment]
    primary = next((r for r in reps if r.fields["primary_rep"] == "1"), None) or next(
        (r for r in reversed(reps) if r.fields["session_owner"] == "1"), None)
    if primary is not None:
        out.append(_el("primary_rep", primary.name, gsnumber=primary.gsnumber,
                       id=primary.fields["_id"]))
    if reps:
        out.append(_el("primary_team", session.teams[-1][1], id=session.teams[-1][0]))
    out.append("<customer_list>" + _party(session.customer) + "</customer_list>")
    out.append("<rep_list>" + "".join(_rep(r, moment) for r in reps) + "</rep_list>")
    out.append("<team_list>" + "".join(
        _el("team", name, id=team, primary_team=int(i == len(session.teams) - 1))
        for i, (team, name) in enumerate(session.teams)) + "</team_list>")
    if ended and session.cust_survey:
        out.append(_survey("cust_survey_list", "cust_exit_survey", session.cust_survey))
    if ended and session.rep_survey:
        out.append(_survey("rep_survey_list", "rep_exit_survey", session.rep_survey))
    out.append("<session_details>\n" + "".join(_event(e) for e in session.events)
               + "</session_details>")
    out.append("</session>\n")
    return "\n".join(out)


def _links(session: SimSession, base: str) -> list[str]:
    lsid = session.lsid
    out = [_el("session_chat_view_url", download_link(base, lsid, "chat", True)),
           _el("session_chat_download_url", download_link(base, lsid, "chat", False))]
    if session.event_count("Screen Recording"):
        out += [_el("session_recording_view_url", download_link(base, lsid, "ssr", True)),
                _el("session_recording_download_url", download_link(base, lsid, "ssr", False))]
    for section, item, event_type, what in (
            ("show_my_screen_recordings", "show_my_screen_recording", "Show My Screen Recording",
             "smsr"),
            ("command_shell_recordings", "command_shell_recording",
             "Command Shell Session Started", "shr")):
        count = session.event_count(event_type)
        if count:
            out.append(f"<{section}>" + "".join(
                f'<{item} instance="{i}">'
                + _el("download_url", download_link(base, lsid, what, False, i))
                + _el("view_url", download_link(base, lsid, what, True, i)) + f"</{item}>"
                for i in range(count)) + f"</{section}>")
    return out


def _party(customer: Party) -> str:
    fields = customer.fields
    info = "".join(_el(k, v) for k, v in fields["info"].items())
    inner = "".join(_el(k, fields[k]) for k in ("username", "public_ip", "private_ip",
                                                  "hostname", "os", "primary_cust"))
    return f'<customer gsnumber="{customer.gsnumber}">{inner}<info>{info}</info></customer>'


def _rep(rep: Party, moment: int) -> str:
    fields = dict(rep.fields)
    fields["seconds_involved"] = str(min(fields.get("_left", moment), moment) - fields["_joined"])
    inner = "".join(_el(k, v) for k, v in fields.items() if not k.startswith("_"))
    return (f'<representative gsnumber="{rep.gsnumber}" id="{fields["_id"]}">{inner}'
            "</representative>")


def _survey(section: str, item: str, questions: list[dict]) -> str:
    body = "".join(
        f'<question id="{q["id"]}">' + _el("name", q["name"]) + _el("type", q["type"])
        + _el("label", q["label"]) + _el("report_header", q["report_header"])
        + "<answer_list>" + "".join(_el("answer", a) for a in q["answers"]) + "</answer_list>"
        + "</question>" for q in questions)
    return f"<{section}><{item}>{body}</{item}></{section}>"


def _who(name: str, party: Party | None, system: str | None) -> str:
    if party is not None:
        return _el(name, party.name, type=party.kind, gsnumber=party.gsnumber)
    if system is not None:
        return _el(name, system, type="system", gsnumber=0)
    return ""


def _event(event: SimEvent) -> str:
    parts = [f'<event timestamp="{event.timestamp}" event_type={quoteattr(event.event_type)}>']
    if event.performed_by is None and event.body is not None:
        parts.append(_who("performed_by", None, "System"))
    parts.append(_who("performed_by", event.performed_by, None))
    parts.append(_who("destination", event.destination, event.system_destination))
    if event.body is not None:
        if _NOT_XML.search(event.body):
            parts.append(_el("encoded_body", base64.b64encode(event.body.encode()).decode()))
        else:
            parts.append(_el("body", event.body))
    if event.filename is not None:
        parts += [_el("filename", event.filename), _el("filesize", event.filesize)]
    if event.system_information:
        parts.append("<system_information>" + "".join(
            f'<category name={quoteattr(c["name"])}><description>'
            + "".join(_el("field", f) for f in c["columns"]) + "</description><data>"
            + "".join("<row>" + "".join(_el("field", f) for f in row) + "</row>"
                      for row in c["rows"]) + "</data></category>"
            for c in event.system_information) + "</system_information>")
    if event.data:
        parts.append("<data>" + "".join(f"<value name={quoteattr(k)} value={quoteattr(v)} />"
                                        for k, v in event.data) + "</data>")
    parts.append("</event>\n")
    return "".join(parts)
