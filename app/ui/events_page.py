"""The Events tab's two faces: the timeline above the list, or, for a session the source
reported no events for, one centred line saying so.

Before, a session with no events drew an empty plot on pyqtgraph's default axis
("00.100 … 00.900", a second of 1970), an empty table, and "Select an event…", which
cannot be done: it looked as if the data had failed to load. The wording matches the
Artifacts tab's own empty state (``artifacts_panel.NO_ARTIFACTS``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

NO_EVENTS = "The source reported no events for this session."


class EventsPage(QStackedWidget):
    """``events`` (the timeline and list) or the empty state; ``show_events`` picks."""

    def __init__(self, events: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventsPage")
        self.addWidget(events)
        self.empty_label = QLabel(NO_EVENTS, self, objectName="eventsEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.addWidget(self.empty_label)

    def show_events(self, any_events: bool) -> None:
        self.setCurrentIndex(0 if any_events else 1)
