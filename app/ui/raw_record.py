"""The Raw record tab's text: what the vendor sent for a session, indented for reading.

Most sources send a document per session (a Pexip conference, a BeyondTrust session's XML).
Some sessions are known only from the documents of their events (a Restcomm SMS seen only
in its traces); for those the tab shows the events' documents, since "the source sent no
separate document" hid everything the vendor did send.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from app.store import queries
from app.store.raw import documents_by_key

#: A session without its own document shows the documents of at most this many events.
RAW_EVENTS = 50
NO_DOCUMENT = "(the source sent no separate document for this session)"


def raw_record_text(conn: sqlite3.Connection, session: dict[str, Any],
                    events: list[dict[str, Any]]) -> str:
    """The session's own document; without one, its first events' documents.

    A source whose raw table already holds the session's document under the session's id
    (a Pexip conference) does not store it a second time beside the session; it is found
    there by its key.
    """
    own = queries.session_raw(conn, session["source"], session["session_id"])
    if own:
        return pretty_raw(own)
    kind, source = session.get("kind") or "", session["source"]
    found = documents_by_key(conn, kind, source, [session["session_id"]])
    if len(documents := found.get(session["session_id"], [])) == 1:
        return pretty_raw(_text(documents[0][1]))
    if not found and events:
        found = documents_by_key(conn, kind, source,
                                 [event["event_id"] for event in events[:RAW_EVENTS]])
    parts = [f"── {resource} {key} ──\n" + pretty_raw(_text(doc))
             for key, docs in found.items() for resource, doc in docs]
    return "\n\n".join(parts) if parts else NO_DOCUMENT


def _text(document: dict[str, Any] | str) -> str:
    return document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)


def pretty_raw(raw: str | None) -> str:
    """The vendor's document indented for reading; shown as stored when it will not parse."""
    if not raw:
        return NO_DOCUMENT
    text = raw.strip()
    try:
        if text.startswith(("{", "[")):
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        if text.startswith("<"):
            return _pretty_xml(text)
    except ValueError:
        return raw
    return raw


def _pretty_xml(text: str) -> str:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    try:
        root = etree.fromstring(text.encode(), parser)
    except etree.XMLSyntaxError:
        return text
    return etree.tostring(root, pretty_print=True, encoding="unicode")
