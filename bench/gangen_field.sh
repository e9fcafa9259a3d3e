#!/usr/bin/env bash
# gangen with a field model (colour frames painted at the caps' size) against the Python loop a
# user would write around the same weights (bench/reference.py field: plain eager, and tuned:
# channels-last + bfloat16 autocast), same threads, same run; with GFLOP per frame and the share
# of the float32 peak (core_bench peak) measured in the same run.
# Usage: bench/gangen_field.sh [frames=150] [model=models/natural-field.gan] [threads="1 2"]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-150}"
MODEL="${2:-models/natural-field.gan}"
THREADS="${3:-1 2}"
PY=/usr/bin/python3 # Debian's python3, where python3-torch lives
export GST_PLUGIN_PATH="$PWD/build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

build/bench/core_bench peak >"$OUT/peak.jsonl"
for t in $THREADS; do
  for size in 640x480 1280x720; do
    w="${size%x*}" h="${size#*x}"
    caps="video/x-raw,format=RGB,width=$w,height=$h,framerate=30/1"
    OMP_NUM_THREADS=$t build/bench/pipeline_bench --repeat 3 --peer videotestsrc \
      "videotestsrc=videotestsrc num-buffers=$N ! $caps ! fakesink name=sink" \
      "gangen=gangen model=$MODEL num-buffers=$N ! $caps ! fakesink name=sink" \
      "gangen-nomark=gangen model=$MODEL num-buffers=$N watermark=false ! $caps ! fakesink name=sink" \
      >"$OUT/gst-$t-$size.txt"
    # The same element in float32 (GST_GAN_BF16=0), a second process beside the same peer.
    GST_GAN_BF16=0 OMP_NUM_THREADS=$t build/bench/pipeline_bench --repeat 3 --peer videotestsrc \
      "videotestsrc=videotestsrc num-buffers=$N ! $caps ! fakesink name=sink" \
      "gangen-float32=gangen model=$MODEL num-buffers=$N ! $caps ! fakesink name=sink" \
      >"$OUT/gst32-$t-$size.txt"
    for tuned in "" --tuned; do
      $PY bench/reference.py field --model "$MODEL" --width "$w" --height "$h" \
        --frames $((N / 3 + 1)) --threads "$t" $tuned >>"$OUT/python.jsonl"
    done
  done
done

$PY - "$OUT" "$MODEL" "$THREADS" <<'PYEOF'
import json, re, sys
sys.path.insert(0, "bench")
import torch
import reference
out, model, threads = sys.argv[1], sys.argv[2], sys.argv[3].split()
peak = {j["threads"]: j["gflops"] for j in map(json.loads, open(f"{out}/peak.jsonl"))}
py = [json.loads(l) for l in open(f"{out}/python.jsonl")]
header, tensors = reference.read_model(model)
c = header["config"]
net = reference.FieldGenerator(c["latent"], c["channels"], c.get("filters", 128)).eval()

def fps(path, case):
    for line in open(path):
        f = line.split()
        if f and f[0] == case:
            return float(f[1])
    raise SystemExit(f"{case} missing in {path}")

print("| size | threads | gangen (watermark) | no watermark | float32 | Python eager | Python tuned "
      "| gangen / eager | gangen / tuned | GFLOP/frame | GFLOP/s | of fp32 peak |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for t in threads:
    for size in ["640x480", "1280x720"]:
        w, h = map(int, size.split("x"))
        g = fps(f"{out}/gst-{t}-{size}.txt", "gangen")
        nm = fps(f"{out}/gst-{t}-{size}.txt", "gangen-nomark")
        f32 = fps(f"{out}/gst32-{t}-{size}.txt", "gangen-float32")
        eager = next(j["frames_per_second"] for j in py if j["threads"] == int(t)
                     and j["width"] == w and j["impl"] == "python")
        tuned = next(j["frames_per_second"] for j in py if j["threads"] == int(t)
                     and j["width"] == w and j["impl"] == "python-tuned")
        fh, fw = -(-h // 8) + 4, -(-w // 8) + 4
        gflop = reference.count_flops(net, torch.zeros(1, c["latent"], fh, fw)) / 1e9
        print(f"| {size} | {t} | {g:.1f} | {nm:.1f} | {f32:.1f} | {eager:.1f} | {tuned:.1f} "
              f"| {g / eager:.2f}x | {g / tuned:.2f}x | {gflop:.2f} | {g * gflop:.0f} "
              f"| {100 * g * gflop / peak[int(t)]:.0f}% |")
print(f"\nfloat32 peak (core_bench peak): " + ", ".join(f"{k} thread(s) {v:.1f} GFLOP/s" for k, v in sorted(peak.items())))
PYEOF
