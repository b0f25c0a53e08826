"""What a first run shows instead of an empty table: where history comes from."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

TEXT = (
    "<h2>No history cached yet</h2>"
    "<p>histview keeps a local copy of your support history: calls, meetings and remote "
    "sessions from Pexip, BeyondTrust, Microsoft Graph, Webex and Restcomm.</p>"
    "<p>Add a source with <b>Sources…</b>, then press <b>Sync</b> (Ctrl+R).</p>"
    "<p>Just looking? Run <code>histview demo</code> in a terminal: it starts simulators "
    "of all five services and opens this window on a month of realistic history.</p>"
)


class EmptyState(QWidget):
    def __init__(self, sources_action: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        text = QLabel(TEXT, self)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setMaximumWidth(560)
        button = QPushButton("Add a source…", self, objectName="emptyAddSource")
        button.clicked.connect(sources_action.trigger)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
