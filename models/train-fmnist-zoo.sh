#!/usr/bin/env bash
# The Fashion-MNIST detector's generator zoo (issue 27, item 5): briefly trained 28x28 DCGAN
# variants (gan/nets.cpp) of seven families of 2x stage (models/README.md), two members a
# family with other widths, depths, normalisations, activations and output layers. Every
# member is made by the project's own CLI with the command below; its log is
# models/logs/fmnist-zoo/<name>.log. The generators are kept alone (--generator-out); the
# discriminators and checkpoints stay in runs/fmnist-zoo/. One thread each, ~20 minutes in all
# here; several copies of this script may run at once (each member is claimed by one). The
# fully connected MLP generator (models/fmnist-mlp.gan) is no member: the detector never sees
# that family, and is tested on it.
# Run from the repository root after `bash tools/build.sh`; members already made are kept.
set -euo pipefail
G=${GST_GAN:-build/tools/gst-gan}
Z=models/fmnist-zoo
L=models/logs/fmnist-zoo
mkdir -p $Z $L runs/fmnist-zoo

# Claims a member for this copy of the script: false when it is made or another copy has it.
claim() { [ ! -f "$Z/$1.gan" ] && mkdir "runs/fmnist-zoo/$1.claim" 2>/dev/null; }

gan() { # name seed [zoo options...]
  local name=$1 seed=$2
  shift 2
  claim "$name" || return 0
  echo "=== $name: $G train --arch dcgan --batch-size 32 --steps 300 --threads 1 --seed $seed $* --out runs/fmnist-zoo/$name --generator-out $Z/$name.gan" |
    tee "$L/$name.log"
  OMP_NUM_THREADS=1 nice "$G" train --arch dcgan --batch-size 32 --steps 300 --threads 1 \
    --seed "$seed" "$@" --out "runs/fmnist-zoo/$name" --generator-out "$Z/$name.gan.tmp" \
    >>"$L/$name.log" 2>&1
  mv "$Z/$name.gan.tmp" "$Z/$name.gan"
  rmdir "runs/fmnist-zoo/$name.claim"
}

gan nearest-conv-a 201 --upsample nearest-conv --filters 64
gan nearest-conv-b 202 --upsample nearest-conv --filters 96 --norm instance --activation leaky --depth 1
gan bilinear-a 203 --upsample bilinear --filters 64 --norm group --activation silu
gan bilinear-b 204 --upsample bilinear --filters 48 --norm none --activation elu --output sigmoid
gan bicubic-a 205 --upsample bicubic --filters 64 --output hardtanh
gan bicubic-b 206 --upsample bicubic --filters 96 --norm instance --activation silu
gan transposed-k3 207 --upsample transposed --kernel 3 --filters 64 --activation leaky
gan transposed-k5 208 --upsample transposed --kernel 5 --filters 48 --norm group --output sigmoid
gan transposed-k2 209 --upsample transposed --kernel 2 --filters 96 --norm none --activation elu
gan transposed-k4 210 --upsample transposed --kernel 4 --filters 64 --norm instance --depth 1
gan shuffle-a 211 --upsample shuffle --filters 64
gan shuffle-b 212 --upsample shuffle --filters 48 --norm group --activation leaky --output hardtanh
gan icnr-a 213 --upsample icnr --filters 64 --activation elu
gan icnr-b 214 --upsample icnr --filters 96 --norm none --activation silu --depth 1
