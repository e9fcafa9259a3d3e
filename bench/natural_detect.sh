#!/usr/bin/env bash
# gandetect with the shipped natural detector (issue 15's real-time goal: 1280x720 at >= 30
# frames/s in tiles mode), beside identity in the same run: videotestsrc pattern=ball at
# 1280x720, RGB and I420, 1 and 2 threads (OMP_NUM_THREADS, OpenBLAS at 1), in-process
# (build/bench/pipeline_bench, best of 2, first frame excluded). Cases: identity; gandetect's
# defaults (the natural detector chosen by the caps, 16 tiles of 64x64, the watermark read);
# the same without the watermark (watermark-key=""); and max-tiles=64; with a second argument,
# gandetect with that model too (another detector, in the same run: issue 27's new detector
# beside the one it replaced).
# Usage: bench/natural_detect.sh [frames=300] [other-detector.gan]   (BUILD=DIR: another build)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300}"
OTHER="${2:-}"
B="$(cd "${BUILD:-build}" && pwd)"
export GST_PLUGIN_PATH="$B/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export GST_GAN_MODELS_DIR="$PWD/models"
export OPENBLAS_NUM_THREADS=1
for format in I420 RGB; do
  for t in 1 2; do
    SRC="videotestsrc num-buffers=$N pattern=ball ! video/x-raw,format=$format,width=1280,height=720,framerate=30/1 ! queue max-size-buffers=2"
    echo "## $format 1280x720, $t thread(s)"
    cases=("identity=$SRC ! identity ! fakesink name=sink"
      "gandetect=$SRC ! gandetect ! fakesink name=sink"
      "no-watermark=$SRC ! gandetect watermark-key=\"\" ! fakesink name=sink"
      "64-tiles=$SRC ! gandetect max-tiles=64 ! fakesink name=sink")
    [ -n "$OTHER" ] && cases+=("other=$SRC ! gandetect model=$OTHER ! fakesink name=sink")
    OMP_NUM_THREADS=$t "$B/bench/pipeline_bench" --repeat 2 "${cases[@]}"
  done
done
