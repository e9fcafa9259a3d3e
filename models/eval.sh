#!/usr/bin/env bash
# The quality report of the shipped models (models/README.md's tables): ~3 minutes here for
# the Fashion-MNIST models, ~6 more for the natural field GAN (SWD and spectra vs the photos).
# Usage: bash models/eval.sh [samples=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
build/tools/gst-gan eval --samples "${1:-10000}" --classifier models/fmnist-classifier.gan \
  --generator models/fmnist-dcgan.gan --generator models/fmnist-mlp.gan \
  --detector models/fmnist-detector.gan --dcgan models/fmnist-dcgan.gan --mlp models/fmnist-mlp.gan \
  --out models/eval-report.json
build/tools/gst-gan eval --photos models/natural-photos.tsv --field-generator models/natural-field.gan \
  --threads 1 --out models/eval-field-report.json
