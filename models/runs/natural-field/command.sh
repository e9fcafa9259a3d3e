#!/usr/bin/env bash
# The natural field GAN's training run (issue 14, phase 1). Resume: add --resume /work/natural-run/checkpoint.gan
# (same data flags; a larger --steps continues it further).
cd /work/wt-natural
OMP_NUM_THREADS=1 exec /work/natural-run/gst-gan train --arch field --photos models/natural-photos.tsv \
  --patch 64 --scale-min 0.5 --scale-max 1.0 --working-size 1024 --latent 64 \
  --batch-size 32 --lr 2e-4 --beta1 0.5 --beta2 0.999 --seed 1 --threads 1 \
  --steps 24000 --checkpoint-every 500 --grid-every 1000 --frame-width 640 --frame-height 480 \
  --out /work/natural-run "$@"
