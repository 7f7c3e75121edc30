#!/bin/bash
# Start or stop a throw-away Swift all-in-one (tempauth test:tester/testing,
# one replica, state under DIR) for the image service's swift store.
#
#   tools/swift_aio.sh start DIR   # prints SWIFT_AUTH_URL, SWIFT_USER, SWIFT_KEY
#   tools/swift_aio.sh stop DIR
#
# Needs memcached (apt, bindep.txt) and `pip install swift python-swiftclient`
# in the venv whose python runs this (PYTHON, default: python3 on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && ! command -v memcached >/dev/null; then
    apt-get install -y --no-install-recommends memcached >/dev/null
fi
exec "${PYTHON:-python3}" -m tests.functional.swift_aio "$@"
