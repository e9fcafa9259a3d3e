#!/usr/bin/env bash
# Data-parallel training: what more machines would buy, from figures measured in this run.
# For dcgan (Fashion-MNIST) and the natural field GAN (photo patches), it runs
#   1 process, 1 thread, global batch B                   -> compute seconds per step, img/s
#   gst-gan launch --nproc 2 (1 thread each), B/2 per rank -> img/s, all-reduce bytes and calls
# then models k machines, one single-threaded rank each, the same global batch B (the same
# training as one process), gradients averaged with a ring all-reduce:
#   step(k) = compute / k + 2 (k-1)/k * bytes / bandwidth + calls * 2 (k-1) * latency
# and prints the expected speedup over one process at k = 2, 4, 8 on 1 and 10 Gbit/s. The
# latency per ring hop is an assumption (LATENCY_US, default 50 us: a switched LAN with TCP);
# the bytes and the compute are measured. Loopback on this machine says nothing about a
# network: the 2-rank figures are printed to compare the model's k = 2 with one machine.
# Usage: bench/ddp_scaling.sh [steps=30]   (needs build/tools/gst-gan and the setup's photos)
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS="${1:-30}"
CLI=build/tools/gst-gan
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

dcgan=(--arch dcgan)
field=(--arch field --photos models/natural-photos.tsv --patch 64 --working-size 1024
  --latent 64 --frame-width 64 --frame-height 64)

# run NAME GLOBAL_BATCH NPROC ARGS...: one training, its summary.json at $OUT/NAME.
run() {
  local name=$1 batch=$2 nproc=$3
  shift 3
  local common=(--steps "$STEPS" --grid 4 --checkpoint-every 100000 --out "$OUT/$name")
  if [ "$nproc" = 1 ]; then
    "$CLI" train "$@" --batch-size "$batch" --threads 1 "${common[@]}" >/dev/null 2>&1
  else
    "$CLI" launch --nproc "$nproc" -- train "$@" --batch-size $((batch / nproc)) \
      "${common[@]}" >/dev/null 2>&1
  fi
}

run dcgan-1 64 1 "${dcgan[@]}"
run dcgan-2 64 2 "${dcgan[@]}"
run field-1 32 1 "${field[@]}"
run field-2 32 2 "${field[@]}"

python3 - "$OUT" "$STEPS" "${LATENCY_US:-50}" <<'EOF'
import json, sys
out, steps, latency = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) * 1e-6
for arch, batch in (("dcgan", 64), ("field", 32)):
    one = json.load(open(f"{out}/{arch}-1/summary.json"))
    two = json.load(open(f"{out}/{arch}-2/summary.json"))
    d = two["distributed"]
    compute = one["train_seconds"] / steps
    nbytes, calls = d["allreduce_bytes_per_step"], d["allreduce_calls_per_step"]
    print(f"{arch}: global batch {batch}, {steps} steps")
    print(f"  1 process x 1 thread : {one['images_per_second']:8.1f} img/s, "
          f"{compute * 1e3:.1f} ms per step")
    print(f"  2 ranks x 1 thread   : {two['images_per_second']:8.1f} img/s "
          f"({two['images_per_second'] / one['images_per_second']:.2f}x), all-reduce "
          f"{calls:.0f} calls, {nbytes / 1e6:.2f} MB, {d['allreduce_seconds_per_step'] * 1e3:.1f} ms "
          f"per step on loopback")
    for gbit in (1, 10):
        bandwidth = gbit * 1e9 / 8
        cells = []
        for k in (2, 4, 8):
            comm = 2 * (k - 1) / k * nbytes / bandwidth + calls * 2 * (k - 1) * latency
            cells.append(f"k={k}: {compute / (compute / k + comm):5.2f}x")
        print(f"  model, {gbit:>2} Gbit/s    : " + "   ".join(cells))
EOF
