#!/usr/bin/env bash
# Build histview's one-folder desktop bundle, dist/histview/, with PyInstaller, then prove
# it works: its version, the demo synced end to end (all five simulators, the keyring, TLS
# to the Graph simulator) and the window kept open for a few seconds without an error.
# The bundle runs on machines of the same OS family and glibc or newer; build on the oldest
# one you support. Usage: bash packaging/build.sh   (needs what scripts/install.sh installs)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=build/bundle-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
# A plain (not editable) install, so PyInstaller collects the package as users get it.
"$venv/bin/python" -m pip install -q . "pyinstaller>=6.3"
started=$SECONDS
"$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/histview.spec
echo "built dist/histview in $((SECONDS - started)) s: $(du -sh dist/histview | cut -f1)" >&2

bundle=dist/histview/histview
"$bundle" --version
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
scripts/with-keyring "$bundle" demo --no-gui --data-dir "$scratch/demo"
# The window on the demo's cache: still running after 8 s (timeout's 124) is a pass.
status=0
QT_QPA_PLATFORM=offscreen timeout 8 "$bundle" --data-dir "$scratch/demo" gui \
  2>"$scratch/gui.err" || status=$?
if [ "$status" -ne 124 ]; then
  cat "$scratch/gui.err" >&2
  echo "the bundle's window did not stay open (exit $status)" >&2
  exit 1
fi
echo "bundle OK: $bundle" >&2
