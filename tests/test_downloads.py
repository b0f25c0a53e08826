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
