"""The export dialog never replaces an existing file the user did not agree to replace."""

from __future__ import annotations

from pathlib import Path

from app.ui.export_dialog import ExportDialog


def test_an_existing_file_is_replaced_only_after_a_second_export(qtbot, tmp_path: Path):
    report = tmp_path / "weekly.csv"
    report.write_text("last week's numbers\n")
    dialog = ExportDialog(selected=0, matching=9097, start_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.path_edit.setText(str(report))
    dialog.accept()
    assert dialog.isVisible() and "already exists" in dialog.error.text()
    assert report.read_text() == "last week's numbers\n"
    dialog.accept()  # pressed again: the user agreed
    assert not dialog.isVisible() and dialog.result() == ExportDialog.DialogCode.Accepted


def test_a_folder_is_not_taken_for_a_file_and_counts_read_with_separators(qtbot, tmp_path):
    (tmp_path / "out.csv").mkdir()
    dialog = ExportDialog(selected=1200, matching=9097, start_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.path_edit.setText(str(tmp_path / "out.csv"))
    dialog.accept()
    assert dialog.isVisible() and "is a folder" in dialog.error.text()
    assert "9,097" in dialog.all_radio.text() and "1,200" in dialog.selected_radio.text()


def test_a_blank_file_name_or_the_root_folder_is_said_not_raised(qtbot, tmp_path):
    dialog = ExportDialog(selected=0, matching=10, start_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.open()
    for text, said in (("", "Choose a file"), ("   ", "Choose a file"), ("/", "is a folder")):
        dialog.path_edit.setText(text)
        dialog.accept()  # raised "PosixPath('.') has an empty name" and showed nothing
        assert dialog.isVisible() and said in dialog.error.text(), text


def test_a_folder_typed_as_the_file_means_a_named_file_inside_it(qtbot, tmp_path):
    folder = tmp_path / "exp"
    folder.mkdir()
    dialog = ExportDialog(selected=0, matching=10, start_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.path_edit.setText(str(folder))
    dialog.format_box.setCurrentIndex(2)  # JSON: a folder keeps its name, "exp.json" is wrong
    assert dialog.path_edit.text() == str(folder)
    dialog.format_box.setCurrentIndex(0)
    dialog.accept()  # wrote exp.csv beside the folder, a file the user never named
    assert dialog.isVisible() and dialog.path_edit.text() == str(folder / "sessions.csv")
    assert "is a folder" in dialog.error.text() and "sessions.csv" in dialog.error.text()
    dialog.accept()
    assert dialog.result() == ExportDialog.DialogCode.Accepted
    assert dialog.choice()[0] == folder / "sessions.csv"
    assert not (tmp_path / "exp.csv").exists()


def test_a_folder_that_takes_no_files_keeps_the_dialog_open_and_says_so(qtbot, tmp_path):
    dialog = ExportDialog(selected=0, matching=10, start_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.path_edit.setText("/proc/sessions.csv")  # refuses new files, root or not
    dialog.accept()  # closed, and the export then failed on its thread
    said = dialog.error.text()
    assert dialog.isVisible() and said.startswith("You can't save in /proc: ")
    assert "Choose another folder" in said and ".part" not in said and "Errno" not in said


def test_a_warning_about_one_file_goes_when_the_format_or_the_path_changes(qtbot, tmp_path):
    report = tmp_path / "exists.csv"
    report.write_text("kept\n")
    dialog = ExportDialog(selected=0, matching=10, start_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.path_edit.setText(str(report))
    dialog.accept()
    assert "exists.csv already exists" in dialog.error.text()
    dialog.format_box.setCurrentIndex(2)  # now exists.json: the warning stayed, naming .csv
    assert dialog.path_edit.text() == str(tmp_path / "exists.json")
    assert dialog.error.text() == ""
    dialog.format_box.setCurrentIndex(0)  # back to the file: asked again, not replaced unasked
    dialog.accept()
    assert dialog.isVisible() and "exists.csv already exists" in dialog.error.text()
    dialog.path_edit.setText(str(tmp_path / "other.csv"))
    assert dialog.error.text() == ""
