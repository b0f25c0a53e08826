"""The layering DESIGN.md promises, as failing checks rather than good intentions."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
QT = ("PySide6", "pyqtgraph", "shiboken6")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_qt_below_app_ui():
    offenders = [
        str(path.relative_to(APP.parent))
        for path in APP.rglob("*.py")
        if "ui" not in path.relative_to(APP).parts[:1]
        and any(m.split(".")[0] in QT for m in imported_modules(path))
    ]
    assert offenders == []


def test_the_core_never_imports_the_window_or_the_cli():
    for path in APP.rglob("*.py"):
        top = path.relative_to(APP).parts[0]
        if top in ("ui", "cli.py", "cli_output.py", "__main__.py") or path.name == "launcher.py":
            continue
        modules = imported_modules(path)
        assert not any(m.startswith(("app.ui", "app.cli")) for m in modules), path


def test_listing_sessions_loads_no_qt(tmp_path: Path):
    code = ("import sys; from app.cli import main; "
            f"main(['--data-dir', {str(tmp_path)!r}, 'sessions']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{QT!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=APP.parent, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_ruff_finds_nothing():
    """One linter for the whole tree (STYLE.md); its rules are in pyproject.toml."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format",
                             "concise", "app", "tests", "benchmarks", "scripts"],
                            capture_output=True, text=True, cwd=APP.parent, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
