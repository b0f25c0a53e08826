"""Fetch independent pages a few at a time, for APIs that say up front how many there are.

Real servers are 50-300 ms away; a sequential crawl of 10,000 conferences spends nearly all
its time waiting. With the total known (Pexip's ``total_count``, Restcomm's ``num_pages``)
the page requests are independent and a small bound of them can be in flight at once. The
caller stores pages in completion order, so each page's checkpoint must record *which* pages
are done, not how far it got.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from app.sources.base import CancelToken

K = TypeVar("K")
R = TypeVar("R")

DEFAULT_WORKERS = 4


def fetch_concurrently(fetch: Callable[[K], R], keys: Iterable[K], cancel: CancelToken,
                       workers: int = DEFAULT_WORKERS) -> Iterator[tuple[K, R]]:
    """Yield ``(key, fetch(key))`` as each completes, at most ``workers`` in flight.

    The first failure is raised after cancelling what has not started; pages already
    yielded were stored by the caller, so nothing fetched before the failure is lost.
    New requests stop being sent as soon as ``cancel`` is set.
    """
    pending_keys = iter(keys)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fetch") as pool:
        in_flight: dict[Future, K] = {}

        def top_up() -> None:
            while len(in_flight) < workers and not cancel.cancelled:
                key = next(pending_keys, _END)
                if key is _END:
                    return
                in_flight[pool.submit(fetch, key)] = key

        top_up()
        try:
            while in_flight:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    key = in_flight.pop(future)
                    yield key, future.result()
                top_up()
        finally:
            for future in in_flight:
                future.cancel()
    cancel.check()


_END = object()
