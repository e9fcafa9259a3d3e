# The generator zoo by family of last 2x stage (sourced by models/lofo.sh and train-all.sh):
# each family's field GANs (GANS) and autoencoders (AES). The shipped natural-field generator
# and its seed-2 sibling upsample by nearest resize and end in an ICNR sub-pixel stage: icnr.
# bilinear is held out of every detector's training.
# shellcheck disable=SC2034
Z=models/zoo
N=models/natural-family
declare -A GANS AES
GANS[nearest-conv]="$Z/nearest-conv-a.gan $Z/nearest-conv-b.gan $Z/nearest-conv-c.gan $Z/nearest-conv-d.gan"
GANS[bicubic]="$Z/bicubic-a.gan $Z/bicubic-b.gan $Z/bicubic-c.gan $Z/bicubic-d.gan"
GANS[transposed]="$N/transposed-600.gan $Z/transposed-k4.gan $Z/transposed-k3.gan $Z/transposed-k5.gan $Z/transposed-k2.gan"
GANS[shuffle]="$N/shuffle-400.gan $N/shuffle-800.gan $Z/shuffle-a.gan $Z/shuffle-b.gan $Z/shuffle-c.gan $Z/shuffle-d.gan"
GANS[icnr]="models/natural-field.gan $N/field-seed2-12428.gan $Z/icnr-a.gan $Z/icnr-b.gan $Z/icnr-c.gan $Z/icnr-d.gan"
GANS[bilinear]="models/natural-heldout.gan $N/heldout-bilinear-400.gan $Z/bilinear-a.gan $Z/bilinear-b.gan $Z/bilinear-c.gan $Z/bilinear-d.gan"
for f in nearest-conv bicubic transposed shuffle icnr bilinear; do AES[$f]="$Z/ae-$f.gan"; done
TRAINING_FAMILIES=(nearest-conv bicubic transposed shuffle icnr)
HELD_OUT_FAMILY=bilinear
