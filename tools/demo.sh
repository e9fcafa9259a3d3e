#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install, build, train a DCGAN on Fashion-MNIST
# for a few minutes, write a sample grid from the model it made, and make natural video with
# the shipped field GAN.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-debian.sh
bash tools/build.sh

STEPS="${STEPS:-600}"   # ~40 000 images; a full epoch is 937 steps
OUT="${OUT:-demo}"
build/tools/gst-gan train --arch dcgan --steps "$STEPS" --seed 1 --out "$OUT"
build/tools/gst-gan sample --model "$OUT/model.gan" --count 64 --seed 7 --out "$OUT/grid.png"
echo
echo "demo: model $OUT/model.gan, samples $OUT/grid.png, losses $OUT/losses.png"

# gangen: a 1280x720 still and 5 s of panning 640x480 video from the shipped natural field
# GAN (colour, painted at the caps' size), the video encoded to a playable WebM file.
export GST_PLUGIN_PATH="$PWD/build/plugin"
gst-launch-1.0 -q gangen num-buffers=1 seed=3 ! video/x-raw,width=1280,height=720 \
  ! videoconvert ! pngenc ! filesink location="$OUT/gangen-1280x720.png"
echo "demo: wrote $OUT/gangen-1280x720.png"
gst-launch-1.0 -q gangen num-buffers=150 seed=3 drift-speed=2 drift-angle=30 \
  ! video/x-raw,width=640,height=480,framerate=30/1 ! videoconvert \
  ! vp8enc deadline=1 target-bitrate=2000000 ! webmmux ! filesink location="$OUT/gangen.webm"
echo "demo: wrote $OUT/gangen.webm (play it with: gst-play-1.0 $OUT/gangen.webm)"

# Provenance: the file says what made it (standard tags, as any player reads them), and every
# frame still carries gangen's invisible watermark after VP8 encoding: decode the file and let
# gandetect read the mark back (a 30-frame vote, as for any re-encoded stream).
echo "demo: tags of $OUT/gangen.webm (gst-discoverer-1.0):"
gst-discoverer-1.0 -v "$OUT/gangen.webm" | grep -E '^ +(comment|artist):' | sed 's/^ */  /' | sort -u
echo "demo: gandetect on the decoded file (watermark found, payload, frames):"
gst-launch-1.0 -m filesrc location="$OUT/gangen.webm" ! matroskademux ! vp8dec ! videoconvert \
  ! gandetect watermark-window=30 ! fakesink 2>&1 \
  | grep -o 'watermark-found=(boolean)[a-z]*, watermark-payload=(uint)[0-9]*' | sort | uniq -c

# gandetect's learned detectors, the watermark off so that they alone decide: the natural one
# (colour frames) on gangen's 1280x720 frames and on an x264 clip of real photographs; the
# Fashion-MNIST one (chosen for 28x28 grey caps) on the shipped DCGAN's samples and real test
# images.
summary() { gst-launch-1.0 -m "$@" 2>&1 | grep -o 'gandetect-summary.*' | tr -d ';'; }
echo "demo: gandetect on gangen's natural frames, 1280x720 (natural detector):"
summary gangen num-buffers=30 ! video/x-raw,width=1280,height=720 ! gandetect 'watermark-key=""' \
  ! fakesink
echo "demo: gandetect on an x264 clip of the 12 mate-backgrounds nature photos (real):"
bash examples/photo-clip-check.sh 'watermark-key=""'
echo "demo: gandetect on gangen frames (Fashion-MNIST DCGAN, 28x28 grey):"
summary gangen model=models/fmnist-dcgan.gan num-buffers=60 motion=random \
  ! video/x-raw,width=28,height=28 ! videoconvert ! video/x-raw,format=GRAY8 ! gandetect ! fakesink
build/tools/gst-gan export --count 60 --out "$OUT/real-%05d.png" > /dev/null
echo "demo: gandetect on real Fashion-MNIST test images:"
summary multifilesrc location="$OUT/real-%05d.png" stop-index=59 caps=image/png,framerate=30/1 \
  ! pngdec ! videoconvert ! gandetect ! fakesink
