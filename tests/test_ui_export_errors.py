"""Export from the real window: the file lands where the user named it, and a folder it
cannot be written to is said in words, naming the user's file (never a hidden temp file)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject

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
