"""How fast the window opens, searches and sorts a cache of 1,000,000 sessions.

Usage: ``python benchmarks/window.py [--sessions N] [--data-dir DIR]``

The cache is generated once (executemany straight into the store's schema, full-text index
included) under /tmp and reused on later runs. The window is the real one
(``create_main_window``) on the offscreen platform unless a display is set. Printed figures:

- start to first rows painted: from the process's own start (kernel clock, so interpreter
  and import time count) to the first paint of the sessions table with rows in it;
- search repaint: from applying a search to the table's next paint (debounce excluded);
- sort by start: from clicking the start column's sort to the next paint;
- peak memory: the process's maximum resident set size.

Targets (issue 5): first rows < 2 s, search and sort < 200 ms, peak < 400 MB.
"""

from __future__ import annotations

import os
import time

_T0_WALL = time.time()

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_DIR = Path("/tmp/histview-bench-window")
SOURCES = (("pexip-hq", "pexip", "conference"), ("bt-support", "beyondtrust", "support_session"),
           ("graph", "msgraph", "pstn_call"), ("webex", "webex", "meeting"),
           ("restcomm", "restcomm", "call"))
FIRST = ("Anna", "Ben", "Chloé", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "José",
         "Karin", "Liam", "Maya", "Noah", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara")
LAST = ("Andersen", "Brown", "Costa", "Dubois", "Evans", "Fischer", "García", "Hansen",
        "Ito", "Jensen", "Kowalski", "López", "Müller", "Nakamura", "Olsen", "Petrov")
TOPICS = ("Weekly sync", "Escalation", "Onboarding", "Printer offline", "VPN drops",
          "Quarterly review", "Password reset", "Outlook crash", "Board call", "Sales demo")
COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka")


def process_start_wall() -> float:
    """When the kernel started this process (so import time counts), as a UNIX time."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[19])
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, StopIteration):
        return _T0_WALL


def _rows(count: int, seed: int = 7):
    rng = random.Random(seed)
    end = datetime(2025, 6, 1, tzinfo=UTC)
    step = timedelta(days=730) / count
    for index in range(count):
        source, kind, type_ = SOURCES[index % len(SOURCES)]
        start = end - step * index - timedelta(seconds=rng.randint(0, 50))
        duration = rng.randint(30, 5400)
        people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 4))]
        company = rng.choice(COMPANIES)
        title = f"{rng.choice(TOPICS)} – {company}"
        extra = {"company": company, "ticket": f"INC{rng.randint(10000, 99999)}"}
        sid = f"{kind[:2]}-{index:07d}"
        search = " ".join([sid, title, *people, company, extra["ticket"]])
        yield (source, sid, kind, type_, title, start.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
               (start + timedelta(seconds=duration)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
               float(duration), json.dumps(people), None, "completed", index % 7 == 0,
               index % 11 == 0, json.dumps(extra), search)


def schema_of(path: Path | None) -> str:
    """The cache schema's text, to notice a reused cache built by an older schema."""
    from app.store import Store

    store = Store(path)
    try:
        rows = store.db.conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                                     "AND name NOT LIKE '%_fts_%' ORDER BY name").fetchall()
    finally:
        store.close()
    return json.dumps(rows)


def build_cache(path: Path, count: int) -> None:
    """Fill a fresh cache with ``count`` sessions in one transaction (a minute or two)."""
    from app.store import Store

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    Store(tmp).close()
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    with conn:
        conn.executemany(
            "INSERT INTO sessions (source, session_id, kind, type, title, start_time, end_time,"
            " duration_s, participants, direction, status, has_recording, has_transcript,"
            " extra, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _rows(count))
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        conn.executemany("INSERT INTO source_status (source, status, last_sync_at) "
                         "VALUES (?, 'ok', ?)", [(s[0], now) for s in SOURCES])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    os.replace(tmp, path)


def cache_is_current(data_dir: Path, count: int) -> bool:
    cache, marker = data_dir / "cache.db", data_dir / "cache.fingerprint"
    if not cache.exists() or not marker.exists():
        return False
    return marker.read_text() == json.dumps([count, schema_of(None)])


def generate(data_dir: Path, count: int) -> None:
    started = time.perf_counter()
    print(f"generating {count:,} sessions in {data_dir} (once; reused later)...", flush=True)
    build_cache(data_dir / "cache.db", count)
    (data_dir / "cache.fingerprint").write_text(json.dumps([count, schema_of(None)]))
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)


def reset_settings(data_dir: Path) -> None:
    """Fresh sources and no remembered window state, so every run measures the same thing."""
    settings = {"sources": [{"name": s[0], "kind": s[1], "url": "https://example.invalid",
                             "options": {}, "ca_bundle": None, "insecure": False}
                            for s in SOURCES]}
    (data_dir / "settings.json").write_text(json.dumps(settings))


# -- measuring ---------------------------------------------------------------------------------

def _paint_waiter(app, viewport):
    """A function that runs the event loop until the table's viewport has painted again."""
    from PySide6.QtCore import QEvent, QObject

    class Painted(QObject):
        seen = False

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                Painted.seen = True
            return False

    spy = Painted()
    viewport.installEventFilter(spy)

    def wait(limit_s: float = 30.0) -> float:
        Painted.seen = False
        viewport.update()
        deadline = time.perf_counter() + limit_s
        while not Painted.seen and time.perf_counter() < deadline:
            app.processEvents()
        return time.perf_counter()

    wait.spy = spy  # keep it alive
    return wait


def measure(data_dir: Path) -> dict[str, float]:
    """Open the window and time the first paint, searches, sorts and a jump to the end."""
    t0 = process_start_wall()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY")
                          else "xcb")
    from PySide6.QtCore import Qt

    from app.ui.app import application
    from app.ui.main_window import create_main_window

    app = application()
    window = create_main_window(data_dir)
    window.resize(1440, 900)
    window.show()
    wait = _paint_waiter(app, window.table.viewport())
    wait()
    figures = {"first rows painted (s since process start)": time.time() - t0,
               "rows": window.model.rowCount()}
    for text in ("Müller", "anna acme", "INC12345", "a"):
        started = time.perf_counter()
        window.filter_bar.search_box.setText(text)
        window.filter_bar.apply_now()  # the 250 ms typing pause is not the table's cost
        figures[f"search {text!r} repaint (ms, {window.model.rowCount()} rows)"] = (
            wait() - started) * 1000
    window.filter_bar.clear()
    wait()
    for label, order in (("ascending", 0), ("descending", 1)):
        started = time.perf_counter()
        window.table.sortByColumn(0, Qt.SortOrder(order))
        figures[f"sort by start {label} repaint (ms)"] = (wait() - started) * 1000
    started = time.perf_counter()
    window.table.scrollToBottom()
    figures["jump to the last row repaint (ms)"] = (wait() - started) * 1000
    figures["peak memory (MB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    window.shutdown()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args()
    data_dir = args.data_dir if args.sessions == 1_000_000 else Path(
        f"{args.data_dir}-{args.sessions}")
    data_dir.mkdir(parents=True, exist_ok=True)
    if not cache_is_current(data_dir, args.sessions):
        generate(data_dir, args.sessions)
        # Measure in a fresh process: generating must not count as start-up or memory.
        return subprocess.run([sys.executable, *sys.argv], check=False).returncode
    reset_settings(data_dir)
    figures = measure(data_dir)
    print(f"cache: {data_dir / 'cache.db'} ({figures.pop('rows'):,} sessions)")
    for name, value in figures.items():
        unit_ms = "(ms" in name
        print(f"  {name:<52} {value:10.0f}" if unit_ms else f"  {name:<52} {value:10.2f}")
    print("targets: first rows < 2 s; search and sort < 200 ms; peak memory < 400 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
