"""The cache's schema, as numbered migrations (one concern each).

``app.store.upgrade`` applies them, copying the file aside before changing an existing
cache: the cache is the user's only copy of history the vendors have already deleted, so a
failed migration must never be the end of it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from app.store.raw import RAW_TABLE, define_flat_view

MIGRATIONS = Migrations("histview")

#: The FTS5 tokenizer: case- and accent-insensitive words, so "Jose" finds "José".
TOKENIZE = "unicode61 remove_diacritics 2"
START_INDEX = "idx_sessions_start"
#: A session's start as text that sorts in time order. Sources send starts with and without
#: fractions ("…:26Z", "…:26.916Z"); as text 'Z' sorts after '.', so the whole second came
#: after its own fractions. Without the "Z" it is their prefix, and sorts first.
START_KEY = "rtrim(start_time, 'Z')"
SOURCE_TYPE_INDEX = "idx_sessions_source_type"


@MIGRATIONS()
def m001_core_tables(db: Database) -> None:
    db["sessions"].create(
        {
            "source": str, "session_id": str, "kind": str, "type": str, "title": str,
            "start_time": str, "end_time": str, "duration_s": float, "participants": str,
            "direction": str, "status": str, "has_recording": int, "has_transcript": int,
            "extra": str, "search_text": str,
        },
        pk=("source", "session_id"),
    )
    db["session_raw"].create(
        {"source": str, "session_id": str, "raw": str}, pk=("source", "session_id")
    )
    db["participants"].create(
        {"source": str, "session_id": str, "name": str, "seq": int},
        pk=("source", "session_id", "name"),
    )
    db["events"].create(
        {
            "source": str, "session_id": str, "event_id": str, "seq": int, "time": str,
            "end_time": str, "lane": str, "kind": str, "actor": str, "detail": str,
            "data": str,
        },
        pk=("source", "session_id", "event_id"),
    )
    db["artifacts"].create(
        {
            "source": str, "session_id": str, "artifact_id": str, "kind": str, "label": str,
            "url": str, "view_url": str, "downloaded_path": str, "data": str,
        },
        pk=("source", "session_id", "artifact_id"),
    )
    db["sync_state"].create(
        {"source": str, "resource": str, "checkpoint": str, "updated_at": str},
        pk=("source", "resource"),
    )
    db["source_status"].create(
        {"source": str, "status": str, "last_sync_at": str, "last_error": str, "items": int},
        pk="source",
    )


@MIGRATIONS()
def m002_indexes(db: Database) -> None:
    # (start, source, id) is the default listing's total order (newest first), so a search
    # over a million rows can walk it and stop at the hundredth match (queries.py).
    db["sessions"].create_index(["start_time", "source", "session_id"], index_name=START_INDEX)
    db["sessions"].create_index(["source", "start_time"])
    db["sessions"].create_index(["type", "start_time"])
    db["sessions"].create_index(["kind", "start_time"])
    # Events need no index of their own: the primary key (source, session_id, event_id)
    # already finds a session's events, and a second index cost a fifth of sync time.


@MIGRATIONS()
def m003_full_text(db: Database) -> None:
    # search_text already holds the title (see cache.REFRESH_SQL), so the index covers one
    # column, and the update trigger fires only when that column is written: an upsert of a
    # session's own fields (every re-sync) costs the index nothing.
    db["sessions"].enable_fts(["search_text"], create_triggers=False, tokenize=TOKENIZE)
    for trigger in FTS_TRIGGERS:
        db.execute(trigger)


@MIGRATIONS(transactional=False)  # sqlite-utils sets the triggers up with a script
def m004_session_counts(db: Database) -> None:
    # A trigger-kept row count: the window shows "N sessions" at start-up without reading a
    # million-row index from a cold disk (1.7 s of a 2.9 s cold start).
    db["sessions"].enable_counts()


@MIGRATIONS()
def m005_event_words(db: Database) -> None:
    # An event's searchable words, kept beside it: building a session's search text from its
    # events' JSON data in SQL (json_tree per event, per refresh) was a third of a sync.
    db["events"].add_column("text", str)
    db.execute(f"UPDATE events SET text = {EVENT_WORDS_SQL}")


@MIGRATIONS()
def m006_raw_document_columns(db: Database) -> None:
    # A JSON document's fields are now a view over its text (store/raw.py) instead of copies
    # written beside it: rebuild JSON sources' raw tables that way. XML sources' tables keep
    # their stored columns; empty tables are made afresh when next written.
    for table in db.table_names():
        if not table.startswith("raw_") or "_fts" in table:
            continue
        first = db.execute(f"SELECT CASE WHEN json_valid(_doc) THEN json_type(_doc) = 'object' "
                           f"ELSE 0 END FROM [{table}] LIMIT 1").fetchone()
        if first is None:
            db.execute(f"DROP TABLE [{table}]")
        elif first[0]:
            _rebuild_as_documents(db, table)


@MIGRATIONS()
def m007_search_text_has_type_status_direction(db: Database) -> None:
    # The search text now holds the session's own type, status and direction (a search for
    # "successful" found none of 214 Graph calls): recompute it for every cached session.
    # The index is rebuilt once afterwards instead of by the update trigger row by row.
    _rewrite_search_text(db, _search_text_sql(downloaded_text=False))  # m011 adds that


@MIGRATIONS()
def m008_search_text_has_phone_number_tails(db: Database) -> None:
    # The search text now ends with the last 10 and 7 digits of each phone-like number
    # (``phone_words``), so "3035550100" and "555-0100" find "+13035550100". The new text is
    # the old one with those words appended, so only sessions with a run of 7 digits are
    # rewritten, and the index is rebuilt once afterwards (if any was) instead of row by row.
    _rewrite_search_text(db, "phone_words(search_text)",
                         f"search_text GLOB {SEVEN_DIGITS} "
                         "AND phone_words(search_text) != search_text")


@MIGRATIONS()
def m009_source_type_index(db: Database) -> None:
    # The Type list shows the chosen source's types (queries.source_types), read at start-up
    # and after every sync: a few index seeks with this (0.1 ms on 1M sessions), a ~1 s scan
    # without. It costs a session insert ~5% (20,000 into 1M: 983 against 928 ms).
    db["sessions"].create_index(["source", "type"], index_name=SOURCE_TYPE_INDEX,
                                if_not_exists=True)


@MIGRATIONS()
def m010_search_text_has_source_name_and_kind(db: Database) -> None:
    # The search text now opens with the source's name and kind (``SOURCE_WORDS``): a
    # search for "webex" found the sessions that mention it, not Webex's. The new text is
    # the old one with those words in front, so no session's parts are read again; the
    # index is rebuilt once afterwards instead of by the update trigger row by row.
    # phone_words only where a source's name holds a number (a name such as "site 4045551234").
    # A text m007 has just recomputed already opens with the words.
    _rewrite_search_text(
        db, f"CASE WHEN source GLOB {SEVEN_DIGITS} "
            f"THEN phone_words({SOURCE_WORDS} || coalesce(search_text, '')) "
            f"ELSE {SOURCE_WORDS} || coalesce(search_text, '') END",
        f"substr(coalesce(search_text, ''), 1, length({SOURCE_WORDS})) IS NOT {SOURCE_WORDS}")


@MIGRATIONS()
def m011_artifact_downloaded_text(db: Database) -> None:
    # A downloaded transcript or chat log's words join its session's search text (what was
    # said is what a manager remembers). Files downloaded before are read now, so they are
    # found too; a file since moved or unreadable is left out, as a recording is.
    db["artifacts"].add_column("text", str)
    from app.artifact_text import searchable_text  # imported here: only this needs it

    register_functions(db.conn)
    rows = db.execute("SELECT rowid, source, session_id, kind, downloaded_path FROM artifacts "
                      "WHERE coalesce(downloaded_path, '') != ''").fetchall()
    touched: set[tuple[str, str]] = set()
    for rowid, source, session_id, kind, path in rows:
        text = searchable_text({"kind": kind}, Path(path))
        if text:
            db.execute("UPDATE artifacts SET text = ? WHERE rowid = ?", (text, rowid))
            touched.add((source, session_id))
    for key in touched:  # once per session, however many of its files were read
        db.execute(f"UPDATE sessions SET search_text = {SEARCH_TEXT_SQL} "
                   "WHERE source = ? AND session_id = ?", key)


@MIGRATIONS()
def m012_start_indexes_in_time_order(db: Database) -> None:
    # The listing's indexes hold START_KEY instead of the start's text, so sessions of one
    # second list in time order and a --from inside that second places them right. The
    # names change with the definition (m002's names said "start_time").
    for old in (START_INDEX, "idx_sessions_source_start_time", "idx_sessions_type_start_time",
                "idx_sessions_kind_start_time"):
        db.execute(f"DROP INDEX IF EXISTS {old}")
    db.execute(f"CREATE INDEX {START_INDEX} ON sessions({START_KEY}, source, session_id)")
    for column in ("source", "type", "kind"):
        db.execute(f"CREATE INDEX idx_sessions_{column}_start_key ON sessions({column}, "
                   f"{START_KEY})")


@MIGRATIONS()
def m013_search_text_has_every_phone_number_tail(db: Database) -> None:
    # The search text now holds every tail of a phone number from 6 digits up to its
    # national number (``phone_words``), not only the last 10 and 7: "32 12 34 56" finds
    # "+4532123456" and "030 123456" finds "+4930123456". The new text is the old one with
    # the missing tails appended, so only sessions with a number are rewritten, and the
    # index is rebuilt once afterwards (if any was) instead of row by row.
    _rewrite_search_text(db, "phone_words(search_text)",
                         f"search_text GLOB {SEVEN_DIGITS} "
                         "AND phone_words(search_text) != search_text")


#: A GLOB pattern for text with a run of 7 digits: a phone number may be in it.
SEVEN_DIGITS = "'*" + "[0-9]" * 7 + "*'"


def _rewrite_search_text(db: Database, new_text: str, where: str = "1") -> None:
    """Set ``search_text`` to the SQL ``new_text`` where ``where`` holds, then rebuild the
    index once if any row changed: the update trigger would re-index row by row."""
    register_functions(db.conn)  # the texts call phone_words
    db.execute("DROP TRIGGER sessions_au")
    changed = db.execute(f"UPDATE sessions SET search_text = {new_text} WHERE {where}").rowcount
    db.execute(FTS_UPDATE_TRIGGER)
    if changed:
        db.execute("INSERT INTO sessions_fts (sessions_fts) VALUES ('rebuild')")


def _rebuild_as_documents(db: Database, table: str) -> None:
    old = f"{table}_before_m006"
    db.execute(f"ALTER TABLE [{table}] RENAME TO [{old}]")
    db.execute(RAW_TABLE.format(table=table))
    db.execute(f"INSERT INTO [{table}] (_source, _id, _doc) SELECT _source, _id, _doc FROM [{old}]")
    db.execute(f"DROP TABLE [{old}]")
    fields = [row[0] for row in db.execute(
        f"SELECT DISTINCT j.key FROM [{table}], json_each([{table}]._doc) j")]
    define_flat_view(db, table, fields)


#: What ``cache.event_words`` computes, in SQL, for events cached before m005.
EVENT_WORDS_SQL = """coalesce(lane, '') || ' ' || coalesce(kind, '') || ' ' || coalesce(actor, '')
    || ' ' || coalesce(detail, '') || ' ' || coalesce((SELECT group_concat(j.value, ' ')
    FROM json_tree(events.data) j WHERE j.type = 'text'), '')"""


#: The words that open a session's search text: "webex" finds Webex's sessions, and the
#: name a manager gave a source finds that source's (CONTRACT.md: "every cached field").
SOURCE_WORDS = "source || ' ' || coalesce(kind, '') || ' '"
#: A child row (``x``) of the session being updated.
SAME_SESSION = "x.source = sessions.source AND x.session_id = sessions.session_id"
_TEXTS = "j.type = 'text'"


def _search_text_sql(*, downloaded_text: bool = True) -> str:
    """A session's search text, written by ``cache.REFRESH_SQL`` and recomputed by
    migrations: its source's name and kind, its title, id, type, status and direction,
    people, extra values, every event's words (``cache.event_words``, kept in
    ``events.text``), every artifact's words and text data values (CONTRACT.md: "full-text
    over every cached field") and the text of its downloaded transcripts and chat logs
    (``artifacts.text``, from m011 on: m007 runs before that column exists).

    Numbers in vendor data are counters and bitrates: indexing them tripled the cost of a
    sync and found nothing a manager searches for (phone numbers and ids arrive as text).
    ``phone_words`` appends the tails of phone numbers, so a number is found without its
    country or area code.
    """
    downloads = (f"""
    || ' ' || coalesce((SELECT group_concat(x.text, ' ') FROM artifacts x
                        WHERE {SAME_SESSION} AND x.text IS NOT NULL), '')""" if downloaded_text
                 else "")
    return f"""phone_words({SOURCE_WORDS} || coalesce(title, '') || ' ' || session_id
    || ' ' || coalesce(type, '') || ' ' || coalesce(status, '') || ' ' || coalesce(direction, '')
    || ' ' || coalesce((SELECT group_concat(name, ' ') FROM participants x
                        WHERE {SAME_SESSION}), '')
    || ' ' || coalesce((SELECT group_concat(j.value, ' ') FROM json_tree(sessions.extra) j
                        WHERE {_TEXTS}), '')
    || ' ' || coalesce((SELECT group_concat(text, ' ') FROM events x WHERE {SAME_SESSION}), '')
    || ' ' || coalesce((SELECT group_concat(coalesce(label, ''), ' ') FROM artifacts x
                        WHERE {SAME_SESSION}), '')
    || ' ' || coalesce((SELECT group_concat(j.value, ' ') FROM artifacts x, json_tree(x.data) j
                        WHERE {SAME_SESSION} AND {_TEXTS}), ''){downloads})"""


SEARCH_TEXT_SQL = _search_text_sql()

#: Stored text with every ASCII digit made "0": a phone-like number is then a run of 7 to 15
#: zeros (E.164 allows 15 digits), found by ``bytes.find``, which is ~40x faster than a
#: ``[0-9]{7}`` regex (that one tries each position in Python's engine: 40 us a session).
_ZEROED = bytes.maketrans(b"123456789", b"000000000")
_SEVEN = b"0000000"
_IN_WORD = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
#: The shortest tail indexed for each number: people type a number without its country
#: code, its area code, or the trunk "0" that national formats put in front ("030 123456"
#: for +4930123456, "01 23 45 67 89" for +33123456789), and some type only its end. Every
#: tail from this one up to the national number is a word, so each of those is a prefix of
#: one; ``search_syntax.fts_query`` turns a typed number of at least this many digits into
#: such a prefix. Fewer digits would find numbers by chance.
SHORTEST_TAIL = 6
_TAIL_RUN = b"0" * SHORTEST_TAIL
#: The ITU-T E.164 country codes of one and two digits; every other code has three. They
#: are prefix-free, so a "+" number's first digits say where its national number starts
#: (tails longer than that hold part of the country code, which nobody types alone).
SHORT_COUNTRY_CODES = frozenset({
    "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44",
    "45", "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61",
    "62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95",
    "98",
})


def phone_words(text: str | None) -> str | None:
    """``text`` with the tails of its phone-like numbers appended as words of their own.

    FTS5 matches words by prefix, never by suffix: "+13035550100" is one word that neither
    "3035550100" nor "5550100" is a prefix of. Vendors store numbers in E.164 ("+1303..."),
    people type them without the country or area code. A number is 7 to 15 digits standing
    as a word (not inside "s1234567" or a longer id); its tails are those from
    ``SHORTEST_TAIL`` digits up to its national number (after a "+", up to its country
    code; else up to all but its first digit). Idempotent (a tail already in the text is
    not added again). Text without 7 digits in a row (most Pexip sessions) returns after two
    C-speed passes: this runs on every session a sync page touches.
    """
    if text is None:
        return text
    raw = text.encode()
    zeroed = raw.translate(_ZEROED)
    if zeroed.find(_SEVEN) < 0:
        return text
    words: dict[str, int] = {}  # each run of 6 or more digits standing as a word: its start
    at = zeroed.find(_TAIL_RUN)
    while at >= 0:  # ``at`` follows a non-digit: the previous run ended before it
        end = at + len(_TAIL_RUN)
        while end < len(zeroed) and zeroed[end] == 48:  # b"0"
            end += 1
        if (at == 0 or raw[at - 1] not in _IN_WORD) and (
                end == len(raw) or raw[end] not in _IN_WORD):
            words.setdefault(raw[at:end].decode(), at)
        at = zeroed.find(_TAIL_RUN, end)
    tails = dict.fromkeys(
        run[-size:] for run, start in words.items() if len(run) <= 15
        for size in range(SHORTEST_TAIL, _national_length(run, raw[start - 1:start]) + 1))
    new = [tail for tail in tails if tail not in words]
    return f"{text} {' '.join(new)}" if new else text


def _national_length(run: str, before: bytes) -> int:
    """The longest tail of ``run`` worth indexing: its national number after a "+" (the
    digits after the country code), all but its first digit otherwise."""
    if before != b"+":
        return len(run) - 1
    code = 1 if run[:1] in SHORT_COUNTRY_CODES else 2 if run[:2] in SHORT_COUNTRY_CODES else 3
    return len(run) - code


def register_functions(conn: sqlite3.Connection) -> None:
    """Define the SQL functions ``SEARCH_TEXT_SQL`` calls, on a connection that writes."""
    conn.create_function("phone_words", 1, phone_words, deterministic=True)


#: Keeps the index in step with ``search_text`` (m007 drops it for a bulk rewrite).
FTS_UPDATE_TRIGGER = """CREATE TRIGGER sessions_au AFTER UPDATE OF search_text ON sessions BEGIN
         INSERT INTO sessions_fts (sessions_fts, rowid, search_text)
         VALUES ('delete', old.rowid, old.search_text);
         INSERT INTO sessions_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
       END"""
FTS_TRIGGERS = (
    """CREATE TRIGGER sessions_ai AFTER INSERT ON sessions BEGIN
         INSERT INTO sessions_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
       END""",
    """CREATE TRIGGER sessions_ad AFTER DELETE ON sessions BEGIN
         INSERT INTO sessions_fts (sessions_fts, rowid, search_text)
         VALUES ('delete', old.rowid, old.search_text);
       END""",
    FTS_UPDATE_TRIGGER,
)
