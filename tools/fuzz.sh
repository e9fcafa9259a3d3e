#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, build-fuzz/) and runs each for N seconds
# (default 60), starting from the seed corpora; prints the executions per target.
#   bash tools/fuzz.sh            # CI: 60 s each
#   nice -n 10 bash tools/fuzz.sh 3600   # a long run
# Extra libFuzzer flags go in FUZZ_FLAGS (e.g. FUZZ_FLAGS=-runs=1000000). A finding stops the
# run with the crashing input saved as build-fuzz/findings/<target>/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
targets=(fuzz_model_file fuzz_model_file_structured fuzz_idx fuzz_image_header fuzz_torchscript
  fuzz_publish_settings)

if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" -Dfuzzing=enabled -Dtests=disabled -Dbench=disabled \
    -Dintrospection=disabled -Dbuildtype=debugoptimized
fi
ninja -C "$build" -j"${FUZZ_JOBS:-1}" "${targets[@]/#/fuzz/}"

corpus=$build/corpus
python3 fuzz/make-seeds.py "$corpus"
mkdir -p "$corpus/fuzz_torchscript"
ASAN_OPTIONS=detect_leaks=0 GST_GAN_FUZZ_WRITE_SEEDS="$corpus/fuzz_torchscript" "$build/fuzz/fuzz_torchscript" >/dev/null 2>&1

status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "$build/findings/$t" "$corpus/$t" # a target without seeds starts from nothing

  log=$build/findings/$t.log
  echo "=== fuzz: $t for $seconds s"
  # ASan's leak check would flag LibTorch's deliberate process-lifetime singletons, and its
  # quarantine of freed memory (GBs within a minute of TorchScript loads; the live heap stays
  # near 70 MB) would trip -rss_limit_mb: both are held back for the TorchScript target.
  # LibTorch also keeps every operator name a loaded module mentions for the life of the
  # process, so that target's RSS grows with the mutations it tries (3.7 GB after 60 s once):
  # it gets 8 GB (this machine has 24), the others 4 GB.
  asan=detect_leaks=1
  rss=4096
  if [ "$t" = fuzz_torchscript ]; then
    asan=detect_leaks=0:quarantine_size_mb=16
    rss=8192
  fi
  # Past findings (fuzz/regressions/<target>/) are replayed first as a second, read-only corpus.
  regressions=()
  [ -d "fuzz/regressions/$t" ] && regressions=("fuzz/regressions/$t")
  if ASAN_OPTIONS=$asan UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build/fuzz/$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb="$rss" \
    -artifact_prefix="$build/findings/$t/" ${FUZZ_FLAGS:-} "$corpus/$t" "${regressions[@]}" \
    >"$log" 2>&1; then
    result="ok"
  else
    result="FINDING (see $log)"
    status=1
  fi
  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 executions in \2 s/p' "$log")
  tail -n 3 "$log"
  summary+=("$t: ${runs:-no summary line} -- $result")
done
echo "=== fuzz summary"
printf '%s\n' "${summary[@]}"
exit $status
