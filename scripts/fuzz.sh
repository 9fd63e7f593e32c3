#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for SECONDS each (two at a time, one per core),
# starting from its seed corpus, and reports one line per target and a closing
# `fuzz: N targets, M crashes` line. Exit 1 on any crash or broken invariant.
#
#   scripts/fuzz.sh SECONDS [TARGET...]        build (scripts/build.sh asan), then fuzz
#   scripts/fuzz.sh --no-build SECONDS [...]   use the existing build-asan as is
#
# Findings are saved under build-asan/fuzz/artifacts (MCPSIM_FUZZ_OUT); reproduce one with the command printed.
# A crash found becomes a regression input: copy it into tests/fuzz/corpus/TARGET/ (replayed by
# ctest as fuzz_replay_TARGET) and add a unit test for the bug.
set -euo pipefail
cd "$(dirname "$0")/.."
build=1
if [ "${1:-}" = "--no-build" ]; then build=0; shift; fi
seconds="${1:?usage: scripts/fuzz.sh [--no-build] SECONDS [TARGET...]}"
shift
[ "$build" = 1 ] && scripts/build.sh asan >/dev/null

root=$PWD
builddir="${MCPSIM_FUZZ_BUILD:-$root/build-asan}"  # where the targets were built
bin="$builddir/tests/fuzz"
[ -f "$bin/targets.txt" ] || { echo "fuzz: no targets in $bin (build with scripts/build.sh asan)" >&2; exit 2; }
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < "$bin/targets.txt"; fi

out="${MCPSIM_FUZZ_OUT:-$builddir/fuzz}"  # runs and findings
rm -rf "$out/runs"
mkdir -p "$out/runs" "$out/artifacts"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

# Targets that keep one server for the whole run allocate differently on every input, so
# libFuzzer's per-input leak check would run (and cost most of the time) on each; LeakSanitizer
# still checks them when the process ends.
stateful=" api_write api_patch http_apiserver http_gateway mcp_server broker "

run_one() {
    local t=$1 work="$out/runs/$1" leaks=1
    [[ "$stateful" == *" $t "* ]] && leaks=0
    mkdir -p "$work/corpus"
    local rc=0
    ( cd "$work" && exec "$bin/fuzz_$t" -max_total_time="$seconds" -timeout=20 \
        -detect_leaks=$leaks -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$t-" \
        corpus "$root/tests/fuzz/corpus/$t" > log 2>&1 ) || rc=$?
    echo "$rc" > "$work/rc"
}

jobs=$(nproc 2>/dev/null || echo 2)
running=0
for t in "${targets[@]}"; do
    [ -x "$bin/fuzz_$t" ] || { echo "fuzz: unknown target $t" >&2; exit 2; }
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true

crashes=0
for t in "${targets[@]}"; do
    work="$out/runs/$t"
    rc=$(cat "$work/rc")
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/log" | grep -o '[0-9]*$' || echo 0)
    last=$(grep -E '^#[0-9]+' "$work/log" | tail -1 || true)
    cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo 0)
    ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo 0)
    corp=$(grep -o 'corp: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo 0)
    found=0
    [ "$rc" = 0 ] || found=1
    crashes=$((crashes + found))
    echo "fuzz_$t: ${execs:-0} execs, cov ${cov:-0}, ft ${ft:-0}, corpus ${corp:-0}, $found crashes"
    if [ "$found" = 1 ]; then
        # The first line that says what was found, most specific first.
        for pattern in 'INVARIANT BROKEN' 'ERROR: (Address|Leak)Sanitizer' 'runtime error' \
                       'terminate called|what\(\)' 'ERROR: libFuzzer'; do
            if line=$(grep -a -m1 -E "$pattern" "$work/log"); then echo "  $line"; break; fi
        done
        artifact=$(grep -o "Test unit written to .*" "$work/log" | tail -1 | sed 's/Test unit written to //' || true)
        [ -n "$artifact" ] && echo "  reproduce: $bin/fuzz_$t $artifact"
        echo "  log: $work/log"
    fi
done
echo "fuzz: ${#targets[@]} targets, $crashes crashes"
[ "$crashes" = 0 ]
