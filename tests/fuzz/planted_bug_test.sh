#!/usr/bin/env bash
# scripts/fuzz.sh must notice a crash: with the planted bug switched on, fuzzing one target
# finds it, reports it, and exits 1. Usage: planted_bug_test.sh BUILD_DIR
set -uo pipefail
build="$1"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
log=$(MCPSIM_FUZZ_PLANTED_BUG=1 MCPSIM_FUZZ_BUILD="$build" MCPSIM_FUZZ_OUT="$out" \
      "$(dirname "$0")/../../scripts/fuzz.sh" --no-build 60 selectors 2>&1)
rc=$?
echo "$log"
[ "$rc" = 1 ] || { echo "FAIL: fuzz.sh exited $rc, want 1"; exit 1; }
grep -q '^fuzz: 1 targets, 1 crashes$' <<<"$log" || { echo "FAIL: no crash count line"; exit 1; }
grep -q 'planted bug' <<<"$log" || { echo "FAIL: the finding is not the planted bug"; exit 1; }
grep -q '^  reproduce: ' <<<"$log" || { echo "FAIL: no reproduce command"; exit 1; }
echo "PASS"
