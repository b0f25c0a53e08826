"""The filter bar: full-text search as you type, source, type, a date range, clear-all.

The Type list holds the chosen source's types (``set_choices`` with each source's types),
so every type offered finds sessions; a type the next chosen source lacks goes back to
"All types". The hint line says why the filters cannot match (red), or else how the search
was read when that differs from what was typed (grey: a missing quote, a field name).

It only builds a ``SessionFilter``; the main window applies it to the model. Typing waits
for a short pause (``DEBOUNCE_MS``) so a fast typist causes one query, not one per key.
A date edit showing "any" means "no bound" (``app.ui.date_edit``).

The bar must fit a 1024-px screen beside the sidebar: when it is narrower than one row
needs (``_one_row_width``) the date range moves to a second row, and the search hint is an
elided line under the search box that never asks for width.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import (
    QSize,
    Qt,
    QTimer,
    QTimeZone,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.store.queries import SessionFilter
from app.store.search_syntax import search_notes
from app.ui.date_edit import DateBoundEdit
from app.ui.elided_label import ElidedLabel

DEBOUNCE_MS = 250
SEARCH_MIN_WIDTH = 160  # the placeholder is cut, the typed words still show
SEARCH_ROOMY_WIDTH = 260  # below this the dates go to a second row
COMBO_CHARS = 16  # "beyondtrust-demo"; longer names are elided, the list shows them whole
ALL = None
ERROR_COLOUR = "#b3261e"  # the filters cannot match: say why
NOTE_COLOUR = "#5f6368"  # they run, read a little differently from what was typed


class FilterBar(QWidget):
    """Emits ``filter_changed`` with the new ``SessionFilter`` once the user pauses."""

    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.apply_now)
        self._quiet = False  # see _quietly
        self.search_box = self._search_box()
        self.hint = ElidedLabel(self, "searchHint", fill=True)
        self.hint.hide()
        self._all_types: list[str] | None = None  # None until set_choices
        self._source_types: dict[str, list[str]] = {}
        # The type list follows the source before the query runs.
        self.source_box = self._combo("sourceFilter", "All sources", self._source_changed)
        self.type_box = self._combo("typeFilter", "All types", self.apply_now)
        self.date_from = self._date_edit("dateFrom", "Sessions that started at or after", 0)
        self.date_to = self._date_edit("dateTo", "Sessions that started before", 1)
        self.clear_button = QPushButton("Clear filters", self, objectName="clearFilters")
        self.clear_button.clicked.connect(self.clear)
        self._layout()

    def _search_box(self) -> QLineEdit:
        box = _SearchBox(self, objectName="searchBox")
        box.escaped.connect(self._escape_search)
        # Short enough for the box at 1024 and 1440 px (the longer hint was cut off to
        # "Search names, titles, numbers, events… (…"); the tooltip says what it searches.
        box.setPlaceholderText("Search sessions (Ctrl+F)")
        box.setToolTip('Searches names, titles, numbers and events; Esc clears it\n'
                       'Words: all must match, as prefixes (off finds offline)\n'
                       '"a phrase": those words in that order\n'
                       '-word or -"a phrase": leave those sessions out\n'
                       'Reid OR Sato: either one')
        box.setClearButtonEnabled(True)
        box.setMinimumWidth(SEARCH_MIN_WIDTH)
        box.textChanged.connect(lambda _text: self._timer.start())
        box.returnPressed.connect(self.apply_now)
        return box

    def _escape_search(self) -> None:
        """Esc empties the search box and shows the rows at once (no typing pause)."""
        self.search_box.clear()
        self.apply_now()

    def _combo(self, name: str, everything: str, changed: Callable[[], None]) -> QComboBox:
        box = QComboBox(self, objectName=name)
        box.addItem(everything, ALL)
        # Not AdjustToContents: one long vendor type would widen the window past the screen.
        box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(COMBO_CHARS)
        box.currentIndexChanged.connect(lambda _i: changed())
        return box

    def _date_edit(self, name: str, tip: str, days_after_today: int) -> DateBoundEdit:
        edit = DateBoundEdit(name, tip, days_after_today, self)
        edit.dateTimeChanged.connect(lambda _v: self._timer.start())
        return edit

    def _layout(self) -> None:
        self._choices = self._group((("Source", self.source_box), ("Type", self.type_box)))
        self._dates = self._group((("From", self.date_from), ("To", self.date_to)))
        self._top = QHBoxLayout()
        self._bottom = QHBoxLayout()
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(2)
        rows.addLayout(self._top)
        rows.addLayout(self._bottom)
        self._one_row: bool | None = None
        self._arrange(one_row=True)

    def _group(self, pairs: tuple[tuple[str, QWidget], ...]) -> QWidget:
        """Captions with their inputs (and a date's ✕), kept together when the bar wraps."""
        group = QWidget(self)
        row = QHBoxLayout(group)
        row.setContentsMargins(0, 0, 0, 0)
        for label, widget in pairs:
            caption = QLabel(label, group)
            caption.setBuddy(widget)
            row.addWidget(caption)
            row.addWidget(widget)
            if isinstance(widget, DateBoundEdit):
                row.addSpacing(-4)
                row.addWidget(widget.make_clear_button(group))
        return group

    def _arrange(self, one_row: bool) -> None:
        """One row (search, choices, dates, clear; the hint below the search box), or two
        (search, choices, clear; then the hint beside the dates)."""
        if one_row == self._one_row:
            return
        self._one_row = one_row
        for layout in (self._top, self._bottom):
            while layout.count():
                layout.takeAt(0)
        self._top.addWidget(self.search_box, 1)
        self._top.addWidget(self._choices)
        if one_row:
            self._top.addWidget(self._dates)
        self._top.addWidget(self.clear_button)
        self._bottom.addWidget(self.hint, 1)
        if not one_row:  # at the right, under the choices it belongs with
            self._bottom.addWidget(self._dates, 0, Qt.AlignmentFlag.AlignRight)
        self.updateGeometry()

    def _one_row_width(self) -> int:
        spacing = max(self._top.spacing(), 0)
        parts = (SEARCH_ROOMY_WIDTH, self._choices.minimumSizeHint().width(),
                 self._dates.minimumSizeHint().width(),
                 self.clear_button.minimumSizeHint().width())
        return sum(parts) + spacing * (len(parts) - 1)

    def minimumSizeHint(self) -> QSize:
        """The two-row minimum, so the window can shrink to where the bar wraps."""
        spacing = max(self._top.spacing(), 0)
        top = (SEARCH_MIN_WIDTH + self._choices.minimumSizeHint().width()
               + self.clear_button.minimumSizeHint().width() + 2 * spacing)
        return QSize(max(top, self._dates.minimumSizeHint().width()),
                     super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._arrange(one_row=event.size().width() >= self._one_row_width())
        super().resizeEvent(event)

    # -- state ------------------------------------------------------------------------------

    def set_choices(self, sources: list[str], types: Mapping[str, list[str]]) -> None:
        """Refill the source and type lists from each source's types
        (``queries.source_types``), keeping the current choices (a remembered one the cache
        no longer has stays listed: the table is still filtered by it)."""
        self._source_types = {source: list(values) for source, values in types.items()}
        self._all_types = sorted({value for values in types.values() for value in values})
        _refill(self.source_box, sources, self.source_box.currentData())
        _refill(self.type_box, self._types_of(self.source_box.currentData()),
                self.type_box.currentData())

    def _types_of(self, source: str | None) -> list[str]:
        if source is ALL:
            return self._all_types or []
        return self._source_types.get(source, [])  # a source with no sessions has none

    def _source_changed(self) -> None:
        """The Type list becomes the new source's. A chosen type that source lacks goes
        back to "All types" (it would match nothing); the search and dates stay."""
        if self._all_types is not None:  # restore() before set_choices sets both boxes
            chosen = self.type_box.currentData()
            if chosen not in self._types_of(self.source_box.currentData()):
                chosen = ALL
            _refill(self.type_box, self._types_of(self.source_box.currentData()), chosen)
        self.apply_now()

    def set_source(self, name: str | None) -> None:
        index = self.source_box.findData(name) if name else 0
        self.source_box.setCurrentIndex(max(index, 0))

    def set_utc(self, utc: bool) -> None:
        zone = QTimeZone.utc() if utc else QTimeZone.systemTimeZone()
        for edit in (self.date_from, self.date_to):
            value = edit.dateTime()
            edit.blockSignals(True)
            edit.setTimeZone(zone)
            edit.setDateTime(value)
            edit.blockSignals(False)

    def current_filter(self) -> SessionFilter:
        return filter_from_state(self.state())

    def is_active(self) -> bool:
        return not self.current_filter().is_empty()

    def date_hint(self) -> str | None:
        """Why the date range matches nothing, when it is the wrong way round."""
        start, end = self.date_from.iso(), self.date_to.iso()
        if start and end and start >= end:
            return "“From” is not before “To”: no session can match (swap them?)"
        return None

    def explanation(self, error: str | None = None) -> str:
        """Why the filters match what they do, as the line under the search box says it:
        a search that cannot run (``error``), a reversed date range, else how the search
        box's text was read (an unclosed quote, an ignored field name)."""
        return error or self.date_hint() or "  ·  ".join(search_notes(self.search_box.text()))

    def show_hint(self, text: str | None) -> None:
        """A line under the search box: ``text`` (why the filters cannot match), or else
        the notes on how the search box's text was read (``search_notes``), so a typo such
        as a missing quote does not give a silent 0 rows. Elided to the bar's width (full
        text in its tooltip), so it never widens the window."""
        line = text or "  ·  ".join(search_notes(self.search_box.text()))
        self.hint.setStyleSheet(f"color: {ERROR_COLOUR if text else NOTE_COLOUR};")
        self.hint.set_full_text(line)
        self.hint.setVisible(bool(line))

    def apply_now(self) -> None:
        self._timer.stop()
        if not self._quiet:
            self.filter_changed.emit(self.current_filter())

    def clear(self) -> None:
        """Every input back to "all", then one query. Signals stay connected (blocking them
        left the sidebar on the old source and the empty search box with its clear icon);
        ``_quiet`` turns the N intermediate queries into the one at the end."""
        with self._quietly():
            self.search_box.clear()
            self.source_box.setCurrentIndex(0)
            self.type_box.setCurrentIndex(0)
            self.date_from.set_any()
            self.date_to.set_any()
        self.show_hint(None)
        self.apply_now()

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Widgets change and say so (to the sidebar, to the line edit's clear icon), but
        no filter is emitted until the end."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False
            self._timer.stop()

    def state(self) -> dict[str, Any]:
        """What the window remembers; ``filter_from_state`` reads it back."""
        return {"search": self.search_box.text(), "source": self.source_box.currentData(),
                "type": self.type_box.currentData(), "from": self.date_from.iso(),
                "to": self.date_to.iso()}

    def restore(self, state: dict[str, Any]) -> None:
        """Put back the last session's filters (without emitting: the caller applies)."""
        with self._quietly():
            self.search_box.setText(state.get("search") or "")
            for box, value in ((self.source_box, state.get("source")),
                               (self.type_box, state.get("type"))):
                if value and box.findData(value) < 0:
                    box.addItem(value, value)
                box.setCurrentIndex(max(0, box.findData(value)) if value else 0)
            for edit, value in ((self.date_from, state.get("from")),
                                (self.date_to, state.get("to"))):
                edit.set_iso(value)


class _SearchBox(QLineEdit):
    """A line edit where Esc clears the text, as in a browser's find bar; with no text
    Esc goes on to the window as before."""

    escaped = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.escaped.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def _refill(box: QComboBox, values: list[str], current: str | None) -> None:
    """Put ``values`` after the box's "All …" item and select ``current`` (listed even
    when ``values`` lacks it), without emitting."""
    box.blockSignals(True)
    while box.count() > 1:
        box.removeItem(1)
    for value in values:
        box.addItem(value, value)
    if current is not None and current not in values:
        box.addItem(current, current)
    box.setCurrentIndex(max(0, box.findData(current)) if current else 0)
    box.blockSignals(False)


def filter_from_state(state: dict[str, Any]) -> SessionFilter:
    """The filter a ``FilterBar.state()`` stands for (the window opens its model on the
    remembered filters before the bar's widgets are restored)."""
    return SessionFilter(source=state.get("source"), type=state.get("type"),
                         search=(state.get("search") or "").strip() or None,
                         start_from=state.get("from"), start_to=state.get("to"))
