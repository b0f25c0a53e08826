"""Shared fixtures: a fresh data folder per test, the real keyring, the CLI in-process.

Tests run inside ``scripts/with-keyring`` (a private D-Bus session with an unlocked
gnome-keyring), so ``keyring`` is the real Secret Service: nothing here fakes it.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Retries stay on (tests check them) but back off in milliseconds, not seconds.
os.environ.setdefault("HISTVIEW_HTTP_BACKOFF", "0.01")
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture(scope="session", autouse=True)
def real_keyring() -> None:
    name = type(keyring.get_keyring()).__module__
    if "SecretService" not in name:
        pytest.exit(f"tests need a real Secret Service keyring (got {name}); run them "
                    "through scripts/with-keyring, as README.md says", returncode=3)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def cli(data_dir: Path):
    """Run ``histview --data-dir DATA ARGS`` in-process; returns code, stdout, stderr."""
    from app.cli import main

    def run(*args: str, stdin: str = "") -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        old_stdin = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = main(["--data-dir", str(data_dir), *args])
        finally:
            sys.stdin = old_stdin
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def cli_process(data_dir: Path):
    """Start ``python -m app --data-dir DATA ARGS`` as a real subprocess (for kill tests)."""

    def start(*args: str, stdin: str | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)

    return start


def cache_before(path: Path, migration: str, *sessions: dict) -> None:
    """A cache as an older histview left it: the migrations before ``migration``, then
    ``sessions`` rows written as they were then."""
    import sqlite3

    from sqlite_utils import Database

    from app.store.schema import MIGRATIONS

    db = Database(sqlite3.connect(path))
    MIGRATIONS.apply(db, stop_before=migration)
    for session in sessions:
        db["sessions"].insert(session)
    db.conn.commit()
    db.close()


def files_containing(folder: Path, needle: str) -> list[Path]:
    """Every file under ``folder`` whose bytes contain ``needle`` (for secret-leak tests)."""
    hits = []
    for path in folder.rglob("*"):
        if path.is_file() and needle.encode() in path.read_bytes():
            hits.append(path)
    return hits
