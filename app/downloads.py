"""Downloading a session's recordings, transcripts and chat logs to safe local files.

File names come from vendors and from whoever named the meeting, so they are untrusted: a
name like ``../../.bashrc`` or ``CON`` must land as a plain file inside the download folder.
Content streams to ``NAME.part`` and is renamed only when complete, so an interrupted
download never looks finished; the next attempt starts it over.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import TextIO

from app import credentials
from app.http import SourceError
from app.registry import RegistryError, data_key, get_source
from app.settings import Settings
from app.sources import create_source
from app.store import Store, queries

CHUNK = 1 << 16
_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}
_EXTENSIONS = {"recording": ".mp4", "screen_recording": ".webm", "shell_recording": ".txt",
               "transcript": ".txt", "chat": ".html"}


def safe_name(text: str, default: str = "artifact") -> str:
    """A file name with no path in it, no control characters and no reserved device name."""
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("/", "_").replace("\\", "_")
    text = _UNSAFE.sub("_", text).strip(" ._")
    text = re.sub(r"\.{2,}", ".", re.sub(r"_+", "_", text))[:120].rstrip(" ._")
    if not text or text.split(".")[0].upper() in _RESERVED:
        text = f"{default}_{text}" if text else default
    return text


def target_path(folder: Path, session_id: str, artifact: dict) -> Path:
    """Where an artifact goes: inside ``folder``, always (checked, not assumed)."""
    label = safe_name(artifact.get("label") or artifact.get("artifact_id") or "")
    suffix = Path(label).suffix or _EXTENSIONS.get(artifact.get("kind", ""), ".bin")
    stem = safe_name(f"{session_id}_{Path(label).stem}_{artifact.get('artifact_id', '')}")
    path = (folder / f"{stem}{suffix}").resolve()
    if folder.resolve() not in path.parents:
        raise SourceError(f"refusing to write outside {folder}: {path.name}")
    return path


def fetch_to(source, artifact: dict, path: Path) -> int:
    """Stream one artifact to ``path`` through ``path.part``; returns bytes written."""
    partial = path.with_name(path.name + ".part")
    response = source.open_download(artifact)
    written = 0
    try:
        with partial.open("wb") as handle:
            for chunk in response.iter_content(CHUNK):
                handle.write(chunk)
                written += len(chunk)
    finally:
        response.close()
    partial.replace(path)
    return written


def download_artifacts(data_dir: Path, source_name: str, session_id: str, *,
                       kind: str | None = None, folder: Path | None = None,
                       out: TextIO, quiet: bool = False) -> int:
    """``histview download``: every (or every ``kind``) artifact of one session.

    Returns the exit code: 0 all downloaded, 1 some failed (each named on ``out``).
    """
    config = get_source(data_dir, source_name)
    secret = credentials.get_secret(data_key(data_dir), source_name)
    if secret is None:
        raise RegistryError(f"{source_name}: no secret stored in the OS keyring")
    folder = Path(folder or Settings(data_dir).downloads_dir / safe_name(source_name))
    folder.mkdir(parents=True, exist_ok=True)
    store = Store(Settings(data_dir).cache_path)
    try:
        if queries.get_session(store.db.conn, source_name, session_id) is None:
            raise RegistryError(f"no cached session {source_name}:{session_id}")
        artifacts = [a for a in queries.list_artifacts(store.db.conn, source_name, session_id)
                     if kind is None or a["kind"] == kind]
        if not artifacts:
            print(f"{source_name}:{session_id} has no artifacts"
                  + (f" of kind {kind}" if kind else ""), file=out)
            return 0
        source = create_source(config, secret)
        failed = 0
        for artifact in artifacts:
            try:
                path = target_path(folder, session_id, artifact)
                size = fetch_to(source, artifact, path)
                store.set_downloaded(source_name, session_id, artifact["artifact_id"], str(path))
                if not quiet:
                    print(f"{artifact['label']}: {size:,} bytes -> {path}", file=out)
            except SourceError as error:
                failed += 1
                print(f"histview: download {source_name} {artifact['label']} failed: {error}",
                      file=out)
        return 1 if failed else 0
    finally:
        store.close()
