#!/usr/bin/env bash
# Many live streams in one process: the largest number of 30 fps streams gandetect keeps in
# real time with one model per element ("own") and with one shared model that batches across
# streams (model-instance-id), each mode in a fresh process, and the resident memory of both at
# the same stream count. Cases: the shipped detector at 640x480 and 1280x720 (defaults:
# resize, watermark read), and a patch detector of natural-image size (bench/reference.py
# patch-detector: 3x64x64 patches, 15 M multiply-adds each; random weights, a stand-in for
# speed only) in tiles mode at 1280x720. See bench/serving_bench.cpp for what "real time" means.
# Usage: bench/serving.sh [seconds per run=5]   (about 25 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
S="${1:-5}"
export GST_PLUGIN_PATH="$PWD/build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export GST_GAN_MODELS_DIR="${GST_GAN_MODELS_DIR:-$PWD/models}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
/usr/bin/python3 bench/reference.py patch-detector --out "$OUT/patch.pt"

run_case() { # name width height props
  local name=$1 w=$2 h=$3 props=$4 own shared
  echo "== $name"
  build/bench/serving_bench --width "$w" --height "$h" --seconds "$S" --modes own \
    --props "$props" | tee "$OUT/own.txt"
  build/bench/serving_bench --width "$w" --height "$h" --seconds "$S" --modes shared \
    --props "$props" | tee "$OUT/shared.txt"
  own=$(sed -n 's/^RESULT .* own=\([0-9]*\) .*/\1/p' "$OUT/own.txt")
  shared=$(sed -n 's/^RESULT .* shared=\([0-9]*\) .*/\1/p' "$OUT/shared.txt")
  # Memory at the same count (the largest both keep), each mode in its own process.
  local n=$((own < shared ? own : shared))
  if [ "$n" -gt 0 ]; then
    build/bench/serving_bench --width "$w" --height "$h" --seconds "$S" --streams "$n" \
      --modes own --props "$props" | tail -1 | tee "$OUT/own-n.txt"
    build/bench/serving_bench --width "$w" --height "$h" --seconds "$S" --streams "$n" \
      --modes shared --props "$props" | tail -1 | tee "$OUT/shared-n.txt"
  fi
  echo "SUMMARY $name: own $own streams, shared $shared streams ($(python3 -c \
    "print(f'{$shared / max($own, 1):.2f}x')")); at $n streams RSS own" \
    "$(sed -n 's/.*RSS \([0-9]*\) MiB.*/\1/p' "$OUT/own-n.txt" 2>/dev/null) MiB, shared" \
    "$(sed -n 's/.*RSS \([0-9]*\) MiB.*/\1/p' "$OUT/shared-n.txt" 2>/dev/null) MiB"
}

run_case "shipped detector, 640x480" 640 480 ""
run_case "shipped detector, 1280x720" 1280 720 ""
run_case "patch detector (stand-in), 1280x720 tiles" 1280 720 \
  "model=$OUT/patch.pt preprocess=tiles"
