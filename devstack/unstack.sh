#!/usr/bin/env bash
# devstack/unstack.sh - stop everything devstack/stack.sh started.
#
# Every service by its pid file (TERM to its process group, KILL after
# STOP_TIMEOUT seconds), the Swift all-in-one and memcached included; then
# checks that no process of this stack (running from its venv, or reading
# its configuration) is left, and fails if one is. MariaDB, RabbitMQ and
# libvirtd are shared with the rest of the machine and keep running, and so
# do guests: ./devstack/clean.sh destroys those and wipes the data.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail

STACK_TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=stackrc
source "$STACK_TOP_DIR/devstack/stackrc"
# shellcheck source=lib/functions
source "$DEVSTACK_DIR/lib/functions"
# shellcheck source=lib/nube
source "$DEVSTACK_DIR/lib/nube"
# shellcheck disable=SC2034  # read by lib/functions
STACK_LOG_PREFIX=unstack.sh

if [ "$(id -u)" -ne 0 ]; then
    stack_log "ERROR: run me as root" >&2
    exit 1
fi

mkdir -p "$DEST"
exec 9>"$DEST/.stack.lock"   # root-owned, not a guessable /tmp name
flock -w 600 9 || { stack_log "ERROR: could not take the stack lock"; exit 1; }

START=$EPOCHREALTIME
if [ -d "$PID_DIR" ]; then
    nube_stop_all
fi

# Anything of ours that escaped its pid file (a crashed stack.sh, say).
left=$(stack_processes)
if [ -n "$left" ]; then
    stack_log "processes of this stack without a pid file, stopping them:"
    printf '  %s\n' "$left"
    awk '{ print $1 }' <<<"$left" | xargs -r kill -TERM 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT))
    while [ -n "$(stack_processes)" ] && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.2
    done
    stack_processes | awk '{ print $1 }' | xargs -r kill -KILL 2>/dev/null \
        || true
    sleep 0.2
fi

left=$(stack_processes)
if [ -n "$left" ]; then
    stack_log "ERROR: still running:"
    printf '  %s\n' "$left"
    exit 1
fi
stack_log "no process of this stack is running (${NUBE_VENV}, ${NUBE_CONF_DIR});" \
    "done in $(_elapsed "$START")s"
