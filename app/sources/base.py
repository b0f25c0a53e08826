"""What every source shares: the Page it yields, the sync request, and the range planner.

A source module knows one vendor's paging, filters, auth and quirks, and turns API answers
into ``Page`` objects. It never touches the store: the sync engine (``app.sync``) writes each
page with its checkpoint in one transaction, so a source only has to say, with every page,
"this is where to resume from if the program dies right after this page is written".
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

import requests

from app.http import (
    INTERACTIVE,
    PATIENT,
    HttpClient,
    Redactor,
    RetryPolicy,
    SourceError,
    unexpected_failure,
)
from app.model import Artifact, Event, RawDocument, Session, SourceConfig, option_flag
from app.timeutil import format_utc, parse_utc, utc_now

#: What reading one odd vendor record can raise: a missing key, a field of another type, a
#: time that cannot be parsed. A source keeps such a record raw only and goes on with its
#: page (``Page.unreadable``); anything else is a bug of ours and still fails the sync.
READ_ERRORS = (ValueError, TypeError, AttributeError, KeyError)


class Cancelled(Exception):
    """The user cancelled the sync; everything written so far stays."""


class CancelToken:
    """A flag checked between requests. Thread-safe: the window sets it from the GUI thread."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def sleep(self, seconds: float) -> None:
        """Wait as ``time.sleep`` does, but end at once with ``Cancelled`` on a cancel: a
        server's ``Retry-After`` may ask for minutes, and Cancel must not wait for them."""
        if self._event.wait(seconds):
            raise Cancelled()


@dataclass
class SyncRequest:
    """What the user asked for: a plain incremental sync, a range, or everything."""

    since: datetime | None = None
    until: datetime | None = None
    full: bool = False
    now: datetime = field(default_factory=utc_now)

    def listed_by_end(self) -> SyncRequest:
        """The request for a vendor that lists a session when it ends (Pexip's history,
        Webex's events). ``--since X --until Y`` asks for the sessions that started in the
        range, as ``sessions --from X --to Y`` filters them; one still running at Y ends
        after it, so the range reaches to now. Before, such a source fetched by end time
        and every session running at ``--until`` was left out with exit 0."""
        return self if self.until is None else replace(self, until=self.now)


@dataclass
class Page:
    """One vendor page turned into rows, plus the checkpoint that is valid once it is stored.

    ``raw`` maps a raw resource name (e.g. ``conference``) to its documents, so that nothing
    the vendor sent is ever thrown away: ``RawDocument``s for JSON, or for other formats
    (BeyondTrust's XML) records with an ``_id`` (the vendor's key) and ``_doc`` (the document
    as text) besides its fields flattened to scalars.
    ``participants`` adds names to sessions that may have been stored by an earlier page.
    ``resource`` names the vendor list the page came from (progress shows it); the engine
    saves ``checkpoint`` under the resource it asked ``pages()`` for, which may crawl several.
    ``replace_children`` says the page carries complete sessions: their stored events and
    artifacts are replaced rather than merged (a re-fetched session can lose a recording).
    ``unreadable`` counts the records the source could not read (no key, a time that is no
    time): they are in ``raw`` only, and the sync's outcome says how many, so a manager
    learns that some history is cached as sent rather than shown.
    ``pending`` counts records the vendor listed but did not send when asked: the source
    asks for them again at the next sync, and the outcome says so rather than "ok" alone.
    """

    resource: str
    checkpoint: dict[str, Any] | None
    sessions: list[Session] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    participants: dict[str, list[str]] = field(default_factory=dict)
    raw: dict[str, list[RawDocument] | list[dict[str, Any]]] = field(default_factory=dict)
    replace_children: bool = False
    items: int = 0
    total: int | None = None
    unreadable: int = 0
    pending: int = 0


class OptionProblem(ValueError):
    """A kind's own rule about one of its options, broken (``Source.check_options``):
    ``option`` names it, ``problem`` says what is wrong in words that follow its name;
    ``str()`` names it by its flag, as ``registry.OptionError`` does."""

    def __init__(self, option: str, problem: str) -> None:
        super().__init__(f"{option_flag(option)} {problem}")
        self.option, self.problem = option, problem


class Source(ABC):
    """A configured vendor source. Subclasses set the class attributes and the three methods.

    ``options`` are the kind's required ``source add`` options (``--username``), stored in
    ``SourceConfig.options`` under these names; ``optional_options`` maps optional ones to
    their defaults. ``secret_label`` names the secret in prompts and the sources dialog.

    Callers test a source through ``check``, which answers at once when the host cannot be
    reached: a person waits for it (the dialog's Test connection, ``histview source test``),
    and the retries that let a sync ride out a restarting server took 7.5 s to say
    "Connection refused". A kind writes a plain ``test``.
    """

    kind: ClassVar[str]
    #: The product and what histview keeps of it, for the sources dialog's kind list: a
    #: manager adding a source knows "Microsoft Graph", not the kind's short name "msgraph".
    title: ClassVar[str] = ""
    secret_label: ClassVar[str] = "secret"
    options: ClassVar[tuple[str, ...]] = ()
    optional_options: ClassVar[dict[str, str | None]] = {}
    #: Options that must be whole numbers, with their (lowest, highest) allowed values:
    #: checked when the source is saved, not at its first sync.
    whole_number_options: ClassVar[dict[str, tuple[int, int]]] = {}
    default_url: ClassVar[str | None] = None
    #: Options that hold a URL the secret is sent to (msgraph's ``login_url``): checked like
    #: ``--url`` when the source is saved (https, or http on loopback only).
    url_options: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: SourceConfig, secret: str) -> None:
        self.config = config
        self.secret = secret
        self.redactor = Redactor([secret])
        #: The sync's or download's token (``create_source`` sets it); the HTTP clients
        #: wait out retries on it, so a cancel ends a long ``Retry-After`` at once.
        self.cancel = CancelToken()
        #: How this source's HTTP clients retry, read at each request (see the class doc).
        self.retry: RetryPolicy = PATIENT

    @classmethod
    def check_options(cls, options: dict[str, str]) -> None:
        """A kind's own rules for its options, beyond the ones the attributes above state:
        raise ``OptionProblem``. Run when a source is saved, so a value the kind can never
        use is refused there rather than failing every sync."""
        return  # none by default

    def check(self) -> str:
        """``test`` with this source's HTTP clients under ``INTERACTIVE`` retries."""
        kept, self.retry = self.retry, INTERACTIVE
        try:
            return self.test()
        except SourceError as error:  # its text may quote the vendor's answer: redact it
            raise SourceError(self.redactor(str(error)), status=error.status,
                              unreachable=error.unreachable) from None
        except Cancelled:
            raise
        except Exception as error:  # one line for the dialog and `source test`, never a trace
            raise SourceError(unexpected_failure(error, self.redactor)) from None
        finally:
            self.retry = kept

    def option(self, name: str) -> str | None:
        value = self.config.options.get(name)
        return value if value not in (None, "") else self.optional_options.get(name)

    @property
    def verify(self) -> bool | str:
        """TLS verification as requests takes it: off (``--insecure``), a CA bundle, or on."""
        if self.config.insecure:
            return False
        return self.config.ca_bundle or True

    def http(self, base_url: str | None = None, **kwargs: Any) -> HttpClient:
        """An HTTP client with this source's TLS settings, redaction and retry policy."""
        return HttpClient(base_url or self.config.url, source_name=self.config.name,
                          redactor=self.redactor, verify=self.verify,
                          pause=lambda seconds: self.cancel.sleep(seconds),
                          retry=lambda: self.retry, **kwargs)

    @abstractmethod
    def test(self) -> str:
        """Check URL and credentials with one cheap request; return a one-line description."""

    @abstractmethod
    def resources(self) -> list[str]:
        """The resources to sync, in order (a later one may rely on an earlier one)."""

    @abstractmethod
    def pages(self, resource: str, checkpoint: dict | None, request: SyncRequest,
              cancel: CancelToken) -> Iterator[Page]:
        """Fetch a resource from its checkpoint, yielding pages as they arrive.

        Check ``cancel`` between requests. Raise ``SourceError`` with a one-line message on
        any failure: the pages already yielded stay stored and their checkpoints hold.
        """

    def open_download(self, artifact: dict, offset: int = 0,
                      if_range: str | None = None) -> requests.Response:
        """A streaming response for an artifact's content (authenticated as the vendor wants).

        Send ``download_headers(offset, if_range)``: ``offset > 0`` asks for the bytes from
        there on to resume a download, if the file is still the version ``if_range`` names;
        the server may still answer 200 with the whole file, which the caller checks
        (``app.downloads``)."""
        raise SourceError(f"{self.kind} has no downloadable artifacts")


def download_headers(offset: int = 0, if_range: str | None = None) -> dict[str, str]:
    """Headers of a download request: ``Range: bytes=OFFSET-`` to resume one (with
    ``If-Range``, the ETag or date of the version the first bytes came from, so that a file
    changed since is sent whole instead of spliced), and no content coding, so that the
    bytes on disk are the ones a Range counts."""
    headers = {"Accept-Encoding": "identity"}
    if offset > 0:
        headers["Range"] = f"bytes={offset}-"
        if if_range:
            headers["If-Range"] = if_range
    return headers


# -- time ranges --------------------------------------------------------------------------

class RangePlan:
    """Which time ranges a sync covers, kept in the checkpoint so an interruption resumes.

    The checkpoint holds ``hwm`` (everything before it is fetched) and ``pending``: ranges
    started but not finished, each with the source's own ``state`` inside it (offsets done,
    the next link). A plain sync finishes pending ranges first (including one an earlier
    ``--since`` asked for), then fetches from ``hwm - overlap`` to now.
    """

    def __init__(self, checkpoint: dict | None, request: SyncRequest, *,
                 overlap: timedelta = timedelta(0), first_sync: timedelta | None = None) -> None:
        self.request = request
        checkpoint = checkpoint or {}
        self.hwm: str | None = checkpoint.get("hwm")
        self.pending: list[dict] = [dict(r) for r in checkpoint.get("pending", [])]
        self.overlap = overlap
        self.first_sync = first_sync
        self._add_requested()

    def _add_requested(self) -> None:
        req = self.request
        until = format_utc(min(req.until or req.now, req.now))
        reaches_back = False
        if req.since is not None or req.until is not None:
            start = format_utc(req.since) if req.since else None
        elif req.full:
            start = None
        else:
            start, reaches_back = self._resume_point()
        if start is not None and start >= until:
            return
        new = {"from": start, "to": until, "state": {}}
        if reaches_back:  # as far back as the source keeps: done, it is all history
            new["reaches_back"] = True
        if not any(r["from"] == new["from"] and r["to"] == new["to"] for r in self.pending):
            self.pending.append(new)

    def _resume_point(self) -> tuple[str | None, bool]:
        """Where a plain sync starts, and whether that is as far back as the source keeps:
        the high-water mark, or where an unfinished first sync's range ends (its older part
        is finished from ``pending``), or the source's first-sync horizon."""
        base = self.hwm
        if base is None:
            open_ends = [r["to"] for r in self.pending
                         if r["from"] is None or r.get("reaches_back")]
            base = max(open_ends) if open_ends else None
        if base is None:
            if self.first_sync is None:
                return None, True
            return format_utc(self.request.now - self.first_sync), True
        return format_utc(parse_utc(base) - self.overlap), False

    def ranges(self) -> list[dict]:
        """The ranges still to do, oldest request first; the caller may update their state."""
        return list(self.pending)

    def checkpoint(self) -> dict:
        return {"hwm": self.hwm, "pending": [dict(r) for r in self.pending]}

    def update(self, rng: dict, state: dict) -> dict:
        """Record progress inside a range; returns the checkpoint to store with the page."""
        rng["state"] = state
        return self.checkpoint()

    def finish(self, rng: dict) -> dict:
        """Mark a range done, advancing ``hwm`` when the range reaches back to it."""
        self.pending = [r for r in self.pending if r is not rng]
        # Only a range that reaches back to the mark, or to the oldest history, moves it: a
        # first ``sync --since X`` leaves no mark, so the next plain sync still fetches what
        # came before X instead of taking X's range as everything.
        reaches_back = rng["from"] is None or rng.get("reaches_back", False)
        contiguous = reaches_back or (self.hwm is not None and rng["from"] <= self.hwm)
        if contiguous and (self.hwm is None or rng["to"] > self.hwm):
            self.hwm = rng["to"]
        return self.checkpoint()
