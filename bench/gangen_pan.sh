#!/usr/bin/env bash
# gangen's pans (motion=static drift-speed=2: a window sliding over one painted world, painted
# in tiles as the window uncovers them; gan/field_video.h PannedWorld) beside videotestsrc in
# the same run: with the watermark, without it (the mark's share of the frame time), and in
# float32 (GST_GAN_BF16=0, what a CPU without AVX-512 BF16 runs; the same on such a CPU).
# Usage: bench/gangen_pan.sh [frames=300] [model=models/natural-field.gan] [threads="1 2"]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300}"
MODEL="${2:-models/natural-field.gan}"
THREADS="${3:-1 2}"
export GST_PLUGIN_PATH="$PWD/build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

pan="gangen model=$MODEL num-buffers=$N motion=static drift-speed=2"
echo "| size | threads | videotestsrc | pan (watermark) | no watermark | float32 (watermark) | pan / videotestsrc | mark's share |"
echo "|---|---|---|---|---|---|---|---|"
for t in $THREADS; do
  for size in 1280x720 1920x1080; do
    w="${size%x*}" h="${size#*x}"
    caps="video/x-raw,format=RGB,width=$w,height=$h,framerate=30/1"
    OMP_NUM_THREADS=$t build/bench/pipeline_bench --repeat 3 --peer videotestsrc \
      "videotestsrc=videotestsrc num-buffers=$N ! $caps ! fakesink name=sink" \
      "pan=$pan ! $caps ! fakesink name=sink" \
      "pan-nomark=$pan watermark=false ! $caps ! fakesink name=sink" >"$OUT/a.txt"
    GST_GAN_BF16=0 OMP_NUM_THREADS=$t build/bench/pipeline_bench --repeat 3 --peer videotestsrc \
      "videotestsrc=videotestsrc num-buffers=$N ! $caps ! fakesink name=sink" \
      "pan-float32=$pan ! $caps ! fakesink name=sink" >"$OUT/b.txt"
    fps() { awk -v c="$2" '$1 == c { print $2 }' "$1"; }
    v=$(fps "$OUT/a.txt" videotestsrc) p=$(fps "$OUT/a.txt" pan) n=$(fps "$OUT/a.txt" pan-nomark)
    f=$(fps "$OUT/b.txt" pan-float32)
    awk -v s="$size" -v t="$t" -v v="$v" -v p="$p" -v n="$n" -v f="$f" 'BEGIN {
      printf "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.3f | %.0f%% |\n", s, t, v, p, n, f, p / v,
             100 * (1 / p - 1 / n) / (1 / p) }'
  done
done
