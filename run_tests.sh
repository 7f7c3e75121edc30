#!/usr/bin/env bash
# Run nube's checks: lint, unit tests and functional tests (real MariaDB,
# RabbitMQ and service processes).
#
#   ./run_tests.sh                 # every stage: tox, docs, fuzz, then (as root)
#                                  # e2e, tempest
#   ./run_tests.sh -e py3          # any tox arguments instead (tox stage only)
#   ./run_tests.sh -e py3 -- -k scheduler
#   ./run_tests.sh --stage e2e     # only these stages (repeat or comma-separate)
#
# Stages (NUBE_STAGES="tox,docs,fuzz,e2e,tempest" selects them too):
#   tox      tox -e pep8,py3,functional (or the tox arguments given)
#   docs     tox -e docs: Sphinx with -W over doc/ and the references
#            generated from the code (doc/build/html)
#   fuzz     tox -e fuzz: nube-all on 127.0.0.1, schemathesis against the
#            OpenAPI documents of the three APIs (tools/fuzz/run.py,
#            doc/openapi.md); NUBE_FUZZ_BUDGET seconds of fuzzing (240),
#            the whole stage killed after NUBE_FUZZ_TIMEOUT seconds (600)
#   e2e      root: devstack/stack.sh (libvirt, file store) -> tests/e2e ->
#            unstack.sh -> stack.sh (libvirt, swift) -> test_devstack.py ->
#            unstack.sh -> no stack process left (tools/e2e_stage.sh e2e)
#   tempest  root: stack.sh (fake driver) -> tox -e tempest with the admin
#            openrc sourced -> unstack.sh; skipped while tox.ini has no
#            [testenv:tempest] (tools/e2e_stage.sh tempest)
# Each stage is timed; the first failing stage ends the run.
#
# As root it first runs tools/install_services.sh (idempotent: packages,
# MariaDB, RabbitMQ).  As another user it only checks that the services
# answer and says what is missing.  tox is installed into its own venv
# under ~/.cache/nube-tools so the system python stays clean.
#
# Environment: NUBE_SKIP_SERVICES=1 skips the service step,
# NUBE_TOOLS_DIR moves the tox venv, NUBE_PYTHON picks the python for it.

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

TOOLS_DIR=${NUBE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nube-tools}
TOOLS_VENV=$TOOLS_DIR/venv
TOX_SPEC=${NUBE_TOX_SPEC:-"tox>=4.0,<5"}
PYTHON=${NUBE_PYTHON:-python3}

log() { printf '[run_tests] %s\n' "$*"; }

elapsed() {
    awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'
}

port_open() {
    timeout 3 bash -c ": </dev/tcp/$1/$2" 2>/dev/null
}

# Non-root: report what the functional tests will miss, do not fix it.
check_services() {
    local missing=()
    if ! port_open 127.0.0.1 3306; then
        missing+=("MariaDB on 127.0.0.1:3306")
    elif command -v mysql >/dev/null && ! MYSQL_PWD=openstack_citest \
            mysql --protocol=tcp -h 127.0.0.1 -u openstack_citest \
            -e 'SELECT 1' >/dev/null 2>&1; then
        missing+=("MariaDB user openstack_citest/openstack_citest")
    fi
    port_open 127.0.0.1 5672 || missing+=("RabbitMQ on 127.0.0.1:5672")
    [ -x /usr/sbin/rabbitmqctl ] \
        || missing+=("/usr/sbin/rabbitmqctl (rabbitmq-server package)")
    if [ ${#missing[@]} -eq 0 ]; then
        log "services answer (note: the functional tests call"
        log "/usr/sbin/rabbitmqctl, which only root or rabbitmq may run)"
        return 0
    fi
    log "not root, so services were not installed; missing:"
    for m in "${missing[@]}"; do log "  - $m"; done
    log "run 'sudo tools/install_services.sh' to provide them"
}

ensure_tox() {
    if "$TOOLS_VENV/bin/tox" --version >/dev/null 2>&1; then
        log "tox present: $("$TOOLS_VENV/bin/tox" --version | head -n1)"
        return 0
    fi
    log "installing $TOX_SPEC into $TOOLS_VENV"
    rm -rf "$TOOLS_VENV"
    mkdir -p "$TOOLS_DIR"
    "$PYTHON" -m venv "$TOOLS_VENV"
    "$TOOLS_VENV/bin/pip" install -q --upgrade pip
    "$TOOLS_VENV/bin/pip" install -q "$TOX_SPEC"
    "$TOOLS_VENV/bin/tox" --version
}

STAGES=()
add_stages() {
    local parts=()
    read -ra parts <<<"${1//,/ }"
    STAGES+=("${parts[@]}")
}
while [ $# -gt 0 ]; do
    case $1 in
        --stage) add_stages "${2:?--stage needs a value}"; shift 2 ;;
        --stage=*) add_stages "${1#--stage=}"; shift ;;
        *) break ;;
    esac
done
if [ ${#STAGES[@]} -eq 0 ] && [ -n "${NUBE_STAGES:-}" ]; then
    add_stages "$NUBE_STAGES"
fi
if [ ${#STAGES[@]} -eq 0 ]; then
    if [ $# -gt 0 ]; then
        STAGES=(tox)
    elif [ "$(id -u)" -eq 0 ]; then
        STAGES=(tox docs fuzz e2e tempest)
    else
        log "not root: only the tox, docs and fuzz stages (e2e and" \
            "tempest need root)"
        STAGES=(tox docs fuzz)
    fi
fi
for stage in "${STAGES[@]}"; do
    case $stage in
        tox|docs|fuzz|e2e|tempest) ;;
        *) log "unknown stage '$stage' (tox, docs, fuzz, e2e, tempest)"
           exit 2 ;;
    esac
done
if [ $# -eq 0 ]; then
    set -- -e pep8,py3,functional
fi
log "stages: ${STAGES[*]}"

START=$EPOCHREALTIME
if [ "${NUBE_SKIP_SERVICES:-0}" = 1 ]; then
    log "NUBE_SKIP_SERVICES=1: not touching services"
elif [ "$(id -u)" -eq 0 ]; then
    t=$EPOCHREALTIME
    ./tools/install_services.sh
    log "services ready ($(elapsed "$t"))"
else
    check_services
fi

t=$EPOCHREALTIME
ensure_tox
log "tox ready ($(elapsed "$t"))"

run_stage() {
    case $1 in
        tox)
            shift
            log "tox $*"
            # A venv the caller has active must not leak into tox's envs.
            env -u VIRTUAL_ENV -u PYTHONPATH "$TOOLS_VENV/bin/tox" "$@" ;;
        docs)
            log "tox -e docs"
            env -u VIRTUAL_ENV -u PYTHONPATH "$TOOLS_VENV/bin/tox" -e docs ;;
        fuzz)
            log "tox -e fuzz (budget ${NUBE_FUZZ_BUDGET:-240}s, stage" \
                "timeout ${NUBE_FUZZ_TIMEOUT:-600}s)"
            env -u VIRTUAL_ENV -u PYTHONPATH timeout --kill-after=30 \
                "${NUBE_FUZZ_TIMEOUT:-600}" "$TOOLS_VENV/bin/tox" -e fuzz ;;
        e2e|tempest)
            TOX=$TOOLS_VENV/bin/tox bash ./tools/e2e_stage.sh "$1" ;;
    esac
}

rc=0
SUMMARY=()
for stage in "${STAGES[@]}"; do
    t=$EPOCHREALTIME
    log "==> stage $stage"
    run_stage "$stage" "$@" || rc=$?
    SUMMARY+=("$(printf '%-8s rc=%s %s' "$stage" "$rc" "$(elapsed "$t")")")
    log "<== stage $stage finished rc=$rc ($(elapsed "$t"))"
    [ "$rc" -eq 0 ] || break
done
for line in "${SUMMARY[@]}"; do log "$line"; done
log "total $(elapsed "$START")"
exit "$rc"
