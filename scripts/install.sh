#!/usr/bin/env bash
# Install what histview needs on a fresh Debian or Ubuntu machine, idempotently:
#   - system packages: a Secret Service keyring (gnome-keyring), D-Bus, Xvfb and the runtime
#     libraries Qt's xcb and offscreen platforms load, and the desktop-entry tools (validate
#     and launch the application-menu entry packaging/ installs);
#   - a virtualenv in .venv with histview in it (and its test extra with --test).
# Usage: bash scripts/install.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="gnome-keyring dbus dbus-x11 xvfb libegl1 libgl1 libfontconfig1 libglib2.0-0
  libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-image0 libxcb-render-util0 libxcb-xkb1 libxcb-shape0 libxcb-randr0 libxcb-xinerama0
  fonts-dejavu-core desktop-file-utils libglib2.0-bin"

missing=""
for package in $APT_PACKAGES; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing system packages:$missing" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
