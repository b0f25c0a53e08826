"""Reading BeyondTrust reporting API answers: safe lxml parsing into plain records.

Safety first: the XML comes from a network peer, so the parser resolves no entities, loads
no DTD, touches no network and keeps lxml's size limits (``huge_tree=False``); and any
answer that declares a DTD is refused before libxml2 reads it, because the reporting API
never sends one (seed 004, "XML response") and entities are how an XML bomb or an external
entity reaching for local files would arrive.

Namespaces: appliances answer in ``https://www.beyondtrust.com/namespaces/API/reporting``
(seed 004), ``http://www.beyondtrust.com/sra/namespaces/API/reporting`` (seen live, Sekoia
sample) or ``http://www.bomgar.com/namespaces/API/reporting`` (Bomgar era); the seed says to
"ignore the namespace while parsing", so every tag is reduced to its local name.

Nothing is dropped: each session keeps its original XML, and elements this module has no
special reading for are kept by ``element_dict``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from lxml import etree

from app.http import SourceError

#: Session children with a reading of their own; every other child goes through element_dict.
LIST_SECTIONS = {
    "customer_list": "customer", "rep_list": "representative", "team_list": "team",
    "custom_attributes": "custom_attribute",
    "show_my_screen_recordings": "show_my_screen_recording",
    "command_shell_recordings": "command_shell_recording",
}


@dataclass
class SessionXml:
    """One ``<session>``: its original XML text and everything in it as plain data.
    ``lsid`` is empty for a session the appliance sent without one."""

    lsid: str
    xml: str
    record: dict[str, Any]


# -- the document ---------------------------------------------------------------------------

def parse_answer(body: bytes, content_type: str, what: str) -> etree._Element:
    """Parse a reporting answer safely; raise ``SourceError`` for anything but good XML.

    An ``<error>`` answer (as the root, or inside the list: seed 004 says a failed search
    "will contain an <error> element describing the problem") is raised, never read as an
    empty result.
    """
    root = _parse(body, content_type, what)
    message = _error_message(root)
    if message is not None:
        raise SourceError(f"{what}: the appliance answered with an error: {message}")
    return root


def _parse(body: bytes, content_type: str, what: str) -> etree._Element:
    """The document's root, parsed safely, whether or not it is an ``<error>``."""
    if "html" in content_type.lower() or body[:200].lstrip().lower().startswith(
            (b"<!doctype html", b"<html")):
        raise SourceError(f"{what}: expected XML, the server answered with an HTML page")
    if not body.strip():
        raise SourceError(f"{what}: the server sent an empty answer")
    refuse_dtd(body, what)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False, dtd_validation=False, remove_comments=True,
                             remove_pis=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:
        raise SourceError(f"{what}: malformed XML ({_first_line(error)})") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise SourceError(f"{what}: refused an answer that declares a DTD (entities)")
    return root


def refuse_dtd(body: bytes, what: str) -> None:
    """Refuse a ``<!DOCTYPE`` in the prolog without letting libxml2 read its entities."""
    position = 0
    while True:
        start = body.find(b"<", position)
        if start < 0:
            return
        head = body[start:start + 9]
        if head.upper() == b"<!DOCTYPE":
            raise SourceError(
                f"{what}: refused an answer that declares a DTD (<!DOCTYPE>): the reporting "
                "API never sends one, and its entities could be an XML bomb or read local "
                "files")
        if head.startswith(b"<?"):
            position = body.find(b"?>", start) + 2
        elif head.startswith(b"<!--"):
            position = body.find(b"-->", start) + 3
        else:
            return  # the root element: the prolog is over
        if position < 2:
            return  # unterminated: the parser will call it malformed


def _error_message(root: etree._Element) -> str | None:
    """The text (and code) of the answer's ``<error>``, the root or a child; None if none."""
    error = root if local(root) == "error" else None
    if error is None:
        error = next((c for c in root if isinstance(c.tag, str) and local(c) == "error"), None)
    if error is None:
        return None
    text = " ".join("".join(error.itertext()).split()) or "no description"
    code = error.get("code")
    return text[:300] + (f" (code {code})" if code else "")


def local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if tag[0] == "{" else tag


def strip_namespaces(root: etree._Element) -> None:
    for element in root.iter(etree.Element):
        if element.tag[0] == "{":
            element.tag = element.tag.rsplit("}", 1)[-1]


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


# -- reports ----------------------------------------------------------------------------------

def parse_sessions(body: bytes, content_type: str = "text/xml",
                   what: str = "SupportSession report") -> list[SessionXml]:
    """A SupportSession answer (``<session_list>``) as one ``SessionXml`` per session.

    A ``<session>`` without an ``lsid`` comes back with ``lsid == ""``: it cannot become a
    session (sessions are keyed by LSID, and keyless ones would merge into one), but failing
    the whole answer for it would fail it on every sync; the source keeps it in the raw
    table under a key made from its XML (``beyondtrust_normalize.raw_key``).
    """
    root = parse_answer(body, content_type, what)
    if local(root) != "session_list":
        raise SourceError(f"{what}: expected <session_list>, got <{local(root)}>")
    sessions = [s for s in root if isinstance(s.tag, str) and local(s) == "session"]
    texts = [etree.tostring(s, encoding="unicode") for s in sessions]
    strip_namespaces(root)
    return [SessionXml(s.get("lsid") if (s.get("lsid") or "").strip() else "", text,
                       session_record(s))
            for s, text in zip(sessions, texts, strict=True)]


def parse_listing(body: bytes, content_type: str = "text/xml",
                  what: str = "SupportSessionListing report") -> list[dict[str, Any]]:
    """A SupportSessionListing answer: one dict (lsid, has_recording, external_key, ...) each."""
    root = parse_answer(body, content_type, what)
    if local(root) != "session_summary_list":
        raise SourceError(f"{what}: expected <session_summary_list>, got <{local(root)}>")
    strip_namespaces(root)
    rows = []
    for summary in root:
        if isinstance(summary.tag, str) and summary.tag == "session_summary":
            row = element_dict(summary)
            if not isinstance(row, dict):  # a bare <session_summary>: text only
                row = {"value": row}
            row["_doc"] = etree.tostring(summary, encoding="unicode")
            rows.append(row)
    return rows


def error_text(body: bytes) -> str | None:
    """The message of an ``<error>`` body (for 4xx/5xx answers), or None."""
    try:
        return _error_message(_parse(body, "text/xml", "answer"))
    except SourceError:  # not XML at all: the status line says enough
        return None


# -- one session --------------------------------------------------------------------------

def session_record(session: etree._Element) -> dict[str, Any]:
    """Everything in a (namespace-stripped) ``<session>`` as plain data, in document order."""
    record: dict[str, Any] = {"lsid": session.get("lsid")}
    for child in session:
        if not isinstance(child.tag, str):
            continue
        name = child.tag
        if name == "session_details":
            record[name] = [event_record(e) for e in child if e.tag == "event"]
        elif name in LIST_SECTIONS:
            record[name] = [element_dict(item) for item in child
                            if isinstance(item.tag, str)]
        elif name in ("cust_survey_list", "rep_survey_list"):
            record[name] = [survey_record(s) for s in child if isinstance(s.tag, str)]
        else:
            record[name] = element_dict(child)
    return record


def element_dict(element: etree._Element) -> Any:
    """An element as data: text alone when it has neither attributes nor children; else a dict
    of its attributes, its children (repeated ones as lists) and its text under ``value``."""
    children = [c for c in element if isinstance(c.tag, str)]
    text = (element.text or "").strip()
    if not children and not element.attrib:
        return text
    data: dict[str, Any] = dict(element.attrib)
    repeated: set[str] = set()
    for child in children:
        value = element_dict(child)
        if child.tag not in data:
            data[child.tag] = value
        elif child.tag in repeated:
            data[child.tag].append(value)
        else:
            data[child.tag] = [data[child.tag], value]
            repeated.add(child.tag)
    if text:
        data["value"] = text
    return data


def survey_record(survey: etree._Element) -> dict[str, Any]:
    """An exit survey question by question. The inline survey's children are not spelled
    out in seed 004 ("several child elements"); they are read as the SupportCustExitSurvey
    report's ``<question>`` (name, type, label, report_header, answer_list/answer), and any
    other child is kept as it is."""
    data: dict[str, Any] = dict(survey.attrib)
    data["kind"] = survey.tag
    questions = []
    for element in survey.iter("question"):
        question = dict(element.attrib)
        for child in element:
            if child.tag == "answer_list":
                question["answers"] = [(a.text or "").strip() for a in child if a.tag == "answer"]
            elif isinstance(child.tag, str):
                question[child.tag] = element_dict(child)
        questions.append(question)
    for child in survey:
        if isinstance(child.tag, str) and child.tag not in ("question", "question_list"):
            data[child.tag] = element_dict(child)
    data["questions"] = questions
    return data


def event_record(event: etree._Element) -> dict[str, Any]:
    """One ``session_details/event``: who, to whom, what was said or sent, and its data."""
    record: dict[str, Any] = {"timestamp": event.get("timestamp"),
                              "event_type": event.get("event_type")}
    for name, value in event.attrib.items():
        if name not in record:
            record[name] = value
    for child in event:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in ("performed_by", "destination"):
            record[tag] = {**child.attrib, "name": (child.text or "").strip()}
        elif tag == "body":
            record["body"] = child.text or ""
        elif tag == "encoded_body":
            record["encoded_body"] = (child.text or "").strip()
            record["body"] = decode_body(record["encoded_body"])
        elif tag == "data":
            record["data"] = _values(child)
        elif tag == "system_information":
            record["system_information"] = system_information(child)
        elif tag == "files":
            record["files"] = [element_dict(f) for f in child if isinstance(f.tag, str)]
        else:
            record[tag] = element_dict(child)
    return record


def decode_body(encoded: str) -> str:
    """``encoded_body``: base64 (RFC 2045 6.8) of a chat text holding characters XML cannot
    carry (seed 004), e.g. control characters pasted from a terminal."""
    try:
        raw = base64.b64decode("".join(encoded.split()), validate=False)
    except (binascii.Error, ValueError):
        return encoded
    return raw.decode("utf-8", errors="replace")


def _values(data: etree._Element) -> dict[str, Any]:
    """``<data><value name=".." value=".."/></data>``; a name given twice keeps every value."""
    values: dict[str, Any] = {}
    for item in data:
        if not isinstance(item.tag, str):
            continue
        name = item.get("name") or item.tag
        value = item.get("value")
        if value is None:
            value = element_dict(item)
        if name in values:
            existing = values[name]
            values[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            values[name] = value
    return values


def system_information(element: etree._Element) -> list[dict[str, Any]]:
    """``<category>`` tables: ``description/field`` are the columns, ``data/row/field`` rows."""
    categories = []
    for category in element:
        if not isinstance(category.tag, str):
            continue
        table: dict[str, Any] = dict(category.attrib)
        description = category.find("description")
        rows = category.find("data")
        table["columns"] = [(f.text or "").strip() for f in description.iter("field")] \
            if description is not None else []
        table["rows"] = [[(f.text or "").strip() for f in row.iter("field")]
                         for row in rows.iter("row")] if rows is not None else []
        categories.append(table)
    return categories
