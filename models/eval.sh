#!/usr/bin/env bash
# The quality report of the shipped models (models/README.md's tables): ~3 minutes here for
# the Fashion-MNIST models, ~6 more for the natural field GAN (SWD and spectra vs the photos),
# ~15 for the natural detector and its baseline, ~2 for the detector through vp8enc, ~10 through
# x264 for every family.
# Usage: bash models/eval.sh [samples=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
build/tools/gst-gan eval --samples "${1:-10000}" --classifier models/fmnist-classifier.gan \
  --generator models/fmnist-dcgan.gan --generator models/fmnist-mlp.gan \
  --detector models/fmnist-detector.gan --dcgan models/fmnist-dcgan.gan --mlp models/fmnist-mlp.gan \
  --out models/eval-report.json
build/tools/gst-gan eval --photos models/natural-photos.tsv --field-generator models/natural-field.gan \
  --threads 1 --out models/eval-field-report.json
# gangen's fast tier (quality=fast, issue 31), measured the same way.
build/tools/gst-gan eval --photos models/natural-photos.tsv \
  --field-generator models/natural-field-fast.gan --threads 1 --out models/eval-field-fast-report.json
# The natural detector (issues 15 and 27) and the spectral baseline beside it (~15 minutes):
# patches and 1280x720 frames of the test scenes (never trained or calibrated on) against new
# latents of its training families (a) and of the held-out bilinear family (b), clean, after
# JPEG 75 (c) and after a 0.5x downscale (d).
. models/zoo/families.sh
family=()
for f in "${TRAINING_FAMILIES[@]}"; do for g in ${GANS[$f]}; do family+=(--family "$g"); done; done
held=()
for g in ${GANS[$HELD_OUT_FAMILY]}; do held+=(--held-out "$g"); done
build/tools/gst-gan eval --photos models/natural-photos.tsv \
  --natural-detector models/natural-detector.gan --spectral-baseline "${family[@]}" "${held[@]}" \
  --patches 2000 --frames 60 --threads 1 --out models/eval-natural-report.json
# (e) the same through a real pipeline: vp8enc at 2 Mbit/s, decoded, scored by gandetect.
F=models/natural-family
GST_PLUGIN_PATH="$PWD/build/plugin" GST_GAN_MODELS_DIR="$PWD/models" /usr/bin/python3 \
  models/eval_pipeline.py --photos models/natural-photos.tsv --family models/natural-field.gan \
  --family $F/transposed-600.gan --family $F/shuffle-800.gan \
  --held-out models/natural-heldout.gan --out models/eval-pipeline-report.json
# (f) issue 27: x264 at 2 Mbit/s, every family's clips (the held-out bilinear one included).
groups=()
for f in "${TRAINING_FAMILIES[@]}" "$HELD_OUT_FAMILY"; do
  groups+=(--group "$f=$(echo ${GANS[$f]} | tr ' ' ',')")
done
GST_PLUGIN_PATH="$PWD/build/plugin" GST_GAN_MODELS_DIR="$PWD/models" /usr/bin/python3 \
  models/eval_pipeline.py --photos models/natural-photos.tsv --encoder x264 --frames 20 \
  "${groups[@]}" --out models/eval-x264-report.json
