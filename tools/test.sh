#!/usr/bin/env bash
# Installs, builds and runs the whole test suite (the README's test command; CI runs it natively
# and inside a Debian 13 root, see .ci/run). Builds into $GST_GAN_BUILD (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-debian.sh
bash tools/build.sh
build="${GST_GAN_BUILD:-build}"
status=0
meson test -C "$build" --print-errorlogs || status=$?
python3 tools/test-summary.py "$build" || true
exit $status
