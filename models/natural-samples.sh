#!/usr/bin/env bash
# The natural field GAN's pictures in models/samples/ (linked from the READMEs): 640x480 frames
# of three seeds, a 1280x720 frame, and stills 1 s apart of a 4 s panning walk, all by gangen
# (watermark on, as users get them). Run from the repository root after `bash tools/build.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH="$PWD/build/plugin"
MODEL="${1:-models/natural-field.gan}"
OUT=models/samples
still() { # seed width height file [more gangen properties]
  gst-launch-1.0 -q gangen model="$MODEL" num-buffers=1 seed="$1" "${@:5}" \
    ! video/x-raw,width="$2",height="$3" ! videoconvert ! jpegenc quality=92 \
    ! filesink location="$OUT/$4"
}
for seed in 1 2 3; do
  still "$seed" 640 480 "natural-640x480-seed$seed.jpg"
done
still 3 1280 720 natural-1280x720.jpg
# A clip: seed 3, panning 2 px per frame towards 30 degrees, walk keys 60 frames apart;
# frames 0, 30, 60, 90 (1 s apart at 30 frames/s).
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
gst-launch-1.0 -q gangen model="$MODEL" num-buffers=91 seed=3 drift-speed=2 drift-angle=30 \
  ! video/x-raw,width=640,height=480,framerate=30/1 ! videoconvert ! jpegenc quality=92 \
  ! multifilesink location="$TMP/%03d.jpg"
for f in 0 30 60 90; do
  cp "$TMP/$(printf %03d $f).jpg" "$OUT/natural-clip-frame$(printf %02d $f).jpg"
done
ls -la "$OUT"/natural-*
