#!/usr/bin/env bash
# The Fashion-MNIST detector against the generator zoo (issue 27, item 5; measured, not shipped:
# models/README.md): real training images against 60 000
# samples of the two DCGANs of issue 15 and of the 14 members of the Fashion-MNIST generator
# zoo (models/train-fmnist-zoo.sh: seven families of 2x stage), in turn, degraded alike; the
# shipped DCGAN is named four times and its seed-2 sibling twice, so that they still give 30% of
# the fakes (with one turn each in 16 the shipped DCGAN's AUC fell from 0.986 to 0.941). The
# fully connected MLP generator is never seen: it is the held-out family (models/eval.sh).
# Usage: bash models/train-fmnist-detector.sh [out=runs/fmnist-detector-zoo.gan]; then its
# figures: build/tools/gst-gan eval --samples 10000 --classifier models/fmnist-classifier.gan \
#   --detector OUT --dcgan models/fmnist-dcgan.gan --mlp models/fmnist-mlp.gan --threads 1
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GST_GAN:-build/tools/gst-gan}
OUT=${1:-runs/fmnist-detector-zoo.gan}
mkdir -p "$(dirname "$OUT")"
d=models/fmnist-dcgan.gan
s2=models/fmnist-family/dcgan-seed2-epoch1.gan
args=(-g $d -g $d -g $d -g $d -g $s2 -g $s2)
for g in models/fmnist-zoo/*.gan; do args+=(-g "$g"); done
set -x
OMP_NUM_THREADS=1 "$G" train-detector "${args[@]}" --fakes 60000 --fake-seed 1000 --epochs 10 \
  --lr-decay 0.8 --seed 1 --threads 1 --out "$OUT"
