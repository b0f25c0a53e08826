"""Artifact file names from vendors are untrusted: they must land inside the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.downloads import safe_name, target_path


@pytest.mark.parametrize("hostile", [
    "../../.bashrc", "..\\..\\evil.exe", "/etc/passwd", "CON", "nul.txt", "a\x00b\nc",
    "..", "", "   ", "recording\u202egpj.exe", "x" * 500,
])
def test_hostile_names_stay_inside_the_download_folder(tmp_path: Path, hostile: str):
    folder = tmp_path / "downloads"
    folder.mkdir()
    path = target_path(folder, "../lsid", {"label": hostile, "artifact_id": "../1",
                                           "kind": "recording"})
    assert path.parent == folder.resolve()
    assert "/" not in path.name and "\\" not in path.name and ".." not in path.name
    assert len(path.name) < 260
    path.write_bytes(b"ok")  # a name the file system accepts


def test_readable_names_stay_readable():
    assert safe_name("Session recording (part 1).mp4") == "Session recording (part 1).mp4"
    assert safe_name("Zoë's chat") == "Zoë_s chat"


def test_download_fetches_a_sessions_recordings_into_the_data_folder(cli, data_dir):
    import json
    from datetime import UTC, datetime

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
