"""Restcomm sync speed: a support line's month (calls, recordings, two days of traces).

The simulator runs in its own process (as a real server would) with an optional per-request
latency; the sync follows ``next_page_uri`` sequentially (see ``app/sources/restcomm.py``
for why not concurrently). Prints the first sync (the whole month) and an incremental
sync three hours later (the boundary day re-read), with items, requests and seconds.
Run: ``python benchmarks/sync_restcomm.py [--calls-per-weekday 140] [--latency 0.1]
[--page-size 500]``.
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

from app.demo.restcomm import RestcommSimulator
from app.model import SourceConfig
from app.sources.base import SyncRequest
from app.sync import sync_sources

NOW = datetime(2021, 6, 30, 17, 0, tzinfo=UTC)
TOKEN = "benchmark-token"


def serve(calls: int, latency: float, ready, commands) -> None:
    sim = RestcommSimulator(now=NOW, calls_per_weekday=calls, auth_token=TOKEN,
                            latency_s=latency)
    sim.start()
    ready.put((sim.url, sim.account_sid, len(sim.visible_calls()),
               len(sim.visible_recordings()), len(sim.visible_traces())))
    while True:
        command = commands.get()
        if command == "stop":
            break
        sim.advance(command)
        ready.put(len(sim.requests))
    sim.stop()


def run(cache: Path, config: SourceConfig, now: datetime) -> tuple[float, int, int]:
    began = time.perf_counter()
    [result] = sync_sources(cache, [config], lambda c: TOKEN, SyncRequest(now=now))
    if not result.ok:
        raise SystemExit(f"sync failed: {result.error}")
    return time.perf_counter() - began, result.items, result.pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls-per-weekday", type=int, default=140)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--page-size", type=int, default=500)
    args = parser.parse_args()
    ready, commands = multiprocessing.Queue(), multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, daemon=True, args=(
        args.calls_per_weekday, args.latency, ready, commands))
    server.start()
    url, account, calls, recordings, traces = ready.get(timeout=60)
    print(f"month: {calls} calls, {recordings} recordings, {traces} traces; "
          f"latency {args.latency * 1000:.0f} ms, PageSize {args.page_size}")
    config = SourceConfig("bench", "restcomm", url + "/restcomm",
                          {"account_sid": account, "page_size": str(args.page_size)})
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "cache.db"
        seconds, items, pages = run(cache, config, NOW)
        commands.put(timedelta(0))
        asked = ready.get()
        print(f"first sync:       {items} items, {pages} pages, {asked} requests in "
              f"{seconds:.2f} s ({items / seconds:.0f} items/s)")
        commands.put(timedelta(hours=3))
        before = ready.get()
        seconds, items, pages = run(cache, config, NOW + timedelta(hours=3))
        commands.put(timedelta(0))
        asked = ready.get() - before
        print(f"incremental sync: {items} items, {pages} pages, {asked} requests in "
              f"{seconds:.2f} s")
    commands.put("stop")
    server.join(timeout=10)


if __name__ == "__main__":
    main()
