"""The source sidebar: each source with its kind, last sync, status and warnings.

Picking a source filters the table to it. A warning badge marks a source whose TLS
verification is off (``--insecure``) or whose last sync failed; the tooltip says why.
The per-source sync lives in the context menu and the button under the list.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.sync import SourceResult
from app.ui.formatting import age_text, time_text

NAME_ROLE = Qt.ItemDataRole.UserRole
REMOVED_ROLE = Qt.ItemDataRole.UserRole + 1  # a removed source whose history was kept
ALL_SOURCES = "All sources"
REMOVED = "removed — cached history only"


class SourceSidebar(QWidget):
    source_selected = Signal(object)  # a source name, or None for all
    sync_requested = Signal(list)  # names of the sources to sync
    edit_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourceSidebar")
        title = QLabel("<b>Sources</b>", self)
        self.list = QListWidget(self, objectName="sourceList")
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.currentItemChanged.connect(self._on_current)
        self._delegate = _TwoLineDelegate(self.list)  # keep the Python side alive
        self.list.setItemDelegate(self._delegate)
        self.sync_button = QPushButton("Sync all sources", self, objectName="syncSourceButton")
        self.sync_button.clicked.connect(self._sync_current)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.sync_button)
        self._summaries: list[dict[str, Any]] = []
        self._removed: list[str] = []  # cached sources no longer set up
        self._running: set[str] = set()
        self._results: dict[str, SourceResult] = {}  # this window's last result per source

    def set_sources(self, summaries: list[dict[str, Any]], running: set[str],
                    cached: list[str] | None = None) -> None:
        """Redraw the list from ``app.registry.summaries`` rows, keeping the selection.
        ``cached``: the sources the cache has sessions of; those not set up any more are
        listed after the others, greyed, as removed with their history kept (before, they
        vanished from the sidebar and only the Source drop-down still named them)."""
        current = self.current_source()
        names = {row["name"] for row in summaries}
        if cached is not None:
            self._removed = sorted(set(cached) - names)
        self._removed = [name for name in self._removed if name not in names]
        self._summaries = summaries
        self._running = set(running)
        self.list.blockSignals(True)
        self.list.clear()
        everything = QListWidgetItem(ALL_SOURCES)
        everything.setData(NAME_ROLE, None)
        self.list.addItem(everything)
        for row in summaries:
            self.list.addItem(self._item(row, row["name"] in running))
        for name in self._removed:
            self.list.addItem(self._removed_item(name))
        self._select(current)
        self.list.blockSignals(False)
        self._label_button()

    def set_running(self, running: set[str]) -> None:
        """Redraw the sources last set, marking those now syncing."""
        self.set_sources(self._summaries, running)

    def record_result(self, result: SourceResult) -> None:
        """Remember how a source's sync just ended (its item count is not in the
        summaries), for its entry to say so as soon as it is redrawn."""
        self._results[result.source] = result

    def _item(self, row: dict[str, Any], running: bool) -> QListWidgetItem:
        synced = row.get("last_sync_at")
        result = self._results.get(row["name"])
        line = f"{row['kind']} · {_when(row, result)}"
        status = "syncing…" if running else _status(row, result)
        if status:
            line = f"{status} · {line}"  # first, so a narrow sidebar never elides it
        item = QListWidgetItem(f"{row['name']}\n{line}")
        item.setData(NAME_ROLE, row["name"])
        tips = [f"{row['name']} ({row['kind']}) — {row.get('url', '')}"]
        if synced:
            tips.append(f"last successful sync: {time_text(synced)}")
        warnings = _warnings(row)
        if warnings and not running:
            icon = QStyle.StandardPixmap.SP_MessageBoxWarning
            item.setIcon(self.style().standardIcon(icon))
            tips.extend(warnings)
        item.setToolTip("\n".join(tips))
        return item

    def _removed_item(self, name: str) -> QListWidgetItem:
        item = QListWidgetItem(f"{name}\n{REMOVED}")
        item.setData(NAME_ROLE, name)
        item.setData(REMOVED_ROLE, True)
        grey = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        item.setForeground(grey)
        item.setToolTip(f"{name} — removed, cached history only: its sessions stay "
                        "browsable here, and it is no longer synced.\n"
                        "Add it again with Sources… to sync it.")
        return item

    def _current_removed(self) -> bool:
        item = self.list.currentItem()
        return bool(item is not None and item.data(REMOVED_ROLE))

    def current_source(self) -> str | None:
        item = self.list.currentItem()
        return item.data(NAME_ROLE) if item is not None else None

    def _select(self, name: str | None) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(NAME_ROLE) == name:
                self.list.setCurrentRow(row)
                return
        self.list.setCurrentRow(0)

    def select_source(self, name: str | None) -> None:
        """Follow the filter bar's source choice without emitting ``source_selected``."""
        self.list.blockSignals(True)
        self._select(name)
        self.list.blockSignals(False)
        self._label_button()

    def _on_current(self, item: QListWidgetItem | None, _previous: object) -> None:
        name = item.data(NAME_ROLE) if item is not None else None
        self._label_button()
        self.source_selected.emit(name)

    def _label_button(self) -> None:
        name = self.current_source()
        removed = self._current_removed()
        self.sync_button.setText(f"Sync {name}" if name and not removed
                                 else "Sync all sources")
        # Off while a sync runs: a click could only say "A sync is already running."
        self.sync_button.setEnabled(bool(self._summaries) and not self._running)
        self.sync_button.setToolTip("A sync is running: Cancel sync is in the status bar"
                                    if self._running else "")

    def _sync_current(self) -> None:
        name = None if self._current_removed() else self.current_source()
        self.sync_requested.emit([name] if name else [])

    def _menu(self, position) -> None:
        item = self.list.itemAt(position)
        name = item.data(NAME_ROLE) if item is not None else None
        if item is not None and item.data(REMOVED_ROLE):
            return  # nothing to sync or edit: Sources… adds it again
        menu = QMenu(self)
        if name:
            sync = menu.addAction(f"Sync {name} now", lambda: self.sync_requested.emit([name]))
            menu.addAction("Edit…", lambda: self.edit_requested.emit(name))
        else:
            sync = menu.addAction("Sync all sources", lambda: self.sync_requested.emit([]))
        sync.setEnabled(not self._running)
        menu.popup(self.list.viewport().mapToGlobal(position))


def _status(row: dict[str, Any], result: SourceResult | None) -> str:
    """How the last sync ended, with the item count when this window ran it; "" for a
    plain ok learnt from the cache (the line stays short)."""
    status = row.get("status") or "never synced"
    if result is not None:
        if result.cancelled and not result.items and status != "cancelled":
            return "cancelled before it started"
        ended = "ok" if result.ok else ("cancelled" if result.cancelled else "failed")
        if ended == status:
            if result.ok:  # an incremental sync may fetch nothing: not "0 items" cached
                return f"ok, {result.items:,} items" if result.items else "ok, nothing new"
            return f"{status}, {result.items:,} items kept" if result.items else status
    return "" if status in ("ok", "never synced") else status


def _when(row: dict[str, Any], result: SourceResult | None) -> str:
    """When it last synced completely; a source whose sync was cut short has items in the
    cache, so it is "not fully synced", never "never synced"."""
    if row.get("last_sync_at"):
        return f"synced {age_text(row['last_sync_at'])}"
    if row.get("status") in ("cancelled", "interrupted") or (result and result.items):
        return "not fully synced"
    return "never synced"


def _warnings(row: dict[str, Any]) -> list[str]:
    warnings = []
    if row.get("insecure"):
        warnings.append("⚠ TLS verification is off for this source (--insecure)")
    if row.get("status") == "failed":
        warnings.append(f"⚠ last sync failed: {row.get('last_error') or 'unknown error'}")
    return warnings


class _TwoLineDelegate(QStyledItemDelegate):
    """Draws "name\\ndetails" as a bold name over a dimmer line of details."""

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        lines = str(index.data() or "").count("\n") + 1
        # Width 1: the list gives every row its full width; wider would add a scroll bar.
        return QSize(1, option.fontMetrics.height() * lines + 10)

    def shown_lines(self, option: QStyleOptionViewItem,
                    index: QModelIndex | QPersistentModelIndex) -> tuple[str, str, QRect]:
        """The name and the details line as drawn, each elided with "…" to the room beside
        the icon, and that room. Before, a long name was cut off mid-letter at the edge of
        a narrow sidebar (the item's tooltip has it whole)."""
        name, _, details = str(index.data() or "").partition("\n")
        rect = option.rect.adjusted(6, 4, -4, -4)
        if isinstance(option.widget, QListWidget):  # never past the visible edge
            rect.setRight(min(rect.right(), option.widget.viewport().width() - 6))
        if not QIcon(option.icon).isNull():
            rect.setRight(rect.right() - option.fontMetrics.height() - 4)
        bold = QFont(option.font)
        bold.setBold(bool(details))
        elide = Qt.TextElideMode.ElideRight
        return (QFontMetrics(bold).elidedText(name, elide, rect.width()),
                option.fontMetrics.elidedText(details, elide, rect.width()), rect)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        self.initStyleOption(option, index)
        # option.text has Qt's line separator (U+2028) for "\n": split the model's own text.
        name, details, rect = self.shown_lines(option, index)
        icon = QIcon(option.icon)  # a copy: the option is cleared for the base drawing
        option.icon, option.text = QIcon(), ""
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        if not icon.isNull():
            size = option.fontMetrics.height()
            icon.paint(painter, QRect(rect.right() + 4, rect.top(), size, size))
        painter.save()
        painter.setPen(option.palette.color(group))
        bold = QFont(option.font)
        bold.setBold(bool(details))
        painter.setFont(bold)
        height = option.fontMetrics.height()
        painter.drawText(rect.adjusted(0, 0, 0, -height if details else 0),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, name)
        if details:
            painter.setFont(option.font)
            if not selected:
                painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(rect.adjusted(0, height, 0, 0),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, details)
        painter.restore()
