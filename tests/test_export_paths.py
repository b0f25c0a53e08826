"""Where an export lands when ``--out`` is not a plain file: a link, a pipe, a device."""

from __future__ import annotations

import json
import os
import socket

import pytest

from tests.test_ui_support import fill_cache


@pytest.fixture
def filled(data_dir):
    fill_cache(data_dir, 5)
    return data_dir


def test_an_export_onto_a_symlink_writes_its_target_and_keeps_the_link(cli, filled, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    target = archive / "2026-11.json"
    target.write_text("last month's")
    link = tmp_path / "latest.json"
    link.symlink_to(target)

    result = cli("export", "--format", "json", "--out", str(link))

    assert result.code == 0, result.err
    assert link.is_symlink() and link.resolve() == target
    assert len(json.loads(target.read_text())) == 5
    assert sorted(os.listdir(tmp_path)) == ["archive", "data", "latest.json"]  # no leftovers


def test_a_pipe_or_a_socket_is_refused_and_left_as_it_was(cli, filled, tmp_path):
    # (A device such as /dev/null is refused by the same check; a test does not risk one.)
    pipe = tmp_path / "rows.csv"
    os.mkfifo(pipe)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "rows.sock"))

    to_pipe = cli("export", "--format", "csv", "--out", str(pipe))
    to_socket = cli("export", "--format", "csv", "--out", str(tmp_path / "rows.sock"))

    listener.close()
    for result in (to_pipe, to_socket):
        assert result.code == 2 and "not a regular file" in result.err, result.err
        assert result.err.count("\n") == 1
    assert pipe.is_fifo() and (tmp_path / "rows.sock").is_socket()
    assert sorted(os.listdir(tmp_path)) == ["data", "rows.csv", "rows.sock"]


def test_the_window_s_export_is_refused_for_a_pipe_too(filled, tmp_path):
    """The window and the command line share ``export_sessions``: one check for both."""
    from app.export import export_sessions

    pipe = tmp_path / "rows.json"
    os.mkfifo(pipe)
    with pytest.raises(OSError, match="not a regular file"):
        export_sessions([{"source": "s"}], pipe, "json")
    assert pipe.is_fifo()
