#!/usr/bin/env bash
# The devstack stages of ./run_tests.sh (as root):
#
#   tools/e2e_stage.sh e2e       for IMAGE_STORE in file swift:
#                                  devstack/stack.sh (VIRT_DRIVER=libvirt)
#                                  -> tox -e e2e (tests/e2e; the first pass
#                                     also runs the driver-level guests)
#                                  -> devstack/unstack.sh
#                                  -> no process of the stack is left
#   tools/e2e_stage.sh tempest   devstack/stack.sh (VIRT_DRIVER=fake)
#                                  -> tox -e tempest with the admin openrc
#                                     sourced (skipped when tox.ini has no
#                                     [testenv:tempest])
#                                  -> devstack/unstack.sh
#
# Environment: TOX (the tox to run; default: tox on PATH),
# NUBE_E2E_STORES (default "file swift"), NUBE_STACK_LOG_DIR (where each
# stack.sh/unstack.sh run's output goes; default $DEST/stage-logs).
# A failing stack.sh prints the tail of its log and of the service logs.

set -euo pipefail

TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP_DIR"
# Paths (DEST, STATE_DIR, NUBE_VENV, NUBE_CONF_DIR, ports) as stack.sh
# sees them.
# shellcheck disable=SC1091
source "$TOP_DIR/devstack/stackrc"
TOX=${TOX:-tox}
STAGE_LOG_DIR=${NUBE_STACK_LOG_DIR:-$DEST/stage-logs}
E2E_STORES=${NUBE_E2E_STORES:-"file swift"}

log() { printf '[e2e_stage %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

elapsed() {
    awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'
}

if [ "$(id -u)" -ne 0 ]; then
    log "must run as root (stack.sh installs packages and starts services)"
    exit 1
fi
mkdir -p "$STAGE_LOG_DIR"

STACKED=0

# stack NAME VAR=VALUE...: devstack/stack.sh with those settings; its output
# goes to a log file, its step lines to the console.
stack() {
    local name=$1 t out rc=0
    shift
    out=$STAGE_LOG_DIR/stack-$name.log
    t=$EPOCHREALTIME
    log "stack.sh $* (output: $out)"
    STACKED=1
    env "$@" ./devstack/stack.sh >"$out" 2>&1 || rc=$?
    grep -E '^\[stack.sh [0-9:]+\] +[0-9.]+s  |finished in' "$out" || true
    if [ "$rc" -ne 0 ]; then
        log "stack.sh failed (rc=$rc); last lines:"
        tail -n 60 "$out"
        dump_service_logs
        return "$rc"
    fi
    log "stack.sh ($name) took $(elapsed "$t")"
}

dump_service_logs() {
    local f
    for f in "$LOG_DIR"/*.log; do
        [ -e "$f" ] || continue
        echo "---- tail of $f"
        tail -n 25 "$f"
    done
}

unstack() {
    local t rc=0
    t=$EPOCHREALTIME
    ./devstack/unstack.sh >"$STAGE_LOG_DIR/unstack.log" 2>&1 || rc=$?
    tail -n 3 "$STAGE_LOG_DIR/unstack.log"
    STACKED=0
    log "unstack.sh rc=$rc ($(elapsed "$t"))"
    return "$rc"
}

on_exit() {
    if [ "$STACKED" = 1 ]; then
        log "stopping the stack after a failure"
        unstack || true
    fi
}
trap on_exit EXIT

# Independent of unstack.sh's own check: nothing from the stack's venv or
# /etc/nube runs, and no one listens on the stack's ports.
check_nothing_left() {
    local left port busy=""
    left=$(pgrep -a -f -- "$NUBE_VENV/bin/|$NUBE_CONF_DIR/" || true)
    for port in "$IDENTITY_PORT" "$COMPUTE_API_PORT" "$IMAGE_API_PORT" \
            "$IMAGE_REGISTRY_PORT" "$NETWORK_API_PORT" "$SWIFT_PROXY_PORT" \
            "$MEMCACHED_PORT"; do
        if timeout 2 bash -c ": </dev/tcp/127.0.0.1/$port" 2>/dev/null; then
            busy+=" $port"
        fi
    done
    if [ -n "$left" ] || [ -n "$busy" ]; then
        log "FAIL: after unstack.sh: processes: ${left:-none}; ports:" \
            "${busy:-none}"
        return 1
    fi
    log "after unstack.sh: no nube process of the stack, ports free"
}

run_e2e() {
    local store first=1 t args
    for store in $E2E_STORES; do
        stack "libvirt-$store" VIRT_DRIVER=libvirt IMAGE_STORE="$store"
        t=$EPOCHREALTIME
        if [ "$first" = 1 ]; then
            args=(tests/e2e)
        else
            args=(tests/e2e/test_devstack.py)
        fi
        log "tox -e e2e -- ${args[*]} (IMAGE_STORE=$store)"
        NUBE_E2E_REQUIRED=1 NUBE_E2E_IMAGE_STORE=$store \
            NUBE_STACK_ENV=$STACK_ENV_FILE \
            env -u VIRTUAL_ENV -u PYTHONPATH "$TOX" -e e2e -- "${args[@]}" -v -s
        log "e2e with the $store store passed ($(elapsed "$t"))"
        unstack
        check_nothing_left
        first=0
    done
}

tox_has_env() {
    grep -q "^\[testenv:$1\]" tox.ini
}

run_tempest() {
    local t rc=0
    if ! tox_has_env tempest; then
        log "tox.ini has no [testenv:tempest] yet: tempest stage skipped"
        return 0
    fi
    stack fake VIRT_DRIVER=fake IMAGE_STORE=file
    t=$EPOCHREALTIME
    log "tox -e tempest with $STATE_DIR/openrc (admin) sourced"
    (
        set -a
        # shellcheck disable=SC1091
        source "$STATE_DIR/openrc"
        set +a
        NUBE_STACK_ENV=$STACK_ENV_FILE \
            env -u VIRTUAL_ENV -u PYTHONPATH "$TOX" -e tempest
    ) || rc=$?
    log "tempest rc=$rc ($(elapsed "$t"))"
    unstack
    check_nothing_left
    return "$rc"
}

case ${1:-} in
    e2e) run_e2e ;;
    tempest) run_tempest ;;
    *) echo "usage: $0 e2e|tempest" >&2; exit 2 ;;
esac
