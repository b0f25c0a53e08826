"""Search and filter speed over a cache of 1,000,000 sessions.

Builds (once, then reuses) a cache at ``/tmp/histview-bench/search-1m.db`` through the real
schema and its full-text triggers, then prints the median in-process time of what
``histview sessions --search WORD --limit 100`` and a date-range filter run, for a common, a
middling and a rare word, a phone number typed as people write it (each Restcomm call has
a caller number in E.164; a number recurs every 10,000 calls), searches of exclusions only
(``-Ravi``: every session but a first name's), and each source's types (the window's Type
list, read at start-up and after every sync), and which of 200 selected sessions a
narrowed filter keeps (the window's selection through a filter change). Target: under 100 ms each.
Run: ``python benchmarks/search.py [--sessions N] [--rebuild] [--folder DIR]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.store import (
    SessionFilter,
    Store,
    queries,
)
from app.store.schema import phone_words

FOLDER = Path("/tmp/histview-bench")
FIRST = ["Alice", "Bob", "Chen", "Dana", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas",
         "Kavya", "Liam", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Ravi", "Sofia", "Tom"]
LAST = [f"Surname{i:03d}" for i in range(400)]
TOPICS = ["printer offline", "VPN drops", "password reset", "Outlook crash", "slow laptop",
          "license renewal", "docking station", "Teams audio", "MFA enrolment", "disk full"]
KINDS = [("pexip", "conference"), ("beyondtrust", "support_session"), ("msgraph", "pstn_call"),
         ("webex", "meeting"), ("restcomm", "call")]


def build(path: Path, count: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = Store(path)
    rng = random.Random(1)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    step = timedelta(days=730) / count
    batch = []
    began = time.perf_counter()
    for index in range(count):
        kind, type_ = KINDS[index % 5]
        people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(2, 4))]
        title = f"{rng.choice(TOPICS)} ticket {index}"
        when = start + step * index
        iso = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if kind == "restcomm":  # a caller's number, as REFRESH_SQL indexes it
            people.append(f"+1303555{index // 5 % 10_000:04d}")
        search = phone_words(" ".join([title, f"s{index}", *people, kind, type_]))
        batch.append((f"{kind}-demo", f"s{index}", kind, type_, title, iso, iso, 600.0,
                      json.dumps(people), None, "ended", 0, 0, "{}", search))
        if len(batch) == 20_000:
            _insert(store, batch)
            batch.clear()
    _insert(store, batch)
    store.db.execute("ANALYZE")
    store.close()
    print(f"built {count:,} sessions in {time.perf_counter() - began:.0f} s")


def _insert(store: Store, rows: list[tuple]) -> None:
    with store.db.atomic():
        store.db.conn.executemany(
            "INSERT INTO sessions (source, session_id, kind, type, title, start_time, end_time,"
            " duration_s, participants, direction, status, has_recording, has_transcript,"
            " extra, search_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)


def median_ms(run, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--folder", type=Path, default=FOLDER,
                        help=f"where the cache is built and kept (default {FOLDER})")
    args = parser.parse_args()
    path = args.folder / f"search-{args.sessions}.db"
    if args.rebuild or not path.exists():
        build(path, args.sessions)
    store = Store(path)
    conn = store.db.conn
    total = queries.count_sessions(conn, SessionFilter())
    print(f"cache: {total:,} sessions, {path.stat().st_size / 1e6:.0f} MB")
    for label, word in (("common word", "printer"), ("a person's name", "Surname123"),
                        ("rare word", "s765432"), ("phone number", "(303) 555-0100"),
                        ("phone number", "555-0100"), ("a source's kind", "webex"),
                        ("a source's kind and a word", "webex printer")):
        flt = SessionFilter(search=word)
        found = len(queries.list_sessions(conn, flt, limit=100))
        ms = median_ms(lambda flt=flt: queries.list_sessions(conn, flt, limit=100))
        print(f"sessions --search {word!r} ({label}, {found} shown): median {ms:.1f} ms")
    for word in ("-Ravi", "NOT printer", "-Surname123 -Ravi"):
        flt = SessionFilter(search=word)
        found = len(queries.list_sessions(conn, flt, limit=100))
        ms = median_ms(lambda flt=flt: queries.list_sessions(conn, flt, limit=100))
        print(f"sessions --search {word!r} (exclusions only, {found} shown): median {ms:.1f} ms")
    flt = SessionFilter(search="-Ravi")
    ms = median_ms(lambda: queries.count_sessions(conn, flt), 5)
    print(f"count of sessions without 'Ravi': median {ms:.1f} ms")
    indexed = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                           (queries.SOURCE_TYPE_INDEX,)).fetchone()
    ms = median_ms(lambda: queries.source_types(conn), 5)
    print(f"each source's types ({'with' if indexed else 'WITHOUT'} "
          f"{queries.SOURCE_TYPE_INDEX}): median {ms:.1f} ms")
    flt = SessionFilter(start_from="2025-03-01T00:00:00Z", start_to="2025-03-08T00:00:00Z")
    ms = median_ms(lambda flt=flt: queries.list_sessions(conn, flt, limit=100))
    print(f"sessions --from 2025-03-01 --to 2025-03-08 --limit 100: median {ms:.1f} ms")
    flt = SessionFilter(search="printer", source="webex-demo", start_from="2025-01-01T00:00:00Z")
    ms = median_ms(lambda flt=flt: queries.list_sessions(conn, flt, limit=100))
    print(f"search + source + date range: median {ms:.1f} ms")
    ms = median_ms(lambda: queries.count_sessions(conn, SessionFilter(search="printer")), 5)
    print(f"count of 'printer' matches (the window's row count): median {ms:.1f} ms")
    selected = [(s["source"], s["session_id"]) for s in queries.list_sessions(
        conn, SessionFilter(), limit=200, offset=300_000)]
    for flt in (SessionFilter(type="support_session"), SessionFilter(search="ticket"),
                SessionFilter(search="-Ravi", source="beyondtrust-demo")):
        kept = len(queries.matching_keys(conn, flt, selected))
        ms = median_ms(lambda flt=flt: queries.matching_keys(conn, flt, selected))
        print(f"which of 200 selected sessions {_described(flt)} keeps ({kept}): "
              f"median {ms:.1f} ms")
    store.close()
    print("target: under 100 ms each")


def _described(flt: SessionFilter) -> str:
    return " ".join(f"{name}={value!r}" for name, value in vars(flt).items() if value)


if __name__ == "__main__":
    main()
