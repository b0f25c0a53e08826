"""The main window: sources on the left, filters and sessions in the middle, the selected
session below, sync progress and counts in the status bar.

``create_main_window(data_dir)`` builds it on a cache without starting an event loop and
without touching the network (CONTRACT.md, "The window's handles"). The window reads the
cache through its own SQLite connection; sync and export run on worker threads with theirs.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressDialog,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import registry
from app.settings import Settings
from app.store import Store
from app.store.queries import (
    BadQuery,
    SessionFilter,
    cache_age,
    count_sessions,
    fast_distinct,
    source_types,
)
from app.sync import SourceResult
from app.ui import window_actions, window_state
from app.ui.detail_pane import DetailPane
from app.ui.detail_split import DetailSplit
from app.ui.empty_state import EmptyState, NoMatches
from app.ui.export_dialog import ExportDialog, export_job, show_export_failure
from app.ui.filter_bar import FilterBar, filter_from_state
from app.ui.icon import app_icon
from app.ui.sessions_model import SessionsModel
from app.ui.sessions_table import (
    SessionsTable,
    refresh_keeping_selection,
    requery_keeping_selection,
)
from app.ui.sidebar import SourceSidebar
from app.ui.sources_dialog import SourcesDialog
from app.ui.sync_control import SyncControl
from app.ui.table_menu import install_row_menu, too_many_to_copy
from app.ui.workers import Worker

#: Ctrl+C builds the text in memory; beyond this an export is the right tool.
MAX_COPY_ROWS = 50_000


def create_main_window(data_dir: Path) -> MainWindow:
    """The window on ``data_dir``'s cache (a QApplication must exist; no event loop runs)."""
    return MainWindow(Path(data_dir))


class MainWindow(QMainWindow):
    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"histview — {data_dir}")
        self.setWindowIcon(app_icon())
        self.data_dir = data_dir
        self.settings = Settings(data_dir)
        self.store = Store(self.settings.cache_path)
        self.conn = self.store.db.conn
        self.ui_state = self.settings.ui_state()
        self.workers: list[Worker] = []
        self._cache_total: int | None = None  # sessions in the cache, for the empty state
        self.model = self._make_model()
        window_actions.setup_actions(self)  # self.sync_action, self.export_action, …
        self._build_widgets()
        window_actions.setup_menus(self)
        self._connect()
        self._restore()
        self.filter_bar.show_hint(self.model.unreadable)
        self.refresh_sources()
        self._update_counts(self.model.rowCount())
        self._age_timer = QTimer(self, interval=60_000)
        self._age_timer.timeout.connect(self._update_cache_age)
        self._age_timer.start()

    # -- construction ---------------------------------------------------------------------

    def _make_model(self) -> SessionsModel:
        """The model on the remembered filters. A remembered search that cannot run opens
        as an empty table with its hint, and the other filters (source, type, dates) stay:
        before, all of them were dropped without a word."""
        flt = filter_from_state(self.ui_state.get("filters") or {})
        sort = self.ui_state.get("sort") or ["start", True]
        try:
            return SessionsModel(self.conn, flt, sort=sort[0], descending=bool(sort[1]),
                                 parent=self)
        except BadQuery as error:
            model = SessionsModel(self.conn, replace(flt, search=None), sort=sort[0],
                                  descending=bool(sort[1]), parent=self)
            model.set_unreadable(flt, str(error))
            return model

    def _build_widgets(self) -> None:
        self.sidebar = SourceSidebar(self)
        self.filter_bar = FilterBar(self)
        self.table = SessionsTable(self.model, self.ui_state.get("columns") or {}, self)
        self.table.addAction(self.copy_action)
        install_row_menu(self, MAX_COPY_ROWS)
        self.empty_state = EmptyState(self.sources_action, self.sync_action, self)
        self.table_stack = QStackedWidget(self, objectName="tableStack")
        self.table_stack.addWidget(self.table)
        self.table_stack.addWidget(self.empty_state)
        self.no_matches = NoMatches(self)
        self.table_stack.addWidget(self.no_matches)
        self.detail = DetailPane(self.conn, self, data_dir=self.data_dir, store=self.store)
        self.detail_split = QSplitter(Qt.Orientation.Vertical, self, objectName="detailSplit")
        self.detail_split.addWidget(self.table_stack)
        self.detail_split.addWidget(self.detail)
        self.split = DetailSplit(self.detail_split, self.ui_state)
        centre = QWidget(self)
        column = QVBoxLayout(centre)
        column.setContentsMargins(4, 6, 6, 0)
        column.addWidget(self.filter_bar)
        column.addWidget(self.detail_split, 1)
        self.main_split = QSplitter(Qt.Orientation.Horizontal, self, objectName="mainSplit")
        self.main_split.addWidget(self.sidebar)
        self.main_split.addWidget(centre)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([215, 1225])  # "beyondtrust · synced just now" unelided
        self.setCentralWidget(self.main_split)
        self._build_status_bar()
        window_actions.setup_toolbar(self)
        self.resize(1400, 880)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.sync = SyncControl(self.data_dir, self)
        self.row_count_label = QLabel(self, objectName="rowCountLabel")
        self.cache_age_label = QLabel(self, objectName="cacheAgeLabel")
        bar.addPermanentWidget(self.sync.bar)
        bar.addPermanentWidget(self.sync.cancel_button)
        bar.addPermanentWidget(self.row_count_label)
        bar.addPermanentWidget(self.cache_age_label)
        self._update_cache_age()

    def _connect(self) -> None:
        self.filter_bar.filter_changed.connect(self.apply_filter)
        self.filter_bar.source_box.currentIndexChanged.connect(
            lambda _i: self.sidebar.select_source(self.filter_bar.source_box.currentData()))
        self.sidebar.source_selected.connect(self.filter_bar.set_source)
        self.no_matches.button.clicked.connect(self.filter_bar.clear)
        self.sidebar.sync_requested.connect(lambda names: self.start_sync(names))
        self.sidebar.edit_requested.connect(self.open_sources)
        self.model.count_changed.connect(self._update_counts)
        self.model.sort_refused.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.model.modelReset.connect(self.detail_follow_selection)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.show_detail(current.row()))
        self.table.activated.connect(lambda index: self.open_detail(index.row()))
        self.sync.bind_actions(self.sync_action, self.cancel_action)
        self.sync.running_changed.connect(lambda _running: self._update_cache_age())
        self.sync.sync_finished.connect(lambda _results: self.refresh_after_sync())
        self.sync.progressed.connect(self._on_sync_progress)
        self.sync.attach(self.statusBar())  # progress words, the summary, passing notes
        self.detail.artifacts.download_started.connect(self.workers.append)

    # -- filters, rows, detail ---------------------------------------------------------------

    def apply_filter(self, flt: SessionFilter) -> None:
        """Re-query with the filter bar's filter; the selected sessions it still shows stay
        selected. A search that cannot run empties the table and shows why (the previous
        rows under the new text would read as its matches)."""
        try:
            requery_keeping_selection(self.table, lambda: self.model.set_filter(flt),
                                      self.detail_follow_selection)
        except BadQuery as error:
            self.model.set_unreadable(flt, str(error))
            self.filter_bar.show_hint(str(error))
            return
        self.filter_bar.show_hint(self.filter_bar.date_hint())

    def _update_counts(self, count: int) -> None:
        """The status bar's count (with thousands separators), and what the table area
        shows: the rows, the first-run explanation, or why no row matches."""
        noun, verb = ("session", "matches") if count == 1 else ("sessions", "match")
        filtered = self.filter_bar.is_active()
        self.row_count_label.setText(f"{count:,} {noun}" + (f" {verb} the filters" if filtered
                                                            else ""))
        if not filtered:
            self._cache_total = count
        elif self._cache_total is None:  # once, not per keystroke: 30 ms on a million rows
            self._cache_total = count_sessions(self.conn, SessionFilter())
        if self._cache_total == 0:
            self.table_stack.setCurrentWidget(self.empty_state)
        elif count == 0 and filtered:
            self.no_matches.set_reason(self.filter_bar.explanation(self.model.unreadable))
            self.table_stack.setCurrentWidget(self.no_matches)
        else:
            self.table_stack.setCurrentWidget(self.table)
        self.export_action.setEnabled(count > 0)

    def _update_cache_age(self) -> None:
        self.cache_age_label.setText(self.sync.cache_age_text(cache_age(self.conn)))

    def show_detail(self, row: int) -> None:
        key = self.model.key_at(row) if row >= 0 else None
        if key is None:
            self.detail.clear()
        else:
            self.split.session_shown()
            self.detail.show_session(*key)

    def detail_follow_selection(self) -> None:
        """After a re-query the selection is gone: clear the pane unless row 0 is current."""
        if not self.table.selectionModel().hasSelection():
            self.detail.clear()

    def open_detail(self, row: int) -> None:
        """Enter or double-click: make sure the detail pane is visible and focused."""
        self.show_detail(row)
        sizes = self.detail_split.sizes()
        if sizes[1] < 120:
            self.detail_split.setSizes([max(sizes[0] - 330, 200), 330])
        self.detail.tabs.setFocus()

    def select_rows(self, rows: list[int]) -> None:
        self.table.select_rows(rows)

    def selected_ranges(self) -> list[tuple[int, int]]:
        return self.table.selected_ranges()

    def copy_selection(self) -> None:
        """Ctrl+C: the selected rows as the table shows them (shown columns, in their order,
        as displayed), tab-separated, to paste into a spreadsheet."""
        if too_many_to_copy(self, MAX_COPY_ROWS):
            return
        sessions = self.table.selected_sessions()
        if not sessions:
            return
        QGuiApplication.clipboard().setText(self.table.rows_text(sessions))
        self.statusBar().showMessage(f"Copied {len(sessions)} rows.", 5000)

    def focus_search(self) -> None:
        self.filter_bar.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.search_box.selectAll()

    def set_utc(self, utc: bool) -> None:
        self.model.set_utc(utc)
        self.detail.set_utc(utc)
        self.filter_bar.set_utc(utc)

    # -- sources and sync -----------------------------------------------------------------------

    def refresh_sources(self) -> None:
        summaries = registry.summaries(self.data_dir, self.store)
        cached = fast_distinct(self.conn, "source")
        self.sidebar.set_sources(summaries, self.sync.running_sources, cached)
        self.empty_state.set_source_count(len(summaries))
        names = sorted({*(s["name"] for s in summaries), *cached})
        self.filter_bar.set_choices(names, source_types(self.conn))
        self.sidebar.select_source(self.filter_bar.source_box.currentData())

    def start_sync(self, names: list[str] | None = None) -> Worker | None:
        worker = self.sync.start(names or [])
        if worker is not None:
            self.workers.append(worker)
            self.sidebar.set_running(self.sync.running_sources)  # nothing else changed yet
        return worker

    def _on_sync_progress(self, update) -> None:
        """A source done: its sidebar entry says how it went (not "syncing…" until the
        whole run ends). A page landed: new rows show, at most once a second, with the
        selection and the detail pane kept."""
        if isinstance(update, SourceResult):
            self.sidebar.record_result(update)
            self.sidebar.set_sources(registry.summaries(self.data_dir, self.store),
                                     self.sync.running_sources)
        elif self.sync.rows_due() or self.model.rowCount() == 0:
            refresh_keeping_selection(self.table, self._refresh_rows,
                                      self.detail_follow_selection)

    def _refresh_rows(self) -> None:
        """Re-read the rows; extra columns a sync brought get their defaults, and the
        columns already there keep what the user made of them."""
        keys_before = self.table.column_keys()
        columns = window_state.merge_columns(self.ui_state.get("columns") or {},
                                             self.table.column_state())
        self._cache_total = None
        self.model.refresh()
        if self.table.column_keys() != keys_before:
            self.table.size_columns(columns)

    def refresh_after_sync(self) -> None:
        """New rows, new sources' statuses, new types and extra columns; the filter, the
        selected sessions and the selected event stay (before, the rows were re-read plain:
        the selection went, and the reloaded pane dropped its selected event)."""
        current = self.model.key_at(self.table.currentIndex().row())
        refresh_keeping_selection(self.table, self._refresh_rows, self.detail_follow_selection)
        self.refresh_sources()
        self._update_cache_age()
        if current is not None and current == self.model.key_at(self.table.currentIndex().row()):
            self.detail.show_session(*current)

    def open_sources(self, name: str | None = None) -> SourcesDialog:
        dialog = self.findChild(SourcesDialog, "sourcesDialog")
        if dialog is None:
            dialog = SourcesDialog(self.data_dir, self)
            dialog.sources_changed.connect(self.refresh_after_sync)
            dialog.finished.connect(dialog.deleteLater)
        if isinstance(name, str) and name:
            dialog.edit_source(name)
        dialog.open()
        return dialog

    # -- export ----------------------------------------------------------------------------------

    def open_export(self) -> ExportDialog:
        selected = self.table.selected_count()
        dialog = ExportDialog(selected, self.model.rowCount(),
                              Path(self.ui_state.get("export_dir") or Path.home()), self)
        dialog.accepted.connect(lambda: self.export_to(*dialog.choice()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def export_to(self, path: Path, fmt: str, selected_only: bool) -> Worker:
        """Export selected (or all matching) rows on a worker; progress in the status bar."""
        ranges = self.selected_ranges() if selected_only else None
        if ranges and ranges == [(0, self.model.rowCount() - 1)]:
            ranges = None  # everything is selected: stream it in one query
        total = sum(b - a + 1 for a, b in ranges) if ranges else self.model.rowCount()
        job = export_job(self.settings.cache_path, self.model.filter, self.model.sort_key,
                         ranges, Path(path), fmt)
        worker = Worker(job, "export", self)
        progress = QProgressDialog(f"Exporting {total} sessions to {Path(path).name}…",
                                   "Cancel", 0, max(total, 1), self)
        progress.setObjectName("exportProgress")
        progress.setWindowTitle("Export")
        progress.setMinimumDuration(500)  # only large exports show it
        progress.canceled.connect(worker.cancel)
        worker.progress.connect(progress.setValue)
        worker.finished.connect(progress.deleteLater)
        worker.progress.connect(lambda done: self.statusBar().showMessage(
            f"Exporting… {done} of {total} rows"))
        worker.result.connect(lambda r: self.statusBar().showMessage(
            f"Exported {r['count']} rows to {r['path']}", 30_000))
        worker.error.connect(lambda text: show_export_failure(self, Path(path), text))
        worker.cancelled.connect(lambda: self.statusBar().showMessage("Export cancelled.", 10_000))
        self.ui_state["export_dir"] = str(Path(path).parent)
        self.workers.append(worker)
        return worker.start()

    # -- closing ---------------------------------------------------------------------------------

    def save_state(self) -> None:
        self.settings.save_ui_state(window_state.capture(self))

    def _restore(self) -> None:
        window_state.restore(self, self.ui_state)
        self.split.start()  # the table has the height until a session is shown

    def shutdown(self) -> None:
        """Cancel and join every worker, then close the cache (idempotent)."""
        self.sync.shutdown()
        for worker in self.workers:
            worker.cancel()
            worker.join(15000)
        self.workers.clear()

    def closeEvent(self, event: QCloseEvent) -> None:
        try:
            self.save_state()
        finally:
            self.shutdown()
        super().closeEvent(event)
