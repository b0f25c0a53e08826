"""Sources and sync through the real window, against the Pexip simulator on loopback and
the real keyring: add a source in the dialog, sync with progress, cancel, fail cleanly."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
)

from app import credentials, registry
from app.demo.pexip import PexipSimulator
from app.model import SourceConfig
from app.settings import Settings
from app.store import Store
from tests.conftest import files_containing
from tests.test_ui_support import count_in, window_factory

PASSWORD = "s3cret-Pexip-pw!"


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


@pytest.fixture
def simulator():
    sim = PexipSimulator(conferences=120, seed=5, password=PASSWORD)
    sim.start()
    yield sim
    sim.stop()


def cached_sessions(data_dir, source: str) -> int:
    store = Store(Settings(data_dir).cache_path)
    try:
        return store.db.conn.execute("SELECT COUNT(*) FROM sessions WHERE source = ?",
                                     (source,)).fetchone()[0]
    finally:
        store.close()


def add_pexip(data_dir, name: str, sim: PexipSimulator, **options: str) -> None:
    registry.add_source(data_dir, SourceConfig(name, "pexip", sim.url,
                                               {"username": "admin", **options}), PASSWORD)


def test_adding_a_source_in_the_dialog_puts_the_secret_in_the_keyring_only(
        data_dir, make_window, simulator, qtbot):
    window = make_window(data_dir)
    window.sources_action.trigger()
    dialog = window.findChild(QDialog, "sourcesDialog")
    assert dialog is not None and dialog.isVisible()
    kinds = dialog.findChild(QComboBox, "kindBox")
    kinds.setCurrentIndex(kinds.findData("pexip"))
    dialog.findChild(QLineEdit, "nameEdit").setText("video")
    dialog.findChild(QLineEdit, "urlEdit").setText(simulator.url)
    dialog.findChild(QLineEdit, "option_username").setText("admin")
    secret = dialog.findChild(QLineEdit, "secretEdit")
    assert secret.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(secret, PASSWORD)
    dialog.findChild(QPushButton, "saveSource").click()

    assert credentials.get_secret(registry.data_key(data_dir), "video") == PASSWORD
    assert files_containing(data_dir, PASSWORD) == []  # not in settings.json, not anywhere
    assert Settings(data_dir).source("video").options == {"username": "admin"}
    assert secret.text() == ""  # never shown back
    assert "stored" in dialog.findChild(QLabel, "secretStatus").text()
    assert window.findChild(QListWidget, "sourceList").count() == 2  # "All sources" + video

    dialog.findChild(QPushButton, "testSource").click()
    message = dialog.findChild(QLabel, "sourceMessage")
    qtbot.waitUntil(lambda: message.text().startswith("✓"), timeout=10000)
    assert "120 conferences" in message.text()
    dialog.reject()


def test_a_wrong_secret_is_refused_by_test_without_showing_it(data_dir, make_window,
                                                               simulator, qtbot):
    window = make_window(data_dir)
    dialog = window.open_sources()
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("pexip"))
    dialog.name_edit.setText("video")
    dialog.url_edit.setText(simulator.url)
    dialog.findChild(QLineEdit, "option_username").setText("admin")
    dialog.secret_edit.setText("wrong-password-123")
    dialog.test_current()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("✗"), timeout=10000)
    assert "401" in dialog.message.text() and "wrong-password-123" not in dialog.message.text()
    dialog.reject()


def test_sync_shows_progress_and_a_cancel_leaves_a_consistent_cache(
        data_dir, make_window, qtbot):
    sim = PexipSimulator(conferences=300, seed=9, password=PASSWORD, latency_s=0.02)
    sim.start()
    try:
        add_pexip(data_dir, "video", sim, page_size="10", workers="1")
        window = make_window(data_dir)
        bar = window.findChild(QProgressBar, "syncProgress")
        seen: list[tuple[int, int]] = []
        window.sync.progressed.connect(lambda p: seen.append((bar.value(), bar.maximum())))
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        assert window.sync.is_running() and bar.isVisible()
        # The total the API told (Pexip's meta.total_count) becomes the bar's maximum.
        qtbot.waitUntil(lambda: sum(m == 300 for _v, m in seen) >= 3, timeout=10000)
        values = [value for value, maximum in seen if maximum == 300]
        assert values == sorted(values) and values[-1] > values[0]  # the bar advances
        with qtbot.waitSignal(window.sync.running_changed, timeout=15000):
            window.findChild(QPushButton, "cancelSync").click()
        assert not bar.isVisible()
        kept = cached_sessions(data_dir, "video")
        assert 0 < kept < 300
        assert count_in(window.row_count_label.text()) == kept  # the table shows what is kept
        assert Store(Settings(data_dir).cache_path).status("video")["status"] == "cancelled"
        summary = window.findChild(QLabel, "syncSummary")
        assert summary.isVisible() and summary.text().startswith("Sync cancelled")

        sim.latency_s = 0.0
        with qtbot.waitSignal(window.sync.sync_finished, timeout=30000) as finished:
            window.sync_action.trigger()
        assert [r.ok for r in finished.args[0]] == [True]
        assert cached_sessions(data_dir, "video") == len(sim.conference_ids())
        assert count_in(window.row_count_label.text()) == len(sim.conference_ids())
    finally:
        sim.stop()


def test_a_failing_source_is_reported_and_the_others_still_sync(data_dir, make_window,
                                                                 simulator, qtbot):
    broken = PexipSimulator(conferences=10, seed=2, password=PASSWORD)
    broken.start()
    try:
        add_pexip(data_dir, "video", simulator)
        add_pexip(data_dir, "broken", broken)
        window = make_window(data_dir)
        with qtbot.waitSignal(window.sync.sync_finished, timeout=30000):
            window.start_sync([])
        before = count_in(window.row_count_label.text())
        assert before == 130
        broken.faults.add("401", count=50)  # its password was changed on the node
        with qtbot.waitSignal(window.sync.sync_finished, timeout=30000) as done:
            window.start_sync([])
        results = {r.source: r for r in done.args[0]}
        assert results["video"].ok and not results["broken"].ok
        assert "401" in results["broken"].error
        summary = window.findChild(QLabel, "syncSummary")
        assert summary.isVisible()
        assert summary.text().startswith("1 of 2 sources failed: broken — ")
        items = window.findChild(QListWidget, "sourceList")
        broken_item = next(items.item(i) for i in range(items.count())
                           if items.item(i).text().startswith("broken"))
        assert "failed" in broken_item.text() and "401" in broken_item.toolTip()
        assert not broken_item.icon().isNull()  # the warning badge
        assert count_in(window.row_count_label.text()) == before  # nothing else changed
        window.sidebar.list.setCurrentItem(broken_item)  # its history stays browsable
        qtbot.waitUntil(lambda: count_in(window.row_count_label.text()) == 10)
    finally:
        broken.stop()


def test_removing_a_source_in_the_dialog_forgets_its_secret_and_keeps_history(
        data_dir, make_window, simulator, qtbot):
    add_pexip(data_dir, "video", simulator)
    window = make_window(data_dir)
    with qtbot.waitSignal(window.sync.sync_finished, timeout=30000):
        window.start_sync(["video"])
    dialog = window.open_sources("video")
    assert dialog.name_edit.text() == "video" and not dialog.name_edit.isEnabled()
    dialog.findChild(QPushButton, "removeSource").click()
    confirm = dialog.findChild(QMessageBox, "removeConfirm")
    qtbot.waitUntil(confirm.isVisible)
    next(b for b in confirm.buttons() if b.text() == "Remove").click()
    qtbot.waitUntil(lambda: Settings(data_dir).source("video") is None)
    assert credentials.get_secret(registry.data_key(data_dir), "video") is None
    assert cached_sessions(data_dir, "video") == 120  # the cache is the long memory
    assert count_in(window.row_count_label.text()) == 120
    assert window.filter_bar.source_box.findData("video") > 0  # still filterable
    dialog.reject()


def test_an_insecure_source_carries_a_warning_badge(data_dir, make_window, simulator):
    registry.add_source(data_dir, SourceConfig("lab", "pexip", simulator.url,
                                               {"username": "admin"}, insecure=True), PASSWORD)
    window = make_window(data_dir)
    items = window.findChild(QListWidget, "sourceList")
    lab = next(items.item(i) for i in range(items.count())
               if items.item(i).text().startswith("lab"))
    assert not lab.icon().isNull() and "TLS verification is off" in lab.toolTip()
