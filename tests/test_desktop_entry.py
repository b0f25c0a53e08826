"""The application-menu entry: installed, started by a real desktop launcher, taken out.

``gio launch`` (GLib, what GNOME and most Linux desktops use) runs the entry, so a quoting
mistake in its Exec line shows up as the program not starting, not as a string compare.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QIcon

from tests.conftest import ROOT

INSTALLER = ROOT / "packaging" / "install_desktop_entry.py"
ENTRY = Path("applications", "io.github.histview.desktop")
ICON = Path("icons", "hicolor", "scalable", "apps", "io.github.histview.svg")


def run_installer(xdg: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_DATA_HOME": str(xdg)}
    return subprocess.run([sys.executable, str(INSTALLER), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def fake_histview(folder: Path, record: Path) -> Path:
    """A stand-in program that writes down how it was started."""
    folder.mkdir(parents=True)
    program = folder / "histview"
    program.write_text(f'#!/bin/sh\nprintf "%s|%s" "$0" "$*" > "{record}"\n')
    program.chmod(0o755)
    return program


def wait_for(path: Path, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("folder", ["Program Files", 'say "hi"', "cost$HOME", r"back\slash"])
def test_the_menu_entry_starts_the_window_from_an_oddly_named_folder(tmp_path, qapp, folder):
    record = tmp_path / "started.txt"
    program = fake_histview(tmp_path / folder, record)
    xdg = tmp_path / "xdg"

    result = run_installer(xdg, "--exec", str(program))

    assert result.returncode == 0, result.stderr
    entry = xdg / ENTRY
    validation = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True,
                                text=True)
    assert validation.returncode == 0, validation.stdout + validation.stderr
    subprocess.run(["gio", "launch", str(entry)], check=True, timeout=30,
                   env={**os.environ, "XDG_DATA_HOME": str(xdg)})
    assert wait_for(record) == f"{program}|gui"
    icon = xdg / ICON
    assert icon.read_bytes() == (ROOT / "app/ui/resources/histview.svg").read_bytes()
    assert not QIcon(str(icon)).pixmap(48, 48).isNull()


def test_uninstall_takes_out_the_entry_and_the_icon_and_nothing_else(tmp_path):
    program = fake_histview(tmp_path / "bin", tmp_path / "started.txt")
    xdg = tmp_path / "xdg"
    neighbour = xdg / "applications" / "someone-else.desktop"
    run_installer(xdg, "--exec", str(program))
    neighbour.write_text("[Desktop Entry]\n")

    result = run_installer(xdg, "--uninstall")

    assert result.returncode == 0
    assert not (xdg / ENTRY).exists() and not (xdg / ICON).exists()
    assert neighbour.exists()
    assert run_installer(xdg, "--uninstall").stdout.strip() == "nothing to remove"


def test_no_entry_is_written_for_a_program_that_is_not_there_or_cannot_start(tmp_path):
    xdg = tmp_path / "xdg"
    missing = run_installer(xdg, "--exec", str(tmp_path / "nowhere" / "histview"))
    percent = run_installer(xdg, "--exec", str(fake_histview(tmp_path / "100%", tmp_path / "r")))

    assert missing.returncode == 2 and "no histview program" in missing.stderr
    assert percent.returncode == 2 and "'%'" in percent.stderr
    assert not (xdg / ENTRY).exists()
