"""A date-time edit for one bound of the filter bar's date range, where "any" means no bound.

``QDateTimeEdit`` has no empty value, so "any" is its minimum shown as special text
(``UNSET``). Left to itself that sentinel misbehaves: Tab cycles its sections forever, Up
steps from the year 2000 to 2001, and Delete blanks the text while the value stays. This
edit makes "any" a value the keyboard can leave, step out of (from today) and come back to.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, Qt, QTime, QTimeZone
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCalendarWidget,
    QDateTimeEdit,
    QStyle,
    QToolButton,
    QWidget,
)

UNSET = QDateTime(QDate(2000, 1, 1), QTime(0, 0), QTimeZone.utc())
ANY = "any"


class DateBoundEdit(QDateTimeEdit):
    """One end of a date range; ``days_after_today`` is where Up or Down from "any" lands
    (0 for a From bound: today 00:00; 1 for a To bound, which excludes its instant:
    tomorrow 00:00, so today is in)."""

    def __init__(self, name: str, tip: str, days_after_today: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName=name)
        self._days_after_today = days_after_today
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.setMinimumDateTime(UNSET)
        self.setSpecialValueText(ANY)
        self.setDateTime(UNSET)
        self.setToolTip(f'{tip} (local time; "{ANY}" = no limit; Delete after Ctrl+A, '
                        'or the ✕ beside it, sets it back to "any")')
        self._opener = _OpenOnToday(self)
        self.calendarWidget().installEventFilter(self._opener)

    def is_any(self) -> bool:
        return self.dateTime() <= UNSET

    def set_any(self) -> None:
        self.setDateTime(UNSET)

    def iso(self) -> str | None:
        """The bound as the cache stores times (ISO 8601 UTC), None for "any"."""
        if self.is_any():
            return None
        return self.dateTime().toUTC().toString("yyyy-MM-ddTHH:mm:ss.zzz") + "000Z"

    def set_iso(self, value: str | None) -> None:
        self.setDateTime(_qdatetime(value))

    def make_clear_button(self, parent: QWidget) -> QToolButton:
        """A small ✕ that sets this bound back to "any", enabled while a date is set."""
        button = QToolButton(parent, objectName=f"{self.objectName()}Clear")
        button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_LineEditClearButton))
        button.setAutoRaise(True)
        button.setToolTip(f'Set back to "{ANY}"')
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Ctrl+A, Delete does it by keyboard
        button.clicked.connect(self.set_any)
        button.setEnabled(not self.is_any())
        self.dateTimeChanged.connect(lambda _v: button.setEnabled(not self.is_any()))
        return button

    # -- keyboard -----------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        """Tab walks the sections of a date, but "any" has none: Tab leaves the widget
        (QDateTimeEdit swallows it there, a trap for keyboard users)."""
        if (event.type() == QEvent.Type.KeyPress and self.is_any()
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
                and not event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                             | Qt.KeyboardModifier.AltModifier)):
            backward = (event.key() == Qt.Key.Key_Backtab
                        or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
            self._leave(backward)
            return True
        return super().event(event)

    def _leave(self, backward: bool) -> None:
        target = self.previousInFocusChain() if backward else self.nextInFocusChain()
        while target is not None and target is not self and not (
                target.isVisibleTo(self.window()) and target.isEnabled()
                and target.focusPolicy() & Qt.FocusPolicy.TabFocus and not self.isAncestorOf(target)):
            target = target.previousInFocusChain() if backward else target.nextInFocusChain()
        if target is not None and target is not self:
            reason = (Qt.FocusReason.BacktabFocusReason if backward
                      else Qt.FocusReason.TabFocusReason)
            target.setFocus(reason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
                and self._all_selected()):
            self.set_any()
            return
        super().keyPressEvent(event)

    def _all_selected(self) -> bool:
        line = self.lineEdit()
        return line.hasSelectedText() and line.selectedText() == line.text()

    def stepBy(self, steps: int) -> None:
        """From "any", Up or Down starts at today, on the day section (the sentinel's year
        2000 plus one step would be a bound that hides every session)."""
        if self.is_any():
            day = QDate.currentDate().addDays(self._days_after_today)
            self.setDateTime(QDateTime(day, QTime(0, 0), self.timeZone()))
            self.setCurrentSectionIndex(2)  # the day: the next Up is tomorrow, not next year
            return
        super().stepBy(steps)

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        if self.is_any():
            return (QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
                    | QAbstractSpinBox.StepEnabledFlag.StepDownEnabled)
        return super().stepEnabled()


class _OpenOnToday(QObject):
    """An unset date edit's calendar opens on this month, not on January 2000 (the
    "any" sentinel); nothing is chosen until the user clicks a day."""

    def __init__(self, edit: DateBoundEdit) -> None:
        super().__init__(edit)
        self._edit = edit

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Show and isinstance(watched, QCalendarWidget)
                and self._edit.is_any()):
            today = QDate.currentDate()
            watched.setCurrentPage(today.year(), today.month())
        return False


def _qdatetime(value: str | None) -> QDateTime:
    if not value:
        return UNSET
    parsed = QDateTime.fromString(value[:19], "yyyy-MM-ddTHH:mm:ss")
    if not parsed.isValid():
        return UNSET
    parsed.setTimeZone(QTimeZone.utc())
    return parsed
