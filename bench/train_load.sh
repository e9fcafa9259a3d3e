#!/usr/bin/env bash
# Training images/s (dcgan, Fashion-MNIST, batch 64) of `gst-gan train` with its default
# threads (measured while training: gan::AdaptiveThreads) and with 1 and 2 fixed, beside the
# plain Python loop (bench/reference.py train) at 1 and 2 threads, idle and with one other
# busy process (a Python spin loop) on the machine, all in one run. A case that would take
# longer than LIMIT seconds (2 threads under load can run 30x slower) prints "> LIMIT s".
# Usage: bench/train_load.sh [steps=300] [loaded steps=100]
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS="${1:-300}"
LOADED_STEPS="${2:-100}"
LIMIT=${LIMIT:-240}
PY=/usr/bin/python3 # Debian's python3, where python3-torch lives
export OPENBLAS_NUM_THREADS=1
OUT="$(mktemp -d)"
BUSY=
trap '[ -n "$BUSY" ] && kill $BUSY 2>/dev/null; rm -rf "$OUT"' EXIT

cpp() { # steps threads ("auto": the default)
  local args=()
  [ "$2" != auto ] && args=(--threads "$2")
  rm -rf "$OUT/t"
  if timeout "$LIMIT" build/tools/gst-gan train --arch dcgan --steps "$1" --batch-size 64 \
    "${args[@]}" --grid 8 --checkpoint-every 100000 --out "$OUT/t" >/dev/null 2>&1; then
    $PY -c "import json,sys; print('%.1f' % json.load(open(sys.argv[1]))['images_per_second'])" \
      "$OUT/t/summary.json"
  else
    echo "> $LIMIT s"
  fi
}
python_loop() { # steps threads
  local r
  if r=$(timeout "$LIMIT" $PY bench/reference.py train --steps "$1" --threads "$2"); then
    $PY -c "import json,sys; print('%.1f' % json.loads(sys.argv[1])['images_per_second'])" "$r"
  else
    echo "> $LIMIT s"
  fi
}
ratio() { $PY -c "import sys
a, b = sys.argv[1], sys.argv[2]
print('%.2fx' % (float(a) / float(b)) if '>' not in a + b else '-')" "$1" "$2"; }

row() { # condition steps
  local d one two p1 p2 best
  d=$(cpp "$2" auto); one=$(cpp "$2" 1); two=$(cpp "$2" 2)
  p1=$(python_loop "$2" 1); p2=$(python_loop "$2" 2)
  best=$($PY -c "import sys
v = [float(x) for x in sys.argv[1:] if '>' not in x]
print(max(v) if v else '> $LIMIT s')" "$p1" "$p2")
  echo "| $1 | $d | $one | $two | $p1 | $p2 | $(ratio "$d" "$best") | $(ratio "$d" "$one") |"
}

echo "| machine | gst-gan default (adaptive) | gst-gan 1 thread | gst-gan 2 threads | Python 1 thread | Python 2 threads | default / Python's best | default / gst-gan 1 thread |"
echo "|---|---|---|---|---|---|---|---|"
row idle "$STEPS"
$PY -c "while True: pass" &
BUSY=$!
row "one busy process" "$LOADED_STEPS"
