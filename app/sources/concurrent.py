"""Fetch independent pages a few at a time, for APIs that say up front how many there are.

Real servers are 50-300 ms away; a sequential crawl of 10,000 conferences spends nearly all
its time waiting. With the total known (Pexip's ``total_count``, Restcomm's ``num_pages``)
the page requests are independent and a small bound of them can be in flight at once. The
caller stores pages in completion order, so each page's checkpoint must record *which* pages
are done, not how far it got.

The fetchers keep requesting while the caller is busy storing: a page that is written while
no request is in flight costs a whole round trip more. A small buffer of finished pages
bounds the memory that can take.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from app.sources.base import CancelToken

K = TypeVar("K")
R = TypeVar("R")

DEFAULT_WORKERS = 4


def fetch_concurrently(fetch: Callable[[K], R], keys: Iterable[K], cancel: CancelToken,
                       workers: int = DEFAULT_WORKERS) -> Iterator[tuple[K, R]]:
    """Yield ``(key, fetch(key))`` as each completes, at most ``workers`` in flight.

    At most ``workers`` finished results wait for the caller. The first failure is raised
    once the requests already sent have ended, and no new one is sent after it; pages
    yielded before it were stored by the caller, so nothing fetched is lost. New requests
    stop being sent as soon as ``cancel`` is set.
    """
    crawl = _Crawl(fetch, iter(keys), cancel, max(1, workers))
    try:
        yield from crawl.results()
    finally:
        crawl.stop()
    cancel.check()


class _Crawl:
    """Fetcher threads taking keys from one iterator and handing results over a queue."""

    def __init__(self, fetch: Callable[[Any], Any], keys: Iterator[Any], cancel: CancelToken,
                 workers: int) -> None:
        self.fetch, self.keys, self.cancel = fetch, keys, cancel
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.finished: queue.Queue = queue.Queue(maxsize=workers)
        self.threads = [threading.Thread(target=self._work, name=f"fetch-{n}", daemon=True)
                        for n in range(workers)]
        for thread in self.threads:
            thread.start()

    def results(self) -> Iterator[tuple[Any, Any]]:
        running = len(self.threads)
        while running:
            item = self.finished.get()
            if item is _DONE:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item

    def stop(self) -> None:
        """Send nothing more, and wait for the requests in flight (draining their results)."""
        self.stopping.set()
        while any(thread.is_alive() for thread in self.threads):
            try:
                self.finished.get(timeout=0.05)
            except queue.Empty:
                pass

    def _work(self) -> None:
        try:
            while not self.stopping.is_set() and not self.cancel.cancelled:
                with self.lock:
                    key = next(self.keys, _DONE)
                if key is _DONE:
                    break
                try:
                    result = self.fetch(key)
                except BaseException as error:  # handed to the caller's thread, raised there
                    self.stopping.set()
                    self.finished.put(error)
                    break
                self.finished.put((key, result))
        finally:
            # A full queue blocks these puts only until the caller takes a result or, once
            # it has stopped, until stop() drains the queue.
            self.finished.put(_DONE)


_DONE = object()
