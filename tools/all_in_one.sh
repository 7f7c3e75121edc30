#!/usr/bin/env bash
# Start a whole nube cloud in one process (nube-all) on this machine:
# makes .venv, installs nube into it, and runs nube-all with any arguments
# given (for example --fake-hosts 10). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${NUBE_VENV:-.venv}
if [ ! -x "$venv/bin/nube-all" ]; then
    echo "all_in_one: installing nube into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q -e .
fi
exec "$venv/bin/nube-all" "$@"
