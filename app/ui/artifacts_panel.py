"""The detail pane's Artifacts tab: a session's recordings, transcripts and chat logs, with
their browser links, a Download action, and Open file / Show in folder once downloaded.

Double-click (or Enter) opens the artifact's ``view_url`` in the browser; the API ``url``
needs credentials, so it is fetched by Download, on a worker thread through the same core
calls as ``histview download`` (``download_job``). The file's path is recorded in the cache
on the GUI thread once the file is complete; a failed download changes nothing but the
message under the list. A downloaded transcript or chat log is read below the list
(``artifact_reader``).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QFont, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.artifact_text import is_readable
from app.store import Store, queries
from app.ui.artifact_reader import ArtifactReader
from app.ui.download_job import download_job
from app.ui.formatting import duration_text, size_text
from app.ui.workers import Worker

ARTIFACT_COLUMNS = ("Kind", "Label", "Open", "Downloaded to")
ARTIFACT_ROLE = Qt.ItemDataRole.UserRole
ERROR_STYLE = "color: #b3261e;"


SECONDS_LABEL = re.compile(r"^(?P<head>.*\S)\s+(?P<seconds>\d+(?:\.\d+)?)\s*s$")
COLUMN_GAP = 18  # blank after each fitted column, so neighbours do not run together
LABEL_SHARE = 0.45  # the most of the list's width the label column takes before eliding

NO_ARTIFACTS = ("The source listed no recording, transcript or chat log for this "
                "session.")


def label_text(artifact: dict[str, Any]) -> str:
    """An artifact's label as the tab shows it: a length in raw seconds reads as a duration
    ("Recording 346.1 s" → "Recording (5 min 46 s)"). Display only: the cache keeps the
    label as the source's parser built it (searches and exports use that)."""
    label = artifact.get("label") or ""
    match = SECONDS_LABEL.match(label)
    if match is None:
        return label
    return f"{match['head']} ({duration_text(float(match['seconds']))})"


class ArtifactsPanel(QWidget):
    """Shows one session's artifacts; downloads one at a time (``download_selected``)."""

    download_started = Signal(object)  # the Worker: the window joins it when it closes

    def __init__(self, conn: sqlite3.Connection, parent: QWidget | None = None, *,
                 data_dir: Path | None = None, store: Store | None = None) -> None:
        super().__init__(parent)
        self._conn = conn
        self._data_dir = data_dir
        self._store = store
        self._key: tuple[str, str] | None = None  # the (source, session_id) shown
        self._session: dict[str, Any] = {}  # its start and title name a download
        self._worker: Worker | None = None
        # The last download message of each session, so "Saved … to /path" is still there
        # after looking at another session and coming back (before, it was gone).
        self._said: dict[tuple[str, str], tuple[str, bool]] = {}
        self.view = self._build_view()
        self.reader = ArtifactReader(self)
        self._build_actions()
        split = QSplitter(Qt.Orientation.Vertical, self, objectName="artifactsSplit")
        split.addWidget(self.view)
        split.addWidget(self.reader)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)  # a session has a few artifacts; a transcript is long
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split, 1)
        layout.addLayout(self._build_buttons())
        layout.addWidget(self.status)
        self._update_buttons()

    # -- construction -----------------------------------------------------------------------

    def _build_view(self) -> QTreeWidget:
        view = QTreeWidget(self, objectName="artifactsView")
        view.setHeaderLabels(ARTIFACT_COLUMNS)
        view.setRootIsDecorated(False)
        view.header().setStretchLastSection(True)  # "Downloaded to" takes the rest
        view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a path's file name stays in view
        view.itemActivated.connect(self._open_in_browser)
        view.itemClicked.connect(lambda item, column: column == 2
                                 and self._open_in_browser(item))
        view.currentItemChanged.connect(lambda _current, _previous: self._follow_current())
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(
            lambda pos: self.context_menu().popup(view.viewport().mapToGlobal(pos)))
        return view

    def _build_actions(self) -> None:
        """One action per command; the buttons and the context menu both follow them."""
        def action(name: str, text: str, slot: Any) -> QAction:
            made = QAction(text, self, objectName=name)
            made.triggered.connect(lambda _checked=False: slot())
            return made

        self.browser_action = action("openInBrowserAction", "Open in browser",
                                     lambda: self._open_in_browser(self.view.currentItem()))
        self.download_action = action("downloadArtifactAction", "Download",
                                      self.download_selected)
        self.open_file_action = action("openFileAction", "Open file", self.open_file)
        self.show_folder_action = action("showInFolderAction", "Show in folder",
                                         self.show_in_folder)

    def _build_buttons(self) -> QHBoxLayout:
        self.download_button = QPushButton("Download", self, objectName="downloadArtifact")
        self.open_file_button = QPushButton("Open file", self, objectName="openDownloadedFile")
        self.show_folder_button = QPushButton("Show in folder", self,
                                              objectName="showDownloadFolder")
        self.cancel_button = QPushButton("Cancel", self, objectName="cancelDownload")
        self.progress = QProgressBar(self, objectName="downloadProgress")
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.status = QLabel(self, objectName="downloadStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for button, target in ((self.download_button, self.download_action),
                               (self.open_file_button, self.open_file_action),
                               (self.show_folder_button, self.show_folder_action)):
            button.clicked.connect(target.trigger)
        self.cancel_button.clicked.connect(self.cancel_download)
        row = QHBoxLayout()
        for widget in (self.download_button, self.open_file_button, self.show_folder_button,
                       self.progress, self.cancel_button):
            row.addWidget(widget)
        row.addStretch(1)
        self.progress.hide()
        self.cancel_button.hide()
        return row

    # -- content ------------------------------------------------------------------------------

    def clear(self) -> None:
        self._key = None
        self.view.clear()
        self._follow_current()

    def set_artifacts(self, session: dict[str, Any], artifacts: list[dict[str, Any]]) -> None:
        """Fill the list, keeping the current artifact when it is the same session."""
        source, session_id = session["source"], session["session_id"]
        same = self._key == (source, session_id)
        current = self.selected_artifact() if same else None
        if not same and self._worker is None:
            self._say(*self._said.get((source, session_id), ("", False)))
        self._key, self._session = (source, session_id), session
        self.view.clear()
        link_font = QFont(self.view.font())
        link_font.setUnderline(True)
        for artifact in artifacts:
            item = self._item(artifact, link_font)
            self.view.addTopLevelItem(item)
            if current and artifact["artifact_id"] == current["artifact_id"]:
                self.view.setCurrentItem(item)
        if self.view.currentItem() is None and self.view.topLevelItemCount():
            # The first artifact is the current one, so Download is ready to click; before,
            # it stayed greyed until a row was clicked, and nothing said so.
            self.view.setCurrentItem(self.view.topLevelItem(0))
        if not artifacts and self._worker is None:  # an empty list alone looks broken
            self._say(NO_ARTIFACTS)
        self._fit_columns()
        self._follow_current()

    def _fit_columns(self) -> None:
        """Kind, label and link as wide as their text (the label up to ``LABEL_SHARE`` of
        the list), the path in the rest. Before, fixed widths elided a label in the middle
        beside an empty column."""
        for column in range(self.view.columnCount() - 1):
            self.view.resizeColumnToContents(column)
            self.view.setColumnWidth(column, self.view.columnWidth(column) + COLUMN_GAP)
        most = int(self.view.viewport().width() * LABEL_SHARE)
        if self.view.columnWidth(1) > most > 0:
            self.view.setColumnWidth(1, most)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def showEvent(self, event: QShowEvent) -> None:
        """Filled while its tab was hidden, the list measured a stale width: fit again."""
        super().showEvent(event)
        self._fit_columns()

    def _item(self, artifact: dict[str, Any], link_font: QFont) -> QTreeWidgetItem:
        view_url = artifact.get("view_url")
        path = artifact.get("downloaded_path") or ""
        item = QTreeWidgetItem([artifact["kind"], label_text(artifact),
                                "Open in browser" if view_url else "—", path])
        item.setData(0, ARTIFACT_ROLE, artifact)
        item.setToolTip(1, artifact.get("url") or "")
        if view_url:
            item.setToolTip(2, view_url)
            item.setFont(2, link_font)
            item.setForeground(2, self.palette().link())
        else:
            item.setToolTip(2, "No browser link: use Download")
        if path and not Path(path).is_file():
            item.setToolTip(3, "The file is no longer there: download it again")
            item.setForeground(3, self.palette().placeholderText())
        else:
            item.setToolTip(3, path)
        return item

    def reload(self) -> None:
        """Re-read the shown session's artifacts from the cache (after a download)."""
        if self._key is not None:
            self.set_artifacts(self._session, queries.list_artifacts(self._conn, *self._key))

    def selected_artifact(self) -> dict[str, Any] | None:
        item = self.view.currentItem()
        return item.data(0, ARTIFACT_ROLE) if item is not None else None

    def downloaded_file(self) -> Path | None:
        """The selected artifact's downloaded file, when it is still there."""
        artifact = self.selected_artifact()
        path = Path(artifact["downloaded_path"]) if artifact and artifact.get(
            "downloaded_path") else None
        return path if path is not None and path.is_file() else None

    def _follow_current(self) -> None:
        """Buttons and reader follow the current artifact: the reader shows a transcript
        or chat log (or any text file downloaded), and hides for a recording."""
        self._update_buttons()
        artifact = self.selected_artifact()
        readable = artifact is not None and self._key is not None and is_readable(artifact)
        if readable:
            # The cache's copy of the text is looked up only when the file has gone.
            path = self.downloaded_file()
            kept = None if path else queries.downloaded_text(self._conn, *self._key,
                                                              artifact["artifact_id"])
            self.reader.show_artifact(artifact["kind"], label_text(artifact) or artifact["kind"],
                                      path, kept)
        self.reader.setVisible(readable)

    def _update_buttons(self) -> None:
        artifact = self.selected_artifact()
        can_fetch = bool(artifact and artifact.get("url") and self._data_dir is not None
                         and self._store is not None)
        have = self.downloaded_file() is not None
        self.browser_action.setEnabled(bool(artifact and artifact.get("view_url")))
        self.download_action.setEnabled(can_fetch and self._worker is None)
        self.download_action.setText("Download again" if have else "Download")
        if not can_fetch and artifact:
            self.download_action.setToolTip("This artifact has no download link")
        for action in (self.open_file_action, self.show_folder_action):
            action.setVisible(have)
        for button, action in ((self.download_button, self.download_action),
                               (self.open_file_button, self.open_file_action),
                               (self.show_folder_button, self.show_folder_action)):
            button.setText(action.text())
            button.setEnabled(action.isEnabled())
            button.setVisible(action.isVisible())
        if self._worker is not None:
            self.download_button.setText("Downloading…")

    def context_menu(self) -> QMenu:
        """The right-click menu on the list (built each time: it follows the selection)."""
        self._update_buttons()
        menu = QMenu(self, objectName="artifactMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in (self.browser_action, None, self.download_action,
                       self.open_file_action, self.show_folder_action):
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        return menu

    # -- commands -------------------------------------------------------------------------------

    def _open_in_browser(self, item: QTreeWidgetItem | None) -> None:
        url = item.data(0, ARTIFACT_ROLE).get("view_url") if item is not None else None
        if url:
            QDesktopServices.openUrl(QUrl(url))

    def open_file(self) -> None:
        path = self.downloaded_file()
        if path is not None and not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self._say(f"No application opens {path.name}; it is in {path.parent}", error=True)

    def show_in_folder(self) -> None:
        path = self.downloaded_file()
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))

    def download_selected(self) -> Worker | None:
        """Fetch the selected artifact on a worker; progress and the outcome show below."""
        artifact = self.selected_artifact()
        if artifact is None or self._key is None or not self.download_action.isEnabled():
            return None
        source, session_id = self._key
        key = (source, session_id, artifact["artifact_id"])
        label = label_text(artifact) or artifact["kind"]
        worker = Worker(download_job(self._data_dir, source, self._session, artifact),
                        "download", self)
        worker.progress.connect(lambda done_total: self._on_progress(label, *done_total))
        worker.result.connect(lambda result: self._on_downloaded(key, label, result))
        worker.error.connect(lambda text: self._say(f"Could not download {label}: {text}",
                                                    error=True, key=key[:2]))
        worker.cancelled.connect(lambda: self._say(f"Download of {label} cancelled.",
                                                   key=key[:2]))
        worker.finished.connect(self._on_finished)
        self._worker = worker
        self._say(f"Downloading {label}…")
        self.progress.setRange(0, 0)  # busy until the first bytes tell more
        self.progress.show()
        self.cancel_button.show()
        self._update_buttons()
        self.download_started.emit(worker)
        return worker.start()

    def cancel_download(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def _on_progress(self, label: str, done: int, total: int | None) -> None:
        if total:
            self.progress.setRange(0, max(total // 1024, 1))
            self.progress.setValue(min(done, total) // 1024)
            self._say(f"Downloading {label}… {size_text(done)} of {size_text(total)}")
        else:
            self._say(f"Downloading {label}… {size_text(done)}")

    def _on_downloaded(self, key: tuple[str, str, str], label: str,
                       result: dict[str, Any] | None) -> None:
        if not result:
            return
        try:
            self._store.set_downloaded(*key, result["path"], result.get("text"))
        except sqlite3.Error as error:
            self._say(f"{label} was saved to {result['path']}, but the cache could not "
                      f"record it: {error}", error=True, key=key[:2])
            return
        self._say(f"Saved {label} ({size_text(result['size'])}) to {result['path']}",
                  key=key[:2])
        if self._key == key[:2]:
            self.reload()

    def _on_finished(self) -> None:
        self._worker = None
        self.progress.hide()
        self.cancel_button.hide()
        self._update_buttons()

    def _say(self, text: str, error: bool = False, *,
             key: tuple[str, str] | None = None) -> None:
        """Show ``text`` under the list; ``key`` (a session) remembers it for that session."""
        if key is not None:
            self._said[key] = (text, error)
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(text)
        self.status.setVisible(bool(text))
