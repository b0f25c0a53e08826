"""The detail pane as a user reads it: a crowded conference's timeline, the timeline's hover
text on the window's clock, the empty pane, durations and the Artifacts tab. Real widgets
offscreen on a real cache written through ``Store.write_page``, as a sync writes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.model import Artifact, Event, Session
from app.settings import Settings
from app.store import Store
from app.timeutil import format_utc
from tests.test_ui_download import appliance  # noqa: F401 (a fixture: the simulator)
from tests.test_ui_support import local_clock

START = datetime(2026, 11, 4, 10, 1, tzinfo=UTC)
NAMES = ("Kavya Rao", "Liam O'Brien", "Elif Yılmaz", "Quinn Taylor", "Farah Haddad",
         "Diego Santos", "Sofia Rossi", "Anita Patel", "Yuki Tanaka", "Mateo Garcia",
         "Ines Dubois", "Yusuf Demir", "Ravi Shah", "Alice Moreno", "Noah Fischer")


def conference_events(sid: str, people: tuple[str, ...] = NAMES) -> list[Event]:
    """One call per participant, each its own lane, spanning most of the meeting."""
    return [Event(sid, f"call-{i}", format_utc(START + timedelta(seconds=20 * i)), name,
                  "call", end=format_utc(START + timedelta(minutes=44)), actor=name)
            for i, name in enumerate(people)]


@pytest.fixture
def store(data_dir: Path):
    made = Store(Settings(data_dir).cache_path)
    yield made
    made.close()


def write(store: Store, session: Session, events: list[Event] = (),
          artifacts: list[Artifact] = (), kind: str = "pexip") -> None:
    store.write_page(f"{kind}-demo", kind, "sessions", {"n": session.session_id},
                     sessions=[session], events=list(events), artifacts=list(artifacts),
                     replace_children=True)


@pytest.fixture
def pane(qtbot, store, data_dir):
    from app.ui.detail_pane import DetailPane

    made = DetailPane(store.db.conn, data_dir=data_dir, store=store)
    qtbot.addWidget(made)
    made.resize(1170, 300)  # the pane's share of a 1400x880 window
    made.show()
    qtbot.waitExposed(made)
    return made


def test_a_crowded_conference_keeps_its_lanes_readable_and_scrolls(pane, store, qtbot):
    from app.ui.timeline import LANE_PX

    session = Session(session_id="big", type="conference", title="Training Room",
                      start=format_utc(START), end=format_utc(START + timedelta(minutes=44)))
    write(store, session, conference_events("big"))
    show_standup(pane, store, qtbot)
    usual = pane.events_split.sizes()[0]
    assert pane.show_session("pexip-demo", "big")
    timeline = pane._timeline
    qtbot.waitUntil(lambda: timeline.getPlotItem().getViewBox().height() > 0)
    box = timeline.getPlotItem().getViewBox()
    assert abs(box.mapViewToScene(_point(0, 1)).y() - box.mapViewToScene(_point(0, 0)).y()) \
        >= LANE_PX - 1  # labels a lane apart never overlap
    assert timeline.lane_bar.isVisible()  # the lanes that do not fit are a scroll away
    assert pane.events_split.sizes()[0] > usual  # and the crowded timeline got more room
    shown = timeline.visible_lanes()
    assert 2 <= shown < len(NAMES)
    timeline.lane_bar.setValue(timeline.lane_bar.maximum())
    low, high = box.viewRange()[1]
    assert low < len(NAMES) - 1 < high  # the last participant scrolled into view
    assert high - low == pytest.approx(shown)  # still a lane's full height each


def show_standup(pane, store, qtbot) -> None:
    """A three-person conference, shown on the events tab with its timeline drawn."""
    small = Session(session_id="small", type="conference", title="Standup",
                    start=format_utc(START), end=format_utc(START + timedelta(minutes=44)))
    write(store, small, conference_events("small", NAMES[:3]))
    pane.show_session("pexip-demo", "small")
    pane.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: pane._timeline is not None and pane._timeline.isVisible())


def test_a_small_session_shows_all_its_lanes_without_a_scroll_bar(pane, store, qtbot):
    show_standup(pane, store, qtbot)
    low, high = pane._timeline.getPlotItem().getViewBox().viewRange()[1]
    assert low < 0 and high > 2
    assert not pane._timeline.lane_bar.isVisible()


def _point(x: float, y: float):
    from PySide6.QtCore import QPointF

    return QPointF(x, y)


@pytest.fixture
def denver(monkeypatch):
    """The machine's clock set to America/Denver (UTC-7 in November), as a user there."""
    yield from local_clock(monkeypatch, "America/Denver")


def hover_texts(timeline) -> list[str]:
    """What hovering each marker shows (``tests/test_ui_timeline.py`` moves the pointer)."""
    import pyqtgraph as pg

    return [timeline.tip(p.data()) for item in timeline.getPlotItem().items
            if isinstance(item, pg.ScatterPlotItem) for p in item.points()]


def test_timeline_hover_uses_the_windows_clock_and_names_the_day_when_needed(qtbot, denver):
    from app.ui.timeline import Timeline

    timeline = Timeline()
    qtbot.addWidget(timeline)
    start = {"time": "2026-11-22T20:05:51Z", "lane": "System", "kind": "Session Start"}
    timeline.set_events([start])
    assert hover_texts(timeline) == ["Session Start\n13:05:51"]  # local, as the list reads
    timeline.set_utc(True)
    assert hover_texts(timeline) == ["Session Start\n20:05:51 UTC"]
    timeline.set_utc(False)
    late = {"time": "2026-11-23T07:30:00Z", "end": "2026-11-23T08:00:00Z", "lane": "Ana",
            "kind": "call"}  # 00:30 local: the session spans two local days
    timeline.set_events([start, late])
    assert sorted(hover_texts(timeline)) == [
        "Session Start\n2026-11-22 13:05:51",
        "call · Ana\n2026-11-23 00:30:00 → 2026-11-23 01:00:00 (30 min 00 s)"]


def tab_titles(pane) -> list[str]:
    return [pane.tabs.tabText(i) for i in range(pane.tabs.count())]


def test_clearing_the_pane_drops_the_last_sessions_counts(pane, store):
    session = Session(session_id="s1", type="conference", title="Weekly sync",
                      start=format_utc(START), end=format_utc(START + timedelta(minutes=44)))
    write(store, session, conference_events("s1", NAMES[:2]),
          [Artifact("s1", "rec", "recording", "Recording", url="https://api.example.com/r")])
    pane.show_session("pexip-demo", "s1")
    assert tab_titles(pane) == ["Overview", "Events (2)", "Artifacts (1)", "Raw record"]
    pane.clear()  # e.g. filters that match nothing
    assert tab_titles(pane) == ["Overview", "Events", "Artifacts", "Raw record"]


def test_with_nothing_selected_the_pane_is_one_centred_message(pane, store):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    def shown_labels() -> list[QLabel]:
        return [label for label in pane.findChildren(QLabel)
                if label.isVisible() and label.text()]

    only = shown_labels()
    assert [label.text() for label in only] == [
        "Select a session to see its participants, events, artifacts and raw record."]
    assert only[0].alignment() & Qt.AlignmentFlag.AlignHCenter
    assert not pane.tabs.isVisible() and not pane.participants.isVisible()
    write(store, Session(session_id="s1", type="conference", title="Weekly sync",
                         start=format_utc(START)))
    pane.show_session("pexip-demo", "s1")
    assert pane.tabs.isVisible() and "Weekly sync" in pane.heading.text()
    pane.clear()
    assert not pane.tabs.isVisible() and len(shown_labels()) == 1


def form_rows(pane) -> dict[str, str]:
    """The Overview's fields as the user reads them: label → value."""
    from PySide6.QtWidgets import QFormLayout

    role = QFormLayout.ItemRole
    return {pane.fields.itemAt(row, role.LabelRole).widget().text().rstrip(":"):
            pane.fields.itemAt(row, role.FieldRole).widget().text()
            for row in range(pane.fields.rowCount())}


@pytest.mark.parametrize("status, sent, says", [
    ("in progress", "00:06:02", "in progress (the source says 00:06:02 so far)"),
    ("no end recorded", "287:00:02", "unknown (the source says 287:00:02)"),
    ("in progress", None, "in progress"),
])
def test_a_running_session_gives_one_duration_not_two_that_disagree(pane, store, status,
                                                                    sent, says):
    extra = {"duration": sent, "public_site": "Service Desk Portal"} if sent else {}
    write(store, Session(session_id="bt1", type="support_session", title="Zoë Reid",
                         start=format_utc(START), status=status, extra=extra),
          kind="beyondtrust")
    pane.show_session("beyondtrust-demo", "bt1")
    rows = form_rows(pane)
    assert rows["Duration"] == says
    assert rows["End"] == ("not yet" if status == "in progress" else
                           "unknown (still running, or ended abnormally)")
    assert "Duration (as sent)" not in rows and rows["Status"] == status
    if sent:
        assert rows["Public site"] == "Service Desk Portal"


def test_a_vendor_duration_beside_a_known_one_is_still_told_apart(pane, store):
    write(store, Session(session_id="bt2", type="support_session", title="Ana",
                         start=format_utc(START), end=format_utc(START + timedelta(minutes=6)),
                         duration_s=362, status="ended", extra={"duration": "00:06:02"}),
          kind="beyondtrust")
    pane.show_session("beyondtrust-demo", "bt2")
    rows = form_rows(pane)
    assert rows["Duration"] == "6 min 02 s" and rows["Duration (as sent)"] == "00:06:02"


def artifact_rows(pane) -> list[str]:
    view = pane.artifacts.view
    return [view.topLevelItem(i).text(1) for i in range(view.topLevelItemCount())]


def test_the_first_artifact_is_ready_to_download(pane, store):
    from PySide6.QtWidgets import QPushButton

    write(store, Session(session_id="m1", type="meeting", title="Escalation review",
                         start=format_utc(START)),
          artifacts=[Artifact("m1", f"a{i}", "transcript", f"Transcript ({ext})",
                              url=f"https://api.example.com/t/{i}")
                     for i, ext in enumerate(("txt", "vtt"))], kind="webex")
    pane.show_session("webex-demo", "m1")
    pane.tabs.setCurrentIndex(2)
    button = pane.findChild(QPushButton, "downloadArtifact")
    assert pane.artifacts.view.currentItem().text(1) == "Transcript (txt)"
    assert button.isVisible() and button.isEnabled() and button.text() == "Download"


def test_a_length_in_seconds_reads_as_a_duration_only_on_screen(pane, store):
    from app.store import queries

    label = "Recording 346.1 s"  # as the Restcomm parser stores it
    write(store, Session(session_id="CA1", type="call", title="+13035550100",
                         start=format_utc(START)),
          artifacts=[Artifact("CA1", "RE1", "recording", label,
                              url="https://rc.example.com/RE1.wav")], kind="restcomm")
    pane.show_session("restcomm-demo", "CA1")
    assert artifact_rows(pane) == ["Recording (5 min 46 s)"]
    assert [a["label"] for a in queries.list_artifacts(store.db.conn, "restcomm-demo",
                                                       "CA1")] == [label]


def test_artifact_labels_are_not_cut_while_the_columns_have_room(pane, store, qtbot):
    long = "Recording Escalation review: Litwareinc (MP4, 48:25)"
    write(store, Session(session_id="m2", type="meeting", title="Escalation review",
                         start=format_utc(START)),
          artifacts=[Artifact("m2", "r", "recording", long, url="https://api.example.com/r",
                              view_url="https://example.webex.com/r")], kind="webex")
    pane.show_session("webex-demo", "m2")
    pane.tabs.setCurrentIndex(2)
    view = pane.artifacts.view
    qtbot.waitUntil(view.isVisible)
    assert artifact_rows(pane) == [long]
    assert view.columnWidth(1) >= view.sizeHintForColumn(1)  # the whole label shows
    right = view.header().sectionPosition(3) + view.columnWidth(3)
    assert right <= view.viewport().width() + 1  # "Downloaded to" is on screen, not past it
    assert view.columnWidth(3) >= view.viewport().width() // 3  # with room for a path


@pytest.mark.usefixtures("appliance")
def test_the_saved_message_is_still_there_after_looking_at_another_session(data_dir, qtbot):
    from PySide6.QtWidgets import QLabel, QPushButton

    from tests.test_ui_download import open_recording, recorded_session
    from tests.test_ui_support import window_factory

    builder = window_factory(qtbot)
    window = next(builder)(data_dir)
    try:
        session_id = recorded_session(data_dir)
        view = open_recording(window, session_id, qtbot)
        row = window.table.currentIndex().row()
        window.findChild(QPushButton, "downloadArtifact").click()
        status = window.findChild(QLabel, "downloadStatus")
        qtbot.waitUntil(lambda: status.text().startswith("Saved"), timeout=15000)
        saved = status.text()
        path = view.currentItem().text(3)
        assert path and path in saved
        window.select_rows([row + 1 if row + 1 < window.model.rowCount() else row - 1])
        qtbot.waitUntil(lambda: window.detail.session["session_id"] != session_id)
        assert status.text() != saved
        window.select_rows([row])
        qtbot.waitUntil(lambda: window.detail.session["session_id"] == session_id)
        assert status.isVisible() and status.text() == saved
    finally:
        next(builder, None)


def test_an_event_ending_after_local_midnight_shows_the_end_s_date(denver):
    """22:30-01:10 in Denver is one UTC day (05:30-08:10Z): the End cell must name the day."""
    from app.ui.detail_pane import _end_text

    event = {"time": "2026-11-18T05:30:00Z", "end": "2026-11-18T08:10:00Z"}
    assert _end_text(event, utc=False) == "2026-11-18 01:10:00"
    assert _end_text(event, utc=True) == "08:10:00"
    overnight_utc = {"time": "2026-11-18T23:30:00Z", "end": "2026-11-19T00:10:00Z"}
    assert _end_text(overnight_utc, utc=False) == "17:10:00"  # one evening in Denver
