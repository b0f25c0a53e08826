"""The search box's language, turned into FTS5 queries: words as prefixes, "phrases",
-exclusions, OR, and phone numbers written the way people write them.

Kept apart from ``queries`` (which runs the SQL) because it is pure text handling with its
own rules, tested on its own (tests/test_search_syntax.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator


class BadQuery(ValueError):
    """A search the full-text engine cannot read; the message is a hint for the user."""


#: One term of a typed search: an optional ``-``, then a "quoted phrase" (its closing quote
#: optional, for a search typed as you go) or a word (any run of non-space, non-quote text).
_TERM = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
#: A word of a phone number as people write it: "+1", "(303)", "555-0100", "303.555.0100".
_PHONE_PIECE = re.compile(r"\+?[0-9().-]*[0-9][0-9().-]*")
#: Digits a typed number needs to be matched as one (a shorter one is an ordinary word),
#: and at most (E.164's limit); see ``schema.phone_words`` for what is indexed.
PHONE_DIGITS = (7, 15)


def fts_query(text: str) -> str:
    """Turn what a user typed into a search box into an FTS5 query.

    - ``printer offline``: every word must match, each as a prefix (``off`` finds "offline").
    - ``"printer offline"``: those words in that order; the last one is a prefix too.
    - ``-teams`` or ``-"team room"``: sessions that match it are left out, whatever else
      the query says (the exclusions apply to the whole query).
    - ``Reid OR Sato``: either. Plain AND binds tighter than OR, as in FTS5 itself:
      ``a b OR c`` means (a and b) or c. An ``OR`` with no term on one side (first, last,
      or next to another OR) is dropped, so a half-typed ``Reid OR`` still finds Reid;
      ``"OR"`` or ``or`` searches for the word.
    - ``(303) 555-0100``, ``+1 303 555 0100``, ``5550100``: a phone number (7 to 15 digits
      written with spaces, dashes, dots, brackets, a leading +) also matches as its digits,
      its last 10 when longer, so it finds "+13035550100" (``_phone_term``).

    Everything else is text, never FTS syntax: each term is quoted, so ``AND``, ``NOT``,
    ``*``, ``(`` and the punctuation in an e-mail address, a file name or ``+1555...`` reach
    the tokenizer, which splits them into words as it did the indexed text. A term without
    a letter or digit (``*``, ``-``, ``(``) would match nothing and is ignored. The result
    is built with parentheses and explicit operators, never relying on FTS5's precedence
    (in which implicit AND binds tighter even than NOT), so a user never sees an FTS5
    syntax error.
    """
    groups: list[list[str]] = [[]]  # OR-ed groups of AND-ed terms
    excluded: list[str] = []
    either = False
    for minus, bodies in _terms(text):
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
    if not groups[0]:
        raise BadQuery("add a word to look for besides the excluded ones" if excluded
                       else "type a word to search for")
    # An explicit AND: FTS5 reads "a b" as both, but "a (b OR c)" as a syntax error.
    if len(groups) == 1:
        query = " AND ".join(groups[0])
    else:
        query = " OR ".join(f"({' AND '.join(group)})" for group in groups)
    if excluded:
        query = f"({query}) NOT ({' OR '.join(excluded)})"
    return query


def _terms(text: str) -> Iterator[tuple[str, list[str]]]:
    """The typed terms as (minus, bodies); no bodies for a bare OR. A term has several
    bodies when it is a phone number typed as several words (``+1 303 555 0100``)."""
    tokens = _TERM.findall(text)
    at = 0
    while at < len(tokens):
        minus, phrase, word = tokens[at]
        at += 1
        if not minus and word == "OR":
            yield "", []
            continue
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
