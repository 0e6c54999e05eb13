#!/usr/bin/env bash
# build.sh - one entry point for newcomers and CI.
#
#   ./build.sh tour     install what is missing, build (release), run `missive tour`
#   ./build.sh test     install what is missing, build (release), run every default test
#   ./build.sh asan     the tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   ./build.sh tsan     the concurrent layers' tests under ThreadSanitizer
#   ./build.sh fuzz [SECONDS]   libFuzzer run over every decoder (default 60 s in all)
#   ./build.sh bench    build and run the benchmarks (long; not part of the tests)
#   ./build.sh deps     only install the dependencies
#
# Dependencies come from Debian 12 packages only (apt-get; sudo when not root).
set -euo pipefail
cd "$(dirname "$0")"

JOBS=${MISSIVE_JOBS:-$(nproc)}

# Packages every build needs, then what only tests, fuzzing and benchmarks need.
BUILD_PKGS=(g++ cmake ninja-build pkg-config libcli11-dev libfmt-dev nlohmann-json3-dev
            libtomlplusplus-dev libsodium-dev libasio-dev libseccomp-dev
            libgtest-dev libgmock-dev libbenchmark-dev
            cppzmq-dev libzmq3-dev libconcurrentqueue-dev libreaderwriterqueue-dev libboost-dev)
FUZZ_PKGS=(clang libclang-rt-14-dev)

log() { printf '\033[1m[build.sh]\033[0m %s\n' "$*" >&2; }

install_missing() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing missing packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "need root or sudo to install: ${missing[*]}"; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build_preset() {  # build_preset PRESET
  log "configuring and building preset '$1' with $JOBS jobs"
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1" -j "$JOBS"
}

cmd=${1:-}
shift || true
case "$cmd" in
  deps)
    install_missing "${BUILD_PKGS[@]}" "${FUZZ_PKGS[@]}" ;;
  tour)
    install_missing "${BUILD_PKGS[@]}"
    build_preset release
    exec build/release/tools/missive/missive tour "$@" ;;
  test)
    install_missing "${BUILD_PKGS[@]}"
    build_preset release
    ctest --preset release -j "$JOBS" "$@" ;;
  asan)
    install_missing "${BUILD_PKGS[@]}"
    build_preset asan
    ctest --preset asan -j "$JOBS" "$@" ;;
  tsan)
    install_missing "${BUILD_PKGS[@]}"
    build_preset tsan
    ctest --preset tsan -j "$JOBS" "$@" ;;
  fuzz)
    install_missing "${BUILD_PKGS[@]}" "${FUZZ_PKGS[@]}"
    exec fuzz/run.sh "${1:-60}" ;;
  bench)
    install_missing "${BUILD_PKGS[@]}"
    build_preset release
    exec bench/run.sh "$@" ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    [ -z "$cmd" ] || exit 2 ;;
esac
