"""Downloads: untrusted file names land inside the folder, and an interrupted download
resumes (or starts over where the server ignores Range, or where the file changed since),
against the real simulators."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.demo.server import Request, Response, Simulator, byte_range
from app.downloads import fetch_to, safe_name, target_path
from app.http import SourceError
from app.model import Artifact, SourceConfig
from app.settings import Settings
from app.sources import create_source
from app.store import Store
from app.urls import moved_url


@pytest.mark.parametrize("hostile", [
    "../../.bashrc", "..\\..\\evil.exe", "/etc/passwd", "CON", "nul.txt", "a\x00b\nc",
    "..", "", "   ", "recording\u202egpj.exe", "x" * 500,
])
def test_hostile_names_stay_inside_the_download_folder(tmp_path: Path, hostile: str):
    folder = tmp_path / "downloads"
    folder.mkdir()
    session = {"session_id": "../lsid", "title": hostile, "start": hostile}
    path = target_path(folder, session, {"label": hostile, "artifact_id": "../1",
                                         "kind": "recording"})
    assert path.parent == folder.resolve()
    assert "/" not in path.name and "\\" not in path.name and ".." not in path.name
    assert len(path.name) < 260
    path.write_bytes(b"ok")  # a name the file system accepts


def test_readable_names_stay_readable():
    assert safe_name("Session recording (part 1).mp4") == "Session recording (part 1).mp4"
    assert safe_name("Zoë's chat") == "Zoë's chat"
    assert safe_name("Priya (Margie's Travel): VPN") == "Priya (Margie's Travel) - VPN"
    assert safe_name("a:b*c?d<e>f|g\"h") == "a_b_c_d_e_f_g_h"  # what Windows refuses


def test_download_fetches_a_sessions_recordings_into_the_data_folder(cli, data_dir):
    from app.demo.beyondtrust import BeyondTrustSimulator
    from app.demo.beyondtrust_timeline import month

    sim = BeyondTrustSimulator(month(datetime.now(UTC), days=3, per_weekday=(6, 8), seed=2),
                               client_id="dl", client_secret="dl-secret-value")
    sim.start()
    try:
        assert cli("source", "add", "beyondtrust", "bt", "--url", sim.url, "--client-id", "dl",
                   "--secret-stdin", stdin="dl-secret-value\n").code == 0
        assert cli("sync").code == 0
        sessions = json.loads(cli("sessions", "--format", "json", "--limit", "0").out)
        lsid = next(s["session_id"] for s in sessions if any(
            a["kind"] == "recording" for a in json.loads(
                cli("artifacts", "bt", s["session_id"], "--format", "json").out)))
        result = cli("download", "bt", lsid, "--kind", "recording")
        assert result.code == 0, result.err
    finally:
        sim.stop()
    artifacts = json.loads(cli("artifacts", "bt", lsid, "--format", "json").out)
    done = [a for a in artifacts if a["kind"] == "recording"]
    assert done and all(a["downloaded_path"] for a in done)
    for artifact in done:
        path = Path(artifact["downloaded_path"])
        assert data_dir.resolve() in path.parents and path.stat().st_size > 0
        assert not path.with_name(path.name + ".part").exists()


# -- resuming an interrupted download, against the vendors' simulators ---------------------

@dataclass
class Vendor:
    """A started simulator registered as source ``name``, and what its files should be.
    BeyondTrust's ignores Range (a resume starts over), the others honour it."""

    sim: Any
    kind: str
    name: str
    add: list[str]
    secret: str
    file_path: str  # a fragment of the file download's path, where the fault goes
    expected: Callable[[str, str], bytes]  # (session id, artifact id) -> the file's bytes


def beyondtrust() -> Vendor:
    from app.demo.beyondtrust import BeyondTrustSimulator, recording_bytes
    from app.demo.beyondtrust_timeline import month

    sim = BeyondTrustSimulator(month(datetime.now(UTC), days=3, per_weekday=(6, 8), seed=2),
                               client_id="dl", client_secret="dl-secret-value")
    sim.start()
    return Vendor(sim, "beyondtrust", "bt", ["--url", sim.url, "--client-id", "dl"],
                  "dl-secret-value", "SupportSessionRecording",
                  lambda lsid, _: recording_bytes(lsid, "ssr", None))


def restcomm() -> Vendor:
    from app.demo.restcomm import RestcommSimulator, wav_bytes

    sim = RestcommSimulator(days=3, calls_per_weekday=12, seed=4)
    sim.start()
    durations = {r.sid: r.duration for r in sim.recordings}
    add = ["--url", sim.url + "/restcomm", "--account-sid", sim.account_sid]
    return Vendor(sim, "restcomm", "line", add, sim.auth_token, "/recordings/",
                  lambda _, sid: wav_bytes(min(durations[sid], 3.0)))


def webex() -> Vendor:
    from app.demo.webex import FAKE_MP4, WebexSimulator

    sim = WebexSimulator(days=3)
    sim.start()
    return Vendor(sim, "webex", "wx", ["--url", sim.url], sim.token, "/nbr/", lambda *_: FAKE_MP4)


@pytest.fixture(params=[beyondtrust, restcomm, webex], ids=lambda f: f.__name__)
def vendor(request, cli):
    made = request.param()
    try:
        assert cli("source", "add", made.kind, made.name, *made.add, "--secret-stdin",
                   stdin=made.secret + "\n").code == 0
        assert cli("sync").code == 0
        yield made
    finally:
        made.sim.stop()


def a_recording(data_dir: Path, source: str) -> tuple[str, list[str]]:
    """A session with a recording, and its recordings' artifact ids."""
    with sqlite3.connect(Settings(data_dir).cache_path) as conn:
        [session_id] = conn.execute(
            "SELECT session_id FROM artifacts WHERE source = ? AND kind = 'recording' "
            "ORDER BY session_id LIMIT 1", (source,)).fetchone()
        ids = [r[0] for r in conn.execute(
            "SELECT artifact_id FROM artifacts WHERE source = ? AND session_id = ? AND "
            "kind = 'recording'", (source, session_id))]
    return session_id, ids


def test_an_interrupted_download_resumes_where_the_server_allows(vendor, cli, data_dir,
                                                                  tmp_path):
    session_id, artifact_ids = a_recording(data_dir, vendor.name)
    folder = tmp_path / "dl"
    vendor.sim.faults.add("truncate", path_contains=vendor.file_path)

    cut = cli("download", vendor.name, session_id, "--kind", "recording", "--to", str(folder))
    assert cut.code == 1
    [line] = [x for x in cut.err.splitlines() if "failed" in x]
    assert "the connection broke after" in line and "download again to resume" in line
    assert "Traceback" not in cut.err and vendor.secret not in cut.err
    [partial] = folder.glob("*.part")
    size = partial.stat().st_size
    assert 0 < size
    assert not partial.with_name(partial.name.removesuffix(".part")).exists()
    if vendor.name == "wx":
        vendor.sim.expire_links()  # the link of the first try is dead: a new one is needed

    again = cli("download", vendor.name, session_id, "--kind", "recording", "--to",
                str(folder))
    assert again.code == 0, again.err
    assert not list(folder.glob("*.part"))
    downloaded = {a["artifact_id"]: Path(a["downloaded_path"])
                  for a in json.loads(cli("artifacts", vendor.name, session_id,
                                          "--format", "json").out)
                  if a["kind"] == "recording"}
    assert sorted(downloaded) == sorted(artifact_ids)
    for artifact_id, path in downloaded.items():
        assert path.parent == folder.resolve()
        assert path.read_bytes() == vendor.expected(session_id, artifact_id), artifact_id
    asked = [rng for _, rng in vendor.sim.downloads if rng]
    assert asked == [f"bytes={size}-"]  # only the resumed file asked for a range


def test_downloads_follow_the_server_to_its_new_address(vendor, cli, data_dir, tmp_path):
    """The server moved (a new host name, or the next ``histview demo`` on new ports): once
    the source's URL is changed, history synced before the move still downloads. Before,
    its links kept the old address and the download was refused or found nobody there."""
    session_id, artifact_ids = a_recording(data_dir, vendor.name)
    old = vendor.sim.url
    vendor.sim.stop()
    with socket.socket() as gone:  # holds the old port: nothing answers there any more
        gone.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT
        gone.bind(("127.0.0.1", int(old.rsplit(":", 1)[1])))
        vendor.sim.start()
        new = vendor.sim.url
        add = [new + a[len(old):] if a.startswith(old) else a for a in vendor.add]
        assert cli("source", "add", vendor.kind, vendor.name, *add, "--secret-stdin",
                   stdin=vendor.secret + "\n").code == 0

        result = cli("download", vendor.name, session_id, "--kind", "recording", "--to",
                     str(tmp_path / "dl"))
    assert result.code == 0, result.err
    recordings = [a for a in json.loads(cli("artifacts", vendor.name, session_id, "--format",
                                            "json").out) if a["kind"] == "recording"]
    assert sorted(a["artifact_id"] for a in recordings) == sorted(artifact_ids)
    for artifact in recordings:
        assert artifact["url"].startswith(new + "/")
        assert Path(artifact["downloaded_path"]).read_bytes() == vendor.expected(
            session_id, artifact["artifact_id"])


def test_a_server_move_leaves_links_on_other_hosts_alone(tmp_path):
    store = Store(tmp_path / "cache.sqlite")
    links = {
        "api": ("https://bt.example.com/api/reporting?lsid=1", "https://bt.example.com/v?1"),
        "s3": ("https://bucket.s3.amazonaws.com/rec.wav", None),
        "port": ("https://bt.example.com:8443/api/reporting?lsid=2", None),
        "prefix": ("https://bt.example.com.evil.net/x", None),
    }
    store.write_page("bt", "beyondtrust", "sessions", {}, artifacts=[
        Artifact("s", key, "recording", key, url=url, view_url=view)
        for key, (url, view) in links.items()])
    store.write_page("other", "beyondtrust", "sessions", {}, artifacts=[
        Artifact("s", "api", "recording", "api", url=links["api"][0])])

    assert store.move_links("bt", "https://BT.example.com", "https://support.example.org/bt") == 1
    rows = dict(((r[0], r[1]), r[2:]) for r in store.db.conn.execute(
        "SELECT source, artifact_id, url, view_url FROM artifacts"))
    store.close()
    assert rows[("bt", "api")] == ("https://support.example.org/bt/api/reporting?lsid=1",
                                   "https://support.example.org/bt/v?1")
    for key in ("s3", "port", "prefix"):
        assert rows[("bt", key)] == links[key]
    assert rows[("other", "api")] == (links["api"][0], None)


def test_a_moved_base_path_moves_with_the_links():
    assert moved_url("http://127.0.0.1:5000/restcomm/2012-04-24/Accounts/AC1/Recordings/RE1",
                     "http://127.0.0.1:5000/restcomm", "https://pbx.example.com/cpaas") == (
        "https://pbx.example.com/cpaas/2012-04-24/Accounts/AC1/Recordings/RE1")
    assert moved_url("https://a.example.com/other/file", "https://a.example.com/restcomm",
                     "https://b.example.com/cpaas") == "https://b.example.com/other/file"
    assert moved_url("https://a.example.com/restcommx/f", "https://a.example.com/restcomm",
                     "https://b.example.com/cpaas") == "https://b.example.com/restcommx/f"
    assert moved_url("", "https://a.example.com", "https://b.example.com") is None


def restcomm_source(sim) -> tuple[Any, dict]:
    """The source and one recording artifact as the sync stores it (``file_uri``)."""
    config = SourceConfig("line", "restcomm", sim.url + "/restcomm",
                          {"account_sid": sim.account_sid})
    rec = sim.recordings[0]
    artifact = {"artifact_id": rec.sid, "kind": "recording", "label": "call",
                "url": sim.recording_doc(rec)["file_uri"]}
    return create_source(config, sim.auth_token), artifact


@pytest.fixture
def line():
    from app.demo.restcomm import RestcommSimulator

    sim = RestcommSimulator(days=2, calls_per_weekday=8, seed=4)
    sim.start()
    yield sim
    sim.stop()


def test_a_whole_part_file_is_finished_without_downloading_it_again(line, tmp_path):
    from app.demo.restcomm import wav_bytes

    source, artifact = restcomm_source(line)
    whole = wav_bytes(min(line.recordings[0].duration, 3.0))
    path = tmp_path / "call.wav"
    path.with_name("call.wav.part").write_bytes(whole)  # killed just before the rename

    assert fetch_to(source, artifact, path) == (path, len(whole))
    assert path.read_bytes() == whole and not path.with_name("call.wav.part").exists()
    # 416 for the rest, then one byte to check the .part ends where the file does
    assert [rng for _, rng in line.downloads] == [f"bytes={len(whole)}-",
                                                 f"bytes={len(whole) - 1}-"]


@pytest.mark.parametrize("damage", [lambda whole: whole[:-1] + b"?",
                                    lambda whole: whole + b"junk"], ids=["last byte", "longer"])
def test_a_part_file_that_does_not_match_is_downloaded_again(line, tmp_path, damage):
    from app.demo.restcomm import wav_bytes

    source, artifact = restcomm_source(line)
    whole = wav_bytes(min(line.recordings[0].duration, 3.0))
    path = tmp_path / "call.wav"
    path.with_name("call.wav.part").write_bytes(damage(whole))

    assert fetch_to(source, artifact, path) == (path, len(whole))
    assert path.read_bytes() == whole
    assert [rng for _, rng in line.downloads][-1] is None  # the last try took it whole


class _BadRanges(Simulator):
    """A file server whose ranges are not the ones asked for (a broken proxy): they start
    five bytes early, or stop a hundred bytes after the start."""

    body = bytes(range(256)) * 64

    def __init__(self, fault: str) -> None:
        super().__init__()
        self.fault = fault

    def handle(self, request: Request) -> Response:
        first = int((request.headers.get("range") or "bytes=0-")[6:].rstrip("-"))
        if not first:
            return Response(200, self.body)
        start = max(first - 5, 0) if self.fault == "early" else first
        end = start + 99 if self.fault == "short" else len(self.body) - 1
        return Response(206, self.body[start:end + 1], {
            "Content-Range": f"bytes {start}-{end}/{len(self.body)}"})


@pytest.mark.parametrize("fault", ["early", "short"])
def test_a_range_other_than_the_one_asked_is_not_appended(line, tmp_path, fault):
    source, artifact = restcomm_source(line)
    elsewhere = _BadRanges(fault)
    elsewhere.start()
    try:
        path = tmp_path / "f.bin"
        path.with_name("f.bin.part").write_bytes(_BadRanges.body[:1000])
        _, size = fetch_to(source, {**artifact, "url": elsewhere.url + "/bucket/f.bin"}, path)
    finally:
        elsewhere.stop()
    assert size == len(_BadRanges.body) and path.read_bytes() == _BadRanges.body
    assert [t for _, t in elsewhere.requests] == ["/bucket/f.bin", "/bucket/f.bin"]


class _ReprocessedFile(Simulator):
    """A static file server whose file is replaced (a recording re-encoded on the server)
    after the first attempt broke off. ``honours_if_range=False`` is a server that sends
    the rest of whatever file it has now."""

    def __init__(self, before: bytes, after: bytes, honours_if_range: bool = True) -> None:
        super().__init__()
        self.body, self.after, self.honours_if_range = before, after, honours_if_range
        self.asked: list[tuple[str | None, str | None]] = []  # (Range, If-Range) of each

    def handle(self, request: Request) -> Response:
        self.asked.append((request.headers.get("range"), request.headers.get("if-range")))
        if not self.honours_if_range:
            request.headers.pop("if-range", None)
        return byte_range(request, Response(200, self.body, {"Content-Type": "video/mp4"}))

    def reprocess(self) -> None:
        self.body = self.after


@pytest.mark.parametrize("after, honours_if_range", [
    (bytes(range(256))[::-1] * 64, True),  # same size, other bytes: only If-Range tells
    (bytes(range(256)) * 80, False),  # a server that ignores If-Range: the size tells
], ids=["if-range", "size"])
def test_a_file_changed_since_the_first_bytes_is_downloaded_whole_not_spliced(
        line, tmp_path, after, honours_if_range):
    source, artifact = restcomm_source(line)
    before = bytes(range(256)) * 64
    server = _ReprocessedFile(before, after, honours_if_range)
    server.start()
    artifact = {**artifact, "url": server.url + "/bucket/rec.mp4"}
    path = tmp_path / "rec.mp4"
    try:
        server.faults.add("truncate")
        with pytest.raises(SourceError, match="download again to resume"):
            fetch_to(source, artifact, path)
        assert path.with_name("rec.mp4.part").stat().st_size == len(before) // 2
        server.reprocess()
        assert fetch_to(source, artifact, path) == (path, len(after))
    finally:
        server.stop()
    assert path.read_bytes() == after
    first_etag = server.asked[1][1]
    assert server.asked[1][0] == f"bytes={len(before) // 2}-" and first_etag
    assert not list(tmp_path.glob("rec.mp4.part*"))  # neither the .part nor its version


def test_an_unchanged_file_resumes_from_where_it_broke_off(line, tmp_path):
    source, artifact = restcomm_source(line)
    body = bytes(range(256)) * 64
    server = _ReprocessedFile(body, body)
    server.start()
    artifact = {**artifact, "url": server.url + "/bucket/rec.mp4"}
    path = tmp_path / "rec.mp4"
    try:
        server.faults.add("truncate")
        with pytest.raises(SourceError):
            fetch_to(source, artifact, path)
        assert fetch_to(source, artifact, path) == (path, len(body))
    finally:
        server.stop()
    assert path.read_bytes() == body
    assert [rng for rng, _ in server.asked] == [None, f"bytes={len(body) // 2}-"]
    assert len(server.asked) == 2  # the rest came in one 206, not the whole file again


def test_a_download_from_an_unreachable_server_fails_in_one_line(cli, data_dir, tmp_path):
    made = restcomm()
    try:
        assert cli("source", "add", "restcomm", "line", *made.add, "--secret-stdin",
                   stdin=made.secret + "\n").code == 0
        assert cli("sync").code == 0
    finally:
        made.sim.stop()
    session_id, _ = a_recording(data_dir, "line")
    folder = tmp_path / "dl"
    result = cli("download", "line", session_id, "--to", str(folder))
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert lines and all(x.startswith("histview: ") for x in lines), result.err
    assert "could not reach http://127.0.0.1:" in lines[0]
    assert "Traceback" not in result.err and made.secret not in result.err
    assert not list(folder.glob("*"))


#: A Restcomm call as the cache has it: what a download's name is made of.
CALL = {"session_id": "CA1", "start": "2026-11-02T10:15:42.250Z",
        "title": "+13035550100 → +15125550166"}


@pytest.mark.parametrize("artifact, name", [
    ({"label": "Recording 346.1 s", "artifact_id": "RE42", "kind": "recording",
      "url": "https://cpaas.example/restcomm/Recordings/RE42.wav"},
     "2026-11-02 1015Z +13035550100 - +15125550166 - Recording 346.1 s #.wav"),
    ({"label": "Transcript (vtt)", "artifact_id": "T9.vtt", "kind": "transcript",
      "url": "https://webexapis.example/v1/meetingTranscripts/T9/download?format=vtt",
      "data": {"format": "vtt"}},
     "2026-11-02 1015Z +13035550100 - +15125550166 - Transcript (vtt) #.vtt"),
    ({"label": "Session recording", "artifact_id": "recording", "kind": "recording",
      "url": "https://bt.example/api/reporting?generate_report=SupportSessionRecording"},
     "2026-11-02 1015Z +13035550100 - +15125550166 - Session recording #.mp4"),
    ({"label": "invoice.exe", "artifact_id": "x", "kind": "chat",
      "url": "https://vendor.example/files/run-me.exe", "data": {"format": "desktop"}},
     "2026-11-02 1015Z +13035550100 - +15125550166 - invoice.exe #.html"),
])
def test_a_download_is_named_by_start_title_and_label_with_a_safe_extension(
        tmp_path: Path, artifact: dict, name: str):
    """Found by when and what in a file manager; the digest ("#" here) keeps it apart."""
    path = target_path(tmp_path, CALL, artifact)
    assert re.sub(r" [0-9a-f]{12}\.", " #.", path.name) == name
    assert target_path(tmp_path, CALL, artifact) == path  # resuming finds the same name


def test_no_two_artifacts_share_a_name(tmp_path: Path):
    recording = {"label": "Recording", "artifact_id": "RE-first", "kind": "recording"}
    names = {target_path(tmp_path, session, artifact).name
             for session in (CALL, {**CALL, "session_id": "CA2"})  # same start and title
             for artifact in (recording, {**recording, "artifact_id": "RE-second"})}
    assert len(names) == 4


def test_a_session_without_a_title_or_start_is_named_by_its_id(tmp_path: Path):
    path = target_path(tmp_path, {"session_id": "CA9"}, {"label": "", "kind": "chat",
                                                         "artifact_id": "c"})
    assert re.fullmatch(r"CA9 [0-9a-f]{12}\.html", path.name)


def test_a_long_label_in_a_wide_script_still_makes_a_file_name_that_can_be_written(
        tmp_path: Path):
    label = "週次サポート会議の録画" * 12  # 132 characters, 396 bytes in UTF-8
    path = target_path(tmp_path, {"session_id": "x", "start": CALL["start"],
                                  "title": "会議" * 80},
                       {"label": label, "artifact_id": "録画" * 40, "kind": "recording"})
    partial = path.with_name(path.name + ".part.version")  # the longest name a download makes
    partial.write_bytes(b"")  # the file system refuses a name over 255 bytes
    assert path.name.startswith("2026-11-02 1015Z 会議") and "週次サポート" in path.name


def test_a_part_cut_at_a_dot_leaves_no_double_dot(tmp_path: Path):
    path = target_path(tmp_path, {"session_id": "CA1", "title": "T" * 59 + ". late"},
                       {"label": "L" * 39 + ". late", "kind": "recording", "artifact_id": "R"})
    assert re.fullmatch(f"{'T' * 59} - {'L' * 39} [0-9a-f]{{12}}\\.mp4", path.name)


def test_a_full_re_sync_keeps_what_was_downloaded(vendor, cli, data_dir, tmp_path):
    """The path of a downloaded file is the user's, not the vendor's: a sync that fetches
    the session again (``--full``, or the overlap of the next sync) must not forget it.
    Before, a BeyondTrust session sent again lost it, and its file showed as never fetched."""
    session_id, _ = a_recording(data_dir, vendor.name)
    assert cli("download", vendor.name, session_id, "--kind", "recording", "--to",
               str(tmp_path)).code == 0

    def downloaded() -> dict[str, str | None]:
        return {a["label"]: a["downloaded_path"]
                for a in json.loads(cli("artifacts", vendor.name, session_id, "--format",
                                        "json").out) if a["kind"] == "recording"}

    before = downloaded()
    assert before and all(before.values())
    assert cli("sync", "--full").code == 0
    assert downloaded() == before
