"""The worker half of downloading one artifact from the window (no widgets here).

It makes the same core calls as ``histview download`` (``app.downloads``): the source from
``registry.open_source`` (its secret from the keyring), the same ``download_folder`` and
safe target path, the same ``fetch_to``. The path is recorded in the cache by the caller,
on the GUI thread, once the file is complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.artifact_text import searchable_text
from app.downloads import download_folder, fetch_to, target_path
from app.http import SourceError
from app.registry import open_source
from app.sources.base import CancelToken

#: At most this often a progress report crosses to the GUI thread (chunks are 64 KiB).
PROGRESS_EVERY_S = 0.1


def download_job(data_dir: Path, source_name: str, session: dict[str, Any], artifact: dict):
    """A ``Worker`` job: progress reports ``(bytes so far, total or None)``; the result is
    ``{"path": str, "size": int, "text": str | None}``. A failure leaves no folder it created behind."""

    def run(progress: Callable[[Any], None], cancel: CancelToken) -> dict[str, Any]:
        source = open_source(data_dir, source_name)
        source.cancel = cancel  # a Retry-After wait ends when the user cancels
        folder = download_folder(data_dir, source_name)
        path = target_path(folder, session, artifact)
        created = _make_folder(folder)
        try:
            path, size = fetch_to(_Reporting(source, progress, cancel), artifact, path)
        except SourceError as error:
            _remove_if_empty(created)
            if error.unreachable:
                raise SourceError(f"{source_name} is unreachable (offline, or the server is "
                                  f"down); nothing was downloaded. {error}") from None
            raise
        except BaseException:
            _remove_if_empty(created)
            raise
        # Read here, off the GUI thread: a transcript's words join its session's search text.
        return {"path": str(path), "size": size, "text": searchable_text(artifact, path)}

    return run


class _Reporting:
    """The source as ``fetch_to`` sees it: the same response, whose chunks report progress
    and check cancel as they pass, so a large recording can be followed and stopped."""

    def __init__(self, source: Any, progress: Callable[[Any], None],
                 cancel: CancelToken) -> None:
        self._source = source
        self._progress = progress
        self._cancel = cancel

    def open_download(self, artifact: dict, *args: Any, **kwargs: Any) -> Any:
        self._cancel.check()
        response = self._source.open_download(artifact, *args, **kwargs)
        length = response.headers.get("Content-Length") or ""
        total = int(length) if length.isdigit() else None
        chunks = response.iter_content

        def iter_content(*c_args: Any, **c_kwargs: Any):
            done, last = 0, 0.0
            for chunk in chunks(*c_args, **c_kwargs):
                self._cancel.check()
                done += len(chunk)
                if time.monotonic() - last >= PROGRESS_EVERY_S:
                    last = time.monotonic()
                    self._progress((done, total))
                yield chunk

        response.iter_content = iter_content
        return response


def _make_folder(folder: Path) -> list[Path]:
    """Create ``folder``; returns the folders that did not exist, deepest first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _remove_if_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # not empty (a partial file kept to resume): leave it
            return
