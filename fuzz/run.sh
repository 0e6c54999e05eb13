#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] - build the fuzzers and run each on a copy of its seed corpus.
#
#   fuzz/run.sh          60 s in all, split evenly across the targets
#   fuzz/run.sh 3600     an hour in all
#
# Builds (or refreshes) the clang fuzz build in build-fuzz/ (MISSIVE_FUZZ_BUILD_DIR
# overrides), copies fuzz/corpus/<target>/ to fuzz/corpus-work/<target>/ (scratch,
# gitignored), runs fuzz_<target> there with -max_total_time, and prints the
# executions of each target (libFuzzer's final "Done N runs"). Crashing inputs
# land in fuzz/corpus-work/artifacts/<target>/. Exits 1 on any finding.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
total=${1:-60}
build=${MISSIVE_FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${MISSIVE_JOBS:-2}
work=$root/fuzz/corpus-work
targets=(frame record service bft profile tcp_auth)

if ! [[ "$total" =~ ^[0-9]+$ ]] || (( total < 1 )); then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi

log() { printf '\033[1m[fuzz]\033[0m %s\n' "$*" >&2; }

configure_if_needed() {
  if grep -qs '^MISSIVE_BUILD_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then return; fi
  log "configuring $build (clang, libFuzzer + ASan + UBSan)"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DMISSIVE_BUILD_FUZZ=ON \
    -DMISSIVE_BUILD_TESTS=OFF -DMISSIVE_BUILD_BENCH=OFF -DMISSIVE_BUILD_TOOLS=OFF \
    -DMISSIVE_BUILD_EXAMPLES=OFF >/dev/null
}

# run_target NAME SECONDS -> prints one summary line; returns 1 on a finding.
run_target() {
  local name=$1 seconds=$2
  local corpus=$work/$name artifacts=$work/artifacts/$name/ logfile=$work/$name.log
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  if [ -d "$root/fuzz/corpus/$name" ]; then cp -R "$root/fuzz/corpus/$name/." "$corpus/"; fi
  local rc=0
  "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -artifact_prefix="$artifacts" -print_final_stats=1 "$corpus" >"$logfile" 2>&1 || rc=$?
  local runs findings
  runs=$(grep -Eo 'Done [0-9]+ runs' "$logfile" | tail -n 1 | awk '{print $2}' || true)
  findings=$(find "$artifacts" -type f | wc -l)
  printf 'fuzz_%-8s %12s execs in %ss, %d finding(s), exit %d  (log: %s)\n' \
    "$name" "${runs:-unknown}" "$seconds" "$findings" "$rc" "${logfile#"$root"/}"
  if (( rc != 0 || findings > 0 )); then
    tail -n 30 "$logfile" >&2
    return 1
  fi
}

configure_if_needed
log "building fuzz targets with $jobs jobs"
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}" >/dev/null

per_target=$(( total / ${#targets[@]} ))
(( per_target >= 1 )) || per_target=1
status=0
for name in "${targets[@]}"; do
  log "fuzz_$name for ${per_target}s"
  run_target "$name" "$per_target" || status=1
done
exit "$status"
