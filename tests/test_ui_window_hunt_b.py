"""Window defects a second bug hunt found (huntB), each on the real window offscreen over a
real cache, with real sources on loopback simulators where a sync is involved."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from app import registry
from app.demo.pexip import PexipSimulator
from app.model import SourceConfig
from tests.test_ui_support import window_factory

PASSWORD = "s3cret-Pexip-pw!"


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


@pytest.fixture
def simulator():
    sim = PexipSimulator(conferences=40, seed=3, password=PASSWORD)
    sim.start()
    yield sim
    sim.stop()


def add_pexip(data_dir, name: str, url: str) -> None:
    registry.add_source(data_dir, SourceConfig(name, "pexip", url, {"username": "admin"}),
                        PASSWORD)


def test_sources_set_up_but_never_synced_offer_sync_now(data_dir, make_window, simulator,
                                                        qtbot):
    """Before: "Add a source with Sources…, then press Sync" and an Add a source… button,
    with two sources in the sidebar waiting for a sync."""
    add_pexip(data_dir, "video", simulator.url)
    add_pexip(data_dir, "video-eu", simulator.url)
    window = make_window(data_dir)
    empty = window.empty_state
    assert window.table_stack.currentWidget() is empty
    text = empty.findChild(QLabel).text()
    assert "2 sources are set up but not synced yet" in text
    assert "Add a source with" not in text
    assert empty.sync_button.isVisible() and empty.sync_button.text() == "Sync now"
    assert empty.sync_button.isDefault() and not empty.add_button.isDefault()
    with qtbot.waitSignal(window.sync.sync_finished, timeout=60_000):
        empty.sync_button.click()  # the window's own Sync action
        assert not empty.sync_button.isEnabled()  # as the toolbar's Sync, while it runs
    qtbot.waitUntil(lambda: window.model.rowCount() > 0)
    assert window.table_stack.currentWidget() is window.table
    assert empty.sync_button.isEnabled()


def test_with_no_source_the_first_run_page_still_says_add_one(data_dir, make_window):
    window = make_window(data_dir)
    empty = window.empty_state
    assert "Add a source with" in empty.findChild(QLabel).text()
    assert empty.add_button.isVisible() and empty.add_button.text() == "Add a source…"
    assert not empty.sync_button.isVisible()
