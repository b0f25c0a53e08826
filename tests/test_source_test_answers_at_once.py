"""Testing a source answers at once when its host cannot be reached; a sync retries a
host that answered before, and one that never did only once.

A person waits for Test connection (and ``histview source test``): the retries that let a
sync ride out a restarting server took 0.5 + 1 + 2 + 4 = 7.5 s to say "Connection refused".
Every server here is real and on loopback: a closed port (bound, then closed), and a door
that accepts each connection and shuts it at once, counting how many tries a client made.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from app import http
from app.demo.pexip import PexipSimulator
from app.http import INTERACTIVE, PATIENT, HttpClient, SourceError
from app.model import SourceConfig
from app.sources import create_source
from app.sources.base import Cancelled, CancelToken
from tests.test_ui_support import window_factory

SECRET = "Pexip-s3cret-pw"
REFUSED = "Connection refused"  # the operating system's words, which the dialog shows


@pytest.fixture
def make_window(qtbot):
    yield from window_factory(qtbot)


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening: bound to get a free one, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SlammingDoor:
    """A loopback server that accepts each connection and closes it unanswered, as a
    server restarting does. ``accepted`` counts the connections: one per try."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        deadline = time.monotonic() + 120  # stops by itself whatever a test does
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1  # before the close: a client that saw the close sees the count
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture
def door() -> Iterator[SlammingDoor]:
    server = SlammingDoor()
    yield server
    server.stop()


@contextmanager
def retry_log() -> Iterator[list[str]]:
    """The "retrying in …" lines ``histview -v`` prints, caught at their logger."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("histview.http")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_the_dialog_says_connection_refused_without_retrying(data_dir, make_window, qtbot,
                                                             closed_port):
    dialog = make_window(data_dir).open_sources()
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("pexip"))
    dialog.name_edit.setText("video")
    dialog.url_edit.setText(f"http://127.0.0.1:{closed_port}")
    dialog._option_edits["username"].setText("admin")
    dialog.secret_edit.setText(SECRET)
    with retry_log() as retries:
        dialog.test_current()
        qtbot.waitUntil(lambda: dialog.message.text().startswith("✗"), timeout=20000)
    text = dialog.message.text()
    assert f"could not reach http://127.0.0.1:{closed_port}" in text and REFUSED in text
    assert SECRET not in text
    assert retries == []  # before: four "retrying in …" waits first
    qtbot.waitUntil(dialog.test_button.isEnabled)
    dialog.reject()


def test_the_dialog_tries_a_dropped_connection_once(data_dir, make_window, qtbot, door):
    dialog = make_window(data_dir).open_sources()
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("pexip"))
    dialog.name_edit.setText("video")
    dialog.url_edit.setText(door.url)
    dialog._option_edits["username"].setText("admin")
    dialog.secret_edit.setText(SECRET)
    dialog.test_current()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("✗"), timeout=20000)
    assert f"could not reach {door.url}" in dialog.message.text()
    assert door.accepted == 1  # before: 5, one and four retries
    dialog.reject()


def add_source(cli, url: str) -> None:
    added = cli("source", "add", "pexip", "px", "--url", url, "--username", "admin",
                "--secret-stdin", stdin=f"{SECRET}\n")
    assert added.code == 0, added.err


def test_source_test_on_the_command_line_answers_at_once(cli, closed_port, door):
    add_source(cli, f"http://127.0.0.1:{closed_port}")
    result = cli("-v", "source", "test", "px")
    assert result.code == 1
    assert "px: could not reach" in result.err and REFUSED in result.err
    assert "retrying" not in result.err and SECRET not in result.err + result.out
    cli("source", "remove", "px")
    add_source(cli, door.url)
    assert cli("source", "test", "px").code == 1
    assert door.accepted == 1


def test_a_sync_gives_a_host_that_never_answered_one_more_try(cli, door):
    """Before, every try of the patient policy: five offline sources took 37 s in the
    window to say "Connection refused" five times."""
    add_source(cli, door.url)
    result = cli("-v", "sync")
    assert result.code == 1 and "could not reach" in result.err
    assert result.err.count("retrying in") == PATIENT.first_contact_retries == 1
    assert door.accepted == 2


def test_a_sync_rides_out_connections_dropped_after_the_server_answered(cli):
    sim = PexipSimulator(conferences=30, password=SECRET)
    sim.start()
    try:
        add_source(cli, sim.url)
        sim.faults.add("drop", count=http.RETRIES, path_contains="participant")
        result = cli("-v", "sync")
    finally:
        sim.stop()
    assert result.code == 0, result.err
    assert result.err.count("retrying in") == http.RETRIES


@pytest.mark.parametrize("url", ["closed port", "https://histview-test.invalid"])
def test_the_client_retries_an_unreachable_host_only_when_patient(url, closed_port):
    url = f"http://127.0.0.1:{closed_port}" if url == "closed port" else url
    waits: dict[str, list[float]] = {}
    for name, policy in (("interactive", INTERACTIVE), ("patient", PATIENT)):
        waits[name] = []
        client = HttpClient(url, source_name="lab", retry=policy, pause=waits[name].append)
        with pytest.raises(SourceError) as failure:
            client.get("/api")
        assert failure.value.unreachable
    assert waits["interactive"] == []
    assert len(waits["patient"]) == PATIENT.first_contact_retries  # it never answered


def test_a_test_waiting_out_a_busy_server_still_ends_on_cancel():
    """429 Retry-After is still honoured while testing, and a cancel still ends the wait."""
    sim = PexipSimulator(conferences=5, password=SECRET)
    sim.start()
    try:
        sim.faults.add("429", count=5, retry_after="600")
        config = SourceConfig("px", "pexip", sim.url, {"username": "admin"})
        cancel, outcome = CancelToken(), []
        source = create_source(config, SECRET, cancel)

        def test() -> None:
            try:
                outcome.append(source.check())
            except (Cancelled, SourceError) as error:
                outcome.append(error)

        testing = threading.Thread(target=test, daemon=True)
        testing.start()
        while not sim.requests:
            time.sleep(0.01)
        cancel.cancel()
        testing.join(timeout=30)
        assert not testing.is_alive() and isinstance(outcome[0], Cancelled)
        assert len(sim.requests) == 1
        assert source.retry is PATIENT  # the quick answers last only while testing
    finally:
        sim.stop()
