"""The cache's own promises: raw documents stay whole and queryable, and an older cache is
migrated without losing a row or a searchable word."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from app import jsontext
from app.model import Artifact, Event, RawDocument, Session
from app.store import SessionFilter, Store, queries
from app.store.schema import MIGRATIONS
from tests.conftest import cache_before


def test_raw_documents_keep_every_field_as_a_column_of_the_flat_view(tmp_path: Path):
    store = Store(tmp_path / "cache.db")
    docs = [RawDocument("1", {"id": 1, "name": "Weekly", "streams": [{"codec": "VP8"}]}),
            RawDocument("2", {"id": 2, "name": "Ad hoc", "tag": "sales", "Name": "case twin",
                              "odd\"key": "kept in the document"})]
    store.write_page("px", "pexip", "history", None, raw={"conference": docs[:1]})
    store.write_page("px", "pexip", "history", None, raw={"conference": docs[1:]})
    rows = store.db.conn.execute(
        "SELECT _id, name, tag, streams, _doc FROM raw_pexip_conference_flat ORDER BY _id")
    first, second = rows.fetchall()
    assert first[:4] == ("1", "Weekly", None, '[{"codec":"VP8"}]')
    assert second[:3] == ("2", "Ad hoc", "sales")  # a field first seen on a later page
    assert json.loads(second[4]) == docs[1].doc  # names no column can take stay in _doc
    store.close()


def test_a_page_of_many_rows_stores_each_once_and_a_repeated_key_keeps_the_later_row(
        tmp_path: Path):
    store = Store(tmp_path / "cache.db")
    events = [Event("conf", f"e{n}", f"2026-11-01T10:{n // 60:02d}:{n % 60:02d}Z", "lane",
                    "call", detail=f"first {n}") for n in range(250)]
    events.append(Event("conf", "e7", "2026-11-01T11:00:00Z", "lane", "call", detail="later"))
    store.write_page("px", "pexip", "history", None, events=events)
    rows = dict(store.db.conn.execute("SELECT event_id, detail FROM events"))
    assert len(rows) == 250
    assert rows["e7"] == "later" and rows["e0"] == "first 0" and rows["e249"] == "first 249"
    # XML records bring a column per field: many columns must still fit SQLite's bounds.
    wide = [{"_id": str(n), **{f"field_{c}": f"{n}.{c}" for c in range(400)}}
            for n in range(120)]
    store.write_page("bt", "beyondtrust", "sessions", None, raw={"session": wide})
    assert store.db.conn.execute(
        "SELECT count(*), max(field_399) FROM raw_beyondtrust_session").fetchone() == (120,
                                                                                     "99.399")
    store.close()


def test_participants_keep_first_seen_order_across_pages_each_listed_once(tmp_path: Path):
    store = Store(tmp_path / "cache.db")
    store.write_page("px", "pexip", "history", None, sessions=[
        Session("conf", "conference", "Weekly", "2026-11-01T10:00:00Z",
                participants=["Rosa", "Ahmed"])])
    # A later page: a name already stored, a new one listed twice, another session's name.
    store.write_page("px", "pexip", "history", None, participants={
        "conf": ["Ahmed", "Zoë", "Bo", "Zoë"], "other": ["Kim"]})
    store.write_page("px", "pexip", "history", None, participants={"conf": ["Rosa", "Al"]})
    [(names,)] = store.db.conn.execute(
        "SELECT participants FROM sessions WHERE session_id = 'conf'")
    assert json.loads(names) == ["Rosa", "Ahmed", "Zoë", "Bo", "Al"]
    assert [s["session_id"] for s in queries.list_sessions(
        store.db.conn, SessionFilter(search="Zoe"))] == ["conf"]
    store.close()


def test_a_page_of_complete_sessions_replaces_their_events_and_artifacts_only(
        tmp_path: Path):
    store = Store(tmp_path / "cache.db")

    def session(sid: str) -> Session:
        return Session(sid, "support_session", sid, "2026-11-01T10:00:00Z")

    def event(sid: str, eid: str) -> Event:
        return Event(sid, eid, "2026-11-01T10:00:00Z", "System", "note")

    store.write_page("bt", "beyondtrust", "sessions", None, replace_children=True,
                     sessions=[session("a"), session("b")],
                     events=[event("a", "1"), event("a", "2"), event("b", "1")],
                     artifacts=[Artifact("a", "rec", "recording", "Recording", "u")])
    # "a" is fetched again, now with one event and no recording (the vendor dropped it).
    store.write_page("bt", "beyondtrust", "sessions", None, replace_children=True,
                     sessions=[session("a")], events=[event("a", "2")])
    assert sorted(store.db.conn.execute("SELECT session_id, event_id FROM events")) == [
        ("a", "2"), ("b", "1")]
    assert store.db.conn.execute("SELECT count(*) FROM artifacts").fetchone() == (0,)
    store.close()


def test_a_timeline_runs_in_time_order_when_times_have_different_sub_second_digits(
        tmp_path: Path):
    # Pexip sends microseconds on some times and none on others; CONTRACT.md keeps them as
    # sent. As text, "10:00:00.7Z" sorts before "10:00:00Z" ('.' < 'Z'), 0.7 s too early.
    store = Store(tmp_path / "cache.db")
    times = {"joined": "2026-11-01T10:00:00Z", "late": "2026-11-01T10:00:00.7Z",
             "later": "2026-11-01T10:00:00.75Z", "next": "2026-11-01T10:00:01Z"}
    store.write_page("px", "pexip", "history", None, events=[
        Event("conf", name, time, "Kim", "call") for name, time in reversed(times.items())])
    events = queries.list_events(store.db.conn, "px", "conf")
    assert [e["event_id"] for e in events] == ["joined", "late", "later", "next"]
    store.close()


def test_matching_keys_tells_which_given_sessions_the_filter_shows(tmp_path: Path):
    store = Store(tmp_path / "cache.db")
    store.write_page("wx", "webex", "meetings", None, sessions=[
        session(f"m{n}", title) for n, title in enumerate(
            ["Printer jam", "VPN drops", "Printer offline", "Board call"])])
    store.write_page("bt", "beyondtrust", "sessions", None, sessions=[
        Session("b1", "support_session", "Printer driver", "2026-11-03T10:00:00Z")])
    conn = store.db.conn
    everything = [("wx", f"m{n}") for n in range(4)] + [("bt", "b1"), ("wx", "gone")]

    def kept(**filters) -> set[tuple[str, str]]:
        return queries.matching_keys(conn, SessionFilter(**filters), everything)

    assert kept() == set(everything) - {("wx", "gone")}
    assert kept(search="printer") == {("wx", "m0"), ("wx", "m2"), ("bt", "b1")}
    assert kept(search="printer", source="wx") == {("wx", "m0"), ("wx", "m2")}
    assert kept(search="-printer") == {("wx", "m1"), ("wx", "m3")}
    assert kept(type="support_session", search="driver") == {("bt", "b1")}
    assert kept(start_from="2026-11-03T00:00:00Z") == {("bt", "b1")}
    assert kept(search="nosuchword") == set()
    assert queries.matching_keys(conn, SessionFilter(search="printer"), []) == set()
    store.close()


def test_json_text_falls_back_to_the_standard_library_without_changing_a_value():
    value = {"big": 2**70, "ratio": 0.1, "name": "José", 7: "int key"}
    assert json.loads(jsontext.dumps(value)) == {"big": 2**70, "ratio": 0.1, "name": "José",
                                                 "7": "int key"}
    assert jsontext.dumps({"name": "José", "n": [1, 2.5]}) == '{"name":"José","n":[1,2.5]}'


def test_each_source_lists_only_the_session_types_it_has(tmp_path: Path):
    """The window's Type list for a chosen source (before, every type of every vendor)."""
    store = Store(tmp_path / "cache.db")
    store.write_page("wx", "webex", "calls", None, sessions=[
        Session("c1", "call", "A call", "2026-11-01T10:00:00Z"),
        Session("m1", "meeting", "A meeting", "2026-11-02T10:00:00Z"),
        Session("m2", "meeting", "Another", "2026-11-03T10:00:00Z"),
        Session("x1", "", "No type", "2026-11-04T10:00:00Z")])
    store.write_page("px", "pexip", "history", None, sessions=[
        Session("p1", "conference", "A conference", "2026-11-01T10:00:00Z")])
    store.write_page("px2", "pexip", "history", None, sessions=[
        Session("g1", "gateway_call", "Through the gateway", "2026-11-01T10:00:00Z")])
    conn = store.db.conn
    expected = {"px": ["conference"], "px2": ["gateway_call"], "wx": ["call", "meeting"]}
    assert queries.source_types(conn) == expected
    store.close()


def test_a_cache_from_before_migration_5_keeps_its_rows_and_searchable_words(tmp_path: Path):
    path = tmp_path / "cache.db"
    old_cache(path)
    store = Store(path)  # applies the pending migrations
    conn = store.db.conn
    assert path.with_name("cache.db.before-migration").exists()
    # A JSON raw table became documents plus a view of their fields; XML keeps its columns.
    assert [r[1] for r in conn.execute("PRAGMA table_info(raw_webex_events)")] == \
        ["_source", "_id", "_doc"]
    assert conn.execute("SELECT _id, resource, data FROM raw_webex_events_flat").fetchall() == \
        [("ev1", "meetings", '{"topic":"renewal"}')]
    assert conn.execute("SELECT _id, duration FROM raw_beyondtrust_support_session").fetchall() \
        == [("lsid1", "300")]
    assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'raw_pexip_alarm'"
                        ).fetchone() == (0,)  # empty: made afresh when next written
    # A word only the event's data holds is still found after the session is next refreshed.
    store.write_page("wx", "webex", "events", None, sessions=[session("m1", "Renewal call")])
    assert [r["session_id"] for r in queries.list_sessions(conn, SessionFilter(
        search="quarterly"))] == ["m1"]
    store.close()


def test_a_cache_from_before_migration_7_is_found_by_type_status_and_direction(
        tmp_path: Path):
    path = tmp_path / "cache.db"
    db = Database(sqlite3.connect(path))
    MIGRATIONS.apply(db, stop_before="m007_search_text_has_type_status_direction")
    # A Graph call as the previous REFRESH_SQL left it: title, id and people, no status.
    db["sessions"].insert({"source": "graph", "session_id": "g1", "kind": "msgraph",
                           "type": "direct_routing_call", "title": "Dana to the help desk",
                           "start_time": "2026-11-02T10:00:00Z", "status": "successful",
                           "direction": "inbound", "extra": '{"callType": "ByotIn"}',
                           "search_text": "Dana to the help desk g1 Dana Reid ByotIn"})
    db["participants"].insert({"source": "graph", "session_id": "g1", "name": "Dana Reid",
                               "seq": 0})
    db.conn.commit()
    assert db.execute("SELECT count(*) FROM sessions_fts WHERE sessions_fts MATCH "
                      "'successful'").fetchone() == (0,)
    db.close()
    store = Store(path)  # applies m007
    conn = store.db.conn
    assert path.with_name("cache.db.before-migration").exists()

    def ids(text: str) -> list[str]:
        return [r["session_id"] for r in queries.list_sessions(conn, SessionFilter(search=text))]

    for text in ("successful", "direct_routing_call", "inbound", "Reid", "ByotIn", "help desk"):
        assert ids(text) == ["g1"], text
    conn.execute("INSERT INTO sessions_fts (sessions_fts) VALUES ('integrity-check')")
    # The index is still kept by its trigger once migrated: a re-sync's new status is found.
    store.write_page("graph", "msgraph", "calls", None, sessions=[Session(
        "g1", "direct_routing_call", "Dana to the help desk", "2026-11-02T10:00:00Z",
        status="failed 487", direction="inbound")])
    assert ids("successful") == [] and ids("failed") == ["g1"]
    store.close()


def session(session_id: str, title: str) -> Session:
    return Session(session_id=session_id, type="meeting", title=title,
                   start="2026-11-02T10:00:00Z")


def old_cache(path: Path) -> None:
    """A cache as histview wrote it before migration 5: stored raw columns, no event words."""
    db = Database(sqlite3.connect(path))
    MIGRATIONS.apply(db, stop_before="m005_event_words")
    db["raw_webex_events"].insert({"_source": "wx", "_id": "ev1", "resource": "meetings",
                                   "data_topic": "renewal",
                                   "_doc": '{"resource": "meetings", "data": {"topic": '
                                           '"renewal"}}'}, pk=("_source", "_id"))
    db["raw_beyondtrust_support_session"].insert(
        {"_source": "bt", "_id": "lsid1", "duration": "300", "_doc": "<session/>"},
        pk=("_source", "_id"))
    db["raw_pexip_alarm"].create({"_source": str, "_id": str, "_doc": str},
                                 pk=("_source", "_id"))
    db["sessions"].insert({"source": "wx", "session_id": "m1", "kind": "webex",
                           "type": "meeting", "title": "Renewal call"})
    event = Event("m1", "e1", "2026-11-02T10:00:00Z", "Ana", "meetings",
                  data={"agenda": "quarterly review"})
    db["events"].insert({"source": "wx", "session_id": "m1", "event_id": event.event_id,
                         "time": event.time, "lane": event.lane, "kind": event.kind,
                         "data": json.dumps(event.data)})
    db.conn.commit()
    db.close()


def test_a_cache_from_before_migration_8_finds_a_phone_number_however_it_is_typed(
        tmp_path: Path):
    path = tmp_path / "cache.db"
    db = Database(sqlite3.connect(path))
    MIGRATIONS.apply(db, stop_before="m008_search_text_has_phone_number_tails")
    for session_id, text in (("CA1", "MURPHY ISABEL CA1 +18015550180 +13035550100 call"),
                             ("CA2", "Other CA2 +14155550199"), ("P1", "meet.alice P1")):
        db["sessions"].insert({"source": "rc", "session_id": session_id, "kind": "restcomm",
                               "type": "call", "start_time": "2026-11-02T10:00:00Z",
                               "search_text": text})
    db.conn.commit()
    db.close()
    store = Store(path)  # applies m008
    conn = store.db.conn

    def ids(text: str) -> list[str]:
        return [r["session_id"] for r in queries.list_sessions(conn, SessionFilter(search=text))]

    for text in ("3035550100", "303-555-0100", "(303) 555-0100", "+1 303 555 0100",
                 "1-303-555-0100", "5550100", "+13035550100"):
        assert ids(text) == ["CA1"], text
    assert ids("303-555-0199") == [] and ids("meet.alice") == ["P1"]
    conn.execute("INSERT INTO sessions_fts (sessions_fts) VALUES ('integrity-check')")
    # The update trigger is back: a re-synced call's new number is found, the old one not.
    store.write_page("rc", "restcomm", "calls", None, sessions=[Session(
        "CA2", "call", "Other", "2026-11-02T10:00:00Z", participants=["+17205550123"])])
    assert ids("720-555-0123") == ["CA2"] and ids("415-555-0199") == []
    store.close()


def test_a_cache_from_before_migration_10_finds_a_source_s_sessions_by_its_name_and_kind(
        tmp_path: Path):
    path = tmp_path / "cache.db"
    cache_before(path, "m010_search_text_has_source_name_and_kind", *(
        {"source": source, "session_id": session_id, "kind": kind, "type": "call",
         "start_time": "2026-11-02T10:00:00Z", "search_text": text}
        for source, kind, session_id, text in (
            ("helpdesk-video", "pexip", "c1", "Weekly sync c1 conference Rosa"),
            ("calls", "restcomm", "CA1", "Rosa to support CA1 call +13035550100 3035550100"),
            ("site 4045551234", "webex", "m1", "Renewal m1 meeting"))))
    store = Store(path)  # applies m010
    conn = store.db.conn

    def ids(text: str) -> set[str]:
        return {r["session_id"] for r in queries.list_sessions(conn, SessionFilter(search=text))}

    assert ids("pexip") == {"c1"} and ids("helpdesk") == {"c1"} and ids("video") == {"c1"}
    assert ids("restcomm") == {"CA1"} and ids("webex") == {"m1"}
    assert ids("Rosa") == {"c1", "CA1"} and ids("303-555-0100") == {"CA1"}
    assert ids("555-1234") == {"m1"}  # a number in a source's name is found as numbers are
    conn.execute("INSERT INTO sessions_fts (sessions_fts) VALUES ('integrity-check')")
    # A re-synced session's text is recomputed with the same words, once.
    store.write_page("helpdesk-video", "pexip", "history", None, sessions=[Session(
        "c1", "conference", "Weekly sync", "2026-11-02T10:00:00Z")])
    text = conn.execute("SELECT search_text FROM sessions WHERE session_id = 'c1'").fetchone()[0]
    assert text.startswith("helpdesk-video pexip Weekly sync") and text.count("pexip") == 1
    assert ids("helpdesk") == {"c1"} and ids("Rosa") == {"CA1"}
    store.close()


def test_a_cache_migrated_from_before_migration_7_names_its_source_once(tmp_path: Path):
    path = tmp_path / "cache.db"
    cache_before(path, "m007_search_text_has_type_status_direction",
                 {"source": "graph", "session_id": "g1", "kind": "msgraph",
                  "type": "pstn_call", "title": "Dana", "search_text": "Dana g1"})
    store = Store(path)  # m007 recomputes the whole text, m010 then finds it complete
    text = store.db.conn.execute("SELECT search_text FROM sessions").fetchone()[0]
    assert text.startswith("graph msgraph Dana g1") and text.count("msgraph") == 1
    store.close()
