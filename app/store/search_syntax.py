"""The search box's language, turned into FTS5 queries: words as prefixes, "phrases",
-exclusions, OR, and phone numbers written the way people write them.

Kept apart from ``queries`` (which runs the SQL) because it is pure text handling with its
own rules, tested on its own (tests/test_search_syntax.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


class BadQuery(ValueError):
    """A search the full-text engine cannot read; the message is a hint for the user."""


#: One term of a typed search: an optional ``-``, then a "quoted phrase" (its closing quote
#: optional, for a search typed as you go) or a word (any run of non-space, non-quote text).
_TERM = re.compile(r'(-?)(?:"([^"]*)("?)|([^\s"]+))')
#: A word of a phone number as people write it: "+1", "(303)", "555-0100", "303.555.0100".
_PHONE_PIECE = re.compile(r"\+?[0-9().-]*[0-9][0-9().-]*")
#: Digits a typed number needs to be matched as one (a shorter one is an ordinary word),
#: and at most (E.164's limit); see ``schema.phone_words`` for what is indexed.
PHONE_DIGITS = (7, 15)
#: Names people put before a colon to aim a search at one field ("title:VMR", "from:Reid").
#: The index holds one text per session, so such a prefix would only ever find sessions
#: with the word "title" right before "VMR": it is dropped, and the rest searched as typed.
#: URI schemes ("sip:desk@corp.example", "tel:+1555…") are not here: they are text to find.
FIELD_NAMES = frozenset({
    "title", "subject", "name", "type", "kind", "source", "status", "direction", "id",
    "participant", "participants", "people", "person", "user", "from", "to", "caller",
    "callee", "date", "start", "end",
})
_FIELD = re.compile(r"([A-Za-z_]+):(.*)")


@dataclass(frozen=True)
class FtsQuery:
    """A typed search as FTS5 queries: what a session must match, and what it must not.

    Kept apart because FTS5 cannot MATCH a pure negation: a search made only of exclusions
    (``-Reid``) runs as "every session but those matching ``excluded``" (``queries``).
    ``notes`` say how the text was read where it differs from what was typed (a missing
    closing quote, a field name), so a search that finds nothing is not a silent one.
    """

    included: str | None
    excluded: str | None
    notes: tuple[str, ...] = ()

    @property
    def match(self) -> str | None:
        """The one MATCH of a search with something to look for, its exclusions inside it;
        None for an exclusion-only search."""
        if self.included is None:
            return None
        if self.excluded is None:
            return self.included
        return f"({self.included}) NOT ({self.excluded})"


def fts_query(text: str) -> FtsQuery:
    """Turn what a user typed into a search box into FTS5 queries.

    - ``printer offline``: every word must match, each as a prefix (``off`` finds "offline").
    - ``"printer offline"``: those words in that order; the last one is a prefix too. A
      missing closing quote is taken as at the end (a search typed as you go), with a note.
    - ``-teams``, ``-"team room"`` or ``NOT teams``: sessions that match it are left out,
      whatever else the query says (the exclusions apply to the whole query). A search of
      exclusions only lists every session but those.
    - ``Reid OR Sato``: either. Plain AND binds tighter than OR, as in FTS5 itself:
      ``a b OR c`` means (a and b) or c. An ``OR`` or ``NOT`` with no term after it (or an
      ``OR`` with none before) is dropped, so a half-typed ``Reid OR`` still finds Reid;
      ``"OR"`` or ``or`` searches for the word, and so do ``"NOT"`` and ``not``.
    - ``title:VMR``: searched as ``VMR`` in every field, with a note (``FIELD_NAMES``).
    - ``(303) 555-0100``, ``+1 303 555 0100``, ``5550100``: a phone number (7 to 15 digits
      written with spaces, dashes, dots, brackets, a leading +) also matches as its digits,
      its last 10 when longer, so it finds "+13035550100" (``_phone_term``).

    Everything else is text, never FTS syntax: each term is quoted, so ``AND``, ``*``,
    ``(`` and the punctuation in an e-mail address, a file name or ``+1555...`` reach
    the tokenizer, which splits them into words as it did the indexed text. A term without
    a letter or digit (``*``, ``-``, ``(``) would match nothing and is ignored. The result
    is built with parentheses and explicit operators, never relying on FTS5's precedence
    (in which implicit AND binds tighter even than NOT), so a user never sees an FTS5
    syntax error. A NUL character separates words, as a space does: FTS5 reads a query as
    C text, which ends at the first NUL ("unterminated string"). Raises ``BadQuery`` when
    nothing is left to look for or leave out.
    """
    text = text.replace("\0", " ")
    groups: list[list[str]] = [[]]  # OR-ed groups of AND-ed terms
    excluded: list[str] = []
    notes: list[str] = []
    either = False
    for minus, bodies in _terms(text, notes):
        if not bodies:  # a bare OR
            either = True
            continue
        term = _phone_term(bodies)
        if minus:
            excluded.append(term)
            continue
        if either and groups[-1]:
            groups.append([])
        either = False
        groups[-1].append(term)
    if not groups[0] and not excluded:
        raise BadQuery("type a word to search for")
    # An explicit AND: FTS5 reads "a b" as both, but "a (b OR c)" as a syntax error.
    if not groups[0]:
        included = None
    elif len(groups) == 1:
        included = " AND ".join(groups[0])
    else:
        included = " OR ".join(f"({' AND '.join(group)})" for group in groups)
    return FtsQuery(included, " OR ".join(excluded) if excluded else None,
                    tuple(dict.fromkeys(notes)))


def search_notes(text: str | None) -> tuple[str, ...]:
    """How a search was read where that differs from what was typed (``FtsQuery.notes``);
    none for a search that cannot run (its ``BadQuery`` says why instead)."""
    try:
        return fts_query(text).notes if text and text.strip() else ()
    except BadQuery:
        return ()


def _tokens(text: str, notes: list[str]) -> list[tuple[str, str, str]]:
    """The typed terms as (minus, phrase, word), one of phrase and word empty; a field name
    before a colon is dropped (its value kept) and a missing closing quote noted."""
    tokens = []
    for match in _TERM.finditer(text):
        minus, phrase, closed, word = match.groups()
        if phrase is not None and not closed and any(char.isalnum() for char in phrase):
            notes.append(f"No closing quote: searched for the phrase “{phrase.strip()}”; "
                         "without quotes its words are found anywhere")
        field = _FIELD.fullmatch(word or "")
        if field and field[1].lower() in FIELD_NAMES:
            notes.append(f"A search cannot be limited to one field: “{field[1]}:” was "
                         "ignored and every field searched")
            word = field[2]
            if not word:
                continue
        tokens.append((minus, phrase or "", word or ""))
    return tokens


def _terms(text: str, notes: list[str]) -> Iterator[tuple[str, list[str]]]:
    """The typed terms as (minus, bodies); no bodies for a bare OR. A term has several
    bodies when it is a phone number typed as several words (``+1 303 555 0100``). A bare
    ``NOT`` makes the term after it an exclusion, as a ``-`` would."""
    tokens = _tokens(text, notes)
    at = 0
    negate = False
    while at < len(tokens):
        minus, phrase, word = tokens[at]
        at += 1
        if not minus and word == "NOT":
            negate = True
            continue
        if not minus and word == "OR":
            negate = False
            yield "", []
            continue
        minus = minus or ("-" if negate else "")
        negate = False
        body = phrase or word
        if not any(char.isalnum() for char in body):
            continue
        bodies = [body]
        digits = _digit_count(word) if not minus else 0
        while digits and at < len(tokens) and not tokens[at][0]:
            more = _digit_count(tokens[at][2])  # 0 for a phrase, an OR or a plain word
            if not more or digits + more > PHONE_DIGITS[1] or min(digits, more) >= \
                    PHONE_DIGITS[0]:
                break  # "5550100 5550199" is two numbers
            bodies.append(tokens[at][2])
            digits += more
            at += 1
        yield minus, bodies


def _digit_count(body: str) -> int:
    """How many digits a phone-like body has; 0 when it is not one ("report-2024.xlsx")."""
    parts = body.split()
    if not parts or not all(_PHONE_PIECE.fullmatch(part) for part in parts):
        return 0
    return sum(char.isdigit() for char in body)


def _phone_term(bodies: list[str]) -> str:
    """The FTS5 term for what the user typed: its words, each a prefix, and when they spell
    a phone number, or else that number's digits (its last 10 when longer: the tail
    ``schema.phone_words`` indexes, so "+1 303 555 0100" finds "+13035550100"). The typed
    words stay an alternative, so a date such as 2024-01-15 still finds what it found."""
    words = [f'"{body}"*' for body in bodies]
    typed = words[0] if len(words) == 1 else f"({' AND '.join(words)})"
    digits = "".join(char for body in bodies for char in body if char.isdigit())
    low, high = PHONE_DIGITS
    if not low <= len(digits) <= high or not all(_digit_count(body) for body in bodies):
        return typed
    number = f'"{digits[-10:]}"*'
    return typed if number == typed else f"({typed} OR {number})"
