#!/usr/bin/env bash
# Time from starting `mcpsim serve` to the first successful `kubectl get ns`, over several runs,
# next to kubectl's own cost against an already running server (so the server's share shows).
# Usage: bench/startup.sh [path/to/mcpsim] [runs]
set -euo pipefail
bin="${1:-build/sim/mcpsim}"
runs="${2:-7}"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
export KUBECACHEDIR="$tmp/cache" KUBECONFIG="$tmp/kubeconfig"

now_ms() { date +%s%3N; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "min %d ms  median %d ms  max %d ms\n", a[1], a[int((NR+1)/2)], a[NR]}'; }

: > "$tmp/ready"; : > "$tmp/first-get"; : > "$tmp/kubectl-only"
for i in $(seq "$runs"); do
  rm -rf "$KUBECACHEDIR"
  start=$(now_ms)
  "$bin" serve --port 0 --kubeconfig "$KUBECONFIG" > "$tmp/out" 2>/dev/null &
  pid=$!
  until grep -q ready "$tmp/out" 2>/dev/null; do sleep 0.001; done
  echo $(( $(now_ms) - start )) >> "$tmp/ready"
  until kubectl get ns >/dev/null 2>&1; do sleep 0.001; done
  echo $(( $(now_ms) - start )) >> "$tmp/first-get"
  # kubectl against the running server (discovery cached now): the client's own share.
  t=$(now_ms); kubectl get ns >/dev/null; echo $(( $(now_ms) - t )) >> "$tmp/kubectl-only"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo "serve start -> ready line:              $(stats < "$tmp/ready")"
echo "serve start -> first kubectl get ns ok: $(stats < "$tmp/first-get")  (cold kubectl cache)"
echo "kubectl get ns vs running server:       $(stats < "$tmp/kubectl-only")  (mostly the client)"
