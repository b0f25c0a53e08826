"""A session's events on a time axis: one lane per participant, representative or system.

Spans (events with an end) are bars, point events are markers; each lane's items are drawn
as one batched item (a bar graph and a scatter plot per lane), not one item per event, so
a session with thousands of trace events still pans smoothly. Hovering a marker or any
part of a bar shows that event (``tip_at``); a click reports the event's position so the
list beside it can select it. Zoom and pan work
on the time axis only; lanes scroll. Imported lazily by the detail pane (pyqtgraph costs
~0.3 s).

Every lane keeps at least ``LANE_PX`` pixels, so its label never runs into the next one: a
conference with more lanes than fit shows as many as fit and a scroll bar for the rest (the
wheel over the lane labels scrolls them too). Before, all lanes were squeezed into the
plot's height, and fifteen participants printed their names on top of each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF
from PySide6.QtWidgets import QHBoxLayout, QScrollBar, QWidget

from app.timeutil import parse_utc
from app.ui.formatting import duration_text, moment, time_text

LANE_HEIGHT = 0.6
LANE_PX = 24  # the least height a lane gets: room for its label and a visible bar
AXIS_PX = 34  # the time axis under the lanes (labels and ticks)
LABEL_PX = 150  # the lane labels' column: about 20 characters of an average name
LABEL_CHARS = 22  # longer lane names are cut (``lane_labels``); the tip has them whole
LABEL_TEXT_PX = LABEL_PX - 8  # a wider label would not be drawn at all
MIN_MARGIN_S = 60.0
MARKER_DARKER = 170  # a point marker's fill: the lane's colour at 1/1.7 the brightness
TIP_CUTOFF = 3  # events named in one tip; more read "(and N more)", as pyqtgraph's own
COLORS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
          "#e377c2")


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parse_utc(value).timestamp()
    except ValueError:
        return None


class _LanePlot(pg.PlotWidget):
    """The plot; the wheel over the lane labels scrolls lanes (elsewhere it zooms time)."""

    lanes_wheeled = Signal(int)  # +1: further down the lanes, -1: back up

    def wheelEvent(self, event) -> None:
        axis = self.getAxis("left")
        over_labels = axis.sceneBoundingRect().contains(self.mapToScene(
            event.position().toPoint()))
        if over_labels and event.angleDelta().y():
            self.lanes_wheeled.emit(-1 if event.angleDelta().y() > 0 else 1)
            event.accept()
            return
        super().wheelEvent(event)


class Timeline(QWidget):
    """``set_events`` draws a session; ``event_clicked(index)`` names the clicked event."""

    event_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineView")
        self._axis = pg.DateAxisItem(orientation="bottom")
        self.plot = _LanePlot(self, background="w", axisItems={"bottom": self._axis})
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.showGrid(x=True, y=False, alpha=0.25)
        item = self.plot.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        for name in ("left", "bottom"):
            self.plot.getAxis(name).setTextPen("#333")
            self.plot.getAxis(name).setPen("#999")
        self.plot.getAxis("left").setWidth(LABEL_PX)
        item.getViewBox().invertY(True)
        self.lane_bar = QScrollBar(Qt.Orientation.Vertical, self, objectName="timelineLanes")
        self.lane_bar.hide()
        self.lane_bar.valueChanged.connect(lambda _value: self._show_lanes())
        self.plot.lanes_wheeled.connect(
            lambda step: self.lane_bar.setValue(self.lane_bar.value() + step))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.lane_bar)
        self._utc = False
        self._events: list[dict[str, Any]] = []
        self._span: tuple[str | None, str | None] = (None, None)
        self._lanes: list[str] = []
        self._markers: list[pg.ScatterPlotItem | None] = []  # per lane, for hit tests
        item.getViewBox().sigResized.connect(lambda _box: self._show_lanes())
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.plot.scene().sigMouseMoved.connect(self._on_hover)

    def getPlotItem(self) -> pg.PlotItem:
        return self.plot.getPlotItem()

    def set_utc(self, utc: bool) -> None:
        """Axis and hover text follow the window's clock (the tip reads it when shown)."""
        self._utc = utc
        self._axis.utcOffset = 0 if utc else None
        self._axis.picture = None
        self._axis.update()

    def preferred_height(self) -> int:
        """The height that shows every lane at ``LANE_PX`` (the pane may give less)."""
        return max(len(self._lanes), 2) * LANE_PX + AXIS_PX

    def visible_lanes(self) -> int:
        """How many lanes fit the plot's height at ``LANE_PX`` each (at least one)."""
        height = self.getPlotItem().getViewBox().height()
        return max(1, int(height // LANE_PX)) if height > 0 else len(self._lanes) or 1

    def set_events(self, events: list[dict[str, Any]],
                   span: tuple[str | None, str | None] = (None, None)) -> None:
        """Draw ``events``; ``span`` is the session's own start and end, so a meeting whose
        only events came late still shows where in the meeting they fell."""
        self.plot.clear()
        self._events = events
        self._span = span
        self._lanes = list(dict.fromkeys(e.get("lane") or "system" for e in events))
        self._markers = []
        for lane_no, lane in enumerate(self._lanes):
            self._draw_lane(lane_no, [(i, e) for i, e in enumerate(events)
                                      if (e.get("lane") or "system") == lane])
        self.plot.getAxis("left").setTicks(
            [list(enumerate(lane_labels(self._lanes, self._label_fits)))])
        self.lane_bar.setValue(0)
        self._show_lanes()
        self._fit_x()

    def _label_fits(self, text: str) -> bool:
        """Whether the axis has room for ``text`` beside its ticks (it paints in the
        widget's font; ``LABEL_TEXT_PX`` leaves the gap to the tick)."""
        return QFontMetricsF(self.plot.font()).horizontalAdvance(text) <= LABEL_TEXT_PX

    def _show_lanes(self) -> None:
        """Fit the lanes that have room; the scroll bar picks which when not all do."""
        count, room = len(self._lanes), self.visible_lanes()
        if count <= room:
            self.lane_bar.hide()
            self.plot.setYRange(-0.7, max(count - 0.3, 0.7), padding=0)
            return
        self.lane_bar.setRange(0, count - room)
        self.lane_bar.setPageStep(room)
        self.lane_bar.show()
        first = self.lane_bar.value()
        self.plot.setYRange(first - 0.5, first + room - 0.5, padding=0)

    def _draw_lane(self, lane_no: int, events: list[tuple[int, dict[str, Any]]]) -> None:
        """One lane: its spans as bars, a marker at each event. A point event's marker is
        the lane's colour darkened, so it stands out on its own bar (before, it was the
        bar's colour with a white rim: a faint white outline on a participant's bar)."""
        color = COLORS[lane_no % len(COLORS)]
        outline = pg.mkPen(QColor(color).darker(MARKER_DARKER * 2), width=1)
        point_brush = pg.mkBrush(QColor(color).darker(MARKER_DARKER))
        starts, widths, spots = [], [], []
        for index, event in events:
            start, end = _seconds(event.get("time")), _seconds(event.get("end"))
            if start is None:
                continue
            spot = {"pos": (start, lane_no), "data": index, "pen": outline}
            if end is not None and end > start:
                starts.append(start)
                widths.append(end - start)
            else:
                spot["brush"] = point_brush
            spots.append(spot)
        if starts:
            self.plot.addItem(pg.BarGraphItem(
                x0=starts, width=widths, y=[lane_no] * len(starts), height=LANE_HEIGHT,
                brush=pg.mkBrush(color + "88"), pen=pg.mkPen(color)))
        scatter = None
        if spots:
            # tip=None: the tips come from ``_on_hover``, which also covers the bars. With
            # its own tip the scatter cleared the bar's tip the moment the pointer left a
            # marker for the bar under it.
            scatter = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(color), pen=outline,
                                         symbol="d", hoverable=True, hoverSize=12, tip=None)
            scatter.setData(spots=spots)
            self.plot.addItem(scatter)
        self._markers.append(scatter)

    def tip(self, index: int) -> str:
        """Event ``index``'s hover text, on the window's clock (built when shown, so the
        "Times in UTC" toggle applies); the date is named when the session spans days."""
        return tip_text(self._events[index], self._utc, self._spans_days())

    def tip_at(self, x: float, y: float) -> str:
        """The hover text at view point (``x`` seconds, ``y`` lane): the events whose markers
        are under it, else those whose bars cover it. Before, only the start marker had a
        tip, and the bar, nearly all a conference draws, said nothing.

        Spans with the same start and end are one bar on screen (a participant's call and
        its audio and video streams): one is told in full (the first that names who: the
        call), the others named after it ("with audio_stream, video_stream"), so each bar
        under the pointer is one entry rather than a pile of identical times."""
        bars: dict[tuple[Any, Any], list[int]] = {}
        for index in self.events_at(x, y):
            event = self._events[index]
            bars.setdefault((event.get("time"), event.get("end")), []).append(index)
        tips = []
        for same in list(bars.values())[:TIP_CUTOFF]:
            first, *others = sorted(same, key=lambda i: not self._events[i].get("actor"))
            also = ", ".join(self._events[i].get("kind") or "event" for i in others)
            tips.append(self.tip(first) + (f"\nwith {also}" if also else ""))
        if len(bars) > TIP_CUTOFF:
            tips.append(f"(and {len(bars) - TIP_CUTOFF} more)")
        return "\n\n".join(tips)

    def events_at(self, x: float, y: float) -> list[int]:
        """Events drawn at view point (``x``, ``y``): markers first (their size is in
        pixels, so the scatter measures), else the spans whose own bar covers ``x``, not
        every span that started with them."""
        lane_no = round(y) if math.isfinite(y) else -1
        if not 0 <= lane_no < len(self._lanes):
            return []
        scatter = self._markers[lane_no]
        if scatter is not None:
            hits = [int(point.data()) for point in scatter.pointsAt(QPointF(x, y))]
            if hits:
                return sorted(hits)
        if abs(y - lane_no) > LANE_HEIGHT / 2:
            return []
        return [index for index, event in enumerate(self._events)
                if (event.get("lane") or "system") == self._lanes[lane_no]
                and _covers(event, x)]

    def _on_hover(self, scene_pos: QPointF) -> None:
        """Set the tip for what is under the pointer; Qt shows it when the pointer rests
        (the scene shows the top-most item's tip, here the view box's)."""
        box = self.getPlotItem().getViewBox()
        point = box.mapSceneToView(scene_pos)
        axis = self.plot.getAxis("left")
        if axis.sceneBoundingRect().contains(scene_pos):  # a lane label: its full name
            lane_no = round(point.y()) if math.isfinite(point.y()) else -1
            axis.setToolTip(self._lanes[lane_no] if 0 <= lane_no < len(self._lanes) else "")
            return
        box.setToolTip(self.tip_at(point.x(), point.y()))

    def _spans_days(self) -> bool:
        moments = [m for e in self._events for m in (e.get("time"), e.get("end"))]
        days = {parsed.date() for parsed in (moment(m, self._utc) for m in moments) if parsed}
        return len(days) > 1

    def _fit_x(self) -> None:
        moments = [m for e in self._events for m in (e.get("time"), e.get("end"))]
        times = [t for t in map(_seconds, moments) if t is not None]
        if not times:
            return
        times += [t for t in map(_seconds, self._span) if t is not None]
        low, high = min(times), max(times)
        # At least a minute either side: one event alone (a Webex message) otherwise got a
        # two-second axis ticked in milliseconds.
        margin = max((high - low) * 0.03, MIN_MARGIN_S)
        self.plot.setXRange(low - margin, high + margin, padding=0)

    def _on_click(self, event) -> None:
        point = self.getPlotItem().getViewBox().mapSceneToView(event.scenePos())
        lane_no = round(point.y()) if math.isfinite(point.y()) else -1
        if not 0 <= lane_no < len(self._lanes):
            return
        # The event the tip tells in full: a participant's call rather than the audio
        # stream drawn on the same bar (before, whichever came first in the list).
        under = self.events_at(point.x(), point.y())
        index = min(under, key=lambda i: not self._events[i].get("actor")) if under else \
            self._event_at(self._lanes[lane_no], point.x())
        if index is not None:
            self.event_clicked.emit(index)

    def _event_at(self, lane: str, x: float) -> int | None:
        """The span under ``x`` in that lane, else the nearest event of the lane."""
        best, best_distance = None, float("inf")
        for index, event in enumerate(self._events):
            if (event.get("lane") or "system") != lane:
                continue
            start, end = _seconds(event.get("time")), _seconds(event.get("end"))
            if start is None:
                continue
            if end is not None and start <= x <= end:
                return index
            distance = abs(x - start)
            if distance < best_distance:
                best, best_distance = index, distance
        return best


def _covers(event: dict[str, Any], x: float) -> bool:
    start, end = _seconds(event.get("time")), _seconds(event.get("end"))
    return start is not None and end is not None and start <= x <= end


def tip_text(event: dict[str, Any], utc: bool, with_date: bool = False) -> str:
    """What hovering an event says: what happened and who (the lane when the source named
    no actor: a participant's audio stream), then when, as the list beside it reads (local
    time unless ``utc``), and how long for a span. Before, it sliced the stored UTC
    string, so the tip said 20:05:51 UTC beside a list and axis reading 13:05:51."""
    lane = event.get("lane") or ""
    who = event.get("actor") or ("" if lane.lower() == "system" else lane)
    parts = [event.get("kind") or "", who, event.get("detail") or ""]
    head = " · ".join(p for p in parts if p)

    def clock(value: str | None) -> str:
        text = time_text(value, utc)
        return text if with_date or moment(value, utc) is None else text[11:]

    when = clock(event.get("time"))
    if event.get("end"):
        when += " → " + clock(event["end"])
    if utc:
        when += " UTC"
    start, end = _seconds(event.get("time")), _seconds(event.get("end"))
    if start is not None and end is not None and end >= start:
        when += f" ({duration_text(end - start)})"
    return f"{head}\n{when}"


def lane_labels(names: list[str],
                fits: Callable[[str], bool] = lambda text: len(text) <= LABEL_CHARS
                ) -> list[str]:
    """The lanes' labels, each short enough to ``fits`` the label column and at most
    ``LABEL_CHARS`` long, told apart where a cut can do it: a long name keeps its start
    and end around "…", and moves the "…" when another lane shares that start and end
    ("Sophie Wagner <sip:+4…" twice, before). Hovering a label shows the whole name.
    Before, a label wider than the column was not drawn at all (pyqtgraph drops it)."""
    return [name if fits(name) and len(name) <= LABEL_CHARS else _label(name, names, fits)
            for name in names]


def _label(name: str, names: list[str], fits: Callable[[str], bool]) -> str:
    """The longest distinct cut of ``name`` that fits."""
    for limit in range(min(len(name) - 1, LABEL_CHARS), 4, -1):
        middle = (limit - 1) * 3 // 5  # more of the start: it reads first
        # Then the start alone (the old cut), then "…" ever further from the middle.
        heads = [middle, limit - 1, *sorted(set(range(1, limit - 1)) - {middle},
                                            key=lambda head: abs(head - middle))]
        label = _cut(name, _distinct_head(name, names, heads), limit)
        if fits(label):
            return label
    return name[:3] + "…"


def _distinct_head(name: str, names: list[str], heads: list[int]) -> int:
    """The first head length whose cut no other name shares (else the first)."""
    limit = len(heads) + 1
    for head in heads:
        tail = limit - 1 - head
        if not any(other != name and other[:head] == name[:head]
                   and (not tail or other[-tail:] == name[-tail:]) for other in names):
            return head
    return heads[0]


def _cut(name: str, head: int, limit: int) -> str:
    tail = limit - 1 - head
    return name[:head] + "…" + (name[-tail:] if tail else "")
