#!/usr/bin/env bash
# The speed benchmarks of issue #6, in one run on this machine, printed as tables:
#   1. peak float32 matmul GFLOP/s (1 and 2 threads): the machine's limit
#   2. inference, C++ core vs Python PyTorch (same weights, same libtorch, equal threads)
#   3. DCGAN training images/s at batch 64, gst-gan train vs a plain Python PyTorch loop
#   4. the elements vs their GStreamer peers (bench/gangen.sh, bench/gandetect.sh)
#   5. the effect of thread counts and of the BLAS
#   6. gandetect against the Python appsink loop (bench/detect_peer.sh), allocations per frame
#   7. training threads idle and under load against the Python loop (bench/train_load.sh)
#   8. gandetect with the natural detector at 1280x720 beside identity (bench/natural_detect.sh)
# Needs a build (tools/build.sh) and python3-torch (tools/setup-debian.sh --bench).
# Usage: bench/speed.sh [quick]   ("quick": shorter runs, same tables)
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK="${1:-}"
SECONDS_PER=2; STEPS=200; FRAMES=300
if [ "$QUICK" = quick ]; then SECONDS_PER=0.5; STEPS=40; FRAMES=100; fi
PY=/usr/bin/python3   # Debian's python3, where python3-torch lives
CORE=build/bench/core_bench
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
J=build/speed-results.jsonl   # kept: bench/report.py build/speed-results.jsonl prints it again
: > "$J"
# Threads are set on purpose everywhere: ATen's pool via the tools' own settings, OpenBLAS at 1
# thread unless a row says otherwise (two pools on two cores oversubscribe them).
export OPENBLAS_NUM_THREADS=1
DCGAN=models/fmnist-dcgan.gan
DETECTOR=models/fmnist-detector.gan

echo "running: peak" >&2
$CORE peak >> "$J"
LD_LIBRARY_PATH=/usr/lib/$(gcc -print-multiarch)/blas $CORE peak --size 512 | sed 's/"peak"/"peak-reference-blas"/' >> "$J"

echo "running: inference" >&2
for part in generator detector; do
  model=$DCGAN; [ $part = detector ] && model=$DETECTOR
  for batch in 1 16 64; do
    for threads in 1 2; do
      [ $threads = 2 ] && [ $batch != 64 ] && [ $batch != 1 ] && continue
      $CORE infer --model $model --part $part --batch $batch --threads $threads --seconds $SECONDS_PER >> "$J"
      $CORE infer --model $model --part $part --batch $batch --threads $threads --seconds $SECONDS_PER --plain >> "$J"
      $PY bench/reference.py infer --model $model --part $part --batch $batch --threads $threads --seconds $SECONDS_PER >> "$J"
    done
  done
done
# Oversubscription: ATen 2 threads and OpenBLAS 2 threads at batch 1 (Python, which does not
# hold OpenBLAS back the way the core does).
OPENBLAS_NUM_THREADS=2 $PY bench/reference.py infer --model $DCGAN --part generator --batch 1 --threads 2 --seconds $SECONDS_PER | sed 's/"python"/"python-openblas2"/' >> "$J"

echo "running: training" >&2
train_cpp() { # threads [env...]
  local t=$1; shift
  env "$@" build/tools/gst-gan train --arch dcgan --steps "$STEPS" --batch-size 64 --threads "$t" \
    --grid 8 --checkpoint-every 100000 --out "$OUT/train-$t-$#" >/dev/null 2>&1
  $PY -c "import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps({'bench':'train','impl':sys.argv[3],'threads':int(sys.argv[2]),'images_per_second':r['images_per_second']}))" \
    "$OUT/train-$t-$#/summary.json" "$t" "${IMPL:-cpp}"
}
for t in 1 2; do
  train_cpp $t >> "$J"
  $PY bench/reference.py train --steps "$STEPS" --threads $t >> "$J"
done
IMPL=cpp-reference-blas train_cpp 2 LD_LIBRARY_PATH=/usr/lib/$(gcc -print-multiarch)/blas >> "$J" || true

$PY bench/report.py "$J"

echo
echo "## Elements (frames/s and per-frame latency, each beside its peer in the same run)"
echo
bash bench/gangen.sh "$FRAMES"
echo
bash bench/gandetect.sh "$FRAMES"
echo
echo "## gandetect against the Python appsink loop (bench/detect_peer.sh $((FRAMES / 2)))"
echo
bash bench/detect_peer.sh $((FRAMES / 2))
echo
echo "## Allocations per frame in steady state (build/tests/allocation_test)"
echo
GST_GAN_MODELS_DIR=models GST_PLUGIN_PATH="$PWD/build/plugin" build/tests/allocation_test \
  2>/dev/null | grep "^per frame" || echo "(allocation_test not built: a sanitizer build?)"
echo
echo "## Training threads, idle and with one busy process (bench/train_load.sh)"
echo
bash bench/train_load.sh "$STEPS" $((STEPS / 2))
echo
echo "## The natural detector at 1280x720, tiles, beside identity (bench/natural_detect.sh)"
echo
bash bench/natural_detect.sh "$FRAMES"
