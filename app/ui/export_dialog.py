"""Export sessions from the window: the dialog (what, which format, where) and the job.

The job runs ``app.export.export_sessions`` on a worker thread with its own read-only
SQLite connection: a million-row export never freezes the window, shows progress, and can
be cancelled (the partial file is removed by ``export_sessions``). Selected rows are read
back by their positions in the table's order, so the file holds exactly the rows the user
selected, in the order they saw them.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.export import export_sessions
from app.sources.base import Cancelled, CancelToken
from app.store.queries import SessionFilter, iter_sessions, session_window
from app.store.sql import connect_read_only

FORMATS = (("CSV (spreadsheets)", "csv"), ("Excel workbook (.xlsx)", "xlsx"), ("JSON", "json"))
#: The file name a folder gets when the user names only the folder (as the dialog first offers).
DEFAULT_NAME = "sessions"
CHUNK = 1000
#: Plain words for the errors a save meets; anything else keeps the system's own wording.
REASONS = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
           errno.EROFS: "the disk is read-only", errno.ENOSPC: "the disk is full",
           errno.EDQUOT: "your disk quota is used up",
           errno.ENOENT: "the folder is gone or does not accept new files"}


class ExportFailed(Exception):
    """An export that could not be written, in words that name no temporary file."""


def plain_reason(error: OSError) -> str:
    """Why a save failed, without the errno and without the file name: the name in an
    OSError is the hidden ``.part`` file the export writes first, not the user's file."""
    if error.errno in REASONS:
        return REASONS[error.errno]
    return (error.strerror or str(error)).rstrip(".")


def cannot_save_in(folder: Path) -> str | None:
    """Why no file can be created in ``folder`` (None: one can). Checked by creating and
    removing a file, as the export itself will: permission bits say nothing on /proc, a
    read-only mount or for root."""
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".histview-", suffix=".check")
    except OSError as error:
        if error.errno == errno.ENOENT:  # the folder is there (checked): it takes no files
            return "it does not accept new files"
        return plain_reason(error)
    os.close(fd)
    Path(probe).unlink(missing_ok=True)
    return None


def show_export_failure(window: QMainWindow, path: Path, reason: str) -> QMessageBox:
    """Say a failed export in a box naming the user's file, and keep a short line in the
    status bar. The box is opened, not exec'd: the window (and a test) goes on running."""
    reason = reason.rstrip(".")
    window.statusBar().showMessage(f"Export to {path.name} failed: {reason}", 60_000)
    box = QMessageBox(QMessageBox.Icon.Warning, "Export failed",
                      f"{path.name} could not be saved: {reason}.", QMessageBox.StandardButton.Ok,
                      window)
    box.setObjectName("exportFailed")
    kept = "The file there was left as it was." if path.exists() else "No file was created."
    box.setInformativeText(f"{kept}\n\nFile: {path}\n\nExport again to another folder, or "
                           "try again once the problem is solved.")
    box.finished.connect(box.deleteLater)
    box.open()
    return box


class ExportDialog(QDialog):
    """Asks what to export and where; ``choice()`` returns (path, format, selected_only)."""

    def __init__(self, selected: int, matching: int, start_dir: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export sessions")
        self.start_dir = Path(start_dir)
        self.selected_radio = QRadioButton(f"Selected rows ({selected:,})", self,
                                           objectName="exportSelected")
        self.all_radio = QRadioButton(f"All {matching:,} sessions matching the filters", self,
                                      objectName="exportAll")
        self.selected_radio.setEnabled(selected > 0)
        (self.selected_radio if selected > 0 else self.all_radio).setChecked(True)
        self.format_box = QComboBox(self, objectName="exportFormat")
        for label, fmt in FORMATS:
            self.format_box.addItem(label, fmt)
        self.format_box.currentIndexChanged.connect(lambda _i: self._fix_suffix())
        self.format_box.currentIndexChanged.connect(lambda _i: self._forget())
        self.path_edit = QLineEdit(str(self.start_dir / f"{DEFAULT_NAME}.csv"), self,
                                   objectName="exportPath")
        self.path_edit.textChanged.connect(lambda _text: self._forget())
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        #: A file the user agreed to replace (in the file chooser, or by pressing Export
        #: again after the warning); any other existing file is not overwritten unasked.
        self._may_replace: Path | None = None
        self._build()

    def _build(self) -> None:
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path_edit, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow("Rows:", self.selected_radio)
        form.addRow("", self.all_radio)
        form.addRow("Format:", self.format_box)
        form.addRow("File:", where)
        note = QLabel("Cells starting with = + - @ are neutralized so spreadsheets never run "
                      "them as formulas.", self)
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def fmt(self) -> str:
        return self.format_box.currentData()

    def _fix_suffix(self) -> None:
        text = self.path_edit.text().strip()
        if text and Path(text).name and not self._typed().is_dir():  # a folder stays one
            self.path_edit.setText(str(Path(text).with_suffix("." + self.fmt())))

    def _browse(self) -> None:
        label = self.format_box.currentText()
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text(),
                                              f"{label} (*.{self.fmt()});;All files (*)")
        if path:
            self.path_edit.setText(path)
            self._may_replace = self.choice()[0]  # the file chooser asked already

    def _typed(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    def choice(self) -> tuple[Path, str, bool]:
        """The file to write. A folder means a file inside it: adding the suffix to a
        folder's name would write ``folder.csv`` beside it, a file the user never named."""
        path = self._typed()
        if path.is_dir():
            path = path / f"{DEFAULT_NAME}.{self.fmt()}"
        elif path.name and path.suffix.lower() != "." + self.fmt():  # "/" has no name
            path = path.with_name(path.name + "." + self.fmt())
        return path, self.fmt(), self.selected_radio.isChecked()

    def accept(self) -> None:
        text = self.path_edit.text().strip()
        if not text:  # before choice(): a blank path has no name
            self._say("Choose a file to export to.")
            return
        if self._typed().is_dir():
            self._into_folder(self._typed())
            return
        if text.endswith(("/", os.sep)):  # a folder meant, and it is not there
            self._say(f"No such folder: {self._typed()}")
            return
        path, _fmt, _selected = self.choice()
        if not path.parent.is_dir():
            self._say(f"No such folder: {path.parent}")
            return
        if path.is_dir():  # "report" typed, and "report.csv" is a folder
            self._say(f"{path} is a folder: give a file name.")
            return
        reason = cannot_save_in(path.parent)
        if reason:  # said here, while the user's choices are still on screen
            self._say(f"You can't save in {path.parent}: {reason}. Choose another folder.")
            return
        if path.exists() and path != self._may_replace:
            self._may_replace = path
            self._say(f"{path.name} already exists in {path.parent}. "
                               "Press Export again to replace it.")
            return
        super().accept()

    def _into_folder(self, folder: Path) -> None:
        """Go into a folder typed as the file, as a file chooser does, and name the file the
        export will get there: the user sees (and may change) it before anything is written."""
        path = self.choice()[0]
        self.path_edit.setText(str(path))
        self._say(f"{folder} is a folder, so the export will be saved inside it as "
                  f"{path.name}. Press Export again to save it there, or change the name.",
                  warning=False)

    def _say(self, text: str, warning: bool = True) -> None:
        """A problem in red; a note on what Export will do next in blue (the grey line above
        it is the form's fixed note, and the new one must not read as part of it)."""
        self.error.setStyleSheet(f"color: {'#b3261e' if warning else '#1c5d99'};")
        self.error.setText(text)

    def _forget(self) -> None:
        """A new path or format is a new file: what was said about the old one no longer
        holds, nor does the user's yes to replacing it."""
        self.error.clear()
        self._may_replace = None


def export_job(cache_path: Path, flt: SessionFilter, sort: tuple[str, bool],
               ranges: list[tuple[int, int]] | None, path: Path, fmt: str):
    """A worker job writing the export; ``ranges`` are inclusive row ranges of the table
    (None: every matching session). Reports progress as a count of rows written."""

    def job(progress, cancel: CancelToken) -> dict[str, Any]:
        conn = connect_read_only(cache_path)
        try:
            rows = _rows(conn, flt, sort, ranges)

            def report(done: int) -> None:
                cancel.check()
                progress(done)

            count = export_sessions(_checked(rows, cancel), path, fmt, progress=report)
        except OSError as error:
            raise ExportFailed(plain_reason(error)) from error
        finally:
            conn.close()
        return {"path": str(path), "count": count, "format": fmt}

    return job


def _rows(conn: sqlite3.Connection, flt: SessionFilter, sort: tuple[str, bool],
          ranges: list[tuple[int, int]] | None) -> Iterator[dict[str, Any]]:
    key, descending = sort
    if ranges is None:
        yield from iter_sessions(conn, flt, sort=key, descending=descending)
        return
    for first, last in ranges:
        for offset in range(first, last + 1, CHUNK):
            limit = min(CHUNK, last + 1 - offset)
            yield from session_window(conn, flt, limit=limit, offset=offset, sort=key,
                                      descending=descending)


def _checked(rows: Iterator[dict[str, Any]], cancel: CancelToken) -> Iterator[dict[str, Any]]:
    for index, row in enumerate(rows):
        if index % 200 == 0 and cancel.cancelled:
            raise Cancelled()
        yield row
