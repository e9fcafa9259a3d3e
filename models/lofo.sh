#!/usr/bin/env bash
# Leave-one-family-out (issue 27): for each family of the generator zoo (models/train-zoo.sh),
# a detector trained on the other families' generators and autoencoders, tested on that
# family's generators: 1280x720 frames scored as gandetect scores them, clean, after JPEG 75 and
# after a 0.5x downscale (gst-gan eval), and through x264 at 2 Mbit/s (models/eval_pipeline.py).
# bilinear stays held out of every detector, this protocol's and the shipped one's: every
# detector meets it through x264, and the shipped one in models/eval.sh. Then the table
# (models/lofo_table.py). Run from the repository root
# after models/train-zoo.sh; detectors and reports go to runs/lofo/ (LOFO_OUT).
# Usage: bash models/lofo.sh [input=npr] [fakes=6000] [epochs=3]   (LOFO_ONLY="f ...": only
# those families' detectors and reports, no x264 stage or table: several copies at once;
# LOFO_TRAIN_ARGS: more train-detector options, e.g. "--h264" for the H.264 experiment of
# models/lofo/h264/: LOFO_TRAIN_ARGS=--h264 LOFO_OUT=runs/lofo-h264 bash models/lofo.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GST_GAN:-build/tools/gst-gan}
INPUT=${1:-npr}
FAKES=${2:-6000}
EPOCHS=${3:-3}
OUT=${LOFO_OUT:-runs/lofo}
mkdir -p "$OUT"
. models/zoo/families.sh # GANS[family], AES[family], TRAINING_FAMILIES, HELD_OUT_FAMILY

# A detector trained on the families named: their generators (-g) and autoencoders (-a).
train() { # out family...
  local out=$1 family
  shift
  local args=()
  for family in "$@"; do
    for g in ${GANS[$family]}; do args+=(-g "$g"); done
    # Each autoencoder three times: aligned fakes are about a third of the fakes.
    for a in ${AES[$family]}; do args+=(-a "$a" -a "$a" -a "$a"); done
  done
  [ -f "$out" ] && return 0
  OMP_NUM_THREADS=1 "$G" train-detector --photos models/natural-photos.tsv "${args[@]}" \
    --input "$INPUT" --fake-scale-max 2 --fakes "$FAKES" --epochs "$EPOCHS" --batch-size 64 --lr 1e-3 \
    --lr-decay 0.7 --seed 1 --threads 1 --calibration-frames 100 ${LOFO_TRAIN_ARGS:-} --out "$out.tmp" \
    >"$out.log" 2>&1
  mv "$out.tmp" "$out"
}

evaluate() { # detector report held-out-family family...
  local det=$1 report=$2 held=$3 family
  shift 3
  [ -f "$report" ] && return 0
  local args=()
  for family in "$@"; do for g in ${GANS[$family]}; do args+=(--family "$g"); done; done
  for g in ${GANS[$held]}; do args+=(--held-out "$g"); done
  OMP_NUM_THREADS=1 "$G" eval --photos models/natural-photos.tsv --natural-detector "$det" \
    "${args[@]}" --patches 400 --frames 40 --threads 1 --out "$report.tmp" >"$report.log" 2>&1
  mv "$report.tmp" "$report"
}

for f in ${LOFO_ONLY:-${TRAINING_FAMILIES[@]}}; do
  rest=()
  for g in "${TRAINING_FAMILIES[@]}"; do [ "$g" != "$f" ] && rest+=("$g"); done
  train "$OUT/without-$f.gan" "${rest[@]}"
  evaluate "$OUT/without-$f.gan" "$OUT/without-$f.json" "$f" "${rest[@]}"
done

[ -n "${LOFO_ONLY:-}" ] && exit 0 # one family's detector (run several at once), no table yet
# Through x264: every leave-one-out detector on every family's clips (the same clips).
if [ ! -f "$OUT/x264.json" ]; then
  groups=()
  for f in "${TRAINING_FAMILIES[@]}" "$HELD_OUT_FAMILY"; do
    groups+=(--group "$f=$(echo ${GANS[$f]} | tr ' ' ',')")
  done
  dets=()
  for f in "${TRAINING_FAMILIES[@]}"; do dets+=(--detector "$OUT/without-$f.gan"); done
  GST_PLUGIN_PATH="$PWD/build/plugin" GST_GAN_MODELS_DIR="$PWD/models" /usr/bin/python3 \
    models/eval_pipeline.py --photos models/natural-photos.tsv --encoder x264 --frames 20 \
    "${groups[@]}" "${dets[@]}" --out "$OUT/x264.json.tmp" >"$OUT/x264.log" 2>&1
  mv "$OUT/x264.json.tmp" "$OUT/x264.json"
fi
python3 models/lofo_table.py "$OUT"
