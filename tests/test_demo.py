"""``histview demo``: every installed simulator started, registered (secrets in the real
keyring), synced into the demo's own folder, then a summary or the window."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys

from app import credentials, registry
from app.demo.launcher import run_demo
from app.model import KINDS
from app.settings import Settings
from app.store import Store
from tests.conftest import ROOT, files_containing


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


DRIVER = """
import io, json, sqlite3, sys
from contextlib import closing
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from app.demo.launcher import run_demo
from app.settings import Settings
from app.ui.app import application

report = {}

def look_at_window():
    window = next((w for w in QApplication.topLevelWidgets()
                   if w.objectName() == "mainWindow" and w.isVisible()), None)
    if window is None:
        QTimer.singleShot(50, look_at_window)
        return
    report["rows"] = window.model.rowCount()
    # Counted now: the second sync below may bring a session that ended since the first.
    with closing(sqlite3.connect(Settings(Path(sys.argv[1])).cache_path)) as cache:
        report["cached"] = cache.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]

    def synced(results):  # a second sync, from the window, reaches the same simulators
        report["ok"] = [r.ok for r in results]
        window.close()
        QApplication.quit()

    window.sync.sync_finished.connect(synced)
    window.start_sync([])

application()
QTimer.singleShot(0, look_at_window)
QTimer.singleShot(90_000, QApplication.quit)
report["code"] = run_demo(Path(sys.argv[1]), no_gui=False, out=io.StringIO())
print(json.dumps(report))
"""


def test_demo_opens_the_window_and_keeps_the_simulators_running(data_dir, tmp_path):
    """Run as its own process, as a user runs it: a process whose event loop has quit
    leaves the offscreen platform unable to activate the next test's windows."""
    driver = tmp_path / "drive_demo.py"
    driver.write_text(DRIVER)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(driver), str(data_dir)], capture_output=True,
                          text=True, timeout=180, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    assert report["rows"] == report["cached"] > 0  # the window shows every cached session
    assert sum(sessions_per_source(data_dir).values()) >= report["cached"]
    assert report["ok"] == [True] * len(installed_kinds())
    assert json.loads(Settings(data_dir).path.read_text())["ui"]  # the window saved its state
