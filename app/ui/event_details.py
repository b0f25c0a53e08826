"""Everything about one event: its fields, its data and the vendor's own document for it.

The events list shows one line per event, and its Detail column is a summary a source wrote
("SIP · inbound · quality good · Remote disconnect"). What the source kept beside it (a
participant's role, encryption and licence; a trace's response body) and the document the
vendor sent (a Pexip participant with every media stream's packet counters) were reachable
only from the command line; this view shows them for the event selected.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from app.ui.formatting import cell_text, field_label, time_text

PROMPT = "Select an event to see all its fields and the document the source sent for it."


class EventDetails(QPlainTextEdit):
    """A read-only, selectable text of the selected event (copyable as plain text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventDetails")
        self.setReadOnly(True)
        # Wrapped: a detail line or a trace's body is longer than the side panel is wide.
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText(PROMPT)

    def show_event(self, event: dict[str, Any] | None,
                   documents: list[tuple[str, Any]], utc: bool) -> None:
        self.setPlainText(details_text(event, documents, utc) if event else "")


def details_text(event: dict[str, Any], documents: list[tuple[str, Any]], utc: bool) -> str:
    """The event's own fields, then its data as labelled lines, then each vendor document
    stored under the event's id, indented as JSON."""
    lines = [_line("Time", time_text(event.get("time"), utc)),
             _line("End", time_text(event.get("end"), utc)),
             *(_line(label, event.get(key)) for key, label in (
                 ("lane", "Lane"), ("kind", "Kind"), ("actor", "Actor"),
                 ("detail", "Detail"), ("event_id", "Event id")))]
    data = event.get("data") or {}
    if data:
        lines += ["", "Recorded with the event:"]
        lines += [_line(field_label(key), cell_text(value), indent="  ")
                  for key, value in data.items()]
    for resource, document in documents:
        lines += ["", f"The source's {resource} document:", _pretty(document)]
    return "\n".join(line for line in lines if line is not None)


def _line(label: str, value: Any, indent: str = "") -> str | None:
    text = "" if value is None else str(value)
    return f"{indent}{label}: {text}" if text else None


def _pretty(document: Any) -> str:
    if isinstance(document, str):
        return document
    return json.dumps(document, indent=2, ensure_ascii=False, default=str)
