#!/usr/bin/env bash
# Quick start, part two: install what is missing, build once with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang, with libFuzzer coverage), run the whole test suite (unit,
# controller, end-to-end with the real kubectl/curl/jq and the Python client, fuzz corpora) on
# two cores, then fuzz every target for MCPSIM_FUZZ_SECONDS (default 3) each.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh asan
cd build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest -j2 --output-on-failure
cd ..
scripts/fuzz.sh --no-build "${MCPSIM_FUZZ_SECONDS:-3}"
