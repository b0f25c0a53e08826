"""Shared helpers for the window's tests: a cache filled through the real store, and the
real window on it. (No tests here; the name keeps it beside the tests it serves.)

The cache is written with ``Store.write_page`` and ``app.model`` records, exactly as a sync
writes it, so the window reads what it would read after a real sync.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from app.model import Artifact, Event, Session
from app.settings import Settings
from app.store import Store
from app.timeutil import format_utc

START = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
PEOPLE = ("Alice Martin", "Bob Okafor", "Chloé Dubois", "David Kim", "Emma Rossi")
TOPICS = ("Printer offline", "VPN drops", "Weekly sync", "Password reset", "Board call")


def make_session(index: int) -> tuple[Session, list[Event], list[Artifact]]:
    """Session ``index``: one hour after the previous, with two events and, for even
    indexes, a recording with a browser link."""
    sid = f"conf-{index:04d}"
    start = START + timedelta(hours=index)
    end = start + timedelta(minutes=10 + index % 50)
    people = [PEOPLE[index % 5], PEOPLE[(index + 2) % 5]]
    title = f"{TOPICS[index % 5]} #{index}"
    if index == 3:
        title = "=HYPERLINK(\"http://evil.example\")"  # a formula a stranger typed
    session = Session(
        session_id=sid, type="conference" if index % 4 else "call", title=title,
        start=format_utc(start), end=format_utc(end),
        duration_s=(end - start).total_seconds(), participants=people, status="ended",
        has_recording=index % 2 == 0, extra={"service_type": "conference", "tag": f"T{index}"},
        raw=json.dumps({"id": sid, "name": title, "participants": people}))
    events = [
        Event(sid, "join-0", format_utc(start), people[0], "participant_joined",
              end=format_utc(end), actor=people[0], detail=f"{people[0]} joined via WebRTC"),
        Event(sid, "note-1", format_utc(start + timedelta(minutes=3)), "System", "note",
              detail=f"ticket INC{1000 + index}", seq=1),
    ]
    artifacts = []
    if session.has_recording:
        artifacts.append(Artifact(sid, f"rec-{index}", "recording", f"Recording of {sid}",
                                  url=f"https://api.example.com/recordings/{index}",
                                  view_url=f"https://view.example.com/r/{index}"))
    return session, events, artifacts


def fill_cache(data_dir: Path, count: int, source: str = "video", kind: str = "pexip") -> None:
    """Write ``count`` sessions in pages of 100, as a sync would."""
    store = Store(Settings(data_dir).cache_path)
    try:
        for first in range(0, count, 100):
            parts = [make_session(i) for i in range(first, min(first + 100, count))]
            store.write_page(source, kind, "conference", {"offset": first},
                             sessions=[p[0] for p in parts],
                             events=[e for p in parts for e in p[1]],
                             artifacts=[a for p in parts for a in p[2]],
                             replace_children=True)
        store.set_status(source, "ok", items=count, synced=True)
    finally:
        store.close()


def window_factory(qtbot):
    """Yields a builder of real windows on a data folder; at teardown every window is
    closed and its workers cancelled and joined. Test files wrap it in a fixture."""
    from app.ui.main_window import create_main_window

    windows = []

    def build(data_dir: Path, show: bool = True):
        window = create_main_window(data_dir)
        qtbot.addWidget(window)
        if show:
            window.show()
            qtbot.waitExposed(window)
            window.windowHandle().requestActivate()  # keyboard shortcuts need it
            qtbot.waitUntil(window.isActiveWindow)
        windows.append(window)
        return window

    yield build
    for window in windows:
        window.shutdown()
        window.close()


def count_in(label_text: str) -> int:
    """The number in the status bar's row count label."""
    digits = "".join(ch for ch in label_text.split()[0] if ch.isdigit())
    return int(digits)


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@contextmanager
def opened_urls(scheme: str) -> Iterator[list[QUrl]]:
    """The URLs of ``scheme`` the window asks the desktop to open while inside, caught
    instead of opened (no browser or file manager starts during the tests)."""
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler(scheme, catcher, "open")
    try:
        yield catcher.urls
    finally:
        QDesktopServices.unsetUrlHandler(scheme)


def local_clock(monkeypatch, zone: str) -> Iterator[None]:
    """The machine's clock on ``zone`` for one test (a fixture body: ``yield from`` it), so
    local and UTC readings differ as they do for a user there."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
