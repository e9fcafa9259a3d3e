#!/usr/bin/env bash
# gangen frames/s beside videotestsrc, same caps, same run (best of 3, in-process, first frame
# excluded). Usage: bench/gangen.sh [frames=600]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-600}"
export GST_PLUGIN_PATH="$PWD/build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
NATIVE="video/x-raw,format=GRAY8,width=28,height=28,framerate=30/1"
MOSAIC="video/x-raw,format=RGB,width=640,height=480,framerate=30/1"
build/bench/pipeline_bench --repeat 3 --peer videotestsrc-28 \
  "videotestsrc-28=videotestsrc num-buffers=$N ! $NATIVE ! fakesink name=sink" \
  "gangen-28-batch1=gangen num-buffers=$N batch-size=1 ! $NATIVE ! fakesink name=sink" \
  "gangen-28-batch8=gangen num-buffers=$N batch-size=8 ! $NATIVE ! fakesink name=sink" \
  "gangen-28-batch16=gangen num-buffers=$N batch-size=16 ! $NATIVE ! fakesink name=sink"
echo
build/bench/pipeline_bench --repeat 3 --peer videotestsrc-640 \
  "videotestsrc-640=videotestsrc num-buffers=$N ! $MOSAIC ! fakesink name=sink" \
  "gangen-640-4x6-batch1=gangen num-buffers=$N rows=4 columns=6 batch-size=1 ! $MOSAIC ! fakesink name=sink" \
  "gangen-640-4x6-nomark=gangen num-buffers=$N rows=4 columns=6 watermark=false ! $MOSAIC ! fakesink name=sink" \
  "gangen-640-4x6-batch16=gangen num-buffers=$N rows=4 columns=6 batch-size=16 ! $MOSAIC ! fakesink name=sink"
