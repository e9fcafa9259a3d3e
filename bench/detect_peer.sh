#!/usr/bin/env bash
# gandetect against the loop a Python user writes instead (issue #17, bench/peer_detect.py):
# the same TorchScript file on both sides, videotestsrc pattern=ball at 640x480 and 1280x720,
# RGB and I420, 1 and 2 threads (OMP_NUM_THREADS, OpenBLAS at 1 on both sides). Two models,
# made into a temporary folder by bench/reference.py: the shipped Fashion-MNIST detector
# exported to TorchScript (export-detector; 28x28 grey) and a ResNet-18 stand-in of natural-image
# detector size (resnet18-detector; 224x224 RGB, random weights). gandetect runs in-process
# (build/bench/pipeline_bench, best of 2, first frame excluded) with its defaults and with the
# watermark reading off (watermark-key=""); the peer is best of 2 too. The ResNet-18 runs a
# fifth of the frames (it scores ~20-40 a second). Prints a markdown table; JSON lines in
# build/detect-peer.jsonl.
# A case gandetect cannot run (a model it fails to load) is reported as failed, not fatal.
# Usage: bench/detect_peer.sh [frames=300 | quick] [models="fmnist-detector resnet18"]
#   (quick: 100 frames; BUILD=DIR: the plugin and pipeline_bench of another build folder)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300}"
[ "$N" = quick ] && N=100
MODELS="${2:-fmnist-detector resnet18}"
PY=/usr/bin/python3 # Debian's python3, where python3-torch and gi live
B="$(cd "${BUILD:-build}" && pwd)"
export GST_PLUGIN_PATH="$B/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export OPENBLAS_NUM_THREADS=1
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
J=build/detect-peer.jsonl
: >"$J"

$PY bench/reference.py export-detector --model models/fmnist-detector.gan --out "$OUT/fmnist-detector.pt"
$PY bench/reference.py resnet18-detector --out "$OUT/resnet18.pt"

for model in $MODELS; do
  M="$OUT/$model.pt"
  F=$N
  [ "$model" = resnet18 ] && F=$(( N / 5 > 20 ? N / 5 : 20 ))
  for format in RGB I420; do
    for size in 640x480 1280x720; do
      w="${size%x*}" h="${size#*x}"
      for t in 1 2; do
        echo "running: $model $format $size threads=$t" >&2
        SRC="videotestsrc num-buffers=$F pattern=ball ! video/x-raw,format=$format,width=$w,height=$h,framerate=30/1"
        # A queue before gandetect: the source runs on its own thread, as it does beside the
        # peer's appsink (which holds up to 2 buffers).
        D="queue max-size-buffers=2 ! gandetect name=dut model=$M"
        BF16=()
        [ "$model" = resnet18 ] && BF16=("bf16=$SRC ! $D bf16=true ! fakesink name=sink")
        if ! OMP_NUM_THREADS=$t "$B/bench/pipeline_bench" --repeat 2 \
          "default=$SRC ! $D ! fakesink name=sink" \
          "wm-off=$SRC ! $D watermark-key=\"\" ! fakesink name=sink" "${BF16[@]}" \
          >"$OUT/gst.txt" 2>"$OUT/gst.err"; then
          cat "$OUT/gst.err" >&2
          printf 'case -\n' >"$OUT/gst.txt" # the header; every case -1: failed
          for c in default wm-off; do printf '%s -1 0 0 ms 0 ms\n' $c >>"$OUT/gst.txt"; done
        fi
        # pipeline_bench's rows: case frames/s ms/frame p50 ms p95 ms
        awk -v f="$format" -v w="$w" -v h="$h" -v t="$t" -v m="$model.pt" 'NR > 1 {
          printf "{\"bench\": \"peer-detect\", \"impl\": \"gandetect-%s\", \"format\": \"%s\", \"width\": %d, \"height\": %d, \"threads\": %d, \"model\": \"%s\", \"frames_per_second\": %s, \"p50_ms\": %s, \"p95_ms\": %s}\n", $1, f, w, h, t, m, $2, $4, $6
        }' "$OUT/gst.txt" >>"$J"
        OMP_NUM_THREADS=$t $PY bench/peer_detect.py --model "$M" --format "$format" --width "$w" \
          --height "$h" --frames "$F" --threads "$t" --repeat 2 >>"$J"
      done
    done
  done
done

$PY - "$J" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
runs = {}
for r in rows:
    runs[(r["model"], r["format"], f'{r["width"]}x{r["height"]}', r["threads"], r["impl"])] = r
print("| model | format | size | threads | gandetect defaults | watermark off | bf16=true "
      "| Python peer | defaults / peer | watermark off / peer | bf16 / peer "
      "| p50 / p95 ms: gandetect | peer |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for key in dict.fromkeys(k[:4] for k in runs):
    d, w, py = (runs[key + (i,)] for i in ("gandetect-default", "gandetect-wm-off", "python"))
    peer = py["frames_per_second"]
    f = lambda v: f"{v:.1f}" if v > 0 else "failed"  # noqa: E731
    x = lambda v: f"{v / peer:.2f}x" if v > 0 else "-"  # noqa: E731
    lat = f"{d['p50_ms']:.2f} / {d['p95_ms']:.2f}" if d["frames_per_second"] > 0 else "-"
    b = runs.get(key + ("gandetect-bf16",), {}).get("frames_per_second")
    print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {f(d['frames_per_second'])} "
          f"| {f(w['frames_per_second'])} | {f(b) if b else '-'} | {peer:.1f} "
          f"| {x(d['frames_per_second'])} | {x(w['frames_per_second'])} | {x(b) if b else '-'} "
          f"| {lat} | {py['p50_ms']:.2f} / {py['p95_ms']:.2f} |")
PYEOF
