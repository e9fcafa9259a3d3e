#!/usr/bin/env bash
# The shipped natural detector (issue 27): photo patches against every training family of the
# generator zoo (models/zoo/families.sh: their field GANs, and their autoencoders' aligned fakes,
# each autoencoder three times so that aligned fakes are about a third), NPR input, fakes also
# painted up to 2x larger and area-averaged down, degraded alike; calibrated on frames of the
# validation scenes. The bilinear family is held out. ~25 minutes on one thread here.
# Usage: bash models/train-natural-detector.sh [out=models/natural-detector.gan] [more
# train-detector options]. The H.264 experiment (models/README.md; not shipped: through vp8enc
# it called 71% of real frames fake): bash models/train-natural-detector.sh runs/h264.gan --h264
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GST_GAN:-build/tools/gst-gan}
OUT=${1:-models/natural-detector.gan}
shift $(($# > 0 ? 1 : 0))
. models/zoo/families.sh
args=()
for f in "${TRAINING_FAMILIES[@]}"; do
  for g in ${GANS[$f]}; do args+=(-g "$g"); done
  for a in ${AES[$f]}; do args+=(-a "$a" -a "$a" -a "$a"); done
done
set -x
OMP_NUM_THREADS=1 "$G" train-detector --photos models/natural-photos.tsv "${args[@]}" \
  --input npr --fake-scale-max 2 --fakes 12000 --epochs 5 --batch-size 64 --lr 1e-3 \
  --lr-decay 0.7 --seed 1 --threads 1 --calibration-frames 200 "$@" --out "$OUT"
