#!/usr/bin/env bash
# The provenance watermark measured (PSNR, bit accuracy and payload recovery through JPEG 75,
# VP8 at 1000 and 500 kbit/s, colour conversion and brightness/contrast; false positives on
# >= 10k unmarked frames; embed + verify speed). Usage: bench/watermark.sh [frames=150] [keys=30]
set -euo pipefail
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH="$PWD/build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export GST_GAN_MODELS_DIR="$PWD/models"
build/bench/watermark_bench --frames "${1:-150}" --fp-frames 10000 --keys "${2:-30}"
