"""A one-line label that elides at its right end instead of pushing its neighbours away.

The status bar's sync words and the filter bar's search hint both hold text of any length
in a space the layout decides; a plain QLabel would widen the window to fit it.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """``text()`` stays whole (and is the tooltip); only the painting is cut to the width
    the layout gives. ``widest`` caps the width asked for; ``fill`` takes whatever width is
    given and asks for none (a hint under a search box must never widen the bar)."""

    def __init__(self, parent: QWidget, object_name: str, *, widest: int = 10_000,
                 fill: bool = False) -> None:
        super().__init__(parent, objectName=object_name)
        self._widest = widest
        if fill:
            self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def full_text(self) -> str:
        return self.text()

    def set_full_text(self, text: str) -> None:
        self.setText(text)
        self.setToolTip(text)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), self._widest), hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(60, super().minimumSizeHint().height())

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             rect.width())
        # The style draws with the palette, so a style sheet's colour (the red hint) holds.
        self.style().drawItemText(painter, rect, Qt.AlignmentFlag.AlignLeft
                                  | Qt.AlignmentFlag.AlignVCenter, self.palette(),
                                  self.isEnabled(), text, self.foregroundRole())
