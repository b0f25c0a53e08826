"""What the cloud sources (Graph, Webex, Restcomm) share: next-link page loops, URL
origins, time windows, and raw rows that keep every field a vendor sent.

Each vendor names its "next page" differently (Graph's ``@odata.nextLink``, Webex's
``Link: rel="next"`` header, Restcomm's ``next_page_uri``), but the loop is the same: fetch,
hand the page over, follow the vendor's link verbatim until there is none. The caller stores
the link it is about to follow in its checkpoint, so an interrupted sync resumes mid-range.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from app.http import SourceError
from app.sources.base import CancelToken

#: A runaway server that keeps sending next links is stopped after this many pages.
MAX_PAGES = 100_000


@dataclass
class LinkedPage:
    """One answer of a link-paged listing: where it came from, its body, where next."""

    url: str
    body: Any
    next_url: str | None


def follow_links(first_url: str, fetch: Callable[[str], tuple[Any, str | None]],
                 cancel: CancelToken, *, what: str = "listing") -> Iterator[LinkedPage]:
    """Fetch ``first_url`` and then every next link ``fetch`` reports, to the end.

    ``fetch(url)`` returns ``(body, next_url or None)``. The link is followed as the vendor
    wrote it (never rebuilt from counts: servers cap page sizes silently). A link that
    points back at a page already fetched would loop forever, so it is an error.
    """
    seen: set[str] = set()
    url: str | None = first_url
    while url is not None:
        cancel.check()
        if url in seen or len(seen) >= MAX_PAGES:
            raise SourceError(f"{what}: the server's next-page link loops back to {url}")
        seen.add(url)
        body, next_url = fetch(url)
        yield LinkedPage(url, body, next_url or None)
        url = next_url or None


def link_header_next(response: requests.Response) -> str | None:
    """The ``rel="next"`` target of an RFC 5988 ``Link`` header, if any."""
    return response.links.get("next", {}).get("url") or None


# -- time windows --------------------------------------------------------------------------

def split_windows(start: datetime, end: datetime,
                  max_days: float) -> list[tuple[datetime, datetime]]:
    """Cut ``[start, end]`` into consecutive windows no longer than ``max_days``, oldest first.

    Windows share their boundaries (one ends where the next starts): APIs disagree about
    whether an end is inclusive, so the caller dedupes by the vendor's key.
    """
    if end <= start:
        return []
    span = timedelta(days=max_days)
    windows = []
    cursor = start
    while cursor < end:
        upper = min(cursor + span, end)
        windows.append((cursor, upper))
        cursor = upper
    return windows
