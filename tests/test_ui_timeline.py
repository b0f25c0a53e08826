"""The timeline as a user reads it: the tip under the pointer anywhere on a bar, a lane
label's full name, markers that stand out on their own bar, and a session with no events.
The real detail pane offscreen on a real cache written through ``Store.write_page``; the
pointer is moved over the plot and Qt is asked for the tip as it would be when it rests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.model import Event, Session
from app.timeutil import format_utc
from tests.test_ui_detail import START, pane, store, write  # noqa: F401 (fixtures)


def moment(minutes: float) -> str:
    return format_utc(START + timedelta(minutes=minutes))


@pytest.fixture
def shown(pane, store, qtbot):  # noqa: F811
    """Show a session of the given events on the Events tab, in UTC; its timeline."""
    return lambda events, sid="s1": show(pane, store, qtbot, events, sid)


def show(pane, store, qtbot, events: list[Event], sid: str):  # noqa: F811
    write(store, Session(session_id=sid, type="conference", title="Call", start=moment(0),
                         end=moment(44)), events)
    pane.set_utc(True)
    pane.show_session("pexip-demo", sid)
    pane.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: pane._timeline is not None and pane._timeline.isVisible())
    timeline = pane._timeline
    qtbot.waitUntil(lambda: timeline.getPlotItem().getViewBox().height() > 0)
    return timeline


def viewport_point(timeline, x: float, y: float):
    """Where view point (``x`` seconds, ``y`` lane) is on the plot's viewport, in pixels."""
    from PySide6.QtCore import QPointF

    scene = timeline.getPlotItem().getViewBox().mapViewToScene(QPointF(x, y))
    return timeline.plot.mapFromScene(scene)


def rest_pointer(qtbot, widget, pos) -> str:
    """Move the pointer to ``pos`` on ``widget`` (a viewport) and let it rest: the tip Qt
    shows, "" for none. pyqtgraph drops moves closer together than its mouse rate limit,
    so wait that long first, as a hand moving the mouse does."""
    import pyqtgraph as pg
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QToolTip

    qtbot.wait(int(1000 / pg.getConfigOption("mouseRateLimit")) + 5)
    QTest.mouseMove(widget, pos)
    help_event = QHelpEvent(QEvent.Type.ToolTip, pos, widget.mapToGlobal(pos))
    QApplication.sendEvent(widget, help_event)
    return QToolTip.text() if help_event.isAccepted() else ""


def tip_at(qtbot, timeline, minutes: float, lane: float) -> str:
    from app.ui.timeline import _seconds

    pos = viewport_point(timeline, _seconds(moment(minutes)), lane)
    return rest_pointer(qtbot, timeline.plot.viewport(), pos)


def test_hovering_anywhere_on_a_bar_names_that_bars_own_event(shown, qtbot):
    ana_call = Event("s1", "a-call", moment(0), "Ana Lima", "call", end=moment(44),
                     actor="Ana Lima", detail="H323 · inbound")
    ana_video = Event("s1", "a-video", moment(0), "Ana Lima", "video_stream",
                      end=moment(20), detail="VP8 640x360")
    ana_audio = Event("s1", "a-audio", moment(0), "Ana Lima", "audio_stream", end=moment(44))
    bo_call = Event("s1", "b-call", moment(5), "Bo Chen", "call", end=moment(40),
                    actor="Bo Chen")
    timeline = shown([ana_call, ana_video, ana_audio, bo_call])
    call_tip = "call · Ana Lima · H323 · inbound\n10:01:00 → 10:45:00 UTC (44 min 00 s)"
    video_tip = "video_stream · Ana Lima · VP8 640x360\n10:01:00 → 10:21:00 UTC (20 min 00 s)"
    # The middle of the call's bar, after the video stream that started with it ended:
    # the call (and the audio stream drawn as the same bar), not every span that started
    # with it.
    call_bar = f"{call_tip}\nwith audio_stream"
    assert tip_at(qtbot, timeline, 30, 0) == call_bar
    assert tip_at(qtbot, timeline, 10, 0.2) == f"{call_bar}\n\n{video_tip}"  # both bars
    assert tip_at(qtbot, timeline, 30, 1) == \
        "call · Bo Chen\n10:06:00 → 10:41:00 UTC (35 min 00 s)"
    assert tip_at(qtbot, timeline, 30, 0.5) == ""  # between the lanes: nothing drawn


def drawn_labels(timeline) -> list[str]:
    """The lane labels the left axis paints now (the lanes in view), top to bottom: its
    own ``generateDrawSpecs`` on a picture, as ``AxisItem.paint`` calls it."""
    from PySide6.QtGui import QPainter, QPicture

    axis = timeline.plot.getAxis("left")
    picture = QPicture()
    painter = QPainter(picture)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for rect, _flags, text in sorted(specs[2], key=lambda s: s[0].top())]


def label_tip(qtbot, timeline, lane: int) -> str:
    """The tip of lane ``lane``'s label, the pointer resting on it."""
    from PySide6.QtCore import QPointF

    box = timeline.getPlotItem().getViewBox()
    y = box.mapViewToScene(QPointF(0, lane)).y()
    x = timeline.plot.getAxis("left").sceneBoundingRect().center().x()
    pos = timeline.plot.mapFromScene(QPointF(x, y))
    return rest_pointer(qtbot, timeline.plot.viewport(), pos)


LONG_NAMES = ("Participant number 1 with a very long display name <sip:user1@example.com>",
              "Participant number 12 with a very long display name <sip:user12@example.com>",
              "Sophie Wagner, Customer Success (EMEA)", "Sophie Wagner, Customer Success (APAC)")


def test_long_lane_names_are_told_apart_and_read_whole_on_hover(shown, qtbot):
    timeline = shown([Event("s1", f"call-{i}", moment(i), name, "call", end=moment(40))
                      for i, name in enumerate(LONG_NAMES)])
    labels = drawn_labels(timeline)
    assert len(labels) == len(LONG_NAMES) and len(set(labels)) == len(labels)
    assert all(len(label) <= 22 for label in labels)
    assert labels[2].startswith("Sophie Wag") and labels[2].endswith("(EMEA)")  # both ends
    for lane, name in enumerate(LONG_NAMES):
        assert label_tip(qtbot, timeline, lane) == name


def pixel(timeline, minutes: float, lane: float):
    """The colour the plot shows at that moment of that lane, as on screen."""
    from PySide6.QtGui import QColor

    from app.ui.timeline import _seconds

    pos = viewport_point(timeline, _seconds(moment(minutes)), lane)
    image = timeline.plot.viewport().grab().toImage()
    return QColor(image.pixel(pos.x(), pos.y()))


def test_a_point_event_stands_out_on_its_own_lanes_bar_in_that_lanes_colour(shown, qtbot):
    from PySide6.QtGui import QColor

    from app.ui.timeline import COLORS

    streams = [Event("s1", kind, moment(0), "Ana Lima", kind, end=moment(44))
               for kind in ("call", "audio_stream", "video_stream")]  # as Pexip sends them
    muted = Event("s1", "mute", moment(20), "Ana Lima", "muted", actor="Ana Lima")
    timeline = shown([*streams, muted])
    marker, bar = pixel(timeline, 20, 0), pixel(timeline, 30, 0)
    lane = QColor(COLORS[0]).hsvHue()
    assert abs(marker.hsvHue() - lane) <= 10 and abs(bar.hsvHue() - lane) <= 10
    assert bar.value() - marker.value() >= 60, (marker.name(), bar.name())  # clearly darker


def test_a_session_without_events_says_so_instead_of_an_empty_plot(pane, store, shown, qtbot):  # noqa: F811
    from PySide6.QtWidgets import QLabel

    def shown_texts() -> list[str]:
        tab = pane.tabs.currentWidget()
        return [label.text() for label in tab.findChildren(QLabel) if label.isVisible()]

    timeline = shown([Event("s1", "call", moment(0), "Ana Lima", "call", end=moment(44))])
    assert "The source reported no events for this session." not in shown_texts()
    write(store, Session(session_id="quiet", type="call", title="Quiet call",
                         start=moment(0), end=moment(4)))
    pane.show_session("pexip-demo", "quiet")
    assert pane.tabs.tabText(1) == "Events (0)"
    assert shown_texts() == ["The source reported no events for this session."]
    # No plot on a made-up axis, no empty table, no "Select an event…" to obey.
    assert not timeline.isVisible() and not timeline.plot.isVisible()
    assert not pane.events_view.isVisible() and not pane.event_details.isVisible()
    pane.show_session("pexip-demo", "s1")  # a session with events draws them again
    assert timeline.isVisible() and not shown_texts()


def test_clicking_a_bar_selects_the_event_its_tip_tells(shown, qtbot):
    """A participant's call and its audio stream are one bar; the stream came first in the
    list, and a click selected it rather than the call the tip names."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.ui.timeline import _seconds

    audio = Event("s1", "a-audio", moment(0), "Ana Lima", "audio_stream", end=moment(44))
    call = Event("s1", "a-call", moment(0), "Ana Lima", "call", end=moment(44),
                 actor="Ana Lima", detail="H323 · inbound")
    timeline = shown([audio, call])
    clicked: list[int] = []
    timeline.event_clicked.connect(clicked.append)
    pos = viewport_point(timeline, _seconds(moment(30)), 0)
    QTest.mouseClick(timeline.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: bool(clicked))
    assert timeline._events[clicked[-1]]["kind"] == "call"


def test_the_events_list_tells_a_cut_lane_and_actor_whole_on_hover(shown, pane):  # noqa: F811
    long_name = "Ana Lima <sip:ana.lima.customer-success@video.example.com>"
    shown([Event("s1", "a-call", moment(0), long_name, "call", end=moment(44),
                 actor=long_name)])
    item = pane.events_view.topLevelItem(0)
    assert item.toolTip(2) == long_name and item.toolTip(4) == long_name
