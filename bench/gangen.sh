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
echo
# The watermark's share of the source (issue #17: with the mark >= 0.8x without) at 1280x720
# and 1920x1080: the Fashion-MNIST mosaic (fast: the mark's cost shows) and the natural field
# model (gangen's default; 20 and 12 frames: it paints ~10 frames/s at 720p, ~4 at 1080p).
HD="video/x-raw,format=RGB,width=1280,height=720,framerate=30/1"
FHD="video/x-raw,format=RGB,width=1920,height=1080,framerate=30/1"
FM="model=models/fmnist-dcgan.gan rows=4 columns=6"
build/bench/pipeline_bench --repeat 3 --peer mosaic-720-nomark \
  "mosaic-720-nomark=gangen num-buffers=$N $FM watermark=false ! $HD ! fakesink name=sink" \
  "mosaic-720-mark=gangen num-buffers=$N $FM ! $HD ! fakesink name=sink"
build/bench/pipeline_bench --repeat 3 --peer mosaic-1080-nomark \
  "mosaic-1080-nomark=gangen num-buffers=$N $FM watermark=false ! $FHD ! fakesink name=sink" \
  "mosaic-1080-mark=gangen num-buffers=$N $FM ! $FHD ! fakesink name=sink"
build/bench/pipeline_bench --repeat 2 --peer natural-720-nomark \
  "natural-720-nomark=gangen num-buffers=20 watermark=false ! $HD ! fakesink name=sink" \
  "natural-720-mark=gangen num-buffers=20 ! $HD ! fakesink name=sink"
build/bench/pipeline_bench --repeat 2 --peer natural-1080-nomark \
  "natural-1080-nomark=gangen num-buffers=12 watermark=false ! $FHD ! fakesink name=sink" \
  "natural-1080-mark=gangen num-buffers=12 ! $FHD ! fakesink name=sink"
