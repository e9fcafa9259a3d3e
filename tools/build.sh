#!/usr/bin/env bash
# Configures (once) and builds into $GST_GAN_BUILD (default build/). Extra arguments go to
# `meson setup`.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${GST_GAN_BUILD:-build}"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$@"
fi
ninja -C "$build"
