"""A session's events on a time axis: one lane per participant, representative or system.

Spans (events with an end) are bars, point events are markers; each lane's items are drawn
as one batched item (a bar graph and a scatter plot per lane), not one item per event, so
a session with thousands of trace events still pans smoothly. Hover shows the event; a
click reports the event's position so the list beside it can select it. Zoom and pan work
on the time axis only. Imported lazily by the detail pane (pyqtgraph costs ~0.3 s).
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Signal

from app.timeutil import parse_utc

LANE_HEIGHT = 0.6
MIN_MARGIN_S = 60.0
COLORS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
          "#e377c2")


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parse_utc(value).timestamp()
    except ValueError:
        return None


class Timeline(pg.PlotWidget):
    """``set_events`` draws a session; ``event_clicked(index)`` names the clicked event."""

    event_clicked = Signal(int)

    def __init__(self, parent=None) -> None:
        self._axis = pg.DateAxisItem(orientation="bottom")
        super().__init__(parent, background="w", axisItems={"bottom": self._axis})
        self.setObjectName("timelineView")
        self.setMouseEnabled(x=True, y=False)
        self.showGrid(x=True, y=False, alpha=0.25)
        self.getPlotItem().hideButtons()
        self.getPlotItem().setMenuEnabled(False)
        for name in ("left", "bottom"):
            self.getAxis(name).setTextPen("#333")
            self.getAxis(name).setPen("#999")
        self._events: list[dict[str, Any]] = []
        self._span: tuple[str | None, str | None] = (None, None)
        self._lanes: list[str] = []
        self.scene().sigMouseClicked.connect(self._on_click)

    def set_utc(self, utc: bool) -> None:
        self._axis.utcOffset = 0 if utc else None
        self._axis.picture = None
        self._axis.update()

    def set_events(self, events: list[dict[str, Any]],
                   span: tuple[str | None, str | None] = (None, None)) -> None:
        """Draw ``events``; ``span`` is the session's own start and end, so a meeting whose
        only events came late still shows where in the meeting they fell."""
        self.clear()
        self._events = events
        self._span = span
        self._lanes = list(dict.fromkeys(e.get("lane") or "system" for e in events))
        for lane_no, lane in enumerate(self._lanes):
            self._draw_lane(lane_no, [e for e in events if (e.get("lane") or "system") == lane])
        self.getAxis("left").setTicks([[(i, _short(n)) for i, n in enumerate(self._lanes)]])
        self.getPlotItem().getViewBox().invertY(True)
        self.setYRange(-0.7, max(len(self._lanes) - 0.3, 0.7), padding=0)
        self._fit_x()

    def _draw_lane(self, lane_no: int, events: list[dict[str, Any]]) -> None:
        color = COLORS[lane_no % len(COLORS)]
        starts, widths, spots = [], [], []
        for event in events:
            start, end = _seconds(event.get("time")), _seconds(event.get("end"))
            if start is None:
                continue
            if end is not None and end > start:
                starts.append(start)
                widths.append(end - start)
            spots.append({"pos": (start, lane_no), "data": _tip(event)})
        if starts:
            self.addItem(pg.BarGraphItem(x0=starts, width=widths, y=[lane_no] * len(starts),
                                         height=LANE_HEIGHT, brush=pg.mkBrush(color + "88"),
                                         pen=pg.mkPen(color)))
        if spots:
            scatter = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(color), pen=pg.mkPen("w"),
                                         symbol="d", hoverable=True, hoverSize=12,
                                         tip=lambda x, y, data: data)
            scatter.setData(spots=spots)
            self.addItem(scatter)

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
        self.setXRange(low - margin, high + margin, padding=0)

    def _on_click(self, event) -> None:
        point = self.getPlotItem().getViewBox().mapSceneToView(event.scenePos())
        lane_no = round(point.y())
        if not 0 <= lane_no < len(self._lanes):
            return
        index = self._event_at(self._lanes[lane_no], point.x())
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


def _tip(event: dict[str, Any]) -> str:
    parts = [event.get("kind") or "", event.get("actor") or "", event.get("detail") or ""]
    head = " · ".join(p for p in parts if p)
    when = (event.get("time") or "")[11:19]
    if event.get("end"):
        when += " → " + event["end"][11:19] + " UTC"
    else:
        when += " UTC"
    return f"{head}\n{when}"


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
