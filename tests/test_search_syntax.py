"""What people type into a search box (`histview sessions --search`, the window's search box):
words, "phrases", -exclusions (alone too), NOT and OR, over a real cache; anything else is
text, never an FTS5 syntax error, and a typo that changes the search (a missing closing
quote, a field name) is searched sensibly and noted."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from app.model import Event, Session
from app.store import BadQuery, SessionFilter, Store, queries
from app.store.search_syntax import search_notes

NO_WORD = "type a word to search for"
EVERY_TITLE = sorted(["Excel crash", "Excel inside Teams", "Printer offline",
                      "Offline printer", "O'Brien sent report-2024.xlsx",
                      "Dana to the help desk", "Eve to a supplier"])


def support(session_id: str, title: str, people: list[str], **fields) -> Session:
    return Session(session_id, "support_session", title, f"2026-11-0{session_id}T10:00:00Z",
                   participants=people, **fields)


@pytest.fixture
def cache(data_dir: Path) -> Path:
    """Seven sessions of two sources, written through the store as a sync writes them."""
    store = Store(data_dir / "cache.db")
    store.write_page("bt", "beyondtrust", "s", None, sessions=[
        support("1", "Excel crash", ["Ann Reid"]),
        support("2", "Excel inside Teams", ["Ben Sato"]),
        support("3", "Printer offline", ["Cleo Reid", "ann.lee@example.com"]),
        support("4", "Offline printer", ["+15551234"]),
        support("5", "O'Brien sent report-2024.xlsx", [],
                extra={"uri": "sip:desk@corp.example"}),
    ])
    store.write_page("graph", "msgraph", "calls", None, sessions=[
        Session("6", "direct_routing_call", "Dana to the help desk", "2026-11-06T10:00:00Z",
                status="successful", direction="inbound"),
        Session("7", "pstn_call", "Eve to a supplier", "2026-11-07T10:00:00Z",
                status="failed 487 Request terminated", direction="outbound"),
    ])
    store.close()
    return data_dir


def found(cli, text: str) -> list[str]:
    """The titles `histview sessions --search=TEXT` lists, sorted (with "=", argparse takes
    a leading "-" as the search's, not as an option)."""
    result = cli("sessions", f"--search={text}", "--format", "json")
    assert result.code == 0, (text, result.err)
    return sorted(row["title"] for row in json.loads(result.out))


def test_every_word_must_match_each_as_a_prefix(cli, cache):
    assert found(cli, "printer offline") == ["Offline printer", "Printer offline"]
    assert found(cli, "excel cra") == ["Excel crash"]


def test_a_quoted_phrase_keeps_its_words_in_order(cli, cache):
    assert found(cli, '"printer offline"') == ["Printer offline"]
    assert found(cli, '"offline printer"') == ["Offline printer"]
    assert found(cli, '"excel cr"') == ["Excel crash"]  # its last word is a prefix
    assert found(cli, '"offline print') == ["Offline printer"]  # still being typed


def test_a_minus_excludes_a_word_or_a_phrase(cli, cache):
    assert found(cli, "excel -teams") == ["Excel crash"]
    assert found(cli, 'excel -"inside teams"') == ["Excel crash"]
    assert found(cli, 'printer -"printer offline"') == ["Offline printer"]
    assert found(cli, "printer -reid -brien") == ["Offline printer"]


def test_or_means_either_and_plain_and_binds_tighter(cli, cache):
    assert found(cli, "Reid OR Sato") == ["Excel crash", "Excel inside Teams",
                                          "Printer offline"]
    # (excel and crash) or printer, as FTS5 reads it
    assert found(cli, "excel crash OR printer") == ["Excel crash", "Offline printer",
                                                    "Printer offline"]
    assert found(cli, "Reid OR Sato -excel") == ["Printer offline"]
    assert found(cli, '"OR"') == []  # quoted, or in small letters, it is a word
    assert found(cli, "or") == []


def test_and_in_capitals_is_an_operator_like_a_space(cli, cache):
    """Before, AND was a word: "Reid AND excel" wanted a word starting with "and" too, and
    found nothing."""
    assert found(cli, "Reid AND excel") == found(cli, "Reid excel") == ["Excel crash"]
    assert found(cli, "excel AND") == found(cli, "AND excel") == ["Excel crash",
                                                                   "Excel inside Teams"]
    assert found(cli, "excel AND NOT teams") == ["Excel crash"]
    assert found(cli, "Reid AND excel OR Sato") == ["Excel crash", "Excel inside Teams"]
    assert found(cli, '"AND"') == found(cli, "excel and") == []  # the word


def test_brackets_group_what_they_hold(cli, cache):
    """Before, brackets were dropped: "(Reid OR Sato) excel" ran as Reid OR (Sato and
    excel), and found Reid's printer session too."""
    assert found(cli, "(Reid OR Sato) excel") == found(cli, "excel (Reid OR Sato)") == [
        "Excel crash", "Excel inside Teams"]
    assert found(cli, "(Reid OR Sato) AND (crash OR teams)") == ["Excel crash",
                                                                "Excel inside Teams"]
    assert found(cli, "printer (offline (Reid OR Sato))") == ["Printer offline"]
    assert found(cli, "excel -(crash OR Reid)") == found(cli, "excel NOT (crash)") == [
        "Excel inside Teams"]
    assert found(cli, "( +1 555 1234 OR Sato )") == ["Excel inside Teams", "Offline printer"]
    assert found(cli, "(303) OR excel") == ["Excel crash", "Excel inside Teams"]  # a word
    deep = "(" * 500 + "excel" + ")" * 500 + " teams"
    assert found(cli, deep) == ["Excel inside Teams"]
    assert search_notes("(Reid OR Sato) excel") == search_notes("(303) 555-0100") == ()


def test_a_bracket_left_open_or_never_opened_is_noted(cli, cache):
    either = ["Excel crash", "Excel inside Teams", "Printer offline"]
    assert found(cli, "(Reid OR Sato") == found(cli, "Reid OR Sato)") == either
    assert search_notes("(Reid OR Sato") == ("No closing bracket: searched as if it were at "
                                            "the end",)
    assert search_notes("Reid OR Sato)") == ("A closing bracket without an opening one was "
                                            "ignored",)
    # An exclusion applies to the whole search, as documented, so inside brackets it says so.
    assert found(cli, "(Reid -crash) OR Sato") == ["Excel inside Teams", "Printer offline"]
    assert "whole search" in search_notes("(Reid -crash) OR Sato")[0]


@pytest.mark.parametrize("text", ["Sato OR", "OR Sato", "Sato OR OR", "OR OR Sato"])
def test_a_dangling_or_is_dropped(cli, cache, text):
    assert found(cli, text) == ["Excel inside Teams"]


def test_a_term_made_only_of_punctuation_is_ignored(cli, cache):
    both = ["Offline printer", "Printer offline"]
    for text in ("printer *", "printer - ( )", 'printer "', "* printer -*", "printer ^ :"):
        assert found(cli, text) == both, text


def test_a_nul_character_separates_words_instead_of_failing(cli, cache):
    """Before, a pasted NUL ended FTS5's reading of the query: an uncaught "unterminated
    string" (a traceback on the command line; in the window, the last search's count)."""
    both = ["Offline printer", "Printer offline"]
    assert found(cli, "printer\0offline") == found(cli, '"printer\0') == both
    store = Store(cache / "cache.db")
    try:
        assert queries.count_sessions(store.db.conn, SessionFilter(search="reid\0")) == 2
        assert search_notes("reid\0sato") == ()
    finally:
        store.close()


def test_punctuation_inside_a_word_is_text(cli, cache):
    assert found(cli, "ann.lee@example.com") == ["Printer offline"]
    assert found(cli, "+15551234") == ["Offline printer"]
    assert found(cli, "+1555") == ["Offline printer"]
    assert found(cli, "O'Brien") == ["O'Brien sent report-2024.xlsx"]
    assert found(cli, "report-2024.xlsx") == ["O'Brien sent report-2024.xlsx"]
    assert found(cli, "sip:desk@corp.example") == ["O'Brien sent report-2024.xlsx"]
    assert found(cli, "NEAR(") == found(cli, '"AND" "NOT"') == []  # words, not operators


@pytest.mark.parametrize("text", ["*", "-", "(", '"', "OR", "- * ( ) OR", "-*", "NOT",
                                  "NOT OR", "NOT *", "AND", "( AND )", "() OR ( )"])
def test_a_search_with_nothing_to_look_for_says_why(cli, cache, text):
    result = cli("sessions", f"--search={text}", "--format", "json")
    assert result.code == 2
    assert result.err.strip() == f"histview: {NO_WORD}"


def without(*titles: str) -> list[str]:
    return [title for title in EVERY_TITLE if title not in titles]


@pytest.mark.parametrize(("text", "left_out"), [
    ("-excel", ("Excel crash", "Excel inside Teams")),
    ("NOT excel", ("Excel crash", "Excel inside Teams")),
    ('-excel -"inside teams"', ("Excel crash", "Excel inside Teams")),
    ('-"inside teams"', ("Excel inside Teams",)),
    ("-excel OR -teams", ("Excel crash", "Excel inside Teams")),
    ("-reid -brien", ("Excel crash", "Printer offline", "O'Brien sent report-2024.xlsx")),
    ("-5551234", ("Offline printer",)),
    ("-nosuchword", ()),
])
def test_a_search_of_exclusions_only_lists_every_other_session(cli, cache, text, left_out):
    """Before, "-excel" alone was refused ("add a word to look for besides the excluded
    ones") instead of listing every session but Excel's."""
    assert found(cli, text) == without(*left_out)


def test_an_exclusion_only_search_counts_pages_and_combines_with_other_filters(cache):
    store = Store(cache / "cache.db")
    conn = store.db.conn
    try:
        everyone_but_reid = SessionFilter(search="-reid")
        assert queries.count_sessions(conn, everyone_but_reid) == 5
        page = queries.session_window(conn, everyone_but_reid, limit=2, offset=1)
        assert [s["title"] for s in page] == ["Dana to the help desk",  # newest first
                                             "O'Brien sent report-2024.xlsx"]
        only_bt = SessionFilter(search="-reid", source="bt")
        assert queries.count_sessions(conn, only_bt) == 3
        assert sorted(s["title"] for s in queries.list_sessions(conn, only_bt)) == [
            "Excel inside Teams", "O'Brien sent report-2024.xlsx", "Offline printer"]
        for sort in ("title", "start"):
            listed = queries.list_sessions(conn, everyone_but_reid, sort=sort, limit=None)
            assert len(listed) == 5 and all("Reid" not in str(s) for s in listed)
    finally:
        store.close()


def test_not_in_capitals_excludes_like_a_minus(cli, cache):
    assert found(cli, "printer NOT reid") == found(cli, "printer -reid") == [
        "Offline printer"]
    assert found(cli, 'excel NOT "inside teams"') == ["Excel crash"]
    assert found(cli, "Reid OR Sato NOT excel") == ["Printer offline"]
    assert found(cli, "printer NOT") == ["Offline printer", "Printer offline"]  # dangling
    assert found(cli, 'printer "NOT"') == found(cli, "printer not") == []  # the word


def test_a_missing_closing_quote_searches_the_phrase_and_says_so(cli, cache):
    assert found(cli, '"printer offline') == ["Printer offline"]
    assert search_notes('"Ravi Patel') == ("No closing quote: searched for the phrase "
                                           "“Ravi Patel”; without quotes its words are "
                                           "found anywhere",)
    assert search_notes('excel -"inside teams') != ()
    assert search_notes('"Ravi Patel"') == search_notes("Ravi Patel") == ()


def test_a_field_name_before_a_colon_searches_every_field_and_says_so(cli, cache):
    """Before, "title:crash" looked for "title" followed by "crash" and found nothing."""
    assert found(cli, "title:crash") == found(cli, "crash") == ["Excel crash"]
    assert found(cli, "Title:printer -status:offline") == []
    assert found(cli, 'title:"excel inside"') == ["Excel inside Teams"]
    assert found(cli, "to:+15551234") == ["Offline printer"]
    assert found(cli, "-title:excel title:") == without("Excel crash", "Excel inside Teams")
    note = search_notes("title:VMR")
    assert len(note) == 1 and "“title:”" in note[0] and "one field" in note[0]
    # URI schemes and words with colons are text to find, as before: no note.
    assert found(cli, "sip:desk@corp.example") == ["O'Brien sent report-2024.xlsx"]
    assert search_notes("sip:desk@corp.example") == search_notes("10:30") == ()


def test_search_finds_a_session_by_its_type_status_and_direction(cli, cache):
    dana, eve = ["Dana to the help desk"], ["Eve to a supplier"]
    assert found(cli, "successful") == dana
    assert found(cli, "direct_routing_call") == dana
    assert found(cli, "inbound") == dana
    assert found(cli, "outbound") == eve
    assert found(cli, "failed 487") == eve
    assert found(cli, "pstn_call") == eve
    assert len(found(cli, "support_session")) == 5


def test_search_finds_a_source_s_sessions_by_its_name_and_kind(cli, cache):
    calls = ["Dana to the help desk", "Eve to a supplier"]
    assert found(cli, "graph") == found(cli, "msgraph") == calls
    assert len(found(cli, "beyondtrust")) == 5
    assert found(cli, "graph supplier") == ["Eve to a supplier"]
    assert found(cli, "-msgraph -beyondtrust") == []


def test_no_typed_text_ever_reaches_the_user_as_an_fts_error(cache):
    """Random strings of words, operators and punctuation: each lists sessions or raises
    BadQuery with its hint, never the catch-all "cannot search for that"."""
    pieces = ['"', "-", "*", "(", ")", ":", "^", "+", "OR", "AND", "NOT", "NEAR", "{", "}",
              "((", "))", "-(", " (", ") ", "AND ", "\0",
              ",", "excel", "reid", "e-mail", "x@y", "'", "-teams", " ", " ", " ",
              "303", "555-0100", "+1", "(303)", "5550100", "title:", "NOT ", "-"]
    rng = random.Random(7)
    store = Store(cache / "cache.db")
    try:
        for _ in range(400):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
            try:
                queries.list_sessions(store.db.conn, SessionFilter(search=text))
                queries.count_sessions(store.db.conn, SessionFilter(search=text))
            except BadQuery as error:
                assert str(error) == NO_WORD, text
    finally:
        store.close()


@pytest.fixture
def calls(data_dir: Path) -> Path:
    """Calls whose numbers are stored in E.164, as Restcomm, Graph and Webex send them: in
    the people and the extra fields, or only in an event's data."""
    store = Store(data_dir / "cache.db")
    store.write_page("rc", "restcomm", "calls", None, sessions=[
        Session("CA1", "call", "MURPHY ISABEL → +13035550100", "2026-11-01T10:00:00Z",
                participants=["MURPHY ISABEL", "+18015550180", "+13035550100"],
                extra={"from": "+18015550180", "to": "+13035550100"}),
        Session("CA2", "call", "Other caller", "2026-11-02T10:00:00Z",
                participants=["+14155550199", "+13035550142"]),
    ])
    store.write_page("wx", "webex", "calls", None, sessions=[
        Session("W1", "call", "Webex call", "2026-11-03T10:00:00Z")],
        events=[Event("W1", "e1", "2026-11-03T10:00:00Z", "calls", "call",
                      data={"remoteNumber": "+13035550100", "duration": 61})])
    store.close()
    return data_dir


@pytest.mark.parametrize("text", [
    "+13035550100", "13035550100", "3035550100", "303-555-0100", "(303) 555-0100",
    "+1 303 555 0100", "1-303-555-0100", "303.555.0100", "5550100", "555-0100",
    '"+1 303 555 0100"'])
def test_a_phone_number_is_found_in_the_forms_people_write_it(cli, calls, text):
    assert found(cli, text) == ["MURPHY ISABEL → +13035550100", "Webex call"]


def test_an_unrelated_phone_number_finds_nothing_and_numbers_still_combine(cli, calls):
    assert found(cli, "303-555-0199") == found(cli, "+1 720 555 0100") == []
    assert found(cli, "(415) 555-0199") == ["Other caller"]
    assert found(cli, "801-555-0180 303-555-0100") == ["MURPHY ISABEL → +13035550100"]
    assert found(cli, "303-555-0100 -webex") == ["MURPHY ISABEL → +13035550100"]
    assert found(cli, "5550180 OR 5550142") == ["MURPHY ISABEL → +13035550100",
                                                "Other caller"]


#: Numbers as vendors store them (E.164), under a title that names where each is from.
ABROAD = {"DK": "+4532123456", "NO": "+4722123456", "FR": "+33123456789",
          "DE": "+4930123456", "UK": "+442079460958", "CH": "+41446681800",
          "US": "+13035550100", "IE": "+35318765432"}


@pytest.fixture
def abroad(data_dir: Path) -> Path:
    store = Store(data_dir / "cache.db")
    store.write_page("graph", "msgraph", "calls", None, sessions=[
        Session(country, "pstn_call", f"{country} caller", f"2026-11-{day:02d}T10:00:00Z",
                participants=["Help desk", number], extra={"callee": number})
        for day, (country, number) in enumerate(ABROAD.items(), 1)] + [
        Session("T", "pstn_call", "Called at 12:34:56 on the 22nd", "2026-11-20T10:00:00Z")])
    store.close()
    return data_dir


@pytest.mark.parametrize(("text", "country"), [
    ("32 12 34 56", "DK"), ("32123456", "DK"), ("+45 32 12 34 56", "DK"),
    ("0045 32 12 34 56", "DK"), ("22 12 34 56", "NO"), ("01 23 45 67 89", "FR"),
    ("0123456789", "FR"), ("030 123456", "DE"), ("030123456", "DE"), ("+49 30 123456", "DE"),
    ("020 7946 0958", "UK"), ("07946 0958", "UK"), ("044 668 18 00", "CH"),
    ("+41 44 668 18 00", "CH"), ("01 876 5432", "IE"), ("35550100", "US"),
    ("035550100", "US"), ("550100", "US"), ("303-555-0100", "US")])
def test_a_number_typed_the_way_people_write_it_at_home_finds_its_e164_form(cli, abroad,
                                                                            text, country):
    """Before, only the last 10 and 7 digits of a number were words of their own, so an 8-
    or 9-digit national number, or one written with its trunk "0", found nothing."""
    assert found(cli, text) == [f"{country} caller"]


def test_a_short_or_unrelated_number_does_not_find_every_number(cli, abroad):
    assert found(cli, "98 76 54 32") == found(cli, "030 123457") == []
    # A number's words are found together, not anywhere (as "22nd" and "12:34:56").
    assert found(cli, "22 12 34 56") == ["NO caller"]
    assert found(cli, "at 12 34") == ["Called at 12:34:56 on the 22nd"]  # 4 digits: words
    # Six digits are enough: the numbers that end so, or hold them after their area code.
    assert found(cli, "123456") == ["DE caller", "DK caller", "FR caller", "NO caller"]


def test_the_command_line_says_how_a_search_was_read_and_that_nothing_matched(cli, cache):
    result = cli("sessions", '--search="printer off')
    assert result.code == 0 and "Printer offline" in result.out
    assert "No closing quote" in result.err and "“printer off”" in result.err
    nothing = cli("sessions", "--search=title:nosuchword")
    assert nothing.code == 0 and "“title:” was ignored" in nothing.err
    assert "no cached session matches these filters" in nothing.err
    # JSON stays a plain empty list, and -q says nothing at all.
    assert cli("sessions", "--search=nosuchword", "--format", "json").out.strip() == "[]"
    assert cli("-q", "sessions", '--search="printer off').err == ""
    out = cache / "printers.csv"
    export = cli("export", "--format", "csv", "--out", str(out), '--search="printer off')
    assert export.code == 0 and "No closing quote" in export.err
    assert f"exported 1 session to {out}" in export.err
