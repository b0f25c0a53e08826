#!/usr/bin/env bash
# Install histview and open it on the built-in demo (five simulated sources, a month of history).
# On a desktop the demo's secrets go to your own keyring; where no Secret Service is running
# (a bare server, a container) a private throwaway keyring is started for the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
args=("$@")
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [[ " $* " != *" --no-gui "* ]]; then
  echo "no display here: running the demo headless (run this on a desktop to see the window)" >&2
  args+=(--no-gui)
fi
if .venv/bin/python -c "import keyring, sys; sys.exit('SecretService' not in type(keyring.get_keyring()).__module__)" 2>/dev/null; then
  exec .venv/bin/histview demo "${args[@]}"
fi
exec scripts/with-keyring .venv/bin/histview demo "${args[@]}"
