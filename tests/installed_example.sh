#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the build into a scratch directory and builds examples/read-meta.c against what was
# installed there (headers, pkg-config file, library), then runs it with the installed plugin
# and models: what an application developer does after `meson install`.
#   installed_example.sh BUILD_DIR SOURCE_DIR
set -eu
build="$1"
src="$2"
dest="$(mktemp -d)"
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet > "$dest/install.log" 2>&1 || {
  cat "$dest/install.log"
  exit 1
}
pc="$(find "$dest" -name gstgan-1.0.pc)"
[ -n "$pc" ] || { echo "no gstgan-1.0.pc was installed"; exit 1; }
includedir="$(pkg-config --variable=includedir "$pc")"
libdir="$(pkg-config --variable=libdir "$pc")"
test -f "$dest$includedir/gstreamer-1.0/gst/gan/gstganmeta.h"
plugin="$(find "$dest" -name libgstgan.so -path '*gstreamer-1.0*')"
models="$(dirname "$(find "$dest" -name fmnist-dcgan.gan)")"
echo "installed: $(basename "$pc") (includedir $includedir, libdir $libdir), plugin $plugin"
# pkg-config names the final locations; the scratch copy is reached through -I/-L.
cc -o "$dest/read-meta" "$src/examples/read-meta.c" -I"$dest$includedir/gstreamer-1.0" \
  -L"$dest$libdir" $(pkg-config --cflags --libs "$pc" gstreamer-app-1.0)
unset GST_PLUGIN_PATH_1_0
LD_LIBRARY_PATH="$dest$libdir" GST_PLUGIN_PATH="$(dirname "$plugin")" GST_GAN_MODELS_DIR="$models" \
  GST_REGISTRY="$dest/registry.bin" "$dest/read-meta" 5
