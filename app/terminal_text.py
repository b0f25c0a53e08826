"""Vendor text made safe to print on a person's terminal.

A meeting title, a caller's name or a vendor's error message is chosen by someone outside:
printed raw, its escape sequences would clear the screen, retitle the terminal, plant a link
or forge a line ("all sources synced OK" over a real failure), and a bidi override would
show its text in another order than it reads. JSON and CSV output are data for programs
and keep the text exactly as sent; only what is drawn for a person goes through here.
"""

from __future__ import annotations

import logging
import re

#: C0 controls (whitespace included: a caller collapses whitespace first when it wants
#: spaces), DEL, C1 controls (U+0080-U+009F: U+009B is a CSI on many terminals), and the
#: bidi embeddings, overrides and isolates of "Trojan Source" (CVE-2021-42574).
#: Also the invisible marks and spaces (U+061C, U+200B, U+200E-U+200F, U+2060, U+FEFF) that
#: make two different ids or names look the same. The joiners U+200C and U+200D stay: emoji
#: sequences and Persian or Indic names need them.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e"
                          "\u2060\u2066-\u2069\ufeff]")
REPLACEMENT = "\ufffd"


def printable(text: str) -> str:
    """``text`` with each control character and bidi override replaced by U+FFFD.

    Why U+FFFD rather than a visible escape such as ``\\x1b`` or "␛": it takes one column for
    one character, so table widths and cuts stay right; it is Unicode's own mark for "a
    character that cannot be shown here", which every terminal font draws; and it is what
    the XLSX export already writes for the same characters (``app/export.py``), so a person
    sees one mark for them everywhere. Which character it was is still in the JSON output."""
    return _UNPRINTABLE.sub(REPLACEMENT, text)


def one_line(text: str) -> str:
    """``text`` for one line of a terminal: whitespace runs (tabs, line breaks) become one
    space, so a line cannot be split or forged, then the rest goes through ``printable``."""
    return printable(" ".join(text.split()))


class TerminalFormatter(logging.Formatter):
    """Log lines for a terminal: a retry line or a warning can quote a vendor's session id
    or error text, so each line of the record goes through ``printable`` (a traceback keeps
    its line breaks)."""

    def format(self, record: logging.LogRecord) -> str:
        return "\n".join(printable(line) for line in super().format(record).split("\n"))
