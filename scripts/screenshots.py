"""Regenerate the screenshots in docs/ from the demo data.

Usage (a display is needed for real fonts; Xvfb is enough):
    scripts/with-keyring xvfb-run -a -s "-screen 0 1600x1000x24" \
        /work/venv/bin/python scripts/screenshots.py [--out docs]

It starts the simulators exactly as ``histview demo`` does, syncs them into a throwaway
data folder, opens the real window and saves ``QWidget.grab()`` images of the main window,
the detail pane (a conference's timeline; a support session's artifacts, its recording and
chat log downloaded, the chat log read below the list) and the sources dialog.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import registry
from app.demo.launcher import register, start_simulators
from app.settings import Settings
from app.sync import sync_sources

SIZE = (1440, 900)


def prepare(data_dir: Path) -> list:
    demos = start_simulators(data_dir / "simulators", sys.stderr)
    configs = register(data_dir, demos)
    sync_sources(Settings(data_dir).cache_path, configs, registry.secret_lookup(data_dir))
    return demos


def pick_row(window, prefer: str = "beyondtrust") -> int:
    """A row whose session has events and artifacts (the most telling detail pane)."""
    model = window.model
    best = 0
    for row in range(min(model.rowCount(), 400)):
        session = model.session_at(row)
        if session and session["kind"] == prefer and session.get("has_recording"):
            return row
        if session and session.get("has_recording") and not best:
            best = row
    return best


def pick_conference(window) -> int:
    """The Pexip conference with the most participants among the newest rows."""
    model = window.model
    best, most = 0, 0
    for row in range(min(model.rowCount(), 600)):
        session = model.session_at(row)
        people = len(session.get("participants") or []) if session else 0
        if session and session["kind"] == "pexip" and 3 <= people <= 6 and people > most:
            best, most = row, people
    return best


def settle(app, rounds: int = 20) -> None:
    for _ in range(rounds):
        app.processEvents()


def shoot(out: Path, data_dir: Path) -> list[Path]:
    from PySide6.QtCore import QTimer

    from app.ui.app import application
    from app.ui.main_window import create_main_window

    app = application()
    window = create_main_window(data_dir)
    window.resize(*SIZE)
    window.show()
    settle(app)
    row = pick_row(window)
    window.select_rows([row])
    window.table.scrollTo(window.model.index(row, 0))
    window.detail.tabs.setCurrentIndex(1)
    settle(app, 60)
    saved = [out / "main-window.png", out / "detail.png", out / "sources-dialog.png",
             out / "artifacts.png"]
    window.grab().save(str(saved[0]))
    conference = pick_conference(window)  # spans per participant show the timeline best
    window.select_rows([conference])
    window.detail_split.setSizes([200, 640])
    window.detail.events_split.setSizes([260, 340])
    window.detail.events_view.setCurrentItem(window.detail.events_view.topLevelItem(0))
    settle(app, 60)
    window.detail.grab().save(str(saved[1]))
    shoot_download(app, window, row, saved[3])
    dialog = window.open_sources()
    dialog.edit_source(window.model.session_at(row)["source"])
    dialog.test_current()  # show a successful connection test
    for _ in range(400):
        if not dialog.message.text().startswith("Testing"):
            break
        settle(app, 1)
        time.sleep(0.01)
    settle(app, 40)
    dialog.grab().save(str(saved[2]))
    dialog.reject()
    QTimer.singleShot(0, window.close)
    settle(app)
    window.shutdown()
    return saved


def shoot_download(app, window, row: int, path: Path) -> None:
    """The Artifacts tab of a support session after downloading its recording and its chat
    log, the chat log open in the reader."""
    window.select_rows([row])
    window.detail.tabs.setCurrentIndex(2)
    settle(app)
    panel = window.detail.artifacts
    view = panel.view
    for kind in ("recording", "chat"):
        for index in range(view.topLevelItemCount()):
            if view.topLevelItem(index).text(0) == kind:
                view.setCurrentItem(view.topLevelItem(index))
        worker = panel.download_selected()
        while worker is not None and worker.is_running():
            settle(app, 1)
            time.sleep(0.01)
        settle(app, 40)
    window.detail.grab().save(str(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="histview-shots-") as tmp:
        data_dir = Path(tmp) / "data"
        demos = prepare(data_dir)
        try:
            for path in shoot(args.out, data_dir):
                print(path)
        finally:
            for demo in demos:
                demo.simulator.stop()
            for config in Settings(data_dir).sources():
                registry.remove_source(data_dir, config.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
