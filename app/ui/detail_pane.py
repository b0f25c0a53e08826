"""The selected session in full: fields, participants, events (timeline and list),
artifacts (``ArtifactsPanel``: links and downloads), and the vendor's own document
pretty-printed.

Everything comes from the cache (``app.store.queries``), so the pane works offline.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.store import Store, queries
from app.store.raw import documents_by_key
from app.ui.artifacts_panel import ArtifactsPanel
from app.ui.event_details import EventDetails
from app.ui.events_page import EventsPage
from app.ui.formatting import cell_text, duration_text, field_label, time_text
from app.ui.raw_record import raw_record_text

EVENTS_TAB, ARTIFACTS_TAB = "Events", "Artifacts"
EVENT_COLUMNS = ("Time", "End", "Lane", "Kind", "Actor", "Detail")
TIMELINE_PX = 170  # the timeline's usual share of the Events tab
TIMELINE_MIN_PX = 82  # two lanes and the time axis: never squeezed below readable
DETAILS_PX = 360  # the selected event's fields and document, beside the list
EMPTY_TEXT = "Select a session to see its participants, events, artifacts and raw record."


class DetailPane(QWidget):
    """Shows one session; ``show_session`` loads it from the cache."""

    def __init__(self, conn: sqlite3.Connection, parent: QWidget | None = None, *,
                 data_dir: Path | None = None, store: Store | None = None) -> None:
        """``data_dir`` and ``store`` enable downloads (the store records where files go)."""
        super().__init__(parent)
        self.setObjectName("detailPane")
        self._conn = conn
        self._utc = False
        self._session: dict[str, Any] | None = None
        self._events: list[dict[str, Any]] = []
        self._timeline = None
        self.heading = QLabel(self, objectName="detailHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.tabs = QTabWidget(self, objectName="detailTabs")
        self.tabs.addTab(self._overview_tab(), "Overview")
        self.tabs.addTab(self._events_tab(), EVENTS_TAB)
        self.artifacts = ArtifactsPanel(conn, self, data_dir=data_dir, store=store)
        self.tabs.addTab(self.artifacts, ARTIFACTS_TAB)
        self.tabs.addTab(self._raw_tab(), "Raw record")
        self.tabs.currentChanged.connect(lambda _i: self._ensure_timeline())
        self.stack = QStackedWidget(self, objectName="detailStack")
        self.stack.addWidget(self._empty_page())
        body = QWidget(self.stack)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.heading)
        column.addWidget(self.tabs, 1)
        self.stack.addWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.stack)
        self.tabs.setEnabled(False)

    # -- tabs -------------------------------------------------------------------------------

    def _empty_page(self) -> QWidget:
        """What the pane shows with nothing selected: one centred line. Before, it showed
        greyed tabs over an empty bordered "Participants" box, 40% of the window saying
        nothing."""
        self.empty_label = QLabel(EMPTY_TEXT, self, objectName="detailEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        return self.empty_label

    def _overview_tab(self) -> QWidget:
        """Fields on the left (scrolling: a kind may have many extras), people on the right."""
        fields_page = QWidget(self)
        self.fields = QFormLayout(fields_page)
        self.fields.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(fields_page)
        people = QWidget(self)
        self.participants = QListWidget(people, objectName="participantsView")
        column = QVBoxLayout(people)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("<b>Participants</b>", people))
        column.addWidget(self.participants, 1)
        page = QSplitter(Qt.Orientation.Horizontal, self, objectName="overviewSplit")
        page.addWidget(scroll)
        page.addWidget(people)
        page.setStretchFactor(0, 3)
        page.setStretchFactor(1, 2)
        # Stretch factors only share out later resizes: without starting sizes the splitter
        # follows the size hints, and an empty form's is so small that the fields were
        # squeezed into a scrolling sliver beside a page-wide participants list.
        page.setSizes([600, 400])
        return page

    def _events_tab(self) -> QWidget:
        self.events_split = QSplitter(Qt.Orientation.Vertical, self, objectName="eventsSplit")
        self.timeline_host = QWidget(self.events_split)
        QVBoxLayout(self.timeline_host).setContentsMargins(0, 0, 0, 0)
        # The list and the selected event's details side by side: the pane is as short as
        # 300 px in a laptop's window, too short for a third band under the timeline.
        self.events_below = QSplitter(Qt.Orientation.Horizontal, self.events_split,
                                      objectName="eventsBelow")
        self.events_view = QTreeWidget(self.events_below, objectName="eventsView")
        self.events_view.setHeaderLabels(EVENT_COLUMNS)
        self.events_view.setRootIsDecorated(False)
        self.events_view.setUniformRowHeights(True)
        self.events_view.setAlternatingRowColors(True)
        for column, width in enumerate((150, 70, 140, 190, 140)):
            self.events_view.setColumnWidth(column, width)
        self.event_details = EventDetails(self.events_below)
        self.events_view.currentItemChanged.connect(lambda *_: self._show_event_details())
        self.events_below.setStretchFactor(0, 3)
        self.events_below.setStretchFactor(1, 1)
        self.events_below.setSizes([800, DETAILS_PX])
        self.events_split.setStretchFactor(0, 2)
        self.events_split.setStretchFactor(1, 3)
        self.events_split.setSizes([TIMELINE_PX, 260])
        self.events_split.setCollapsible(0, False)
        self.timeline_host.setMinimumHeight(TIMELINE_MIN_PX)
        self.events_page = EventsPage(self.events_split, self)  # or "no events" alone
        return self.events_page

    def _raw_tab(self) -> QWidget:
        self.raw_view = QPlainTextEdit(self, objectName="rawView")
        self.raw_view.setReadOnly(True)
        self.raw_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.raw_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        return self.raw_view

    # -- content ------------------------------------------------------------------------------

    @property
    def session(self) -> dict[str, Any] | None:
        return self._session

    def set_utc(self, utc: bool) -> None:
        """Redraw the same session on the other clock. The event list is rebuilt, so the
        selected event and the scroll position are put back: before, the toggle cleared
        the selection and the event's details with it."""
        self._utc = utc
        if self._timeline is not None:
            self._timeline.set_utc(utc)
        if self._session is None:
            return
        place = self._event_place()
        self._fill(self._session)
        self._return_to(place)

    def _event_place(self) -> tuple[str | None, int]:
        """The selected event's id and the list's scroll position, to come back to after
        the list is rebuilt."""
        item = self.events_view.currentItem()
        index = self.events_view.indexOfTopLevelItem(item) if item is not None else -1
        event_id = self._events[index]["event_id"] if 0 <= index < len(self._events) else None
        return event_id, self.events_view.verticalScrollBar().value()

    def _return_to(self, place: tuple[str | None, int]) -> None:
        """Select the event again by its id (a sync may have added events before it)."""
        event_id, scrolled = place
        ids = [event["event_id"] for event in self._events]
        if event_id in ids:
            self._select_event(ids.index(event_id))
        self.events_view.verticalScrollBar().setValue(scrolled)

    def clear(self) -> None:
        self._session, self._events = None, []
        self.heading.setText("")
        self.stack.setCurrentIndex(0)
        self.tabs.setEnabled(False)
        # The counts belong to the session that was shown: left in place, they read as
        # the counts of whatever the pane shows next (or of nothing at all).
        self.tabs.setTabText(1, EVENTS_TAB)
        self.tabs.setTabText(2, ARTIFACTS_TAB)
        for view in (self.events_view, self.participants):
            view.clear()
        self.artifacts.clear()
        self.raw_view.clear()
        self.event_details.clear()
        _clear_form(self.fields)
        if self._timeline is not None:
            self._timeline.set_events([])

    def show_session(self, source: str, session_id: str) -> bool:
        """Load a session from the cache; False (and a cleared pane) when it is gone. The
        session shown already (reloaded after a sync) keeps its selected event."""
        session = queries.get_session(self._conn, source, session_id)
        if session is None:
            self.clear()
            return False
        shown = self._session or {}
        same = (shown.get("source"), shown.get("session_id")) == (source, session_id)
        place = self._event_place() if same else (None, 0)
        self._session = session
        self._events = queries.list_events(self._conn, source, session_id)
        self._fill(session)
        self._return_to(place)
        artifacts = queries.list_artifacts(self._conn, source, session_id)
        self.artifacts.set_artifacts(session, artifacts)
        self.tabs.setTabText(2, f"{ARTIFACTS_TAB} ({len(artifacts)})")
        self.tabs.setTabText(1, f"{EVENTS_TAB} ({len(self._events)})")
        self.raw_view.setPlainText(raw_record_text(self._conn, session, self._events))
        self.tabs.setEnabled(True)
        self.stack.setCurrentIndex(1)
        self._ensure_timeline()
        return True

    def _event_documents(self, keys: list[str]) -> dict[str, list[tuple[str, Any]]]:
        session = self._session or {}
        return documents_by_key(self._conn, session.get("kind") or "",
                                session.get("source") or "", keys)

    def _show_event_details(self) -> None:
        item = self.events_view.currentItem()
        index = self.events_view.indexOfTopLevelItem(item) if item is not None else -1
        if not 0 <= index < len(self._events):
            self.event_details.show_event(None, [], self._utc)
            return
        event = self._events[index]
        documents = self._event_documents([event["event_id"]]).get(event["event_id"], [])
        self.event_details.show_event(event, documents, self._utc)

    def _fill(self, session: dict[str, Any]) -> None:
        self.heading.setText(_heading(session, self._utc))
        _clear_form(self.fields)
        for label, value in field_rows(session, self._utc):
            text = QLabel(value, self)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setWordWrap(True)
            self.fields.addRow(f"{label}:", text)
        self.participants.clear()
        self.participants.addItems(session.get("participants") or [])
        self._fill_events()

    def _fill_events(self) -> None:
        self.events_view.clear()
        items = []
        for event in self._events:
            item = QTreeWidgetItem([
                time_text(event["time"], self._utc), _end_text(event, self._utc),
                event.get("lane") or "", event.get("kind") or "", event.get("actor") or "",
                event.get("detail") or _data_text(event.get("data")),
            ])
            for column in (2, 4, 5):  # lane, actor, detail: the ones long enough to be cut
                item.setToolTip(column, item.text(column))
            items.append(item)
        self.events_view.addTopLevelItems(items)
        self.events_page.show_events(bool(self._events))
        self._show_event_details()

    # -- timeline (lazy) ------------------------------------------------------------------------

    def _ensure_timeline(self) -> None:
        """Build the pyqtgraph timeline the first time the Events tab is shown."""
        if self.tabs.currentIndex() != 1 or self._session is None:
            return
        if self._timeline is None:
            from app.ui.timeline import Timeline

            self._timeline = Timeline(self.timeline_host)
            self._timeline.set_utc(self._utc)
            self._timeline.event_clicked.connect(self._select_event)
            self.timeline_host.layout().addWidget(self._timeline)
        self._timeline.set_events(self._events, (self._session.get("start"),
                                                 self._session.get("end")))
        self._size_timeline()

    def _size_timeline(self) -> None:
        """Give a session with many lanes a taller timeline (up to 60% of the tab, never
        less than its usual share); the timeline scrolls whatever lanes still do not fit.
        Before, the split stayed at 170:260 whatever the session, so 15 lanes got 4 px
        each."""
        sizes = self.events_split.sizes()
        total = sum(sizes)
        if total <= 0 or self._timeline is None:
            return
        usual = total * TIMELINE_PX // (TIMELINE_PX + 260)
        want = max(min(self._timeline.preferred_height(), int(total * 0.6)), usual)
        if want != sizes[0]:
            self.events_split.setSizes([want, total - want])

    def _select_event(self, index: int) -> None:
        item = self.events_view.topLevelItem(index)
        if item is not None:
            self.events_view.setCurrentItem(item)
            self.events_view.scrollToItem(item)


def _heading(session: dict[str, Any], utc: bool) -> str:
    title = _escape(session.get("title") or session["session_id"])
    start = time_text(session.get("start"), utc)
    zone = " UTC" if utc else ""
    span = f"{start}{zone}"
    if session.get("duration_s") is not None:
        span += f" · {duration_text(session['duration_s'])}"
    where = f"{_escape(session['source'])} · {_escape(session['type'])}"
    return f"<span style='font-size:13pt; font-weight:600'>{title}</span><br>{where} · {span}"


def field_rows(session: dict[str, Any], utc: bool) -> list[tuple[str, str]]:
    zone = " UTC" if utc else ""
    rows = [
        ("Session ID", session["session_id"]),
        ("Source", f"{session['source']} ({session['kind']})"),
        ("Type", session["type"]), ("Status", session.get("status") or ""),
        ("Direction", session.get("direction") or ""),
        ("Start", time_text(session.get("start"), utc) + zone if session.get("start") else ""),
        ("End", time_text(session.get("end"), utc) + zone if session.get("end") else
         "not yet" if _running(session) else "unknown (still running, or ended abnormally)"),
        ("Duration", _duration_field(session)),
        ("Recording", "yes" if session.get("has_recording") else "no"),
        ("Transcript", "yes" if session.get("has_transcript") else "no"),
    ]
    core = {label for label, _ in rows}
    for key, value in (session.get("extra") or {}).items():
        label = field_label(key)
        if label == "Duration" and session.get("duration_s") is None:
            continue  # already in our Duration row, which says what it means
        # A vendor field named like one of ours (a support session's running "duration") must not
        # read as a second answer to the same question.
        rows.append((f"{label} (as sent)" if label in core else label, cell_text(value)))
    return [(label, value) for label, value in rows if value != ""]


def _running(session: dict[str, Any]) -> bool:
    """The source itself says the session is still going (BeyondTrust: "in progress")."""
    return "progress" in (session.get("status") or "").lower()


def _duration_field(session: dict[str, Any]) -> str:
    """Our duration; without one, why not, and the vendor's own figure when it sent one.
    Before, an in-progress support session read "Duration: unknown" right above "Duration
    (as sent): 00:06:02", two answers that seemed to contradict each other."""
    ours = duration_text(session.get("duration_s"))
    if ours:
        return ours
    running = _running(session)
    state = "in progress" if running else "unknown"
    sent = [value for key, value in (session.get("extra") or {}).items()
            if field_label(key) == "Duration" and cell_text(value)]
    if not sent:
        return state
    return f"{state} (the source says {cell_text(sent[0])}{' so far' if running else ''})"


def _end_text(event: dict[str, Any], utc: bool) -> str:
    end = event.get("end")
    if not end:
        return ""
    # The day as shown, not as stored: 23:08 local may be the next day in UTC, or the reverse.
    text = time_text(end, utc)
    same_day = text[:10] == time_text(event.get("time") or "", utc)[:10]
    return text[11:] if same_day else text


def _data_text(data: dict[str, Any] | None) -> str:
    return cell_text(data) if data else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clear_form(form: QFormLayout) -> None:
    while form.rowCount():
        form.removeRow(0)
