"""One module per vendor; ``source_class(kind)`` finds a kind's ``Source`` subclass.

Modules are imported on demand so that listing sessions never pays for msal or lxml.
"""

from __future__ import annotations

import importlib

from app.model import KINDS, SourceConfig
from app.sources.base import CancelToken, Source


def source_class(kind: str) -> type[Source]:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    module = importlib.import_module(f"app.sources.{kind}")
    return module.SOURCE


def create_source(config: SourceConfig, secret: str,
                  cancel: CancelToken | None = None) -> Source:
    """A source; with ``cancel``, its HTTP retries stop waiting when that token is set."""
    source = source_class(config.kind)(config, secret)
    if cancel is not None:
        source.cancel = cancel
    return source
