"""The Artifacts tab's reader: a downloaded transcript or chat log, shown as text.

"Open file" hands a ``.vtt`` to whatever the desktop has (often nothing); what a manager
wants is to read what was said, beside the session, with no network. The reader shows the
file as ``artifact_text`` makes it readable, and finds words in it. It only reads files:
downloading stays the panel's job.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from app.artifact_text import READ_LIMIT, NotReadable, readable_text
from app.ui.formatting import size_text

NOT_FOUND_STYLE = "background: #fde7e9;"


class ArtifactReader(QWidget):
    """Shows one artifact's downloaded file as text; ``show_artifact`` picks the file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown: tuple[str, float] | None = None  # (path, mtime): re-read only on change
        self.title = QLabel(self, objectName="readerTitle")
        self.title.setWordWrap(True)
        self.find_edit = QLineEdit(self, objectName="readerFind")
        self.find_edit.setPlaceholderText("Find in text")
        self.find_edit.setToolTip("Enter finds the next match, from the top again after the last")
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.setMaximumWidth(260)
        self.find_edit.returnPressed.connect(self.find_next)
        self.find_edit.textChanged.connect(lambda _text: self.find_edit.setStyleSheet(""))
        self.text = QPlainTextEdit(self, objectName="readerText")
        self.text.setReadOnly(True)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.find_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)

    def show_artifact(self, kind: str, label: str, path: Path | None,
                      kept_text: str | None = None) -> None:
        """Show the artifact's downloaded file (``path``, None when there is none or it has
        gone); else the text the cache kept of it (``kept_text``); else say how to get it
        read here."""
        if path is None:
            self._shown = None
            if kept_text:
                self.text.setPlainText(kept_text)
                self.title.setText(f"{label} ({_lines(kept_text)}, kept in the cache: the "
                                   "downloaded file is no longer there)")
                return
            self.title.setText(label)
            self.text.clear()
            self.text.setPlaceholderText(
                f"Download this {kind or 'file'} to read it here; "
                "it stays readable offline.")
            return
        stamp = (str(path), path.stat().st_mtime)
        if stamp == self._shown:
            return
        self._shown = stamp
        try:
            content = readable_text(path)
        except NotReadable as error:
            self.title.setText(label)
            self.text.clear()
            self.text.setPlaceholderText(str(error))
            return
        self.text.setPlainText(content.text)
        about = _lines(content.text)
        if content.truncated:
            about += f"; the first {size_text(READ_LIMIT)} of the file"
        self.title.setText(f"{label} ({about})")
        self.text.setPlaceholderText("The file is empty.")

    def find_next(self) -> bool:
        """Select the next match of the find box's words, wrapping to the top once."""
        words = self.find_edit.text()
        if not words:
            return False
        found = self.text.find(words) or self._find_from_top(words)
        self.find_edit.setStyleSheet("" if found else NOT_FOUND_STYLE)
        return found

    def _find_from_top(self, words: str) -> bool:
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.Start)
        self.text.setTextCursor(cursor)
        return self.text.find(words, QTextDocument.FindFlag(0))


def _lines(text: str) -> str:
    count = text.count("\n") + 1 if text else 0
    return f"{count} line{'' if count == 1 else 's'}"
