#!/usr/bin/env bash
# Configures and builds mcpsim. Usage: scripts/build.sh [release|asan]
set -euo pipefail
cd "$(dirname "$0")/.."
flavor="${1:-release}"
case "$flavor" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  # The sanitizer build (the one CI runs) uses clang so that the same build holds the libFuzzer
  # targets of tests/fuzz; light debug info keeps it fast to compile.
  asan)    dir=build-asan; export CC=clang-14 CXX=clang++-14
           flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g1" -DMCPSIM_SANITIZE=ON
                  -DMCPSIM_FUZZ=ON -DMCPSIM_BUILD_BENCH=OFF) ;;
  *) echo "usage: $0 [release|asan]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
ninja -C "$dir"
