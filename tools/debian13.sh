#!/usr/bin/env bash
# Runs the README's test command (tools/test.sh) inside a Debian 13 (trixie: LibTorch 2.6,
# GStreamer 1.26) root made with debootstrap from Debian's packages, as CI does. As root.
# The root is kept in $GST_GAN_ROOTS (default /var/tmp/gst-gan-roots) and reused; the source
# tree is bind-mounted at /src and built into build-debian13/.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/roots.sh
root="${GST_GAN_ROOTS:-/var/tmp/gst-gan-roots}/trixie"
make_root trixie "$root"
trap 'umount_root "$root"' EXIT
mount_root "$root"
mkdir -p "$root/src"
mountpoint -q "$root/src" || mount --bind "$PWD" "$root/src"
in_root "$root" bash -c 'cd /src && GST_GAN_BUILD=build-debian13 bash tools/test.sh'
