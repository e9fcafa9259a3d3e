#!/usr/bin/env bash
# The issue-28 soak: SECONDS of 640x480@30 live video through gandetect ! ganpublish to a local
# mosquitto (QoS 1) that is stopped for 5 s and restarted twice (at 1/3 and 2/3 of the run);
# gst-launch's resident memory sampled every 10 s. Prints the frames made, ganpublish's EOS
# counts (records, delivered, dropped, outages) and the RSS samples' first, largest and last.
# gandetect infers every 3rd frame (the others carry its result, as their records say) so that
# one core keeps up with 30 frames/s. Usage: bench/ganpublish_soak.sh [seconds=1800]
set -euo pipefail
cd "$(dirname "$0")/.."
S="${1:-1800}"
export GST_PLUGIN_PATH="$PWD/build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
OUT="${SOAK_DIR:-$(mktemp -d)}"
mkdir -p "$OUT"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\n%s\n' "$port" \
  "$([ "$(id -u)" = 0 ] && echo 'user root')" >"$OUT/mosquitto.conf"
start_broker() {
  /usr/sbin/mosquitto -c "$OUT/mosquitto.conf" >>"$OUT/broker.log" 2>&1 &
  broker=$!
}
start_broker
trap 'kill $broker $pipeline 2>/dev/null || true' EXIT
sleep 0.5
frames=$((S * 30))
gst-launch-1.0 -m videotestsrc is-live=true num-buffers=$frames pattern=ball ! \
  video/x-raw,width=640,height=480,framerate=30/1 ! gandetect inference-interval=3 ! \
  ganpublish target=mqtt host=127.0.0.1 port="$port" qos=1 flush-timeout=20000 ! \
  fakesink sync=false >"$OUT/pipeline.log" 2>&1 &
pipeline=$!
: >"$OUT/rss.txt"
t=0
while kill -0 $pipeline 2>/dev/null; do
  rss=$(awk '/VmRSS/ { print $2 }' /proc/$pipeline/status 2>/dev/null || true)
  [ -n "$rss" ] && echo "$t $rss" >>"$OUT/rss.txt"
  for _ in $(seq 10); do
    sleep 1
    t=$((t + 1))
    if [ $t -eq $((S / 3)) ] || [ $t -eq $((2 * S / 3)) ]; then
      kill $broker; wait $broker 2>/dev/null || true
      echo "broker stopped at ${t} s" >>"$OUT/events.txt"
      sleep 5; t=$((t + 5))
      start_broker
      echo "broker restarted at ${t} s" >>"$OUT/events.txt"
    fi
    kill -0 $pipeline 2>/dev/null || break
  done
done
wait $pipeline || true
echo "frames made: $frames (${S} s at 30/1)"
grep -o "ganpublish-stats.*" "$OUT/pipeline.log" || echo "no ganpublish-stats message: see $OUT/pipeline.log"
grep -c "WARNING" "$OUT/pipeline.log" | sed 's/^/warnings posted: /'
cat "$OUT/events.txt"
awk 'NR == 1 { f = $2 } { if ($2 > m) m = $2; l = $2 } END { printf "RSS (kB): first %d, largest %d, last %d over %d samples\n", f, m, l, NR }' "$OUT/rss.txt"
