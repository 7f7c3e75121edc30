#!/usr/bin/env bash
# devstack/clean.sh - unstack.sh, then remove what stack.sh created.
#
# Destroys the libvirt guests whose files are in this stack's instances
# directory, drops the stack's databases (STACK_PREFIX_*) and its MariaDB
# user, deletes its RabbitMQ vhosts and user, and removes the state
# directory (logs, images, Swift data, passwords) and NUBE_CONF_DIR. Other
# databases, vhosts and users on the shared servers are never touched.
# The venv and the test image cache stay (CLEAN_VENV=1 removes the venv).

# shellcheck source-path=SCRIPTDIR
set -euo pipefail

STACK_TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$STACK_TOP_DIR/devstack/unstack.sh"

# shellcheck source=stackrc
source "$STACK_TOP_DIR/devstack/stackrc"
for lib in functions mariadb rabbitmq nube; do
    # shellcheck source=/dev/null
    source "$DEVSTACK_DIR/lib/$lib"
done
# shellcheck disable=SC2034  # read by lib/functions
STACK_LOG_PREFIX=clean.sh

mkdir -p "$DEST"
exec 9>"$DEST/.stack.lock"   # root-owned, not a guessable /tmp name
flock -w 600 9 || { stack_log "ERROR: could not take the stack lock"; exit 1; }

START=$EPOCHREALTIME

destroy_guests() {
    local uri=qemu:///system dom
    command -v virsh >/dev/null || return 0
    timeout 20 virsh -c "$uri" version >/dev/null 2>&1 || return 0
    for dom in $(virsh -q -c "$uri" list --all --name); do
        if virsh -q -c "$uri" dumpxml "$dom" 2>/dev/null \
                | grep -qF "$NUBE_STATE_PATH/instances/"; then
            stack_log "destroying guest $dom"
            virsh -q -c "$uri" destroy "$dom" >/dev/null 2>&1 || true
            virsh -q -c "$uri" undefine "$dom" >/dev/null 2>&1 || true
        fi
    done
}

drop_databases() {
    local db host
    mariadb_is_running || { stack_log "MariaDB is not running: skipped"; return 0; }
    for db in $(mysql -uroot -N -e "SELECT SCHEMA_NAME FROM
            information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE
            '${STACK_PREFIX}\\_%'"); do
        stack_log "dropping database $db"
        mysql -uroot -e "DROP DATABASE IF EXISTS \`$db\`"
    done
    for host in localhost 127.0.0.1 %; do
        mysql -uroot -e "DROP USER IF EXISTS \
            $(_mariadb_quote "$DATABASE_USER")@'$host'"
    done
}

delete_vhosts() {
    local vhost
    rabbitmq_is_running || { stack_log "RabbitMQ is not running: skipped"; return 0; }
    for vhost in $("$RABBITMQCTL" -q list_vhosts name); do
        case $vhost in
            "$STACK_PREFIX"|"${STACK_PREFIX}_"*)
                stack_log "deleting vhost $vhost"
                "$RABBITMQCTL" -q delete_vhost "$vhost" >/dev/null ;;
        esac
    done
    if "$RABBITMQCTL" -q list_users | awk '{ print $1 }' \
            | grep -qxF "$RABBIT_USER"; then
        "$RABBITMQCTL" -q delete_user "$RABBIT_USER" >/dev/null
    fi
}

# What each cell's nube-network made on this host: bridges, its firewall
# chain, dnsmasq state (nube-manage network cleanup-host).
remove_host_networks() {
    local conf
    [ -x "$NUBE_VENV/bin/nube-manage" ] || return 0
    for conf in "$NUBE_CONF_DIR"/nube_cell*.conf; do
        [ -r "$conf" ] || continue
        stack_log "removing the host networks of ${conf##*/}"
        PYTHONWARNINGS=ignore "$NUBE_VENV/bin/nube-manage" \
            --config-file "$conf" network cleanup-host || true
    done
}

destroy_guests
remove_host_networks
drop_databases
delete_vhosts
stack_log "removing $STATE_DIR and $NUBE_CONF_DIR"
rm -rf "$STATE_DIR" "$NUBE_CONF_DIR"
if [ "${CLEAN_VENV:-0}" = 1 ]; then
    stack_log "removing $NUBE_VENV"
    rm -rf "$NUBE_VENV"
fi
stack_log "done in $(_elapsed "$START")s"
