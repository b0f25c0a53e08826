"""``histview demo``: every installed simulator started, registered (secrets in the real
keyring), synced into the demo's own folder, then a summary or the window."""

from __future__ import annotations

import importlib.util
import io
import json

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app import credentials, registry
from app.demo.launcher import run_demo
from app.model import KINDS
from app.settings import Settings
from app.store import Store
from tests.conftest import files_containing


def installed_kinds() -> list[str]:
    return [k for k in KINDS if importlib.util.find_spec(f"app.demo.{k}")
            and importlib.util.find_spec(f"app.sources.{k}")]


def sessions_per_source(data_dir) -> dict[str, int]:
    store = Store(Settings(data_dir).cache_path)
    try:
        return dict(store.db.conn.execute(
            "SELECT source, COUNT(*) FROM sessions GROUP BY source").fetchall())
    finally:
        store.close()


def test_demo_without_window_syncs_every_installed_simulator(data_dir, capsys):
    out = io.StringIO()
    assert run_demo(data_dir, no_gui=True, out=out) == 0
    kinds = installed_kinds()
    assert kinds, "at least the Pexip simulator is installed"
    counts = sessions_per_source(data_dir)
    table = out.getvalue().splitlines()
    assert table[0].split() == ["SOURCE", "SESSIONS", "STATUS"]
    for kind in kinds:
        name = f"{kind}-demo"
        assert counts.get(name, 0) > 0, f"{name} synced nothing"
        assert any(line.split()[:3] == [name, str(counts[name]), "ok"] for line in table)
    key = registry.data_key(data_dir)
    configs = Settings(data_dir).sources()
    assert sorted(c.name for c in configs) == sorted(f"{k}-demo" for k in kinds)
    secrets = [credentials.get_secret(key, c.name) for c in configs]
    assert all(secrets)  # in the keyring...
    for secret in secrets:  # ...and nowhere in the demo folder
        assert files_containing(data_dir, secret) == []
    err = capsys.readouterr().err
    for kind in set(KINDS) - set(kinds):
        assert f"skipping {kind}" in err


def test_demo_opens_the_window_and_keeps_the_simulators_running(data_dir, qapp, qtbot):
    report: dict[str, object] = {}

    def look_at_window() -> None:
        window = next((w for w in QApplication.topLevelWidgets()
                       if w.objectName() == "mainWindow" and w.isVisible()), None)
        if window is None:
            QTimer.singleShot(50, look_at_window)
            return
        report["rows"] = window.model.rowCount()

        def synced(results) -> None:  # a second sync reaches the same simulators
            report["ok"] = [r.ok for r in results]
            window.close()
            QApplication.quit()

        window.sync.sync_finished.connect(synced)
        window.start_sync([])

    QTimer.singleShot(0, look_at_window)
    safety = QTimer(singleShot=True, interval=90_000)
    safety.timeout.connect(QApplication.quit)
    safety.start()
    try:
        assert run_demo(data_dir, no_gui=False, out=io.StringIO()) == 0
    finally:
        safety.stop()
    assert report["rows"] == sum(sessions_per_source(data_dir).values()) > 0
    assert report["ok"] == [True] * len(installed_kinds())
    assert json.loads(Settings(data_dir).path.read_text())["ui"]  # the window saved its state
