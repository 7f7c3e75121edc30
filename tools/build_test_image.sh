#!/usr/bin/env bash
# Build (or reuse) nube's tiny AMI-style test image from Debian packages:
# vmlinuz + initrd.img (busybox) + disk.qcow2 + manifest.json.
#
#   tools/build_test_image.sh [OUTDIR]     default /var/cache/nube/test-image
#
# Environment: TEST_IMAGE_FORCE=1 rebuilds; TEST_IMAGE_KERNEL_PACKAGE picks
# a kernel package instead of the one linux-image-cloud-amd64 points at.
# Needs root (apt-get install of busybox-static, cpio, qemu-utils).

set -euo pipefail

TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../devstack/lib/test_image
source "$TOP_DIR/devstack/lib/test_image"

if [ "$(id -u)" -ne 0 ]; then
    echo "build_test_image.sh: must run as root" >&2
    exit 1
fi

started=$SECONDS
test_image_build "${1:-$TEST_IMAGE_DIR}"
echo "build_test_image.sh: done in $((SECONDS - started))s"
