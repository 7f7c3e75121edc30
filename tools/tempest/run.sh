#!/bin/bash
# Run Tempest's include list against the cloud the OS_* variables name.
# Usage (tox -e tempest runs it): tools/tempest/run.sh [tempest run args]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
workspace=${NUBE_TEMPEST_DIR:-$repo/.tempest}
export NUBE_TEMPEST_DIR=$workspace
python "$here/configure.py" --workspace "$workspace"
cd "$workspace"
# No stale credential locks from an interrupted run; tempest run writes
# .stestr.conf again for the Tempest installed in this environment.
rm -rf locks .stestr.conf
exec tempest run --config-file "$workspace/etc/tempest.conf" \
    --include-list "$here/include-list.txt" \
    --exclude-list "$here/exclude-list.txt" --concurrency 2 "$@"
