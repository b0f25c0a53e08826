"""What the table area shows instead of an empty grid: on a first run, where history comes
from; when the filters match nothing, that they do, and a way out."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

TEXT = (
    "<h2>No history cached yet</h2>"
    "<p>histview keeps a local copy of your support history: calls, meetings and remote "
    "sessions from Pexip, BeyondTrust, Microsoft Graph, Webex and Restcomm.</p>"
    "<p>Add a source with <b>Sources…</b>, then press <b>Sync</b> (Ctrl+R).</p>"
    "<p>Just looking? Run <code>histview demo</code> in a terminal: it starts simulators "
    "of all five services and opens this window on a month of realistic history.</p>"
)


class EmptyState(QWidget):
    """The first-run page. With no source it says to add one (Add a source…); once sources
    are set up but nothing is cached it says so and offers Sync now, the window's own Sync
    action (before, it still sent a new user to the Sources dialog they had just used)."""

    def __init__(self, sources_action: QAction, sync_action: QAction,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.text = QLabel(TEXT, self, objectName="emptyStateText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setMaximumWidth(560)
        self.add_button = QPushButton("Add a source…", self, objectName="emptyAddSource")
        self.add_button.clicked.connect(sources_action.trigger)
        self.sync_button = QPushButton("Sync now", self, objectName="emptySyncNow")
        self.sync_button.clicked.connect(sync_action.trigger)
        self.sync_button.setToolTip(sync_action.toolTip())
        # Off while a sync runs, as the toolbar's Sync is.
        sync_action.changed.connect(lambda: self.sync_button.setEnabled(sync_action.isEnabled()))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout = _scrolling(self)
        layout.addStretch(1)
        layout.addLayout(_centred(self.text))
        layout.addLayout(buttons)
        layout.addStretch(2)
        self.set_source_count(0)

    def set_source_count(self, count: int) -> None:
        """``count`` sources are set up (none of them synced, or the page is not shown)."""
        self.text.setText(TEXT if not count else _set_up_text(count))
        self.sync_button.setVisible(count > 0)
        self.sync_button.setDefault(count > 0)
        self.add_button.setText("Sources…" if count else "Add a source…")
        self.add_button.setDefault(not count)


def _set_up_text(count: int) -> str:
    sources = "1 source is" if count == 1 else f"{count} sources are"
    return (f"<h2>No history cached yet</h2><p>{sources} set up but not synced yet.</p>"
            "<p>Press <b>Sync now</b> (Ctrl+R) to fetch their history into the local cache; "
            "the sessions show here as they arrive. The sidebar says how each source's "
            "sync went.</p>")


class NoMatches(QWidget):
    """What the table area shows when the cache has sessions but the filters match none:
    a blank grid reads as "still loading" or "broken"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noMatches")
        self.head = QLabel("<b>No sessions match the filters</b>", self)
        self.text = QLabel(self, objectName="noMatchesText")
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setMinimumWidth(320)
        self.text.setMaximumWidth(560)
        self.button = QPushButton("Clear filters", self, objectName="noMatchesClear")
        layout = _scrolling(self)
        layout.addStretch(1)
        layout.addWidget(self.head, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(_centred(self.text))
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.set_reason(None)

    def set_reason(self, reason: str | None) -> None:
        """``reason``: why nothing can match (a search that cannot run, a reversed range)."""
        self.text.setText(reason or "")
        self.text.setVisible(bool(reason))


def _centred(label: QLabel) -> QHBoxLayout:
    """``label`` centred between stretches, as wide as it may be (its maximum width) and
    as tall as its wrapped text. Added with an alignment flag instead, the layout sized a
    word-wrapped label for one line, so a long reason was cut off after its first line."""
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(label, 100)
    row.addStretch(1)
    return row


def _scrolling(page: QWidget) -> QVBoxLayout:
    """The layout for ``page``'s contents, inside a frameless scroll area: in a short table
    area (the window at its smallest, the detail pane given most of the height) the text
    scrolls instead of being cut off."""
    scroll = QScrollArea(page)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    body = QWidget(scroll)
    scroll.setWidget(body)
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    return QVBoxLayout(body)
