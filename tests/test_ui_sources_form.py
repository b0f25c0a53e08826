"""The Sources dialog checks what is typed before saving, and says so in the form's words."""

from __future__ import annotations

import pytest

from app.http import HttpClient, SourceError
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
    client = HttpClient("https://histview-test.invalid", source_name="lab", retries=0)
    with pytest.raises(SourceError) as failure:
        client.get("/api")
    text = str(failure.value)
    assert "host name histview-test.invalid was not found" in text
    assert "NameResolutionError" not in text and "HTTPSConnection" not in text
