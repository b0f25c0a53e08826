"""The search box's language, turned into FTS5 queries: words as prefixes, "phrases",
-exclusions, OR, and phone numbers written the way people write them.

Kept apart from ``queries`` (which runs the SQL) because it is pure text handling with its
own rules, tested on its own (tests/test_search_syntax.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.store.schema import SHORTEST_TAIL


class BadQuery(ValueError):
    """A search the full-text engine cannot read; the message is a hint for the user."""


#: One term of a typed search: an optional ``-``, then a "quoted phrase" (its closing quote
#: optional, for a search typed as you go) or a word (any run of non-space, non-quote text).
_TERM = re.compile(r'(-?)(?:"([^"]*)("?)|([^\s"]+))')
#: A word of a phone number as people write it: "+1", "(303)", "555-0100", "303.555.0100".
_PHONE_PIECE = re.compile(r"\+?[0-9().-]*[0-9][0-9().-]*")
#: Digits a typed number needs to be matched as one (a shorter one is an ordinary word):
#: the shortest tail ``schema.phone_words`` indexes; and at most (E.164's limit).
PHONE_DIGITS = (SHORTEST_TAIL, 15)
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
#: Brackets nested deeper than this are ignored in pairs: each level is a step of recursion
#: here and in FTS5's parser, and a pasted run of thousands would exhaust either.
MAX_DEPTH = 20


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

    - ``printer offline`` or ``printer AND offline``: every word must match, each as a
      prefix (``off`` finds "offline").
    - ``"printer offline"``: those words in that order; the last one is a prefix too. A
      missing closing quote is taken as at the end (a search typed as you go), with a note.
    - ``-teams``, ``-"team room"``, ``NOT teams`` or ``-(teams OR zoom)``: sessions that
      match it are left out, whatever else the query says (the exclusions apply to the whole
      query, inside brackets too, with a note there). A search of exclusions only lists
      every session but those.
    - ``Reid OR Sato``: either. AND binds tighter than OR, as in FTS5 itself: ``a b OR c``
      means (a and b) or c. An ``OR``, ``AND`` or ``NOT`` with no term after it (or an
      ``OR`` with none before) is dropped, so a half-typed ``Reid OR`` still finds Reid;
      ``"OR"`` or ``or`` searches for the word, and so do ``"AND"``, ``and``, ``"NOT"``
      and ``not``.
    - ``(Reid OR Sato) printer``: brackets group, as in arithmetic. A bracket at the edge of
      a word groups; one the word closes itself (``(303)``, ``f(x)``) is text. A missing
      closing bracket is taken as at the end, and one never opened is ignored, with a note.
    - ``title:VMR``: searched as ``VMR`` in every field, with a note (``FIELD_NAMES``).
    - ``(303) 555-0100``, ``+1 303 555 0100``, ``5550100``, ``030 123456``: a phone
      number (6 to 15 digits written with spaces, dashes, dots, brackets, a leading +) also
      matches as its digits, so it finds "+13035550100" or "+4930123456" (``_phone_term``).

    Everything else is text, never FTS syntax: each term is quoted, so ``*``, ``NEAR(``
    and the punctuation in an e-mail address, a file name or ``+1555...`` reach the
    tokenizer, which splits them into words as it did the indexed text. A term without a
    letter or digit (``*``, ``-``, ``:``) would match nothing and is ignored. The result is
    built with parentheses and explicit operators, never relying on FTS5's precedence (in
    which implicit AND binds tighter even than NOT), so a user never sees an FTS5 syntax
    error. A NUL character separates words, as a space does: FTS5 reads a query as C text,
    which ends at the first NUL ("unterminated string"). Raises ``BadQuery`` when nothing
    is left to look for or leave out.
    """
    notes: list[str] = []
    reader = _Reader(_tokens(text.replace("\0", " "), notes), notes)
    included = reader.group(0)
    if included is None and not reader.excluded:
        raise BadQuery("type a word to search for")
    excluded = " OR ".join(reader.excluded) if reader.excluded else None
    return FtsQuery(included, excluded, tuple(dict.fromkeys(notes)))


def search_notes(text: str | None) -> tuple[str, ...]:
    """How a search was read where that differs from what was typed (``FtsQuery.notes``);
    none for a search that cannot run (its ``BadQuery`` says why instead)."""
    try:
        return fts_query(text).notes if text and text.strip() else ()
    except BadQuery:
        return ()


#: Notes for brackets read otherwise than typed, and for an exclusion inside brackets.
UNCLOSED = "No closing bracket: searched as if it were at the end"
UNOPENED = "A closing bracket without an opening one was ignored"
TOO_DEEP = f"Brackets inside more than {MAX_DEPTH} others were ignored"
EXCLUDED_INSIDE = ("An excluded word leaves its sessions out of the whole search, also "
                   "when it is inside brackets")
OPEN, CLOSE = "(", ")"


def _tokens(text: str, notes: list[str]) -> list[tuple[str, str, str]]:
    """The typed terms as (minus, phrase, word), one of phrase and word empty; a bracket
    that groups is a word of its own ("(", ")"). A field name before a colon is dropped
    (its value kept) and a missing closing quote noted."""
    tokens: list[tuple[str, str, str]] = []
    for match in _TERM.finditer(text):
        minus, phrase, closed, word = match.groups()
        if phrase is not None:
            if not closed and any(char.isalnum() for char in phrase):
                notes.append(f"No closing quote: searched for the phrase “{phrase.strip()}”; "
                             "without quotes its words are found anywhere")
            tokens.append((minus, phrase, ""))
            continue
        opens, word, closes = _brackets(word)
        named = _FIELD.fullmatch(word)
        if named and named[1].lower() in FIELD_NAMES:
            notes.append(f"A search cannot be limited to one field: “{named[1]}:” was "
                         "ignored and every field searched")
            more, word, fewer = _brackets(named[2])
            opens, closes = opens + more, fewer + closes
        words = [OPEN] * opens + ([word] if word else []) + [CLOSE] * closes
        tokens += [(minus if at == 0 else "", "", each) for at, each in enumerate(words)]
    return tokens


def _brackets(word: str) -> tuple[int, str, int]:
    """How many grouping brackets open before ``word`` and close after it, and the word
    between: a bracket at its edge that the word itself does not balance ("(Reid",
    "Sato)"). "(303)" and "f(x)" are words, as they were before brackets grouped."""
    opens = closes = 0
    while word.startswith(OPEN) and word.count(OPEN) > word.count(CLOSE):
        opens, word = opens + 1, word[1:]
    while word.endswith(CLOSE) and word.count(CLOSE) > word.count(OPEN):
        closes, word = closes + 1, word[:-1]
    return opens, word, closes


@dataclass
class _Reader:
    """Reads the typed terms in order into an FTS5 expression, a bracketed group at a
    time; the exclusions, wherever they stand, are collected for the whole query."""

    tokens: list[tuple[str, str, str]]
    notes: list[str]
    excluded: list[str] = field(default_factory=list)
    at: int = 0
    skipped: int = 0  # brackets opened beyond MAX_DEPTH, still to close

    def group(self, depth: int) -> str | None:
        """The expression up to the bracket that closes this group (up to the end at depth
        0): OR-ed runs of AND-ed terms, None when it has no term to look for."""
        runs: list[list[str]] = [[]]
        either = negate = False
        while self.at < len(self.tokens):
            minus, phrase, word = self.tokens[self.at]
            self.at += 1
            if not phrase and word == CLOSE:
                if self.skipped:
                    self.skipped -= 1
                elif depth:
                    return _either(runs)
                else:
                    self.notes.append(UNOPENED)
                continue
            if not minus and not phrase and word in ("AND", "OR", "NOT"):
                either = either or word == "OR"
                negate = word == "NOT" or (negate and word == "AND")
                continue
            minus = minus or ("-" if negate else "")
            negate = False
            term = self._term(phrase, word, minus, depth)
            if term is None:
                continue
            if minus:
                self.excluded.append(term)
                if depth:
                    self.notes.append(EXCLUDED_INSIDE)
                continue
            if either and runs[-1]:
                runs.append([])
            either = False
            runs[-1].append(term)
        if depth:
            self.notes.append(UNCLOSED)
        return _either(runs)

    def _term(self, phrase: str, word: str, minus: str, depth: int) -> str | None:
        """The FTS5 expression of the term just read (a bracketed group read to its end),
        None for one with nothing to look for."""
        if not phrase and word == OPEN:
            if depth >= MAX_DEPTH:
                self.skipped += 1
                self.notes.append(TOO_DEEP)
                return None
            inner = self.group(depth + 1)
            return None if inner is None else f"({inner})"
        body = phrase or word
        if not any(char.isalnum() for char in body):
            return None
        bodies = [body]
        digits = _digit_count(word) if not minus else 0
        while digits and self.at < len(self.tokens) and not self.tokens[self.at][0]:
            more = _digit_count(self.tokens[self.at][2])  # 0 for a phrase, OR or a word
            if not more or digits + more > PHONE_DIGITS[1] or min(digits, more) >= \
                    PHONE_DIGITS[0]:
                break  # "5550100 5550199" is two numbers
            bodies.append(self.tokens[self.at][2])
            digits += more
            self.at += 1
        return _phone_term(bodies)


def _either(runs: list[list[str]]) -> str | None:
    """OR-ed runs of AND-ed terms with explicit operators: FTS5 reads "a b" as both, but
    "a (b OR c)" as a syntax error."""
    if not runs[0]:
        return None
    if len(runs) == 1:
        return " AND ".join(runs[0])
    return " OR ".join(f"({' AND '.join(run)})" for run in runs)


def _digit_count(body: str) -> int:
    """How many digits a phone-like body has; 0 when it is not one ("report-2024.xlsx")."""
    parts = body.split()
    if not parts or not all(_PHONE_PIECE.fullmatch(part) for part in parts):
        return 0
    return sum(char.isdigit() for char in body)


def _phone_term(bodies: list[str]) -> str:
    """The FTS5 term for what the user typed: its words, each a prefix, and when they spell
    a phone number, or else that number's digits as a prefix of a number or of one of the
    tails ``schema.phone_words`` indexes. Also without leading zeros (a national trunk "0"
    or an international "00": "030 123456" finds "+4930123456") and, when longer, as its
    last 10 (a number stored without its country code: "+1 303 555 0100" finds
    "3035550100"). The typed words stay an alternative, as a phrase, so a date such as
    2024-01-15 still finds what it found, and "22 12 34 56" does not find every session
    with those four numbers anywhere (times such as 12:34:56)."""
    digits = "".join(char for body in bodies for char in body if char.isdigit())
    low, high = PHONE_DIGITS
    if not low <= len(digits) <= high or not all(_digit_count(body) for body in bodies):
        words = [f'"{body}"*' for body in bodies]
        return words[0] if len(words) == 1 else f"({' AND '.join(words)})"
    typed = f'"{" ".join(bodies)}"*'  # the bodies are words: none holds a quote
    numbers = [f'"{number}"*' for number in dict.fromkeys(
        (digits, digits.lstrip("0"), digits[-10:])) if len(number) >= low]
    either = [typed, *(number for number in numbers if number != typed)]
    return typed if len(either) == 1 else f"({' OR '.join(either)})"
