"""BeyondTrust sync speed: sessions per second parsed and stored for a busy appliance day.

A day of 2,000 support sessions with 50 ``session_details`` events each (yesterday, UTC):
1. parse + store alone: the SupportSession XML the appliance would send (batches of 100
   sessions, as the sync asks for them) parsed, normalized and written to a fresh cache;
2. the whole sync against the simulator on loopback, the simulator in its own process:
   a first sync (listing + ``lsids=`` batches) and a ``--since`` sync of the same day
   (``start_time`` windows).
Run: ``python benchmarks/sync_beyondtrust.py [--sessions 2000] [--events 50]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.demo.beyondtrust import NAMESPACES, BeyondTrustSimulator
from app.demo.beyondtrust_timeline import busy_day
from app.demo.beyondtrust_xml import document, session_xml
from app.model import SourceConfig
from app.sources.base import SyncRequest
from app.sources.beyondtrust import BATCH, BeyondTrustSource
from app.sources.beyondtrust_parse import parse_sessions
from app.store import Store
from app.sync import sync_sources

SECRET = "benchmark-secret"


def yesterday() -> int:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((today - timedelta(days=1)).timestamp())


def parse_and_store(count: int, events: int) -> None:
    sessions = busy_day(yesterday(), count, events)
    now = int(time.time())
    bodies = [document("session_list", NAMESPACES["current"], "".join(
        session_xml(s, "http://127.0.0.1:1", now) for s in sessions[i:i + BATCH]))
        for i in range(0, len(sessions), BATCH)]
    megabytes = sum(len(b) for b in bodies) / 1e6
    total_events = sum(len(s.events) for s in sessions)
    print(f"  {len(sessions)} sessions, {total_events} events, {megabytes:.1f} MB of XML "
          f"in {len(bodies)} answers")
    source = BeyondTrustSource(SourceConfig("bench", "beyondtrust", "http://127.0.0.1:1",
                                            {"client_id": "bench"}), SECRET)
    began = time.perf_counter()
    pages = [source.page(parse_sessions(body), {}) for body in bodies]
    parsed_s = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "cache.db")
        began_store = time.perf_counter()
        for page in pages:
            store.write_page("bench", "beyondtrust", "support_session", page.checkpoint,
                             sessions=page.sessions, events=page.events,
                             artifacts=page.artifacts, raw=page.raw, replace_children=True)
        stored_s = time.perf_counter() - began_store
        store.close()
    print(f"  parse + normalize: {len(sessions) / parsed_s:,.0f} sessions/s ({parsed_s:.2f} s)")
    print(f"  store:             {len(sessions) / stored_s:,.0f} sessions/s ({stored_s:.2f} s)")
    both = parsed_s + stored_s
    print(f"  parse + store:     {len(sessions) / both:,.0f} sessions/s ({both:.2f} s)")


def _serve(count: int, events: int, pipe) -> None:
    simulator = BeyondTrustSimulator(busy_day(yesterday(), count, events), client_id="bench",
                                     client_secret=SECRET)
    pipe.send(simulator.start())
    pipe.recv()  # until the parent is done
    simulator.stop()


def over_loopback(count: int, events: int) -> None:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_serve, args=(count, events, child), daemon=True)
    process.start()
    url = parent.recv()
    try:
        config = SourceConfig("bench", "beyondtrust", url, {"client_id": "bench"})
        since = datetime.fromtimestamp(yesterday(), UTC)
        for label, request in (("first sync (listing + lsids batches)", SyncRequest()),
                               ("--since that day (start_time windows)",
                                SyncRequest(since=since, until=since + timedelta(days=1)))):
            with tempfile.TemporaryDirectory() as folder:
                began = time.perf_counter()
                [result] = sync_sources(Path(folder) / "cache.db", [config],
                                        lambda c: SECRET, request=request)
                elapsed = time.perf_counter() - began
            if not result.ok:
                raise SystemExit(f"sync failed: {result.error}")
            print(f"  {label}: {result.items} sessions in {elapsed:.2f} s "
                  f"({result.items / elapsed:,.0f} sessions/s, {result.pages} pages)")
    finally:
        parent.send("stop")
        process.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50)
    args = parser.parse_args()
    print("parse + store alone:")
    parse_and_store(args.sessions, args.events)
    print("sync against the simulator on loopback:")
    over_loopback(args.sessions, args.events)


if __name__ == "__main__":
    main()
