#!/usr/bin/env bash
# The check a new user makes (issue 15): a 1280x720 H.264 clip of the 12 nature photographs of
# Debian's mate-backgrounds (60 frames each, all real), decoded and scored by gandetect with its
# defaults; prints how many frames it judged fake. Needs x264enc (gst-plugins-ugly) and avdec_h264
# (gst-libav). Usage: examples/photo-clip-check.sh [gandetect properties...]
set -euo pipefail
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$PWD/build/plugin}"
export GST_GAN_MODELS_DIR="${GST_GAN_MODELS_DIR:-$PWD/models}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
i=0
for f in /usr/share/backgrounds/mate/nature/*.jpg; do
  cp "$f" "$tmp/$(printf %02d $i).jpg"
  i=$((i + 1))
done
gst-launch-1.0 -q multifilesrc location="$tmp/%02d.jpg" index=0 stop-index=$((i - 1)) \
  caps=image/jpeg,framerate=1/2 ! jpegdec ! videoconvert ! videoscale ! \
  video/x-raw,width=1280,height=720,pixel-aspect-ratio=1/1 ! videorate ! \
  video/x-raw,framerate=30/1 ! x264enc bitrate=4000 ! mp4mux ! filesink location="$tmp/clip.mp4"
gst-launch-1.0 -m filesrc location="$tmp/clip.mp4" ! decodebin ! videoconvert ! \
  gandetect "$@" ! fakesink 2>&1 | grep -o 'gandetect-summary.*' | tr -d ';'
