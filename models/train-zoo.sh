#!/usr/bin/env bash
# The natural detector's generator zoo (issue 27): briefly trained field GANs of six families
# of last 2x stage, with other widths, depths, normalisations, activations and output layers,
# and one autoencoder per family whose reconstructions of the photos are aligned fakes. Every
# member is made by the project's own CLI with the command below; its log is
# models/logs/zoo/<name>.log. The generators are kept alone (--generator-out, ~0.3 MB each);
# the discriminators and checkpoints stay in runs/zoo/. One thread each, ~80 minutes in all
# here; several copies of this script may run at once (each member is claimed by one).
# bilinear is the family held out of every detector's training (models/README.md).
# Run from the repository root after `bash tools/build.sh`; members already made are kept.
set -euo pipefail
G=${GST_GAN:-build/tools/gst-gan}
mkdir -p models/zoo models/logs/zoo runs/zoo
common=(--photos models/natural-photos.tsv --patch 64 --scale-min 0.5 --scale-max 1.0
  --working-size 1024 --threads 1)

# Claims a member for this copy of the script: false when it is made or another copy has it.
claim() { [ ! -f "models/zoo/$1.gan" ] && mkdir "runs/zoo/$1.claim" 2>/dev/null; }

gan() { # name seed steps [zoo options...]
  local name=$1 seed=$2 steps=$3
  shift 3
  claim "$name" || return 0
  echo "=== $name: $G train --arch field ${common[*]} --latent 64 --batch-size 32 --lr 2e-4 --beta1 0.5 --beta2 0.999 --seed $seed --steps $steps --checkpoint-every $steps --grid-every $steps --frame-width 320 --frame-height 240 $* --out runs/zoo/$name --generator-out models/zoo/$name.gan" \
    | tee "models/logs/zoo/$name.log"
  OMP_NUM_THREADS=1 nice "$G" train --arch field "${common[@]}" --latent 64 --batch-size 32 \
    --lr 2e-4 --beta1 0.5 --beta2 0.999 --seed "$seed" --steps "$steps" \
    --checkpoint-every "$steps" --grid-every "$steps" --frame-width 320 --frame-height 240 "$@" \
    --out "runs/zoo/$name" --generator-out "models/zoo/$name.gan.tmp" \
    >>"models/logs/zoo/$name.log" 2>&1
  mv "models/zoo/$name.gan.tmp" "models/zoo/$name.gan"
  rmdir "runs/zoo/$name.claim"
}

ae() { # name seed steps [autoencoder options...]
  local name=$1 seed=$2 steps=$3
  shift 3
  claim "$name" || return 0
  echo "=== $name: $G train-autoencoder ${common[*]} --seed $seed --steps $steps --batch-size 32 $* --out models/zoo/$name.gan" \
    | tee "models/logs/zoo/$name.log"
  OMP_NUM_THREADS=1 nice "$G" train-autoencoder "${common[@]}" --seed "$seed" --steps "$steps" \
    --batch-size 32 "$@" --out "models/zoo/$name.gan.tmp" >>"models/logs/zoo/$name.log" 2>&1
  mv "models/zoo/$name.gan.tmp" "models/zoo/$name.gan"
  rmdir "runs/zoo/$name.claim"
}

# Aligned fakes first (one autoencoder per family): cheap, and each family's traces on real
# content.
ae ae-nearest-conv 101 250 --upsample nearest-conv --filters 64
ae ae-bicubic 102 250 --upsample bicubic --filters 64
ae ae-transposed 103 250 --upsample transposed --kernel 4 --filters 64
ae ae-shuffle 104 250 --upsample shuffle --filters 64
ae ae-icnr 105 250 --upsample icnr --filters 64
ae ae-bilinear 106 250 --upsample bilinear --filters 64
# Field GANs: four members a family, 200 steps each (the traces of a family are there early).
gan nearest-conv-a 11 200 --upsample nearest-conv --filters 64
gan nearest-conv-b 12 200 --upsample nearest-conv --filters 96 --norm instance --activation leaky
gan nearest-conv-c 13 200 --upsample nearest-conv --filters 64 --norm group --activation silu --output hardtanh --depth 1
gan nearest-conv-d 14 200 --upsample nearest-conv --filters 48 --norm none --activation elu --output sigmoid
gan bicubic-a 21 200 --upsample bicubic --filters 64
gan bicubic-b 22 200 --upsample bicubic --filters 96 --norm group --activation leaky
gan bicubic-c 23 200 --upsample bicubic --filters 64 --norm instance --activation silu --output sigmoid --depth 1
gan bicubic-d 24 200 --upsample bicubic --filters 48 --norm none --output hardtanh
gan transposed-k4 31 200 --upsample transposed --kernel 4 --filters 64
gan transposed-k3 32 200 --upsample transposed --kernel 3 --filters 96 --norm instance --activation leaky
gan transposed-k5 33 200 --upsample transposed --kernel 5 --filters 64 --norm group --output hardtanh
gan transposed-k2 34 200 --upsample transposed --kernel 2 --filters 64 --norm none --activation silu --depth 1
gan shuffle-a 41 200 --upsample shuffle --filters 64
gan shuffle-b 42 200 --upsample shuffle --filters 96 --norm group --activation leaky --output sigmoid
gan shuffle-c 43 200 --upsample shuffle --filters 64 --norm instance --activation elu --depth 1
gan shuffle-d 44 200 --upsample shuffle --filters 48 --norm none --output hardtanh
gan icnr-a 51 200 --upsample icnr --filters 64
gan icnr-b 52 200 --upsample icnr --filters 96 --norm instance --activation leaky
gan icnr-c 53 200 --upsample icnr --filters 64 --norm group --activation silu --output hardtanh --depth 1
gan icnr-d 54 200 --upsample icnr --filters 48 --norm none --activation elu
gan bilinear-a 61 200 --upsample bilinear --filters 64
gan bilinear-b 62 200 --upsample bilinear --filters 96 --norm group --activation leaky
gan bilinear-c 63 200 --upsample bilinear --filters 64 --norm instance --activation silu --output sigmoid --depth 1
gan bilinear-d 64 200 --upsample bilinear --filters 48 --norm none --output hardtanh
echo "zoo: all members made"
