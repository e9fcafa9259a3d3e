#!/usr/bin/env bash
# Retrains every shipped model from scratch, then evaluates them (hours on a 2-core machine:
# the DCGAN alone takes ~45 min at ~290 images/s). The shipped files were made with exactly
# these commands; models/logs/ holds their output. Run from the repository root after
# `bash tools/build.sh`.
set -euo pipefail
G=build/tools/gst-gan
mkdir -p runs
# 1. The DCGAN: 12 epochs (11 244 steps of 64). The shipped run was started as 20 epochs,
#    stopped twice with SIGTERM (checkpoints) and resumed with `--resume ... --epochs 12`, the
#    last part on one thread; see models/logs/fmnist-dcgan.log.
$G train --arch dcgan --epochs 12 --seed 1 --out runs/fmnist-dcgan
cp runs/fmnist-dcgan/model.gan models/fmnist-dcgan.gan
# 2. The fully connected GAN: 60 epochs (interrupted once and resumed, as its log shows).
$G train --arch mlp --epochs 60 --seed 1 --out runs/fmnist-mlp
cp runs/fmnist-mlp/model.gan models/fmnist-mlp.gan
# 3. The feature network of the metrics.
$G train-classifier --epochs 12 --threads 1 --seed 1 --out models/fmnist-classifier.gan
# 4. The detector: real training images vs 60 000 samples of the DCGAN, degraded alike.
$G train-detector --generator models/fmnist-dcgan.gan --fakes 60000 --fake-seed 1000 \
  --epochs 24 --lr-decay 0.9 --seed 1 --out models/fmnist-detector.gan
bash models/eval.sh
