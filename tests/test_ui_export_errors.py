"""Export from the real window: the file lands where the user named it, and a folder it
cannot be written to is said in words, naming the user's file (never a hidden temp file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from tests.test_ui_support import fill_cache, window_factory


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


def test_exporting_to_a_folder_writes_the_named_file_inside_it(data_dir, make_window, qtbot,
                                                              tmp_path):
    fill_cache(data_dir, 30)
    window = make_window(data_dir)
    folder = tmp_path / "exp"
    folder.mkdir()
    window.export_action.trigger()
    dialog = window.findChild(QObject, "exportDialog")
    dialog.path_edit.setText(str(folder))
    dialog.accept()  # goes into the folder and says the file's name
    assert dialog.isVisible()
    dialog.accept()
    qtbot.waitUntil(lambda: (folder / "sessions.csv").exists(), timeout=10000)
    qtbot.waitUntil(lambda: not any(w.is_running() for w in window.workers), timeout=10000)
    assert not (tmp_path / "exp.csv").exists()  # the old code put the rows here
    assert len((folder / "sessions.csv").read_text(encoding="utf-8-sig").splitlines()) == 31


def test_an_export_that_fails_on_its_thread_names_the_users_file_in_a_box(
        data_dir, make_window, qtbot):
    fill_cache(data_dir, 10)
    window = make_window(data_dir)
    chosen = Path("/proc/weekly.csv")  # past the dialog's check: the job itself fails
    with qtbot.waitSignal(window.export_to(chosen, "csv", False).finished, timeout=10000):
        pass
    box = window.findChild(QMessageBox, "exportFailed")
    assert box is not None and box.isVisible()  # was a status-bar line gone after 30 s
    said = f"{box.text()} {box.informativeText()}"
    assert "weekly.csv could not be saved" in box.text() and str(chosen) in said
    assert ".part" not in said and "Errno" not in said
    status = window.statusBar().currentMessage()
    assert "weekly.csv" in status and ".part" not in status
    box.close()
