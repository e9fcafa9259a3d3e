#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install, build, train a DCGAN on Fashion-MNIST
# for a few minutes, and write a sample grid from the model it made.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-debian.sh
bash tools/build.sh

STEPS="${STEPS:-600}"   # ~40 000 images; a full epoch is 937 steps
OUT="${OUT:-demo}"
build/tools/gst-gan train --arch dcgan --steps "$STEPS" --seed 1 --out "$OUT"
build/tools/gst-gan sample --model "$OUT/model.gan" --count 64 --seed 7 --out "$OUT/grid.png"
echo
echo "demo: model $OUT/model.gan, samples $OUT/grid.png, losses $OUT/losses.png"
echo "demo: the plugin loads:"
GST_PLUGIN_PATH="$PWD/build/plugin" gst-inspect-1.0 gan | sed -n '1,6p'
