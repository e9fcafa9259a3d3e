#!/usr/bin/env bash
# gandetect frames/s and per-frame time on 640x480 RGB, beside identity in the same run
# (best of 3, in-process, first frame excluded). Usage: bench/gandetect.sh [frames=300]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300}"
export GST_PLUGIN_PATH="$PWD/build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
SRC="videotestsrc num-buffers=$N pattern=ball ! video/x-raw,format=RGB,width=640,height=480,framerate=30/1"
D="gandetect name=dut post-messages=false"
build/bench/pipeline_bench --repeat 3 --peer identity \
  "identity=$SRC ! identity name=dut ! fakesink name=sink" \
  "resize-i1-b1=$SRC ! $D ! fakesink name=sink" \
  "resize-i1-b8=$SRC ! $D batch-size=8 ! fakesink name=sink" \
  "resize-i10-b1=$SRC ! $D inference-interval=10 ! fakesink name=sink" \
  "tiles-i1-b1=$SRC ! $D preprocess=tiles ! fakesink name=sink" \
  "tiles-i1-b8=$SRC ! $D preprocess=tiles batch-size=8 ! fakesink name=sink" \
  "tiles-i10-b1=$SRC ! $D preprocess=tiles inference-interval=10 ! fakesink name=sink"
