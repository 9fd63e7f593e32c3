#!/usr/bin/env bash
# The catalogue on virtual time against the same catalogue on real time (`--real`, as it would
# run against `mcpsim serve` or a cluster: sleeps, health-check intervals and requeues take their
# real seconds). Prints both wall times and the ratio; the real-time run takes minutes.
# Usage: bench/catalogue_real.sh [PATH...]   (after scripts/build.sh release)
set -euo pipefail
cd "$(dirname "$0")/.."
paths=("$@")
[[ ${#paths[@]} -gt 0 ]] || paths=(scenarios/)
bin=build/sim/mcpsim
timed() {  # prints "SECONDS SUMMARY" for one run of mcpsim run with the given flags
  local start end summary
  start=$(date +%s.%N)
  summary=$("$bin" run --quiet "$@" "${paths[@]}" 2>&1 | tail -1) || true
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v m="$summary" 'BEGIN { printf "%.2f %s\n", e - s, m }'
}
read -r virtual vsummary < <(timed)
echo "virtual time: ${virtual} s ($vsummary)"
read -r real rsummary < <(timed --real)
echo "real time:    ${real} s ($rsummary)"
awk -v v="$virtual" -v r="$real" 'BEGIN { printf "real / virtual: %.0fx\n", r / v }'
