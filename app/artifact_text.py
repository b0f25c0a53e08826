"""A downloaded transcript or chat log as text a person reads, for the window's reader.

Vendors hand these over in formats made for players and browsers: WebVTT and SRT captions
(cue numbers, ``-->`` timings, ``<v Speaker>`` tags), HTML chat transcripts, plain text.
Reading them in histview means they stay readable offline, beside the session they belong
to. The file is the user's own download, but it came from a server, so it is treated as
untrusted: only its first ``READ_LIMIT`` bytes are read, HTML is parsed without network,
entities or scripts and only its text is kept, and a file that is not text says so instead
of filling the screen with binary.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

#: Enough for a day-long meeting's transcript (about 1 MB); a bigger file shows its start.
READ_LIMIT = 4 * 1024 * 1024
#: Downloaded files whose content is text histview can show.
TEXT_SUFFIXES = frozenset({".txt", ".vtt", ".srt", ".html", ".htm", ".json", ".xml",
                           ".csv"})
#: Artifacts people read rather than play: the reader offers to show them once downloaded.
READABLE_KINDS = frozenset({"transcript", "chat"})

_CUE_TIMING = re.compile(r"^\s*(\d{1,2}:)?(\d{1,2}):(\d{2})[.,]\d{1,3}\s+-->\s+\S+")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]*)>")
_TAG = re.compile(r"</?[A-Za-z][^>]*>|<\d{1,2}:\d{2}[^>]*>")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_BLOCKS = ("br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
           "blockquote", "pre", "dt", "dd")


class NotReadable(ValueError):
    """The file cannot be shown as text (missing, unreadable, or binary)."""


@dataclass(frozen=True)
class ReadableText:
    text: str
    truncated: bool  # only the first READ_LIMIT bytes were read


def is_readable(artifact: dict) -> bool:
    """Whether the reader shows this artifact: a transcript or chat log, or any downloaded
    file in a text format (a vendor may name a report as a file of its own kind)."""
    path = artifact.get("downloaded_path") or ""
    return (artifact.get("kind") in READABLE_KINDS
            or Path(path).suffix.lower() in TEXT_SUFFIXES)


def searchable_text(artifact: dict, path: Path) -> str | None:
    """The words of a downloaded transcript or chat log, kept for its session's search
    text; None for a recording, or a file that is not text or no longer there."""
    if not is_readable({**artifact, "downloaded_path": str(path)}):
        return None
    try:
        return readable_text(path).text or None
    except NotReadable:
        return None


def readable_text(path: Path, limit: int = READ_LIMIT) -> ReadableText:
    """The file's content as lines a person reads, whatever its text format."""
    try:
        with path.open("rb") as file:
            data = file.read(limit + 1)
    except OSError as error:
        raise NotReadable(f"cannot read {path.name}: {error.strerror or error}") from None
    truncated = len(data) > limit
    text = _decode(data[:limit], path.name)
    suffix = path.suffix.lower()
    if suffix in (".vtt", ".srt") or text.startswith("WEBVTT"):
        text = captions_text(text)
    elif suffix in (".html", ".htm") or _looks_like_html(text):
        text = html_text(text)
    elif suffix == ".json" and not truncated:
        text = _pretty_json(text)
    return ReadableText(text.strip("\n"), truncated)


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (or UTF-16 with its BOM); else Windows' code page, which older chat exports
    use. A character cut in two by ``READ_LIMIT`` is dropped, not taken for Windows text."""
    if data.startswith(_UTF16_BOMS):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data[:8192]:
        raise NotReadable(f"{name} is not a text file; open it with another application")
    else:
        try:
            text = codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def captions_text(text: str) -> str:
    """WebVTT or SRT captions as "mm:ss  Speaker: words" lines, one per cue.

    Cue numbers, settings, NOTE and STYLE blocks go; a ``<v Speaker>`` tag becomes the
    speaker's name, as Webex and Teams tag who spoke.
    """
    lines: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        rows = [row for row in block.split("\n") if row.strip()]
        timing = next((i for i, row in enumerate(rows) if _CUE_TIMING.match(row)), None)
        if timing is None:
            continue  # the header, a NOTE, STYLE or REGION block
        said = " ".join(_cue_words(row) for row in rows[timing + 1:]).strip()
        if said:
            lines.append(f"{_cue_start(rows[timing])}  {said}")
    return "\n".join(lines)


def _cue_start(timing: str) -> str:
    match = _CUE_TIMING.match(timing)
    assert match is not None
    hours = (match[1] or "").rstrip(":")
    start = f"{int(match[2]):02d}:{match[3]}"
    return f"{int(hours)}:{start}" if hours and int(hours) else start


def _cue_words(row: str) -> str:
    row = _VOICE.sub(lambda voice: f"{voice[1].strip()}: ", row)
    return html.unescape(_TAG.sub("", row)).strip()


def _looks_like_html(text: str) -> bool:
    head = text[:512].lstrip().lower()
    return head.startswith(("<!doctype html", "<html"))


def html_text(text: str) -> str:
    """An HTML page's text, a line per block (a chat transcript's table gives a line per
    message). Parsed with no network, no entities resolved beyond HTML's own, and no
    scripts or styles kept."""
    from lxml import html as lxml_html  # imported here: listing sessions never pays for it

    parser = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                                  huge_tree=False)
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (ValueError, TypeError, SyntaxError):  # lxml's ParserError is a ValueError
        return text
    for element in root.xpath("//script | //style | //head"):
        element.drop_tree()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    for cell in root.iter("td", "th"):
        cell.tail = "\t" + (cell.tail or "")
    lines = (_squeeze(line) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def _squeeze(line: str) -> str:
    """A line's runs of blanks made one, its table cells kept two spaces apart."""
    cells = (" ".join(cell.split()) for cell in line.split("\t"))
    return "  ".join(cell for cell in cells if cell)


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text
