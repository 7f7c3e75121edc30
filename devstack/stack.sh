#!/usr/bin/env bash
# devstack/stack.sh - bring up a whole nube cloud on this host.
#
# As root on Debian 12: system packages (bindep.txt), MariaDB, RabbitMQ,
# memcached, libvirt + QEMU (VIRT_DRIVER=libvirt), a Swift all-in-one
# (IMAGE_STORE=swift), a venv with nube, /etc/nube/*.conf, databases and
# cells, identity with admin and demo projects, flavors, every service its
# own process (logs and pid files in the state directory), the test image
# uploaded, openrc and clouds.yaml. Settings: devstack/local.conf (see
# local.conf.sample) or the environment; doc/deployment.md has them all.
# Running it again is safe: it stops what the last run started and brings
# everything back to what the settings ask for.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail

STACK_TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=stackrc
source "$STACK_TOP_DIR/devstack/stackrc"
for lib in functions bindep mariadb rabbitmq memcached libvirt test_image \
        swift nube; do
    # shellcheck source=/dev/null
    source "$DEVSTACK_DIR/lib/$lib"
done
# shellcheck disable=SC2034  # read by lib/functions
STACK_LOG_PREFIX=stack.sh

die() {
    stack_log "ERROR: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || die "run me as root"

case $VIRT_DRIVER in libvirt|fake) ;; *) die "VIRT_DRIVER=$VIRT_DRIVER: libvirt or fake" ;; esac
case $IMAGE_STORE in file|swift) ;; *) die "IMAGE_STORE=$IMAGE_STORE: file or swift" ;; esac
case $LIBVIRT_TYPE in auto|qemu|kvm) ;; *) die "LIBVIRT_TYPE=$LIBVIRT_TYPE: auto, qemu or kvm" ;; esac
[[ "$NUM_CELLS" =~ ^[1-9][0-9]*$ ]] || die "NUM_CELLS=$NUM_CELLS: a number >= 1"
check_enabled_services || die "fix ENABLED_SERVICES"

mkdir -p "$STATE_DIR" "$LOG_DIR" "$PID_DIR"
# One stack.sh/unstack.sh/clean.sh at a time.
mkdir -p "$DEST"
exec 9>"$DEST/.stack.lock"   # root-owned, not a guessable /tmp name
flock -w 600 9 || die "another stack.sh, unstack.sh or clean.sh holds the lock"

STACK_START=$EPOCHREALTIME

# -- passwords -------------------------------------------------------------------

_new_password() {
    python3 -c 'import secrets; print(secrets.token_hex(12))'
}

# Unset passwords come from the file of the last run, else are generated.
load_passwords() {
    local line key var
    if [ -r "$STACK_PASSWORDS_FILE" ]; then
        while IFS= read -r line; do
            [[ "$line" =~ ^([A-Z_]+)=(.*)$ ]] || continue
            key=${BASH_REMATCH[1]}
            [ -z "${!key:-}" ] && printf -v "$key" '%s' "${BASH_REMATCH[2]}"
        done <"$STACK_PASSWORDS_FILE"
    fi
    for var in ADMIN_PASSWORD DATABASE_PASSWORD RABBIT_PASSWORD \
            SERVICE_PASSWORD SWIFT_PASSWORD; do
        [ -n "${!var:-}" ] || printf -v "$var" '%s' "$(_new_password)"
    done
    DEMO_PASSWORD=${DEMO_PASSWORD:-$ADMIN_PASSWORD}
    (umask 077 && for var in ADMIN_PASSWORD DEMO_PASSWORD DATABASE_PASSWORD \
            RABBIT_PASSWORD SERVICE_PASSWORD SWIFT_PASSWORD; do
        printf '%s=%s\n' "$var" "${!var}"
    done >"$STACK_PASSWORDS_FILE")
}
load_passwords

setup_helper() {
    NUBE_STACK_ADMIN_PASSWORD=$ADMIN_PASSWORD \
        NUBE_STACK_DEMO_PASSWORD=$DEMO_PASSWORD \
        "$NUBE_VENV/bin/python" "$STACK_TOP_DIR/tools/devstack_setup.py" \
        "$@" --auth-url "$(identity_url)" --region "$REGION_NAME" \
        --user "$DEMO_USER"
}

# -- steps -----------------------------------------------------------------------

install_system_packages() {
    local profiles="test"
    [ "$VIRT_DRIVER" = libvirt ] && profiles="test compile libvirt"
    bindep_install "$STACK_TOP_DIR/bindep.txt" "$profiles" || return 1
    # stack.sh's own needs: venv, curl, and the test image's tools.
    nube_apt_install python3-venv curl
}

setup_mariadb() {
    mariadb_install && mariadb_start
}

setup_rabbitmq() {
    rabbitmq_install && rabbitmq_start
}

setup_memcached() {
    memcached_install && memcached_start
}

setup_libvirt() {
    libvirt_install && libvirt_start && libvirt_start_network
}

setup_swift() {
    swift_configure && swift_start
}

VIRT_TYPE_CACHE=${VIRT_TYPE_CACHE:-/var/cache/nube/virt-type}

# STACK_VIRT_TYPE: LIBVIRT_TYPE, or (auto) the result of a KVM test boot,
# remembered for this kernel, QEMU and /dev/kvm until they change.
choose_virt_type() {
    local kernel=${TEST_IMAGE_DIR:?}/vmlinuz key cached
    if [ "$LIBVIRT_TYPE" != auto ]; then
        STACK_VIRT_TYPE=$LIBVIRT_TYPE
        stack_log "virt_type $STACK_VIRT_TYPE (LIBVIRT_TYPE)"
        return 0
    fi
    key="$(uname -r)|$(qemu-system-x86_64 --version | head -n 1)"
    key+="|$(stat -c %t:%T:%a:%G /dev/kvm 2>/dev/null || echo none)"
    key+="|$(sha256sum "$kernel" | cut -c1-16)"
    cached=$(awk -F'\t' -v k="$key" '$1 == k { print $2 }' \
        "$VIRT_TYPE_CACHE" 2>/dev/null || true)
    if [ -n "$cached" ]; then
        STACK_VIRT_TYPE=$cached
        stack_log "virt_type $STACK_VIRT_TYPE (test boot result cached in" \
            "$VIRT_TYPE_CACHE; delete it to probe again)"
        return 0
    fi
    STACK_VIRT_TYPE=$(libvirt_detect_virt_type "$kernel" \
        "$TEST_IMAGE_DIR/initrd.img") || return 1
    mkdir -p "$(dirname "$VIRT_TYPE_CACHE")"
    printf '%s\t%s\n' "$key" "$STACK_VIRT_TYPE" >"$VIRT_TYPE_CACHE"
    stack_log "virt_type $STACK_VIRT_TYPE (test boot)"
}

databases_and_vhosts() {
    nube_create_databases && nube_create_vhosts
}

upload_test_image() {
    local out
    out=$(setup_helper upload-test-image --dir "$TEST_IMAGE_DIR" \
        --store "$IMAGE_STORE") || return 1
    eval "$out"
    stack_log "test image $TEST_IMAGE_ID (kernel $TEST_IMAGE_KERNEL_ID," \
        "ramdisk $TEST_IMAGE_RAMDISK_ID) in the $IMAGE_STORE store"
}

write_stack_env() {
    local var
    {
        echo "# What the last devstack/stack.sh set up ($(date -u +%FT%TZ))."
        for var in ENABLED_SERVICES VIRT_DRIVER STACK_VIRT_TYPE IMAGE_STORE \
                NUM_CELLS HOST_IP REGION_NAME DEST STATE_DIR NUBE_VENV \
                NUBE_CONF_DIR LOG_DIR PID_DIR NUBE_STATE_PATH SWIFT_DATA_DIR \
                COMPUTE_HOST TEST_IMAGE_DIR TEST_IMAGE_ID \
                TEST_IMAGE_KERNEL_ID TEST_IMAGE_RAMDISK_ID IDENTITY_PORT \
                COMPUTE_API_PORT IMAGE_API_PORT IMAGE_REGISTRY_PORT \
                NETWORK_API_PORT NETWORK_MANAGER NETWORK_BRIDGE_PREFIX FLOATING_RANGE \
                SWIFT_PROXY_PORT STACK_PREFIX; do
            printf '%s=%q\n' "$var" "${!var:-}"
        done
        printf 'NETWORK_DRIVER=%q\n' "$(network_driver)"
        printf 'OS_CLIENT_CONFIG_FILE=%q\n' "$STATE_DIR/clouds.yaml"
    } >"$STACK_ENV_FILE"
}

STACK_VIRT_TYPE=""
TEST_IMAGE_ID="" TEST_IMAGE_KERNEL_ID="" TEST_IMAGE_RAMDISK_ID=""

stack_log "nube devstack: services [$ENABLED_SERVICES], VIRT_DRIVER=$VIRT_DRIVER," \
    "IMAGE_STORE=$IMAGE_STORE, NUM_CELLS=$NUM_CELLS, HOST_IP=$HOST_IP," \
    "state in $STATE_DIR"

step "stop the services of an earlier run" nube_stop_all
step "system packages (bindep.txt)" install_system_packages
# 9>&-: daemons must not inherit the stack lock.
step "MariaDB" setup_mariadb 9>&-
step "RabbitMQ" setup_rabbitmq 9>&-
step "memcached on 127.0.0.1:$MEMCACHED_PORT" setup_memcached
if [ "$VIRT_DRIVER" = libvirt ]; then
    step "libvirt and QEMU" setup_libvirt 9>&-
fi
step "virtualenv $NUBE_VENV with nube" nube_install_venv
if is_true "$INSTALL_CLIENTS"; then
    step "openstack CLI and openstacksdk in $NUBE_VENV" nube_install_clients
fi
if [ "$IMAGE_STORE" = swift ]; then
    step "Swift in the venv" swift_install
fi
step "test image in $TEST_IMAGE_DIR" test_image_build "$TEST_IMAGE_DIR"
if [ "$VIRT_DRIVER" = libvirt ]; then
    step "libvirt virt_type (LIBVIRT_TYPE=$LIBVIRT_TYPE)" choose_virt_type
fi
if [ "$IMAGE_STORE" = swift ]; then
    step "Swift all-in-one on 127.0.0.1:$SWIFT_PROXY_PORT" setup_swift
fi
step "configuration in $NUBE_CONF_DIR" nube_write_config
step "databases ${STACK_PREFIX}_* and vhosts" databases_and_vhosts
step "schemas, cell0 + $NUM_CELLS cell(s), flavors" nube_sync_databases
step "identity bootstrap (keys, admin, service user, catalog)" \
    nube_bootstrap_identity

# Services in three waves: each wave starts together; a wave needs the
# ones before it (computes call their conductor as they start).
enabled_of() {
    local svc
    for svc in "$@"; do
        case $svc in
            conductor)
                is_service_enabled conductor && cell_names | sed 's/^/conductor-/' ;;
            compute)
                is_service_enabled compute && compute_cells | sed 's/^/compute-/' ;;
            network)
                # One per cell with a compute (where guests need DHCP).
                is_service_enabled network && compute_cells | sed 's/^/network-/' ;;
            *) is_service_enabled "$svc" && echo "$svc" ;;
        esac
    done
    return 0
}
wave1=$(enabled_of identity image-registry image-api)
wave2=$(enabled_of conductor scheduler api network-api network)
wave3=$(enabled_of compute)
# shellcheck disable=SC2086
step "MariaDB max_connections for the connection budgets" \
    nube_set_max_connections $wave1 $wave2
if [ -n "$wave1" ]; then
    # shellcheck disable=SC2086
    step "start ${wave1//$'\n'/ }" start_services $wave1
fi
if is_service_enabled identity; then
    step "demo project and user" setup_helper demo-project
fi
if [ -n "$wave2" ]; then
    # shellcheck disable=SC2086
    step "start ${wave2//$'\n'/ }" start_services $wave2
fi
if [ -n "$wave3" ]; then
    # shellcheck disable=SC2086
    step "start ${wave3//$'\n'/ } ($VIRT_DRIVER)" start_services $wave3
    if is_service_enabled conductor; then
        step "discover compute hosts" discover_compute_hosts
        if is_service_enabled api && is_service_enabled identity; then
            step "hypervisors up in the compute API" setup_helper \
                wait-hypervisors --count "$(compute_cells | wc -l)" \
                --timeout "$SERVICE_TIMEOUT"
        fi
    fi
fi
if is_service_enabled image-api && is_service_enabled image-registry && \
        is_service_enabled identity; then
    step "upload the test image (kernel, ramdisk, disk)" upload_test_image
fi
if is_service_enabled identity; then
    step "openrc, demo-openrc and clouds.yaml" setup_helper client-config \
        --state-dir "$STATE_DIR" --compute-url "$(compute_url)" \
        --bin-dir "$NUBE_VENV/bin"
fi
write_stack_env

stack_log "steps:"
step_summary
stack_log "stack.sh finished in $(_elapsed "$STACK_START")s"
cat <<EOF

nube is running ($VIRT_DRIVER${STACK_VIRT_TYPE:+/$STACK_VIRT_TYPE}, image store $IMAGE_STORE):
  identity   $(identity_url)/v3        compute  $(compute_url)
  image      $(image_url)              region   $REGION_NAME
  network    $(network_url)  ($NETWORK_MANAGER, $(network_driver); cell 1's guests on bridge ${NETWORK_BRIDGE_PREFIX}1)
  logs       $LOG_DIR/<service>.log
  config     $NUBE_CONF_DIR/*.conf     state    $STATE_DIR

Next:
  source $STATE_DIR/demo-openrc     # admin: $STATE_DIR/openrc; clouds.yaml: nube-admin, nube-demo
  # (puts $NUBE_VENV/bin, with the openstack CLI, on PATH)
  openstack server list
  openstack server create --flavor m1.tiny --image nube-test-image --wait vm1
  openstack console log show vm1     # the guest prints "nube-test-image: booted"
  openstack server delete vm1
  ./devstack/unstack.sh              # stop it all (./devstack/clean.sh also wipes data)
EOF
