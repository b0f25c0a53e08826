"""The sync engine: runs sources page by page into the store, with progress and cancel.

No Qt here: the window runs ``sync_sources`` in a worker thread and draws the ``Progress``
callbacks as a bar; the CLI draws them on stderr. One source failing never stops the others,
and every page a source yielded before it failed stays stored with its checkpoint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from app.credentials import KeyringUnavailable
from app.http import Redactor, SourceError, unexpected_failure
from app.model import SourceConfig
from app.sources import create_source
from app.sources.base import Cancelled, CancelToken, Page, SyncRequest
from app.store import Store
from app.sync_lock import SyncLock

log = logging.getLogger("histview.sync")


@dataclass
class Progress:
    """Where one source's sync stands; ``total`` is known only when the API tells it."""

    source: str
    resource: str
    items: int
    pages: int
    total: int | None = None
    message: str = ""


@dataclass
class SourceResult:
    source: str
    ok: bool
    items: int = 0
    pages: int = 0
    error: str | None = None
    cancelled: bool = False
    unreadable: int = 0  # records kept in the raw tables only (``Page.unreadable``)
    pending: int = 0  # listed but not sent: asked for again next sync (``Page.pending``)


ProgressCallback = Callable[[Progress], None]
SecretLookup = Callable[[SourceConfig], str | None]


#: Where a missing secret is set, for either front end; the window puts its own words in
#: place of it (``app.ui.sync_control.shown_error``).
SECRET_ADVICE = "(run `histview source add` again, or set it in the Sources dialog)"


def sync_sources(cache_path: Path, configs: Iterable[SourceConfig], secret_for: SecretLookup,
                 request: SyncRequest | None = None, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None) -> list[SourceResult]:
    """Sync each source in turn; a failed one is reported and the next one still runs."""
    request = request or SyncRequest()
    cancel = cancel or CancelToken()
    with SyncLock(Path(cache_path)):
        return _sync_all(Store(cache_path), configs, secret_for, request, progress, cancel)


def _sync_all(store: Store, configs: Iterable[SourceConfig], secret_for: SecretLookup,
              request: SyncRequest, progress: ProgressCallback | None,
              cancel: CancelToken) -> list[SourceResult]:
    results = []
    try:
        for config in configs:
            if cancel.cancelled:
                results.append(SourceResult(config.name, ok=False, cancelled=True,
                                            error="cancelled"))
                continue
            results.append(sync_one(store, config, secret_for, request, progress, cancel))
    finally:
        store.close()
    return results


def sync_one(store: Store, config: SourceConfig, secret_for: SecretLookup,
             request: SyncRequest, progress: ProgressCallback | None,
             cancel: CancelToken) -> SourceResult:
    result = SourceResult(config.name, ok=True)
    store.set_status(config.name, "running")
    # Every message is said through the source's redactor: it knows the secret and what the
    # source derived from it (an OAuth access token), and a vendor may quote either back in
    # an answer a source turns into an error (BeyondTrust's HTTP 200 "<error>" documents).
    redact: Redactor = Redactor()
    try:
        secret = secret_for(config)
        if secret is None:
            raise SourceError(f"no secret stored in the OS keyring {SECRET_ADVICE}")
        redact = Redactor([secret])
        source = create_source(config, secret, cancel)
        redact = source.redactor
        for resource in source.resources():
            try:
                _sync_resource(store, config, source, resource, request, progress, cancel,
                               result)
            except SourceError as error:
                # Go on with the source's other lists: Restcomm traces live two days, so a
                # failing calls list must not cost them their only chance to be cached.
                result.ok, result.error = False, result.error or redact(str(error))
                if error.status == 401 or error.unreachable:
                    break  # every other list would fail the same way
            except Cancelled:
                raise
            except Exception as error:  # most likely a record the source could not read
                result.ok = False
                result.error = result.error or _unexpected(error, redact, f"{resource}: ")
    except Cancelled:
        result.ok, result.cancelled, result.error = False, True, "cancelled"
        store.set_status(config.name, "cancelled", error="cancelled", items=result.items)
        return result
    except (SourceError, KeyringUnavailable) as error:
        result.ok, result.error = False, redact(str(error))
    except Exception as error:
        result.ok, result.error = False, _unexpected(error, redact)
    if result.ok:
        store.set_status(config.name, "ok", items=result.items, synced=True)
    else:
        store.set_status(config.name, "failed", error=result.error, items=result.items)
    return result


def outcome_note(result: SourceResult) -> str:
    """What a sync's outcome adds, in the window and on the command line, when the source
    sent records it could not read (they are cached as sent, in the raw tables) or listed
    records it then did not send (asked for again at the next sync)."""
    note = ""
    if result.unreadable:
        count = result.unreadable
        note += (f"; {count:,} record{'s' if count != 1 else ''} could not be read and "
                 f"{'are' if count != 1 else 'is'} kept only as sent (raw tables)")
    if result.pending:
        count = result.pending
        note += (f"; {count:,} listed record{'s' if count != 1 else ''} did not come when "
                 "asked for and will be asked for again at the next sync")
    return note


def _unexpected(error: Exception, redact: Redactor, where: str = "") -> str:
    """The one line of an unforeseen failure; its trace goes to the debug log (``-v`` shows
    histview's lines, and this is one of them)."""
    log.debug("unexpected failure: %s", where or "sync", exc_info=True)
    return unexpected_failure(error, redact, where)


def _sync_resource(store: Store, config: SourceConfig, source, resource: str,
                   request: SyncRequest, progress: ProgressCallback | None,
                   cancel: CancelToken, result: SourceResult) -> None:
    cancel.check()
    checkpoint = store.checkpoint(config.name, resource)
    items: dict[str, int] = {}  # per page label: one resource may crawl several vendor lists
    for page in source.pages(resource, checkpoint, request, cancel):
        store_page(store, config, resource, page)
        items[page.resource] = items.get(page.resource, 0) + page.items
        result.items += page.items
        result.pages += 1
        result.unreadable += page.unreadable
        result.pending += page.pending
        if progress is not None:
            progress(Progress(config.name, page.resource, items[page.resource], result.pages,
                              page.total))
        cancel.check()


def store_page(store: Store, config: SourceConfig, resource: str, page: Page) -> None:
    """Store a page; its checkpoint belongs to the resource the engine asked for (the
    benchmarks time this alone, with the pages fetched beforehand)."""
    store.write_page(
        config.name, config.kind, resource, page.checkpoint,
        sessions=page.sessions, events=page.events, artifacts=page.artifacts,
        participants=page.participants, raw=page.raw,
        replace_children=page.replace_children,
    )
