"""Put histview in the desktop's application menu (freedesktop.org, per user), or take it out.

    python packaging/install_desktop_entry.py [--exec PATH] [--uninstall]

The entry starts ``PATH gui``; PATH defaults to the ``histview`` beside this Python (the
project's .venv) or, failing that, the bundle ``dist/histview/histview``. The entry and
the icon go under ``$XDG_DATA_HOME`` (``~/.local/share``), where desktops look for a user's
own applications: no root, and ``--uninstall`` leaves nothing behind. The file names are the
window's desktop file name (``io.github.histview``), so the desktop ties the running window to
its menu entry and icon.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

APP_ID = "io.github.histview"
HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / f"{APP_ID}.desktop"
ICON = HERE.parent / "app" / "ui" / "resources" / "histview.svg"


def data_home() -> Path:
    """``$XDG_DATA_HOME``, or its default when unset or relative (the spec says ignore it)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def entry_path(root: Path) -> Path:
    return root / "applications" / f"{APP_ID}.desktop"


def icon_path(root: Path) -> Path:
    return root / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"


def default_executable() -> Path | None:
    beside_python = Path(sys.executable).parent / "histview"
    bundle = HERE.parent / "dist" / "histview" / "histview"
    return next((path for path in (beside_python, bundle) if path.is_file()), None)


def exec_argument(path: Path) -> str:
    """``path`` as one argument of an Exec key: quoted, with the spec's escapes.

    Inside quotes, '"', '`', '$' and '\\' are escaped with a backslash; the key's value is
    itself a string in which a backslash is written twice. A folder name with a space, a
    quote or a dollar sign then starts the right program, not a truncated or expanded one.
    (A '%' is refused before this: see ``main``.)
    """
    quoted = "".join("\\" + char if char in '"`$\\' else char for char in str(path))
    return '"' + quoted.replace("\\", "\\\\") + '"'


def entry_text(executable: Path) -> str:
    text = TEMPLATE.read_text(encoding="utf-8")
    # TryExec is a plain string (no quoting): the desktop hides the entry when it is gone.
    plain = str(executable).replace("\\", "\\\\")
    return text.replace("@EXEC@", exec_argument(executable)).replace("@TRYEXEC@", plain)


def install(executable: Path, root: Path) -> list[Path]:
    entry, icon = entry_path(root), icon_path(root)
    for path in (entry, icon):
        path.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(entry_text(executable), encoding="utf-8")
    shutil.copyfile(ICON, icon)
    return [entry, icon]


def uninstall(root: Path) -> list[Path]:
    removed = []
    for path in (entry_path(root), icon_path(root)):
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def refresh_menus(root: Path) -> None:
    """Tell the desktop now rather than at the next login, where the tool exists."""
    tool = shutil.which("update-desktop-database")
    if tool:
        subprocess.run([tool, "-q", str(root / "applications")], check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exec", type=Path, help="the histview program the entry starts")
    parser.add_argument("--uninstall", action="store_true", help="take the entry out")
    args = parser.parse_args(argv)
    root = data_home()
    if args.uninstall:
        removed = uninstall(root)
        print("\n".join(f"removed {path}" for path in removed) or "nothing to remove")
        refresh_menus(root)
        return 0
    executable = args.exec.resolve() if args.exec else default_executable()
    if executable is None or not executable.is_file() or not os.access(executable, os.X_OK):
        where = args.exec or "beside this Python or in dist/histview/"
        print(f"no histview program {where}: install it first (bash scripts/install.sh) "
              "or name it with --exec", file=sys.stderr)
        return 2
    if "%" in str(executable):
        # The spec writes it "%%", but GLib looks for the program before undoing that, so
        # GNOME would list an entry that never starts.
        print(f"cannot start {executable} from a desktop menu: its path has a '%' in it; "
              "move it to a folder without one", file=sys.stderr)
        return 2
    for path in install(executable, root):
        print(f"installed {path}")
    refresh_menus(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
