"""The normalized records every view works with, whatever vendor they came from.

Sources turn vendor pages into these; the store keeps them; the CLI and the window show them.
Times are ISO 8601 strings in UTC ending in ``Z`` (see ``app.timeutil``), never datetimes,
so that the source's own sub-second digits survive the round trip through SQLite untouched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

KINDS = ("pexip", "beyondtrust", "msgraph", "webex", "restcomm")
#: CONTRACT.md's artifact kinds (``artifacts --format json``).
ARTIFACT_KINDS = ("recording", "transcript", "chat", "shell_recording", "screen_recording")


def option_flag(option: str) -> str:
    """A kind option's command-line flag (``login_url`` -> ``--login-url``): how every
    message names an option, from the command line or the Sources dialog."""
    return "--" + option.replace("_", "-")


@dataclass
class Session:
    """One conference, call, meeting or support session: a row of the sessions table."""

    session_id: str
    type: str
    title: str
    start: str | None
    end: str | None = None
    duration_s: float | None = None
    participants: list[str] = field(default_factory=list)
    direction: str | None = None
    status: str | None = None
    has_recording: bool = False
    has_transcript: bool = False
    #: Kind-specific fields worth a column or a search hit (service type, tag, charge, ...).
    extra: dict[str, Any] = field(default_factory=dict)
    #: The vendor's document for this session (JSON text or XML), shown in the raw view.
    raw: str | None = None


@dataclass
class Event:
    """One point or span on a session's timeline.

    ``event_id`` is stable across re-syncs (a vendor id, or the position in the vendor's own
    list) so that re-fetching a session replaces its events instead of doubling them.
    ``seq`` orders events with the same time the way the vendor listed them.
    """

    session_id: str
    event_id: str
    time: str
    lane: str
    kind: str
    end: str | None = None
    actor: str | None = None
    detail: str | None = None
    seq: int = 0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Artifact:
    """A recording, transcript or chat log that belongs to a session.

    ``url`` is the stable resource to download from (never a short-lived signed link:
    those are fetched fresh when a download starts).
    """

    session_id: str
    artifact_id: str
    kind: str  # recording | transcript | chat | shell_recording | screen_recording
    label: str
    url: str
    view_url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RawDocument:
    """A vendor's JSON document for its raw table, under the vendor's own key.

    The store keeps the document as JSON text, and a view of its raw table shows each
    top-level field as a column (``app/store/raw.py``): every field stays queryable, and
    writing a document costs no more than writing its text.
    """

    key: str
    doc: dict[str, Any]

    @classmethod
    def unkeyed(cls, doc: Any) -> RawDocument:
        """A document that came without the vendor's key (no ``id``), kept under a key made
        from its content: a malformed record is still cached, once, for someone to read."""
        text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
        digest = hashlib.sha256(text.encode()).hexdigest()[:20]
        return cls(f"no-id-{digest}", doc if isinstance(doc, dict) else {"value": doc})


def keyed_documents(records: list, key: str, usable: Callable[[Any], bool] = bool
                    ) -> tuple[list[dict], list[RawDocument]]:
    """A vendor page split for the sync: the records whose ``key`` field is ``usable``
    (those can become rows), and every record as a raw document, one without a usable key
    under a key made from its content (``RawDocument.unkeyed``).

    Failing the page for such a record instead would fail it on every sync, and nothing
    newer would be cached until the vendor's retention deleted it.
    """
    readable, raws = [], []
    for record in records:
        value = record.get(key) if isinstance(record, dict) else None
        if value is not None and usable(value):
            readable.append(record)
            raws.append(RawDocument(str(value), record))
        else:
            raws.append(RawDocument.unkeyed(record))
    return readable, raws


@dataclass
class SourceConfig:
    """A registered source as kept in the settings file: everything but its secret."""

    name: str
    kind: str
    url: str
    options: dict[str, str] = field(default_factory=dict)
    ca_bundle: str | None = None
    insecure: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "url": self.url,
            "options": dict(self.options),
            "ca_bundle": self.ca_bundle,
            "insecure": self.insecure,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceConfig:
        return cls(
            name=data["name"],
            kind=data["kind"],
            url=data["url"],
            options=dict(data.get("options") or {}),
            ca_bundle=data.get("ca_bundle"),
            insecure=bool(data.get("insecure", False)),
        )
