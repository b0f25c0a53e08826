"""Reading downloaded transcripts and chat logs as text (app/artifact_text.py): what a
manager sees in the Artifacts tab's reader, from files as vendors send them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.artifact_text import NotReadable, is_readable, readable_text
from app.store import Store, queries
from app.store.queries import SessionFilter
from tests.conftest import cache_before

#: A Webex meeting transcript as its API renders ``?format=vtt``: numbered cues whose id
#: names the speaker, the words prefixed with the speaker again; plus a NOTE, cue settings,
#: a voice tag, inline styling and escapes, which other WebVTT writers (Teams) use.
WEBVTT = """WEBVTT

NOTE exported by the meeting service

1 "Ana Souza" (1234567)
00:00:02.120 --> 00:00:05.500
Ana Souza: Thanks for joining &amp; sorry for the delay.

2 "Ben Ito" (7654321)
00:00:06.000 --> 00:00:09.000 align:start position:10%
<v Ben Ito>I can <i>reproduce</i> it
on my side.</v>

3
01:02:03.000 --> 01:02:05.000
<v.loud Ana Souza>Let's capture the logs &lt;today&gt;.
"""


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_captions_read_as_one_line_per_cue_with_its_time_and_speaker(tmp_path):
    shown = readable_text(write(tmp_path, "t.vtt", WEBVTT))
    assert shown.text.splitlines() == [
        "00:02  Ana Souza: Thanks for joining & sorry for the delay.",
        "00:06  Ben Ito: I can reproduce it on my side.",
        "1:02:03  Ana Souza: Let's capture the logs <today>.",
    ]
    assert not shown.truncated
    srt = "1\r\n00:00:01,000 --> 00:00:04,000\r\nHello there\r\n\r\n2\r\n00:01:10,500 --> " \
          "00:01:12,000\r\nBye\r\n"
    assert readable_text(write(tmp_path, "t.srt", srt)).text == "00:01  Hello there\n01:10  Bye"
    # A .txt that is captions inside (a vendor naming the format wrongly) reads the same.
    assert readable_text(write(tmp_path, "t.txt", WEBVTT)).text.startswith("00:02  Ana")


def test_an_html_chat_log_reads_as_a_line_per_message_without_scripts_or_styles(tmp_path):
    page = """<!DOCTYPE html><html><head><title>Chat</title><style>td{color:red}</style>
    <script>document.write('x')</script></head><body><h1>Session 42 chat</h1><table>
    <tr><th>Time</th><th>From</th><th>Message</th></tr>
    <tr><td>10:00</td><td>Ana</td><td>Hi   &lt;Ben&gt;, the printer's   jammed</td></tr>
    <tr><td>10:01</td><td>Ben</td><td>On it<script>alert(1)</script></td></tr>
    </table><!-- internal note --></body></html>"""
    assert readable_text(write(tmp_path, "chat.html", page)).text.splitlines() == [
        "Session 42 chat", "Time  From  Message", "10:00  Ana  Hi <Ben>, the printer's jammed",
        "10:01  Ben  On it"]


def test_an_entity_bomb_in_an_html_file_is_not_expanded(tmp_path):
    laugh = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10 if n else "lol"}">' for n in range(9))
    page = f"<!DOCTYPE html [{laugh}]><html><body><p>&l8;</p><p>hello</p></body></html>"
    shown = readable_text(write(tmp_path, "bomb.html", page))
    assert "hello" in shown.text and len(shown.text) < 1000


def test_text_in_other_encodings_reads_and_a_cut_character_is_not_garbled(tmp_path):
    windows = write(tmp_path, "w.txt", "Café\r\nnext line".encode("cp1252"))
    assert readable_text(windows).text == "Café\nnext line"
    utf16 = write(tmp_path, "u.txt", "Zoë said hi\r\n".encode("utf-16"))
    assert readable_text(utf16).text == "Zoë said hi"
    bom = write(tmp_path, "b.txt", "\ufeffJosé: ok".encode())
    assert readable_text(bom).text == "José: ok"
    # The limit falls inside "é" (2 bytes in UTF-8): the text stops before it, as UTF-8.
    cut = readable_text(write(tmp_path, "c.txt", "José José".encode()), limit=4)
    assert cut.text == "Jos" and cut.truncated


def test_a_binary_or_missing_file_says_so(tmp_path):
    with pytest.raises(NotReadable, match="rec.dat is not a text file"):
        readable_text(write(tmp_path, "rec.dat", b"RIFF\x00\x00\x00\x00WAVEfmt "))
    with pytest.raises(NotReadable, match="cannot read gone.txt"):
        readable_text(tmp_path / "gone.txt")


def test_a_json_file_is_indented_and_a_big_file_shows_its_start(tmp_path):
    shown = readable_text(write(tmp_path, "m.json", '{"items":[{"text":"hi"}]}'))
    assert shown.text.splitlines()[:3] == ["{", '  "items": [', "    {"]
    big = readable_text(write(tmp_path, "big.txt", "line\n" * 1000), limit=100)
    assert big.truncated and big.text.splitlines() == ["line"] * 20


def test_transcripts_chats_and_downloaded_text_files_are_readable_recordings_are_not():
    assert is_readable({"kind": "transcript"}) and is_readable({"kind": "chat"})
    assert is_readable({"kind": "report", "downloaded_path": "/d/summary.HTML"})
    assert not is_readable({"kind": "recording", "downloaded_path": "/d/call.mp4"})
    assert not is_readable({"kind": "recording"})


def test_a_downloaded_transcript_s_words_find_its_meeting_even_after_a_full_sync(cli,
                                                                                 data_dir):
    from app.demo.webex import WebexSimulator

    sim = WebexSimulator(days=3)
    sim.start()
    try:
        assert cli("source", "add", "webex", "wx", "--url", sim.url, "--secret-stdin",
                   stdin=sim.token + "\n").code == 0
        assert cli("sync").code == 0

        def found(words: str) -> list[str]:
            answer = cli("sessions", "--search", words, "--format", "json")
            return [s["session_id"] for s in json.loads(answer.out)]

        # Said only in the transcripts (the simulator's lines), in no field the API lists.
        assert found("reproduce") == [] and found('"capture the logs"') == []
        meeting = next(s["session_id"] for s in json.loads(
            cli("sessions", "--format", "json", "--limit", "1000").out)
            if s["has_transcript"])
        assert cli("download", "wx", meeting, "--kind", "transcript").code == 0
        assert found("reproduce") == [meeting] and found('"capture the logs"') == [meeting]
        assert cli("sync", "--full").code == 0
        assert found("reproduce") == [meeting]
    finally:
        sim.stop()


def test_transcripts_downloaded_before_this_version_are_found_once_it_opens_the_cache(
        tmp_path):
    path = tmp_path / "cache.db"
    transcript = write(tmp_path, "meeting.vtt", WEBVTT)
    cache_before(path, "m011_artifact_downloaded_text",
                 {"source": "wx", "session_id": "m1", "kind": "webex", "type": "meeting",
                  "title": "Renewal", "start_time": "2026-11-02T10:00:00Z",
                  "search_text": "wx webex Renewal m1 meeting"},
                 {"source": "wx", "session_id": "m2", "kind": "webex", "type": "meeting",
                  "title": "Kickoff", "start_time": "2026-11-03T10:00:00Z",
                  "search_text": "wx webex Kickoff m2 meeting"})
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO artifacts (source, session_id, artifact_id, kind, downloaded_path) "
            "VALUES ('wx', ?, ?, ?, ?)",
            [("m1", "t1", "transcript", str(transcript)),
             ("m2", "t2", "transcript", str(tmp_path / "moved-away.vtt"))])
    conn.close()
    store = Store(path)  # applies m011
    try:
        def found(words: str) -> list[str]:
            return [s["session_id"] for s in queries.list_sessions(
                store.db.conn, SessionFilter(search=words))]

        assert found("reproduce") == ["m1"] and found("Renewal") == ["m1"]
        assert found("Kickoff") == ["m2"]  # a file gone since leaves its session as it was
        store.db.conn.execute("INSERT INTO sessions_fts (sessions_fts) VALUES "
                              "('integrity-check')")
    finally:
        store.close()
