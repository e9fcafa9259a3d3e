#!/usr/bin/env bash
# Training throughput (images/s) of `gst-gan train` on Fashion-MNIST at batch 64, with 1 and 2
# intra-op threads (BLAS held at 1 thread either way), in the same run; prints the ratio.
# Usage: bench/train_threads.sh [arch=dcgan] [steps=300]
set -euo pipefail
cd "$(dirname "$0")/.."
ARCH="${1:-dcgan}"
STEPS="${2:-300}"
CLI=build/tools/gst-gan
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
rate() {
  "$CLI" train --arch "$ARCH" --steps "$STEPS" --batch-size 64 --threads "$1" --grid 8 \
    --checkpoint-every 100000 --out "$OUT/t$1" 2>/dev/null >/dev/null
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['images_per_second'])" "$OUT/t$1/summary.json"
}
one=$(rate 1)
two=$(rate 2)
printf '%s training, batch 64, %s steps (BLAS: 1 thread)\n' "$ARCH" "$STEPS"
printf '  1 thread : %8.1f images/s\n' "$one"
printf '  2 threads: %8.1f images/s   (%.2fx the 1-thread rate)\n' "$two" "$(python3 -c "print($two/$one)")"
