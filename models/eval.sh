#!/usr/bin/env bash
# The quality report of the shipped models (models/README.md's tables): ~3 minutes here for
# the Fashion-MNIST models, ~6 more for the natural field GAN (SWD and spectra vs the photos),
# ~10 for the natural detector and its baseline, ~2 for the detector through vp8enc.
# Usage: bash models/eval.sh [samples=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
build/tools/gst-gan eval --samples "${1:-10000}" --classifier models/fmnist-classifier.gan \
  --generator models/fmnist-dcgan.gan --generator models/fmnist-mlp.gan \
  --detector models/fmnist-detector.gan --dcgan models/fmnist-dcgan.gan --mlp models/fmnist-mlp.gan \
  --out models/eval-report.json
build/tools/gst-gan eval --photos models/natural-photos.tsv --field-generator models/natural-field.gan \
  --threads 1 --out models/eval-field-report.json
# The natural detector (issue 15) and the spectral baseline beside it (~10 minutes): patches and
# 1280x720 frames of the validation photos against new latents of its training family (a) and
# the held-out generator (b), clean, after JPEG 75 (c) and after a 0.5x downscale (d).
F=models/natural-family
build/tools/gst-gan eval --photos models/natural-photos.tsv \
  --natural-detector models/natural-detector.gan --spectral-baseline \
  --family models/natural-field.gan --family $F/field-seed2-12428.gan \
  --family $F/transposed-600.gan --family $F/shuffle-400.gan --family $F/shuffle-800.gan \
  --held-out $F/heldout-bilinear-400.gan --held-out models/natural-heldout.gan \
  --patches 2000 --frames 40 --threads 1 --out models/eval-natural-report.json
# (e) the same through a real pipeline: vp8enc at 2 Mbit/s, decoded, scored by gandetect.
GST_PLUGIN_PATH="$PWD/build/plugin" GST_GAN_MODELS_DIR="$PWD/models" /usr/bin/python3 \
  models/eval_pipeline.py --photos models/natural-photos.tsv --family models/natural-field.gan \
  --family $F/transposed-600.gan --family $F/shuffle-800.gan \
  --held-out models/natural-heldout.gan --out models/eval-pipeline-report.json
