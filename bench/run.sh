#!/usr/bin/env bash
# bench/run.sh - run every benchmark binary of a release build, output in bench/results/.
#   bench/run.sh [extra Google Benchmark flags]
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results
mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
for bin in build/release/bench/*_bench; do
  name=$(basename "$bin")
  echo "== $name ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
  "$bin" "$@" | tee "$out/$name-$stamp.txt"
done
