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
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
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


def measure(conferences: int, latency: float, page_size: int = 1000,
            workers: int = 4) -> tuple[float, float, float, float]:
    process, (url, user, password, n_conf, n_part) = _pexip_server.start(conferences, latency)
    try:
        crawl_items, crawl_s = sequential_crawl(url, (user, password), page_size)
        fetch_items, fetch_s = concurrent_fetch(url, (user, password), page_size, workers)
        sync_items, sync_s = histview_sync(url, (user, password), page_size, workers)
        store_items, store_s = store_only(url, (user, password), page_size, workers)
    finally:
        process.terminate()
    print(f"  simulator: {n_conf} conferences, {n_part} participants, {latency * 1000:.0f} ms/page,"
          f" {page_size} per page")
    print(f"  {'sequential crawl:':<30}{crawl_items} items in {crawl_s:.2f} s")
    print(f"  {f'fetch only, {workers} in flight:':<30}{fetch_items} items in {fetch_s:.2f} s"
          f" (no cache; {crawl_s / fetch_s:.2f}x faster than the crawl)")
    print(f"  {'store only:':<30}{store_items} items in {store_s:.2f} s"
          f" (pages fetched beforehand; the cache's own share)")
    print(f"  {'histview sync:':<30}{sync_items} items in {sync_s:.2f} s "
          f"({sync_items / sync_s:,.0f} items/s; the cache adds {sync_s - fetch_s:.2f} s)")
    return crawl_s, fetch_s, store_s, sync_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conferences", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--small-pages", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4,
                        help="requests in flight (histview's Pexip default is 4)")
    args = parser.parse_args()
    print("zero latency:")
    crawl_s, fetch_s, store_s, sync_s = measure(args.conferences, 0.0, workers=args.workers)
    print(f"  => cache cost: histview takes {sync_s / crawl_s:.2f}x the crawl alone "
          f"(target <= 1.5x; fetching alone takes {fetch_s / crawl_s:.2f}x, "
          f"storing alone {store_s / crawl_s:.2f}x)")
    print(f"{args.latency * 1000:.0f} ms per page:")
    crawl_s, fetch_s, store_s, sync_s = measure(args.conferences, args.latency,
                                                workers=args.workers)
    print(f"  => histview is {crawl_s / sync_s:.2f}x faster than the sequential crawl "
          f"(target >= 3x; fetching alone is {crawl_s / fetch_s:.2f}x faster, "
          f"storing alone {crawl_s / store_s:.2f}x)")
    print(f"{args.latency * 1000:.0f} ms per page, pages of {args.small_pages} "
          "(where latency, not the cache, dominates):")
    crawl_s, fetch_s, store_s, sync_s = measure(args.conferences, args.latency,
                                                args.small_pages, args.workers)
    print(f"  => histview is {crawl_s / sync_s:.2f}x faster than the sequential crawl "
          f"(fetching alone is {crawl_s / fetch_s:.2f}x faster, "
          f"storing alone {crawl_s / store_s:.2f}x)")


if __name__ == "__main__":
    main()
