#!/usr/bin/env bash
# Checks that every C and C++ file follows the repository's .clang-format (CI runs it).
# Fix with: clang-format -i $(git ls-files '*.c' '*.cpp' '*.h')
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format > /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang-format
fi
files=$(git ls-files '*.c' '*.cpp' '*.h')
clang-format --dry-run --Werror $files
echo "check-format: $(echo "$files" | wc -l) files follow .clang-format ($(clang-format --version))"
