"""Downloading an artifact from the detail pane, against the BeyondTrust simulator on
loopback with the secret in the real keyring: the file lands in the data folder's downloads
and the cache records it; with the appliance gone, an error shows and nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
)

from app import registry
from app.demo.beyondtrust import BeyondTrustSimulator
from app.demo.beyondtrust_timeline import month
from app.model import SourceConfig
from app.settings import Settings
from app.store import Store, queries
from app.sync import sync_sources
from tests.conftest import files_containing
from tests.test_ui_support import opened_urls, window_factory

CLIENT_ID = "ui-downloads"
SECRET = "Ui-dl-Secret-7f3a9c"


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


@pytest.fixture
def appliance(data_dir):
    """A started simulator registered as source ``bt`` and synced into the cache."""
    sim = BeyondTrustSimulator(month(datetime.now(UTC), days=3, per_weekday=(6, 8), seed=2),
                               client_id=CLIENT_ID, client_secret=SECRET)
    sim.start()
    config = SourceConfig("bt", "beyondtrust", sim.url, {"client_id": CLIENT_ID})
    registry.add_source(data_dir, config, SECRET)
    results = sync_sources(Settings(data_dir).cache_path, [config],
                           registry.secret_lookup(data_dir))
    assert [r.ok for r in results] == [True], results
    yield sim
    sim.stop()


def cached_artifacts(data_dir: Path, session_id: str) -> list[dict]:
    store = Store(Settings(data_dir).cache_path)
    try:
        return queries.list_artifacts(store.db.conn, "bt", session_id)
    finally:
        store.close()


def cached_rows(data_dir: Path, sql: str, *params: str) -> list[tuple]:
    store = Store(Settings(data_dir).cache_path)
    try:
        return store.db.conn.execute(sql, params).fetchall()
    finally:
        store.close()


def session_with(data_dir: Path, kinds: set[str]) -> str:
    """The first cached BeyondTrust session with artifacts of each of these kinds."""
    rows = cached_rows(data_dir, "SELECT session_id, group_concat(kind) FROM artifacts "
                                 "WHERE source = 'bt' GROUP BY session_id ORDER BY session_id")
    found = next((sid for sid, have in rows if kinds <= set(have.split(","))), None)
    assert found, f"the simulator's month should hold a session with {sorted(kinds)}"
    return found


def recorded_session(data_dir: Path) -> str:
    return session_with(data_dir, {"recording"})


def open_recording(window, session_id: str, qtbot) -> QTreeWidget:
    """Select the session in the table and its recording in the Artifacts tab."""
    row = next(r for r in range(window.model.rowCount())
               if window.model.key_at(r) == ("bt", session_id))
    window.select_rows([row])
    window.detail.tabs.setCurrentIndex(2)
    view = window.findChild(QTreeWidget, "artifactsView")
    qtbot.waitUntil(lambda: view.topLevelItemCount() > 0)
    item = next(view.topLevelItem(i) for i in range(view.topLevelItemCount())
                if view.topLevelItem(i).text(0) == "recording")
    view.setCurrentItem(item)
    return view


def test_downloading_a_recording_from_the_detail_pane(data_dir, make_window, appliance,
                                                      qtbot):
    session_id = recorded_session(data_dir)
    window = make_window(data_dir)
    view = open_recording(window, session_id, qtbot)
    button = window.findChild(QPushButton, "downloadArtifact")
    open_file = window.findChild(QPushButton, "openDownloadedFile")
    assert button.isVisible() and button.isEnabled() and button.text() == "Download"
    assert not open_file.isVisible()  # nothing downloaded yet
    menu = window.detail.artifacts.context_menu()
    assert [a.text() for a in menu.actions() if a.isVisible() and a.text()] == [
        "Open in browser", "Download"]
    menu.close()

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isEnabled()  # busy: one download at a time
    assert window.findChild(QProgressBar, "downloadProgress").isVisible()
    status = window.findChild(QLabel, "downloadStatus")
    qtbot.waitUntil(lambda: status.text().startswith("Saved"), timeout=15000)

    recording = next(a for a in cached_artifacts(data_dir, session_id)
                     if a["kind"] == "recording")
    path = Path(recording["downloaded_path"])
    assert (data_dir / "downloads").resolve() in path.parents
    assert path.is_file() and path.read_bytes().startswith(b"BTRS-RECORDING")
    assert not path.with_name(path.name + ".part").exists()
    item = view.currentItem()
    assert item.text(0) == "recording" and item.text(3) == str(path)  # shown as downloaded
    assert str(path) in status.text()
    assert button.isEnabled() and button.text() == "Download again"
    qtbot.waitUntil(open_file.isVisible)

    with opened_urls("file") as urls:
        open_file.click()
        window.findChild(QPushButton, "showDownloadFolder").click()
    assert [u.toLocalFile() for u in urls] == [str(path), str(path.parent)]
    assert files_containing(data_dir, SECRET) == []  # not in the cache, not in the file


def test_a_download_with_the_appliance_offline_shows_an_error_and_changes_nothing(
        data_dir, make_window, appliance, qtbot):
    session_id = recorded_session(data_dir)
    before = cached_artifacts(data_dir, session_id)
    appliance.stop()
    window = make_window(data_dir)
    view = open_recording(window, session_id, qtbot)
    shown = [view.topLevelItem(i).text(3) for i in range(view.topLevelItemCount())]
    button = window.findChild(QPushButton, "downloadArtifact")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    status = window.findChild(QLabel, "downloadStatus")
    qtbot.waitUntil(lambda: not any(w.is_running() for w in window.workers), timeout=15000)
    assert "unreachable" in status.text() and "nothing was downloaded" in status.text()
    assert SECRET not in status.text()
    assert cached_artifacts(data_dir, session_id) == before  # no path recorded
    assert not (data_dir / "downloads").exists()  # no folder, no .part file
    assert [view.topLevelItem(i).text(3) for i in range(view.topLevelItemCount())] == shown
    assert button.isEnabled() and button.text() == "Download"  # it can be tried again
    assert not window.findChild(QPushButton, "openDownloadedFile").isVisible()
    assert not window.findChild(QProgressBar, "downloadProgress").isVisible()



def test_a_downloaded_chat_log_is_read_in_the_artifacts_tab_and_a_recording_is_not(
        data_dir, make_window, appliance, qtbot):
    session_id = session_with(data_dir, {"chat", "recording"})
    said = [event.body for event in appliance.sessions[session_id].events
            if event.event_type == "Chat Message"]
    window = make_window(data_dir)
    view = open_recording(window, session_id, qtbot)
    reader = window.detail.artifacts.reader
    assert not reader.isVisible()  # a recording is played, not read
    view.setCurrentItem(next(view.topLevelItem(i) for i in range(view.topLevelItemCount())
                             if view.topLevelItem(i).text(0) == "chat"))
    text = window.findChild(QPlainTextEdit, "readerText")
    assert reader.isVisible() and text.toPlainText() == ""
    assert "Download this chat to read it here" in text.placeholderText()

    window.findChild(QPushButton, "downloadArtifact").click()
    qtbot.waitUntil(lambda: text.toPlainText() != "", timeout=15000)
    shown = text.toPlainText()
    where = [shown.find(body.splitlines()[0]) for body in said]
    assert -1 not in where and where == sorted(where)  # every message, in the order said
    title = window.findChild(QLabel, "readerTitle").text()
    assert title == f"Chat transcript ({len(shown.splitlines())} lines)"
    # What is read is also what the session's search now finds.
    assert cached_rows(data_dir, "SELECT text FROM artifacts WHERE source = 'bt' AND "
                                 "session_id = ? AND kind = 'chat'", session_id) == [(shown,)]

    find = window.findChild(QLineEdit, "readerFind")
    word = said[-1].split()[-1]
    find.setText(word)
    assert reader.find_next() and text.textCursor().selectedText() == word
    find.setText("zebra-crossing-quartz")
    assert not reader.find_next() and find.styleSheet()  # marked as not found

    appliance.stop()  # offline: the downloaded chat log is still read from its file
    window.detail.artifacts.clear()
    window.close()
    again = make_window(data_dir)
    view = open_recording(again, session_id, qtbot)
    view.setCurrentItem(next(view.topLevelItem(i) for i in range(view.topLevelItemCount())
                             if view.topLevelItem(i).text(0) == "chat"))
    assert again.findChild(QPlainTextEdit, "readerText").toPlainText() == shown

    # The file deleted (a cleaned-up downloads folder): the cache kept its text.
    [chat] = [a for a in cached_artifacts(data_dir, session_id) if a["kind"] == "chat"]
    Path(chat["downloaded_path"]).unlink()
    chat_item = view.currentItem()
    view.setCurrentItem(next(view.topLevelItem(i) for i in range(view.topLevelItemCount())
                             if view.topLevelItem(i).text(0) == "recording"))
    view.setCurrentItem(chat_item)
    assert again.findChild(QPlainTextEdit, "readerText").toPlainText() == shown
    assert "kept in the cache" in again.findChild(QLabel, "readerTitle").text()
