#!/usr/bin/env bash
# The provenance watermark (version 2) measured: PSNR; payload recovery, single frame and
# 30-frame vote, through JPEG 75, VP8, H.264 (x264enc 1 Mbit/s at 640x480, 2 Mbit/s at
# 1280x720), colour conversion, brightness/contrast, rescaling 0.4x-2x, an aspect change, a 10%
# crop and crop + 0.75x + JPEG 75, on gangen's natural video, videotestsrc patterns and
# photographs; false positives on >= 12k unmarked frames x 30 keys; embed + verify speed.
# Usage: bench/watermark.sh [frames=150] [keys=30]   (~25 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH="$PWD/build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export GST_GAN_MODELS_DIR="$PWD/models"
build/bench/watermark_bench --frames "${1:-150}" --fp-frames 10000 --keys "${2:-30}"
