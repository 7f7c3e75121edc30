#!/usr/bin/env bash
# Install and start what nube's tests need on a bare Debian 12 (root, no
# systemd): the system packages of bindep.txt (profiles test/compile/doc
# and unprofiled ones), MariaDB with the openstack_citest user and
# RabbitMQ with the nube user.  Idempotent: running services are left
# alone, packages already present are not reinstalled, `apt-get update`
# only runs when the package lists are empty or an install fails.
#
# Environment:
#   NUBE_BINDEP_PROFILES  profiles to install (default "test compile doc")
#   NUBE_DB_USER/NUBE_DB_PASSWORD        (openstack_citest/openstack_citest)
#   NUBE_RABBIT_USER/NUBE_RABBIT_PASSWORD (nube/nube)

set -euo pipefail

TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BINDEP_FILE=${BINDEP_FILE:-$TOP_DIR/bindep.txt}
NUBE_BINDEP_PROFILES=${NUBE_BINDEP_PROFILES:-"test compile doc"}
NUBE_DB_USER=${NUBE_DB_USER:-openstack_citest}
NUBE_DB_PASSWORD=${NUBE_DB_PASSWORD:-openstack_citest}
NUBE_RABBIT_USER=${NUBE_RABBIT_USER:-nube}
NUBE_RABBIT_PASSWORD=${NUBE_RABBIT_PASSWORD:-nube}
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -ne 0 ]; then
    echo "install_services.sh: must run as root" >&2
    exit 1
fi

_APT_UPDATED=0
_SUMMARY=()

log() { printf '[install_services] %s\n' "$*"; }

# step DESCRIPTION COMMAND...: run, report what and how long.
step() {
    local desc=$1 start rc=0 took
    shift
    log "==> $desc"
    start=$EPOCHREALTIME
    "$@" || rc=$?
    took=$(awk -v a="$start" -v b="$EPOCHREALTIME" \
        'BEGIN { printf "%.1f", b - a }')
    if [ "$rc" -eq 0 ]; then
        log "<== $desc: ok (${took}s)"
        _SUMMARY+=("$(printf '%6ss  %s' "$took" "$desc")")
    else
        log "<== $desc: FAILED rc=$rc (${took}s)"
        exit "$rc"
    fi
}

apt_update() {
    log "apt-get update"
    apt-get update -q
    _APT_UPDATED=1
}

apt_lists_empty() {
    ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null \
        | grep -q 'install ok installed'
}

# Shared with devstack/lib/*: install whatever of "$@" is missing.
nube_apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        pkg_installed "$pkg" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        log "already installed: $*"
        return 0
    fi
    log "installing: ${missing[*]}"
    if apt_lists_empty; then
        apt_update || return 1
    fi
    if apt-get install -y -q --no-install-recommends "${missing[@]}"; then
        return 0
    fi
    if [ "$_APT_UPDATED" -eq 1 ]; then
        return 1
    fi
    log "install failed; refreshing package lists and retrying"
    apt_update || return 1
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Platform names this machine answers to in bindep selectors.
_platforms() {
    local ID="" VERSION_ID="" VERSION_CODENAME="" ID_LIKE=""
    # shellcheck disable=SC1091
    [ -r /etc/os-release ] && . /etc/os-release
    command -v dpkg >/dev/null && echo dpkg
    [ -n "$ID" ] && echo "$ID"
    [ -n "$ID" ] && [ -n "$VERSION_CODENAME" ] && echo "$ID-$VERSION_CODENAME"
    [ -n "$ID" ] && [ -n "$VERSION_ID" ] && echo "$ID-$VERSION_ID"
    for like in $ID_LIKE; do echo "$like"; done
}

# Print the packages of a bindep file selected for this platform and the
# wanted profiles.  Lines: `name [selector ...] [version constraint]`;
# a selector is platform:X, !platform:X, a profile or !profile.
bindep_packages() {
    local file=$1
    awk -v plats="$(_platforms | tr '\n' ' ')" \
        -v profs="$NUBE_BINDEP_PROFILES" '
    BEGIN {
        n = split(plats, p, " "); for (i = 1; i <= n; i++) PLAT[p[i]] = 1
        n = split(profs, p, " "); for (i = 1; i <= n; i++) PROF[p[i]] = 1
    }
    {
        sub(/#.*/, "")
        if ($0 ~ /^[ \t]*$/) next
        name = $1; sel = ""
        if (match($0, /\[[^]]*\]/))
            sel = substr($0, RSTART + 1, RLENGTH - 2)
        nsel = split(sel, s, /[ \t]+/)
        plat_pos = 0; plat_hit = 0; prof_pos = 0; prof_hit = 0; excl = 0
        for (i = 1; i <= nsel; i++) {
            t = s[i]; if (t == "") continue
            neg = (substr(t, 1, 1) == "!"); if (neg) t = substr(t, 2)
            if (t ~ /^platform:/) {
                t = substr(t, 10)
                if (neg) { if (t in PLAT) excl = 1 }
                else { plat_pos = 1; if (t in PLAT) plat_hit = 1 }
            } else {
                if (neg) { if (t in PROF) excl = 1 }
                else { prof_pos = 1; if (t in PROF) prof_hit = 1 }
            }
        }
        if (excl || (plat_pos && !plat_hit) || (prof_pos && !prof_hit)) next
        print name
    }' "$file"
}

install_bindep_packages() {
    local pkgs
    pkgs=$(bindep_packages "$BINDEP_FILE" | sort -u | tr '\n' ' ') \
        || return 1
    log "bindep ($NUBE_BINDEP_PROFILES) selects: $pkgs"
    # shellcheck disable=SC2086
    nube_apt_install $pkgs
}

# run_tests.sh builds a venv for tox: Debian splits venv/ensurepip out.
install_python_tooling() {
    if python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        log "python3 with venv/ensurepip present"
        return 0
    fi
    nube_apt_install python3 python3-venv
}

# (`step` runs these in an `||` list, where set -e is off: check each.)
setup_mariadb() {
    mariadb_install || return 1
    # 9>&-: daemons must not inherit (and so hold forever) the lock fd.
    mariadb_start 9>&- || return 1
    log "mariadb: ensuring user $NUBE_DB_USER (all privileges)"
    mariadb_ensure_user "$NUBE_DB_USER" "$NUBE_DB_PASSWORD" || return 1
    mariadb_check_login "$NUBE_DB_USER" "$NUBE_DB_PASSWORD" 127.0.0.1 || {
        log "mariadb: $NUBE_DB_USER cannot log in over 127.0.0.1:3306"
        return 1
    }
}

setup_rabbitmq() {
    rabbitmq_install || return 1
    rabbitmq_start 9>&- || return 1
    log "rabbitmq: ensuring user $NUBE_RABBIT_USER (full perms on /)"
    rabbitmq_ensure_user "$NUBE_RABBIT_USER" "$NUBE_RABBIT_PASSWORD" /
}

# shellcheck source=../devstack/lib/mariadb
source "$TOP_DIR/devstack/lib/mariadb"
# shellcheck source=../devstack/lib/rabbitmq
source "$TOP_DIR/devstack/lib/rabbitmq"

# Two concurrent runs must not both start a RabbitMQ node.
exec 9>"${TMPDIR:-/tmp}/nube-install-services.lock"
flock -w 900 9 || { log "could not take the install lock"; exit 1; }

TOTAL_START=$EPOCHREALTIME
step "system packages from bindep.txt" install_bindep_packages
step "python venv tooling" install_python_tooling
step "MariaDB install/start/user" setup_mariadb
step "RabbitMQ install/start/user" setup_rabbitmq

log "summary:"
for line in "${_SUMMARY[@]}"; do log "$line"; done
log "$(awk -v a="$TOTAL_START" -v b="$EPOCHREALTIME" \
    'BEGIN { printf "total %.1fs", b - a }')"
