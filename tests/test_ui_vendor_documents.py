"""What the vendor sent reaches the window: an event's fields and its own document, and a
session the source sent no document for shows its events' documents (real simulators,
real sync, real cache, real detail pane)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.demo.pexip import PexipSimulator
from app.settings import Settings
from app.store import Store
from tests.test_pexip import PASSWORD
from tests.test_restcomm import NOW, config, make_sim, sync

SEED_CONFERENCE = "00000000-0000-0000-0000-000000000001"  # the seed's VMR_1, Alice and Bob


@pytest.fixture
def pexip_sim():
    simulator = PexipSimulator(conferences=40, include_seed_examples=True, password=PASSWORD,
                               seed=3)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def pane(qtbot, data_dir: Path):
    from app.ui.detail_pane import DetailPane

    store = Store(Settings(data_dir).cache_path)
    made = DetailPane(store.db.conn, data_dir=data_dir, store=store)
    qtbot.addWidget(made)
    made.resize(1170, 600)
    made.show()
    qtbot.waitExposed(made)
    yield made
    store.close()


def select_event(pane, lane: str, kind: str) -> str:
    """Click the list's row for the event; returns what the details below it say."""
    view = pane.events_view
    rows = [view.topLevelItem(i) for i in range(view.topLevelItemCount())]
    [row] = [r for r in rows if (r.text(2), r.text(3)) == (lane, kind)]
    view.setCurrentItem(row)
    return pane.event_details.toPlainText()


def test_a_participants_whole_document_shows_under_its_call(pexip_sim, data_dir, cli, pane):
    assert cli("source", "add", "pexip", "px", "--url", pexip_sim.url, "--username", "admin",
               "--secret-stdin", stdin=PASSWORD + "\n").code == 0
    assert cli("sync").code == 0
    assert pane.show_session("px", SEED_CONFERENCE)
    pane.tabs.setCurrentIndex(1)

    text = select_event(pane, "Bob", "call")
    # What the source kept beside the event, in words...
    assert "Recorded with the event:" in text and "  Call quality: 1_good" in text
    # ...and the vendor's participant document whole, with the fields the event leaves out
    # (before, only `histview events` and SQL could show them).
    document = json.loads(text.split("The source's participant document:\n", 1)[1])
    with sqlite3.connect(data_dir / "cache.db") as conn:
        [(stored,)] = conn.execute("SELECT _doc FROM raw_pexip_participant WHERE _source = 'px'"
                                   " AND json_extract(_doc, '$.display_name') = 'Bob'")
    assert document == json.loads(stored)
    assert {"has_media", "remote_port", "media_streams"} <= set(document)
    assert "rx_packets_lost" in document["media_streams"][0]

    # A media stream has no document of its own: its fields, and no stray one.
    stream = select_event(pane, "Bob", "video_stream")
    assert "  Rx codec: VP8" in stream and "document:" not in stream
    pane.events_view.setCurrentItem(None)
    assert pane.event_details.toPlainText() == ""


def test_a_conference_shows_its_own_document_kept_once(pexip_sim, data_dir, cli, pane):
    assert cli("source", "add", "pexip", "px", "--url", pexip_sim.url, "--username", "admin",
               "--secret-stdin", stdin=PASSWORD + "\n").code == 0
    assert cli("sync").code == 0
    with sqlite3.connect(data_dir / "cache.db") as conn:
        [(stored,)] = conn.execute("SELECT _doc FROM raw_pexip_conference WHERE _id = ?",
                                   (SEED_CONFERENCE,))
        copies = conn.execute("SELECT count(*) FROM session_raw").fetchone()[0]
    assert copies == 0  # the conference's document is stored once, in its raw table
    assert pane.show_session("px", SEED_CONFERENCE)

    raw = pane.raw_view.toPlainText()
    # The conference itself, not its participants' documents nor "no separate document".
    assert json.loads(raw) == json.loads(stored)
    assert json.loads(raw)["name"] == "VMR_1"


def test_a_session_known_only_from_its_traces_shows_their_documents(data_dir, pane):
    sim = make_sim()
    try:
        [result] = sync(data_dir, (sim, config(sim)), now=NOW)
    finally:
        sim.stop()
    assert result.ok, result.error
    with sqlite3.connect(data_dir / "cache.db") as conn:
        session_id, traces = conn.execute(
            "SELECT s.session_id, count(*) FROM sessions s JOIN events e USING (source, "
            "session_id) WHERE s.type = 'trace_session' AND NOT EXISTS (SELECT 1 FROM "
            "session_raw r WHERE r.source = s.source AND r.session_id = s.session_id) "
            "GROUP BY s.session_id ORDER BY count(*) DESC LIMIT 1").fetchone()
        docs = [json.loads(d) for (d,) in conn.execute(
            "SELECT _doc FROM raw_restcomm_traces WHERE json_extract(_doc, '$.session_sid') = ?",
            (session_id,))]
    assert pane.show_session("support", session_id)

    raw = pane.raw_view.toPlainText()
    # Before: "(the source sent no separate document for this session)".
    assert "no separate document" not in raw
    assert raw.count("── traces TR") == traces == len(docs)
    for doc in docs:
        assert f"── traces {doc['sid']} ──" in raw
        assert json.dumps(doc["request"], indent=2)[:60].splitlines()[0] in raw
