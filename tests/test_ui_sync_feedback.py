"""What the window says while and after it syncs, read off the real widgets: progress words
beside the bar (a busy bar draws none), "Cancelling…", a summary that puts failures first
and stays, each source's sidebar entry as it finishes, rows that keep arriving."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QLabel, QListWidget, QMessageBox, QProgressBar, QPushButton

from app import registry
from app.demo.pexip import PexipSimulator
from app.demo.webex import WebexSimulator
from app.model import SourceConfig
from tests.test_ui_support import window_factory

PASSWORD = "s3cret-Pexip-pw!"


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


@pytest.fixture
def pexip():
    sim = PexipSimulator(conferences=300, seed=9, password=PASSWORD, latency_s=0.03)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def webex():
    sim = WebexSimulator(days=7, page_cap=37, latency_s=0.03)
    sim.start()
    yield sim
    sim.stop()


def add_pexip(data_dir, name: str, url: str) -> None:
    registry.add_source(data_dir, SourceConfig(name, "pexip", url,
                                               {"username": "admin", "page_size": "10",
                                                "workers": "1"}), PASSWORD)


def entry(window, name: str) -> str:
    """A source's sidebar entry as drawn: "name\\nstatus · kind · when"."""
    items = window.findChild(QListWidget, "sourceList")
    return next(items.item(i).text() for i in range(items.count())
                if items.item(i).text().startswith(name + "\n"))


def test_progress_words_show_beside_the_bar_with_and_without_a_total_and_on_cancel(
        data_dir, make_window, pexip, webex, qtbot):
    add_pexip(data_dir, "video", pexip.url)
    registry.add_source(data_dir, SourceConfig("chat", "webex", webex.url), webex.token)
    window = make_window(data_dir)
    bar = window.findChild(QProgressBar, "syncProgress")
    words = window.findChild(QLabel, "syncProgressText")
    seen: list[tuple[int, str]] = []
    window.sync.progressed.connect(lambda _p: seen.append((bar.maximum(), words.text())))
    window.start_sync([])
    assert words.isVisible() and words.text() == "Syncing chat, video…"
    # Pexip tells its total: items of items, never "pages of" a count of items.
    qtbot.waitUntil(lambda: any(m == 300 for m, _t in seen), timeout=15000)
    counted = next(t for m, t in seen if m == 300)
    assert re.fullmatch(r"video: \w+ — [\d,]+ of 300 items", counted), counted
    # Webex tells none: a busy bar (which draws no text) with the counts beside it.
    qtbot.waitUntil(lambda: words.text().startswith("chat:"), timeout=30000)
    assert bar.maximum() == 0 and words.isVisible()
    assert re.fullmatch(r"chat: \w+ — [\d,]+ items, [\d,]+ pages?", words.text()), words.text()
    window.findChild(QPushButton, "cancelSync").click()
    assert words.isVisible()
    assert words.text() == "Cancelling… (the page in flight is finished and kept)"
    qtbot.waitUntil(lambda: not window.sync.is_running(), timeout=15000)
    summary = window.findChild(QLabel, "syncSummary")
    assert summary.isVisible() and summary.text().startswith("Sync cancelled — chat ")


def test_each_source_entry_says_how_it_ended_as_it_finishes(data_dir, make_window, pexip,
                                                           webex, qtbot):
    add_pexip(data_dir, "video", pexip.url)
    registry.add_source(data_dir, SourceConfig("chat", "webex", webex.url), webex.token)
    window = make_window(data_dir)
    button = window.sidebar.sync_button
    assert button.text() == "Sync all sources" and button.isEnabled()
    window.start_sync([])
    assert not button.isEnabled()  # not a button that only answers "already running"
    assert entry(window, "video").split("\n")[1].startswith("syncing…")
    words = window.findChild(QLabel, "syncProgressText")
    qtbot.waitUntil(lambda: words.text().startswith("chat:"), timeout=30000)
    # video is done while chat still runs: its entry says so now, with its count.
    assert entry(window, "video").split("\n")[1].startswith("ok, ")
    assert "items" in entry(window, "video")
    assert entry(window, "chat").split("\n")[1].startswith("syncing…")
    assert not button.isEnabled()
    window.sync.cancel()
    qtbot.waitUntil(lambda: not window.sync.is_running(), timeout=15000)
    chat = entry(window, "chat").split("\n")[1]
    # Its items are in the cache: cancelled, with the count kept, never "never synced".
    assert re.match(r"cancelled, [\d,]+ items kept · webex · ", chat), chat
    assert "never synced" not in chat
    qtbot.waitUntil(button.isEnabled)


def test_a_failure_comes_first_in_a_summary_that_fits_and_stays(data_dir, make_window,
                                                                pexip, qtbot):
    pexip.latency_s = 0.0
    add_pexip(data_dir, "video", pexip.url)
    add_pexip(data_dir, "down", "http://127.0.0.1:9")  # nothing listens there
    window = make_window(data_dir)
    with qtbot.waitSignal(window.sync.sync_finished, timeout=60000):
        window.start_sync([])
    summary = window.findChild(QLabel, "syncSummary")
    assert summary.isVisible()
    assert summary.text().startswith("1 of 2 sources failed: down — ")
    assert re.search(r"; video synced \([\d,]+ items\)$", summary.text()), summary.text()
    # It ends before the row count instead of running under it; the whole is the tooltip.
    right = summary.mapTo(window.statusBar(), summary.rect().topRight()).x()
    assert right < window.row_count_label.geometry().left()
    assert summary.toolTip().splitlines()[0].startswith("✗ down: ")
    # A passing note hides it for a moment; it comes back (it is no timed message).
    window.statusBar().showMessage("Copied 1 rows.", 5000)
    window.statusBar().clearMessage()
    assert summary.isVisible()
    window.findChild(QPushButton, "syncDetails").click()
    box = window.findChild(QMessageBox, "syncDetailsBox")
    qtbot.waitUntil(box.isVisible)
    lines = box.informativeText().splitlines()
    assert lines[0].startswith("✗ down: could not reach http://127.0.0.1:9")
    assert re.fullmatch(r"✓ video: [\d,]+ items", lines[1]), lines
    box.close()


def test_the_summary_says_how_many_records_could_not_be_read(data_dir, make_window, pexip,
                                                               qtbot):
    pexip.latency_s = 0.0
    pexip.odd_objects["conference"] = [{"name": "a conference without an id"}]
    add_pexip(data_dir, "video", pexip.url)
    window = make_window(data_dir)
    with qtbot.waitSignal(window.sync.sync_finished, timeout=60000):
        window.start_sync([])
    text = window.findChild(QLabel, "syncSummary").toolTip()
    # Before, only a log line no window shows said that some history was not shown. (The
    # simulator puts the odd record on every page of 10, so it is counted on each.)
    assert re.fullmatch(r"✓ video: [\d,]+ items; [\d,]+ records could not be read and are "
                        r"kept only as sent \(raw tables\)", text), text


def test_rows_keep_arriving_during_a_first_sync_and_the_selection_stays(
        data_dir, make_window, pexip, qtbot):
    add_pexip(data_dir, "video", pexip.url)
    window = make_window(data_dir)
    window.start_sync([])
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=15000)
    window.select_rows([1])
    chosen = window.model.key_at(1)
    heading = window.detail.heading.text()
    first = window.model.rowCount()
    qtbot.waitUntil(lambda: window.model.rowCount() > first, timeout=15000)
    assert window.sync.is_running()  # more rows while the sync still runs
    current = window.table.currentIndex().row()
    assert window.model.key_at(current) == chosen
    assert window.table.selectionModel().isRowSelected(current)
    assert window.detail.heading.text() == heading
    window.sync.shutdown()
