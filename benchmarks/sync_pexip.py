"""Pexip sync speed: histview's sync against a plain sequential page-by-page crawl.

Prints, for 10,000 conferences with about 30,000 participants on a loopback simulator in its
own process: items per second at zero latency and the cache's cost over the crawl alone, and
at 100 ms per page the ratio of histview's sync time to the sequential crawl of the same
pages. Run: ``python benchmarks/sync_pexip.py [--conferences N] [--latency 0.1]``.

Each case also times the two floors of a sync. "Fetch only": the same pages fetched and
decoded the way histview fetches them (``--workers`` at a time) with nothing stored, the
network's and the server's share. "Store only": the same pages, fetched and normalized
beforehand, written into a fresh cache page by page as the engine writes them, the cache's
share. A sync does both, its writing on one thread (SQLite has one writer), so it can be no
faster than either.

Each step also prints the CPU seconds it took in this process (the client) and in the
simulator's, and each case a "CPU floor": that CPU spread over every core of the machine, the
soonest any sync doing the same work could end here, however well it overlapped fetching and
storing. A target below the floor can only be met by doing less work per item.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _pexip_server

from app.model import SourceConfig
from app.sources import create_source
from app.sources.base import CancelToken, SyncRequest
from app.store import Store
from app.sync import store_page, sync_sources

API = "/api/admin/history/v1/"


def sequential_crawl(url: str, auth: tuple[str, str], page_size: int) -> tuple[int, float]:
    """What a simple client does: each list, page after page, following ``meta.next``."""
    began = time.perf_counter()
    items = 0
    with requests.Session() as session:
        session.auth = auth
        for resource in ("conference", "participant"):
            next_url = f"{url}{API}{resource}/?limit={page_size}&order_by=end_time"
            while next_url:
                data = session.get(next_url, timeout=60).json()
                items += len(data["objects"])
                following = data["meta"]["next"]
                next_url = url + following if following else None
    return items, time.perf_counter() - began


def concurrent_fetch(url: str, auth: tuple[str, str], page_size: int,
                     workers: int) -> tuple[int, float]:
    """The same pages, ``workers`` at a time, decoded and dropped: no cache at all."""
    local = threading.local()

    def get(path: str, params: dict) -> dict:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.auth = auth
        return local.session.get(f"{url}{API}{path}", params=params, timeout=60).json()

    def count_page(resource: str, offset: int) -> int:
        page = get(f"{resource}/", {"limit": page_size, "offset": offset,
                                     "order_by": "-end_time"})
        return len(page["objects"])  # the decoded page is dropped here, as a sync's would be

    began = time.perf_counter()
    items = 0
    with ThreadPoolExecutor(workers) as pool:
        for resource in ("conference", "participant"):
            total = get(f"{resource}/", {"limit": 1})["meta"]["total_count"]
            offsets = range(0, total, page_size)
            items += sum(pool.map(count_page, [resource] * len(offsets), offsets))
    return items, time.perf_counter() - began


def bench_config(url: str, auth: tuple[str, str], page_size: int, workers: int) -> SourceConfig:
    return SourceConfig("bench", "pexip", url, {"username": auth[0], "workers": str(workers),
                                                "page_size": str(page_size)})


def histview_sync(url: str, auth: tuple[str, str], page_size: int,
                  workers: int) -> tuple[int, float]:
    config = bench_config(url, auth, page_size, workers)
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        [result] = sync_sources(Path(folder) / "cache.db", [config], lambda c: auth[1])
        elapsed = time.perf_counter() - began
    if not result.ok:
        raise SystemExit(f"sync failed: {result.error}")
    return result.items, elapsed


def store_only(url: str, auth: tuple[str, str], page_size: int,
               workers: int) -> tuple[int, float]:
    """The cache's own time: the sync's pages, fetched first, then written and timed alone."""
    config = bench_config(url, auth, page_size, workers)
    source = create_source(config, auth[1])
    request = SyncRequest()
    pages = [(resource, page) for resource in source.resources()
             for page in source.pages(resource, None, request, CancelToken())]
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "cache.db")
        began = time.perf_counter()
        for resource, page in pages:
            store_page(store, config, resource, page)
        store.close()  # the WAL's last checkpoint is part of the cost
        elapsed = time.perf_counter() - began
    return sum(page.items for _, page in pages), elapsed


@dataclass
class Step:
    """One timed step: wall time and the CPU seconds each process spent on it."""

    items: int
    wall_s: float
    client_cpu_s: float
    server_cpu_s: float | None  # None where /proc cannot tell (not Linux)


def timed(run: Callable[[], tuple[int, float]], server_pid: int) -> Step:
    client, server = time.process_time(), _cpu_seconds(server_pid)
    items, wall = run()
    after = _cpu_seconds(server_pid)
    return Step(items, wall, time.process_time() - client,
                None if server is None or after is None else after - server)


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU of another process (the simulator's), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_floor(step: Step) -> float | None:
    """The soonest a step could end with every core of this machine busy throughout: the
    CPU it took, client's and simulator's, over the cores. A target below it cannot be met
    on this machine by any overlap of fetching and storing, only by doing less work."""
    if step.server_cpu_s is None:
        return None
    return (step.client_cpu_s + step.server_cpu_s) / (os.cpu_count() or 1)


def measure(conferences: int, latency: float, page_size: int = 1000,
            workers: int = 4) -> tuple[Step, Step, Step, Step]:
    process, (url, user, password, n_conf, n_part) = _pexip_server.start(conferences, latency)
    auth = (user, password)
    try:
        crawl = timed(lambda: sequential_crawl(url, auth, page_size), process.pid)
        fetch = timed(lambda: concurrent_fetch(url, auth, page_size, workers), process.pid)
        sync = timed(lambda: histview_sync(url, auth, page_size, workers), process.pid)
        store = timed(lambda: store_only(url, auth, page_size, workers), process.pid)
    finally:
        process.terminate()
    print(f"  simulator: {n_conf} conferences, {n_part} participants, {latency * 1000:.0f} ms/page,"
          f" {page_size} per page")
    print(f"  {'sequential crawl:':<30}{crawl.items} items in {crawl.wall_s:.2f} s{_cpu(crawl)}")
    print(f"  {f'fetch only, {workers} in flight:':<30}{fetch.items} items in {fetch.wall_s:.2f} s"
          f" (no cache; {crawl.wall_s / fetch.wall_s:.2f}x faster than the crawl){_cpu(fetch)}")
    print(f"  {'store only:':<30}{store.items} items in {store.wall_s:.2f} s"
          f" (pages fetched beforehand; the cache's own share)")
    print(f"  {'histview sync:':<30}{sync.items} items in {sync.wall_s:.2f} s "
          f"({sync.items / sync.wall_s:,.0f} items/s; the cache adds "
          f"{sync.wall_s - fetch.wall_s:.2f} s){_cpu(sync)}")
    if (floor := cpu_floor(sync)) is not None:
        print(f"  {'CPU floor of the sync:':<30}{floor:.2f} s (its CPU over "
              f"{os.cpu_count()} cores: no sync doing this work can end sooner here)")
    return crawl, fetch, store, sync


def _cpu(step: Step) -> str:
    server = "" if step.server_cpu_s is None else f", simulator {step.server_cpu_s:.2f} s"
    return f"\n  {'':<30}CPU: client {step.client_cpu_s:.2f} s{server}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conferences", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--small-pages", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4,
                        help="requests in flight (histview's Pexip default is 4)")
    args = parser.parse_args()
    print("zero latency:")
    crawl, fetch, store, sync = measure(args.conferences, 0.0, workers=args.workers)
    print(f"  => cache cost: histview takes {sync.wall_s / crawl.wall_s:.2f}x the crawl alone "
          f"(target <= 1.5x; fetching alone takes {fetch.wall_s / crawl.wall_s:.2f}x, "
          f"storing alone {store.wall_s / crawl.wall_s:.2f}x){_floor_note(sync, crawl, 1.5)}")
    print(f"{args.latency * 1000:.0f} ms per page:")
    crawl, fetch, store, sync = measure(args.conferences, args.latency, workers=args.workers)
    print(f"  => histview is {crawl.wall_s / sync.wall_s:.2f}x faster than the sequential crawl "
          f"(target >= 3x; fetching alone is {crawl.wall_s / fetch.wall_s:.2f}x faster, "
          f"storing alone {crawl.wall_s / store.wall_s:.2f}x){_floor_note(sync, crawl, 1 / 3)}")
    print(f"{args.latency * 1000:.0f} ms per page, pages of {args.small_pages} "
          "(where latency, not the cache, dominates):")
    crawl, fetch, store, sync = measure(args.conferences, args.latency, args.small_pages,
                                        args.workers)
    print(f"  => histview is {crawl.wall_s / sync.wall_s:.2f}x faster than the sequential crawl "
          f"(fetching alone is {crawl.wall_s / fetch.wall_s:.2f}x faster, "
          f"storing alone {crawl.wall_s / store.wall_s:.2f}x)")


def _floor_note(sync: Step, crawl: Step, target_ratio: float) -> str:
    """Whether the target's time is above the sync's CPU floor on this machine."""
    floor = cpu_floor(sync)
    if floor is None:
        return ""
    budget = crawl.wall_s * target_ratio
    verdict = "reachable by overlap alone" if floor <= budget else "below the CPU floor"
    return f"\n     the target's time is {budget:.2f} s; the CPU floor {floor:.2f} s: {verdict}"

if __name__ == "__main__":
    main()
