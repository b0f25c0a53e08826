"""Downloading a session's recordings, transcripts and chat logs to safe local files.

File names come from vendors and from whoever named the meeting, so they are untrusted: a
name like ``../../.bashrc`` or ``CON`` must land as a plain file inside the download folder.
Content streams to ``NAME.part`` and is renamed only when complete, so an interrupted
download never looks finished; the next attempt resumes it with a Range request where the
server allows and the file is the version the first bytes came from, and starts it over
where it does not.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import urllib.parse
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

import requests
from urllib3.exceptions import HTTPError as StreamError
from urllib3.exceptions import ReadTimeoutError

from app.artifact_text import searchable_text
from app.http import SourceError
from app.registry import RegistryError, open_source
from app.settings import Settings
from app.sources.base import Source
from app.store import Store, queries
from app.terminal_text import one_line

CHUNK = 1 << 16
_UNSAFE = re.compile(r"[^\w.\-+ ()\[\]',&]+")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}
_CONTENT_RANGE = re.compile(r"bytes (?P<first>\d+)-(?P<last>\d+)/(?P<total>\d+|\*)")
#: What an artifact is saved as when neither its source nor the server says. A command shell
#: recording is a "video recording" (BeyondTrust's seed) of no documented format: saved as
#: text it opened binary in a text editor.
_EXTENSIONS = {"recording": ".mp4", "screen_recording": ".webm", "shell_recording": ".bin",
               "transcript": ".txt", "chat": ".html"}
#: Media and document formats a source or server may name for a file (``file_extension``,
#: ``served_extension``): none of them runs when double-clicked.
SAFE_EXTENSIONS = frozenset({
    ".mp4", ".m4a", ".mp3", ".wav", ".ogg", ".opus", ".webm", ".mkv", ".mov", ".arf",
    ".vtt", ".srt", ".txt", ".html", ".htm", ".json", ".xml", ".csv", ".pdf", ".zip",
    ".dat", ".bin"})
#: A served Content-Type's usual extension (only types whose extension is in SAFE_EXTENSIONS;
#: the stdlib's ``mimetypes`` reads the machine's own tables, so names would vary by machine).
_TYPE_EXTENSIONS = {
    "text/plain": ".txt", "text/html": ".html", "text/vtt": ".vtt", "text/csv": ".csv",
    "application/json": ".json", "application/xml": ".xml", "text/xml": ".xml",
    "application/pdf": ".pdf", "application/zip": ".zip", "video/mp4": ".mp4",
    "audio/mp4": ".m4a", "audio/mpeg": ".mp3", "audio/wav": ".wav", "audio/x-wav": ".wav",
    "audio/wave": ".wav", "audio/ogg": ".ogg", "video/webm": ".webm", "audio/webm": ".webm",
    "video/quicktime": ".mov", "video/x-matroska": ".mkv"}
_FILENAME = re.compile(r"""filename\*?\s*=\s*(?:UTF-8'[^']*')?"?([^";]+)"?""", re.IGNORECASE)
#: The most a download name's label (and its time) may take, and its session title, in
#: characters and in UTF-8 bytes (see ``target_path``): file systems count bytes (255 on
#: most), and a name gets separators, a 12-character digest, an extension and
#: ".part.version" on top: at most 72 + 96 + 72 + 32 bytes.
_PART, _PART_BYTES = 40, 72
_TITLE, _TITLE_BYTES = 60, 96


def safe_name(text: str, default: str = "artifact") -> str:
    """A file name with no path in it, no control characters and no reserved device name."""
    text = unicodedata.normalize("NFC", text or "")
    # Titles join their parts with "→" (caller and callee) and ": " (customer and issue),
    # which no file system takes everywhere: " - " reads, "_" did not.
    text = text.replace("/", "_").replace("\\", "_").replace("→", "-").replace(": ", " - ")
    text = _UNSAFE.sub("_", text).strip(" ._")
    text = _cut(re.sub(r"\.{2,}", ".", re.sub(r"_+", "_", text)), 120, 120).rstrip(" ._")
    if not text or text.split(".")[0].upper() in _RESERVED:
        text = f"{default}_{text}" if text else default
    return text


def _name_part(text: str, chars: int = _PART, max_bytes: int = _PART_BYTES) -> str:
    """One part of a download's name: safe, cut to its share of the name, and not ending in
    a dot or space after the cut (which would make "name..mp4" or "name  digest")."""
    return _cut(safe_name(text, ""), chars, max_bytes).rstrip(" ._")


def _cut(text: str, chars: int, max_bytes: int) -> str:
    """At most ``chars`` characters and ``max_bytes`` UTF-8 bytes, never half a character."""
    return text[:chars].encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def file_extension(artifact: dict) -> str:
    """The format the source names, else the usual one for the artifact's kind (which the
    server's answer may still correct: ``served_extension``)."""
    return named_extension(artifact) or _EXTENSIONS.get(artifact.get("kind", ""), ".bin")


def named_extension(artifact: dict) -> str | None:
    """The format the source names (Webex's ``format``), else the extension of the download
    URL; only from ``SAFE_EXTENSIONS``, so no vendor text can make a download that runs when
    double-clicked (".exe", ".desktop")."""
    data = artifact.get("data") if isinstance(artifact.get("data"), dict) else {}
    named = f".{data['format']}".lower() if isinstance(data.get("format"), str) else ""
    in_url = PurePosixPath(urllib.parse.urlsplit(artifact.get("url") or "").path).suffix.lower()
    for candidate in (named, in_url):
        if candidate in SAFE_EXTENSIONS:
            return candidate
    return None


def served_extension(response: requests.Response) -> str | None:
    """The extension the server gives the file: its Content-Disposition name's, else its
    Content-Type's. Report links ("?generate_report=…", "/session_download?…") name no
    format, and the kind's guess can be wrong: BeyondTrust serves chat transcripts as plain
    text, which saved as .html read as one run-on paragraph in a browser."""
    named = _FILENAME.search(response.headers.get("Content-Disposition", ""))
    if named:
        suffix = PurePosixPath(urllib.parse.unquote(named[1]).strip()).suffix.lower()
        if suffix in SAFE_EXTENSIONS:
            return suffix
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return _TYPE_EXTENSIONS.get(kind)


def download_folder(data_dir: Path, source_name: str) -> Path:
    """Where a source's artifacts go by default: ``<data>/downloads/<source>``."""
    return Settings(data_dir).downloads_dir / safe_name(source_name)


def target_path(folder: Path, session: dict, artifact: dict) -> Path:
    """Where an artifact goes: inside ``folder``, always (checked, not assumed).

    Named as a person looks for it in a file manager: when its session started (UTC), the
    session's title and the artifact's label, "2026-11-22 2005Z Daniel Eze - Session
    recording 3f0c9a1b2d4e.mp4". The ids went first before, and a folder of recordings read
    as hashes. The last word is a digest of the session and artifact ids: it keeps two
    recordings of one session (or two sessions of one title) apart and the name the same on
    every download, so an interrupted one finds its ``.part``. A label is a caption, not a
    file name ("Recording 346.1 s"), so the extension comes from ``file_extension``."""
    identity = f"{session.get('session_id')}\0{artifact.get('artifact_id')}"
    digest = hashlib.sha256(identity.encode("utf-8", "replace")).hexdigest()[:12]
    start = str(session.get("start") or "")
    when = _name_part(f"{start[:10]} {start[11:13]}{start[14:16]}Z" if len(start) >= 16
                      else "")
    title = _name_part(str(session.get("title") or session.get("session_id") or ""),
                       _TITLE, _TITLE_BYTES)
    label = _name_part(str(artifact.get("label") or ""))
    heading = " ".join(part for part in (when, title) if part)
    stem = " - ".join(part for part in (heading, label) if part)
    # No leading dash: a name that reads as an option to a command is a trap.
    path = (folder / f"{stem} {digest}{file_extension(artifact)}".lstrip(" -")).resolve()
    if folder.resolve() not in path.parents:
        raise SourceError(f"refusing to write outside {folder}: {path.name}")
    return path


def fetch_to(source: Source, artifact: dict, path: Path) -> tuple[Path, int]:
    """Stream one artifact to ``path`` through ``path.part``; returns where the file is and
    its size. That is ``path`` with the server's extension (``served_extension``) when the
    source named no format of its own.

    A ``.part`` left by an interrupted attempt is resumed: its size goes out as
    ``Range: bytes=SIZE-`` with ``If-Range`` naming the version its bytes came from
    (``PartVersion``); a 206 whose Content-Range starts there, of a file the same size, is
    appended; anything else (a 200, a server that ignores Range, a range that does not
    start at the offset, a file that changed) starts over, and a 416 is checked against
    the file's last byte (``_complete``).
    """
    partial = path.with_name(path.name + ".part")
    version = PartVersion(partial)
    offset = partial.stat().st_size if partial.exists() else 0
    response, offset = _open_at(source, artifact, partial, offset, version)
    if response is not None and named_extension(artifact) is None:
        served = served_extension(response)
        if served is not None and served != path.suffix.lower():
            path = path.with_suffix(served)
    if response is None:
        _finish(partial, path, version)
        return path, offset
    if offset == 0:
        version.remember(response)
    written = 0
    try:
        with partial.open("ab" if offset else "wb") as handle:
            for chunk in _chunks(response):
                handle.write(chunk)
                written += len(chunk)
    except (requests.RequestException, StreamError) as error:
        reason = ("timed out" if isinstance(error, requests.Timeout | ReadTimeoutError)
                  else "the connection broke")
        raise SourceError(f"{reason} after {offset + written:,} bytes; download again to "
                          "resume") from None
    except OSError as error:
        raise SourceError(f"cannot write {partial}: {error.strerror or error}") from None
    finally:
        response.close()
    _finish(partial, path, version)
    return path, offset + written


def _finish(partial: Path, path: Path, version: PartVersion) -> None:
    partial.replace(path)
    version.forget()


class PartVersion:
    """Which version of a file a ``.part`` holds the start of, kept beside it in
    ``NAME.part.version``: the server's validator (a strong ETag, else Last-Modified) and
    the whole file's size.

    A recording can be re-processed on the server between two attempts (a re-encoded
    Webex recording, a trimmed call). Resuming then would append the new file's tail to
    the old file's head, a file that looks whole and is not. With the validator the
    server sends the new file whole (``If-Range``), and with the size even a server that
    ignores ``If-Range`` is caught.
    """

    def __init__(self, partial: Path) -> None:
        self.path = partial.with_name(partial.name + ".version")
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        saved = saved if isinstance(saved, dict) else {}
        self.validator: str | None = _text_or_none(saved.get("validator"))
        self.size: int | None = saved.get("size") if type(saved.get("size")) is int else None

    def remember(self, response: requests.Response) -> None:
        """Note the version a whole-file answer is, before its first byte is written."""
        etag = response.headers.get("ETag", "").strip()
        strong = etag if etag.startswith('"') else None  # a weak W/"…" may not go in If-Range
        self.validator = strong or _text_or_none(response.headers.get("Last-Modified"))
        length = response.headers.get("Content-Length", "")
        self.size = int(length) if length.isdigit() else None
        if self.validator is None and self.size is None:
            self.forget()
            return
        try:
            self.path.write_text(json.dumps({"validator": self.validator, "size": self.size}),
                                 encoding="utf-8")
        except OSError as error:
            raise SourceError(f"cannot write {self.path}: {error.strerror or error}") from None

    def same_file(self, total: int | None) -> bool:
        """Is a range of a file of ``total`` bytes from the version remembered?"""
        return self.size is None or total is None or total == self.size

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)


def _text_or_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The body through ``iter_content`` (callers such as the window's progress wrap it).
    Without a content coding (``download_headers`` asks for none) the raw stream is read
    undecoded, which keeps every byte that came before a break: decoding reads whole
    chunks and drops a short last one when the connection breaks."""
    if response.headers.get("Content-Encoding", "identity").strip() in ("", "identity"):
        response.raw = _Undecoded(response.raw)
    return response.iter_content(CHUNK)


class _Undecoded:
    """``response.raw`` whose ``stream`` hands on each read as it arrives, undecoded."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def stream(self, amt: int, decode_content: bool | None = None) -> Iterator[bytes]:
        return self._raw.stream(amt, decode_content=False)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _open_at(source: Source, artifact: dict, partial: Path, offset: int,
             version: PartVersion) -> tuple[requests.Response | None, int]:
    """The response to stream and where its body starts: ``offset`` (a 206 continuing
    ``partial``) or 0 (the whole file). (None, offset) when ``partial`` is already whole."""
    if offset:
        try:
            response = source.open_download(artifact, offset, version.validator)
        except SourceError as error:
            if error.status != 416:
                raise
            if _complete(source, artifact, partial, offset, version):
                return None, offset
        else:
            start = _body_start(response)
            if start == 0 or (start == offset and version.same_file(_total(response))):
                return response, start
            response.close()  # a range we did not ask for, or of another file: take it whole
    response = source.open_download(artifact)
    if _body_start(response) != 0:
        response.close()
        raise SourceError(f"the server answered HTTP {response.status_code}, not the file")
    return response, 0


def _complete(source: Source, artifact: dict, partial: Path, offset: int,
              version: PartVersion) -> bool:
    """After a 416 ("nothing from ``offset`` on"): does ``partial`` hold the whole file?
    The server's size is not readable from the refused request, so ask for the last byte
    ``partial`` holds: it must be the file's last byte and match."""
    try:
        probe = source.open_download(artifact, offset - 1, version.validator)
    except SourceError as error:
        if error.status == 416:  # shorter still: ``partial`` is longer than the file
            return False
        raise
    with probe:
        if probe.status_code != 206 or _content_range(probe) != (offset - 1, offset - 1,
                                                                 offset):
            return False
        with partial.open("rb") as handle:
            handle.seek(offset - 1)
            return probe.content == handle.read(1)


def _total(response: requests.Response) -> int | None:
    found = _content_range(response)
    return found[2] if found else None


def _content_range(response: requests.Response) -> tuple[int, int, int | None] | None:
    """(first byte, last byte, total size or None for ``*``) of a ``Content-Range``."""
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
    if match is None:
        return None
    total = int(match["total"]) if match["total"] != "*" else None
    return int(match["first"]), int(match["last"]), total


def _body_start(response: requests.Response) -> int | None:
    """Which byte of the file a response's body starts at: 0 for a 200 (the whole file),
    the first byte for a 206 that runs to the end of the file, None for anything else
    (a 206 that stops short would leave a file that only looks complete)."""
    if response.status_code == 200:
        return 0
    found = _content_range(response) if response.status_code == 206 else None
    if found is None or (found[2] is not None and found[1] != found[2] - 1):
        return None
    return found[0]


def download_artifacts(data_dir: Path, source_name: str, session_id: str, *,
                       kind: str | None = None, folder: Path | None = None,
                       out: TextIO, quiet: bool = False) -> int:
    """``histview download``: every (or every ``kind``) artifact of one session.

    Returns the exit code: 0 all downloaded, 1 some failed (each named on ``out``).
    """
    source = open_source(data_dir, source_name)
    folder = Path(folder or download_folder(data_dir, source_name))
    store = Store(Settings(data_dir).cache_path)
    try:
        session = queries.get_session(store.db.conn, source_name, session_id)
        if session is None:
            raise RegistryError(f"no cached session {source_name}:{session_id}")
        listed = queries.list_artifacts(store.db.conn, source_name, session_id)
        artifacts = [a for a in listed if kind is None or a["kind"] == kind]
        if not artifacts:
            # Say what there is: a BeyondTrust session "with a recording" may have only a
            # screen or shell recording, which --kind recording does not take.
            kinds = ", ".join(sorted({a["kind"] for a in listed}))
            print(one_line(f"{source_name}:{session_id} has no artifacts")
                  + (f" of kind {kind}" if kind else "")
                  + (f" (it has: {kinds})" if kinds else ""), file=out)
            return 0
        folder.mkdir(parents=True, exist_ok=True)  # only once there is something to put in it
        failed = 0
        for done, artifact in enumerate(artifacts):
            label = one_line(str(artifact["label"]))  # the vendor's: no escapes reach a terminal
            try:
                path, size = fetch_to(source, artifact, target_path(folder, session,
                                                                    artifact))
                store.set_downloaded(source_name, session_id, artifact["artifact_id"], str(path),
                                     searchable_text(artifact, path))
                if not quiet:
                    print(f"{label}: {size:,} bytes -> {path}", file=out)
            except SourceError as error:
                failed += 1
                print(f"histview: download {source_name} {label} failed: {error}", file=out)
                if error.unreachable:  # the rest would wait through the same retries
                    rest = len(artifacts) - done - 1
                    if rest:
                        print(f"histview: {rest} more not tried", file=out)
                    return 1
        return 1 if failed else 0
    finally:
        store.close()
