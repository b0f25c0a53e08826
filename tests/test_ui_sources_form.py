"""The Sources dialog checks what is typed before saving, and says so in the form's words."""

from __future__ import annotations

import pytest

from app.http import HttpClient, RetryPolicy, SourceError
from app.settings import Settings
from tests.test_ui_support import window_factory


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


def pexip_form(window, **fields: str):
    dialog = window.open_sources()
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("pexip"))
    dialog.name_edit.setText("video")
    dialog.url_edit.setText(fields.pop("url", "https://manager.example.com"))
    dialog.secret_edit.setText("pw")
    for name, value in fields.items():
        dialog._option_edits[name].setText(value)
    return dialog


@pytest.mark.parametrize("fields, message", [
    ({"username": "admin", "page_size": "reports"},
     "Page size must be a whole number from 1 to 10,000, not 'reports'."),
    ({"username": "admin", "workers": "0"},
     "Workers must be a whole number from 1 to 16, not '0'."),
    ({}, "Username is required for a pexip source."),
    ({"username": "admin", "url": "manager.example.com"}, "it starts with https://"),
])
def test_a_form_with_a_bad_field_is_not_saved_and_names_the_field(data_dir, make_window,
                                                                   fields, message):
    dialog = pexip_form(make_window(data_dir), **fields)
    assert not dialog.save()
    assert message in dialog.message.text() and "--" not in dialog.message.text()
    assert Settings(data_dir).source("video") is None
    dialog.reject()


def test_a_good_number_is_saved_as_a_number(data_dir, make_window):
    dialog = pexip_form(make_window(data_dir), username="admin", page_size=" 500 ")
    assert dialog.save(), dialog.message.text()
    assert Settings(data_dir).source("video").options["page_size"] == "500"
    dialog.reject()


def test_an_unknown_host_is_named_in_plain_words():
    client = HttpClient("https://histview-test.invalid", source_name="lab",
                        retry=RetryPolicy(retries=0))
    with pytest.raises(SourceError) as failure:
        client.get("/api")
    text = str(failure.value)
    assert "host name histview-test.invalid was not found" in text
    assert "NameResolutionError" not in text and "HTTPSConnection" not in text


def answer_next_box(qtbot, button) -> None:
    """Press ``button`` in the message box that the next action opens (it runs modal)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def press() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            box.button(button).click()
        else:
            QTimer.singleShot(20, press)

    QTimer.singleShot(20, press)


def test_switching_sources_with_unsaved_changes_asks_first(data_dir, make_window, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from app import registry
    from app.model import SourceConfig

    for name in ("london", "berlin"):
        registry.add_source(data_dir, SourceConfig(name, "pexip", "https://mgr.example.com",
                                                   {"username": "admin"}), "pw")
    dialog = make_window(data_dir).open_sources()
    dialog.edit_source("london")
    dialog.url_edit.setText("https://london-mgr.example.com")
    answer_next_box(qtbot, QMessageBox.StandardButton.Cancel)
    dialog.edit_source("berlin")
    assert dialog.name_edit.text() == "london"  # still editing, the typed URL kept
    assert dialog.url_edit.text() == "https://london-mgr.example.com"
    assert dialog.list.currentItem().text() == "london"
    answer_next_box(qtbot, QMessageBox.StandardButton.Save)
    dialog.edit_source("berlin")
    assert dialog.name_edit.text() == "berlin"
    assert Settings(data_dir).source("london").url == "https://london-mgr.example.com"
    dialog.url_edit.setText("https://typo")
    answer_next_box(qtbot, QMessageBox.StandardButton.Discard)
    dialog.new_source()
    assert dialog.name_edit.text() == "" and dialog.url_edit.text() == ""
    assert Settings(data_dir).source("berlin").url == "https://mgr.example.com"
    dialog.edit_source("london")  # nothing typed since: no question (none is answered)
    assert dialog.name_edit.text() == "london"
    dialog.reject()


def test_the_kind_list_names_each_product_and_what_histview_keeps_of_it(data_dir,
                                                                         make_window):
    dialog = make_window(data_dir).open_sources()
    captions = {dialog.kind_box.itemData(i): dialog.kind_box.itemText(i)
                for i in range(dialog.kind_box.count())}
    assert captions["msgraph"] == "Microsoft Graph: Teams PSTN and Direct Routing calls " \
                                  "(msgraph)"
    assert captions["pexip"] == "Pexip Infinity: conference history (pexip)"
    assert all(caption.endswith(f"({kind})") and len(caption) > len(kind) + 10
               for kind, caption in captions.items())


def test_a_new_source_never_replaces_one_of_the_same_name(data_dir, make_window):
    dialog = pexip_form(make_window(data_dir), username="admin")
    assert dialog.save(), dialog.message.text()
    kept = Settings(data_dir).source("video")

    dialog.new_source()  # the New source button: a blank form
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("pexip"))
    dialog.url_edit.setText("https://other.example.com")
    dialog._option_edits["username"].setText("intruder")
    dialog.secret_edit.setText("new-pass")
    for name in ("video", "VIDEO"):
        dialog.name_edit.setText(name)
        assert not dialog.save()
        assert "A source named video exists already" in dialog.message.text()

    assert [c.name for c in Settings(data_dir).sources()] == ["video"]
    assert Settings(data_dir).source("video") == kept
    dialog.source_form.clear()  # nothing unsaved to ask about
    dialog.reject()


@pytest.fixture
def sources_dialog(data_dir, qtbot):
    """The Sources dialog on its own, shown (focus and visibility need a shown window)."""
    from app.ui.sources_dialog import SourcesDialog

    dialog = SourcesDialog(data_dir)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    yield dialog
    dialog.source_form.clear()  # nothing unsaved to ask about on close
    dialog.reject()


def test_changing_the_kind_clears_a_stale_error(data_dir, sources_dialog):
    dialog = sources_dialog
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("pexip"))
    dialog.name_edit.setText("video")
    dialog.url_edit.setText("https://manager.example.com")
    dialog.secret_edit.setText("pw")
    assert not dialog.save()
    assert "Username is required" in dialog.message.text()
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("webex"))
    assert dialog.message.text() == ""

    dialog.secret_edit.clear()
    dialog.test_current()  # a failed connection test: no secret typed
    assert "Type the secret first" in dialog.message.text()
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("restcomm"))
    assert dialog.message.text() == ""


def test_editing_the_field_an_error_names_clears_it_and_only_that_field(data_dir,
                                                                         sources_dialog):
    dialog = sources_dialog
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("pexip"))
    dialog.name_edit.setText("video")
    dialog.url_edit.setText("https://manager.example.com")
    dialog.secret_edit.setText("pw")
    dialog._option_edits["username"].setText("admin")
    dialog._option_edits["page_size"].setText("reports")
    assert not dialog.save()
    error = dialog.message.text()
    assert "Page size must be" in error
    dialog.url_edit.setText("https://manager2.example.com")  # another field: still wrong
    assert dialog.message.text() == error
    dialog._option_edits["page_size"].setText("500")
    assert dialog.message.text() == ""
    assert dialog.save(), dialog.message.text()
    assert dialog.message.text().startswith("Saved video")


def tab_stops_before_save(dialog) -> list:
    """The widgets Tab visits from the name field up to Save, as the focus chain has them."""
    from PySide6.QtCore import Qt

    stops, widget = [], dialog.name_edit
    while widget is not dialog.save_button:
        if (widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible()
                and widget.isEnabled()):
            stops.append(widget)
        widget = widget.nextInFocusChain()
        assert widget is not dialog.name_edit, "Save is not in the focus chain"
    return stops


@pytest.mark.parametrize("kinds", [("msgraph",), ("restcomm",), ("pexip", "beyondtrust"),
                                   ("msgraph", "webex", "restcomm")])
def test_tab_goes_down_the_form_through_the_kind_s_options_before_the_buttons(
        sources_dialog, qtbot, kinds):
    from PySide6.QtWidgets import QCheckBox, QLineEdit

    dialog = sources_dialog
    for kind in kinds:
        dialog.kind_box.setCurrentIndex(dialog.kind_box.findData(kind))
    # (a widget added to a shown layout is shown by the event loop, a moment later)
    qtbot.waitUntil(lambda: all(e.isVisible() for e in dialog._option_edits.values()))
    stops = tab_stops_before_save(dialog)
    fields = [w for w in stops if isinstance(w, QLineEdit | QCheckBox)]
    assert fields == [dialog.name_edit, dialog.url_edit, *dialog._option_edits.values(),
                      dialog.secret_edit, dialog.source_form.ca_edit,
                      dialog.source_form.insecure_check], [w.objectName() for w in fields]
    assert stops[-1] is dialog.test_button  # the buttons after the form

    dialog.name_edit.setFocus()  # and real Tab presses take the same path
    qtbot.waitUntil(dialog.name_edit.hasFocus)
    visited = []
    while not dialog.save_button.hasFocus() and len(visited) <= len(stops):
        visited.append(dialog.focusWidget())
        dialog.focusNextChild()
    assert visited == stops
