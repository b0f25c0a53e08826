"""Pexip sync speed: histview's sync against a plain sequential page-by-page crawl.

Prints, for 10,000 conferences with about 30,000 participants on a loopback simulator in its
own process: items per second at zero latency and the cache's cost over the crawl alone, and
at 100 ms per page the ratio of histview's sync time to the sequential crawl of the same
pages. Run: ``python benchmarks/sync_pexip.py [--conferences N] [--latency 0.1]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _pexip_server

from app.model import SourceConfig
from app.sync import sync_sources

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


def histview_sync(url: str, auth: tuple[str, str], page_size: int) -> tuple[int, float]:
    config = SourceConfig("bench", "pexip", url, {"username": auth[0],
                                                  "page_size": str(page_size)})
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        [result] = sync_sources(Path(folder) / "cache.db", [config], lambda c: auth[1])
        elapsed = time.perf_counter() - began
    if not result.ok:
        raise SystemExit(f"sync failed: {result.error}")
    return result.items, elapsed


def measure(conferences: int, latency: float,
            page_size: int = 1000) -> tuple[float, float, int, int]:
    process, (url, user, password, n_conf, n_part) = _pexip_server.start(conferences, latency)
    try:
        crawl_items, crawl_s = sequential_crawl(url, (user, password), page_size)
        sync_items, sync_s = histview_sync(url, (user, password), page_size)
    finally:
        process.terminate()
    print(f"  simulator: {n_conf} conferences, {n_part} participants, {latency * 1000:.0f} ms/page,"
          f" {page_size} per page")
    print(f"  sequential crawl: {crawl_items} items in {crawl_s:.2f} s")
    print(f"  histview sync:    {sync_items} items in {sync_s:.2f} s "
          f"({sync_items / sync_s:,.0f} items/s)")
    return crawl_s, sync_s, crawl_items, sync_items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conferences", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--small-pages", type=int, default=200)
    args = parser.parse_args()
    print("zero latency:")
    crawl_s, sync_s, _, _ = measure(args.conferences, 0.0)
    print(f"  => cache cost: histview takes {sync_s / crawl_s:.2f}x the crawl alone "
          "(target <= 1.5x)")
    print(f"{args.latency * 1000:.0f} ms per page:")
    crawl_s, sync_s, _, _ = measure(args.conferences, args.latency)
    print(f"  => histview is {crawl_s / sync_s:.2f}x faster than the sequential crawl "
          "(target >= 3x)")
    print(f"{args.latency * 1000:.0f} ms per page, pages of {args.small_pages} "
          "(where latency, not the cache, dominates):")
    crawl_s, sync_s, _, _ = measure(args.conferences, args.latency, args.small_pages)
    print(f"  => histview is {crawl_s / sync_s:.2f}x faster than the sequential crawl")


if __name__ == "__main__":
    main()
