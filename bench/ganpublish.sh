#!/usr/bin/env bash
# What ganpublish adds to gandetect's frame time (issue 28 goal: <= 2 % at 1280x720), in the
# same run: videotestsrc ! gandetect ! fakesink beside the same with ganpublish writing JSON
# Lines to /dev/null, and publishing to a local mosquitto broker (QoS 1) started here on a free
# port. Two figures: the whole pipeline's frame time (noisy: +-10 % between runs here), and
# ganpublish's own time per frame on the streaming thread (pipeline_bench's "dut" latency,
# from its sink pad to its source pad) against gandetect's frame time.
# Usage: bench/ganpublish.sh [frames=150] [repeat=3]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-150}"
R="${2:-3}"
export GST_PLUGIN_PATH="$PWD/build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
OUT="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\n%s' "$port" \
  "$([ "$(id -u)" = 0 ] && echo 'user root')" >"$OUT/mosquitto.conf"
/usr/sbin/mosquitto -c "$OUT/mosquitto.conf" >"$OUT/broker.log" 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null; rm -rf "$OUT"' EXIT
sleep 0.5

src="videotestsrc num-buffers=$N pattern=ball ! video/x-raw,width=1280,height=720,framerate=30/1 ! gandetect"
build/bench/pipeline_bench --repeat "$R" --peer detect \
  "detect=$src ! fakesink name=sink" \
  "publish-file=$src ! ganpublish name=dut location=/dev/null ! fakesink name=sink" \
  "publish-mqtt=$src ! ganpublish name=dut target=mqtt host=127.0.0.1 port=$port qos=1 ! fakesink name=sink" \
  | tee "$OUT/r.txt"
awk '$1 == "detect" { d = $3 }
  $1 ~ /^publish/ { printf "%s: pipeline frame time %+.1f %%; ganpublish itself %.4f ms per frame = %.3f %% of gandetect'"'"'s frame time\n", $1, 100 * ($3 - d) / d, $4, 100 * $4 / d }' "$OUT/r.txt"
