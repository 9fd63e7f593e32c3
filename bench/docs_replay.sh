#!/usr/bin/env bash
# The docs replay's own cost. A: `mcpsim docs --fast` of our registration guide (a fresh world,
# every block run and judged). B: the same blocks, the same kubectl/curl/jq processes in one
# bash session, against a do-nothing HTTP server that answers `{}` to everything. They run in
# turn, RUNS pairs; the median of the per-pair ratios A/B is the simulator's share (target: 1.2
# or less, since each kubectl process alone costs ~75-190 ms here). B's kubectl gives up at the
# first `{}` where A's parses real discovery and OpenAPI documents, so the ratio carries client
# work too; the simulator's own share is printed apart: the CPU time of the `mcpsim docs`
# process itself (its world and runner, not the shell's children) per command of the page.
# Usage: bench/docs_replay.sh [RUNS] [PAGE]   (after scripts/build.sh release)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
page=${2:-docs/registration-guide.md}
bin=build/sim/mcpsim
tmp=$(mktemp -d)
python3 - "$tmp/port" <<'PY' &
import http.server, sys
class DoNothing(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DoNothing)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
PY
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 200); do [[ -s "$tmp/port" ]] && break; sleep 0.01; done
port=$(cat "$tmp/port")
cat > "$tmp/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: n, cluster: {server: "http://127.0.0.1:$port"}}]
contexts: [{name: n, context: {cluster: n, user: u}}]
current-context: n
users: [{name: u, user: {}}]
KC
# The page's shell blocks, in order, as one script.
awk '/^```(bash|sh|shell)[[:space:]]*$/{on=1; next} /^```/{on=0} on' "$page" > "$tmp/blocks.sh"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
a=(); b=(); ratios=(); cpu=()
# Commands of the page: kubectl and curl invocations (heredoc bodies and comments aside).
commands=$(grep -cE '^\s*(kubectl|curl|SESSION_ID=\$\(grep)' "$tmp/blocks.sh" || true)
for _ in $(seq "$runs"); do
  t0=$(now_ms); "$bin" docs --fast --quiet --json "$tmp/report.json" "$page" > /dev/null; t1=$(now_ms)
  cpu+=("$(jq '.simulatorCpuMs | floor' "$tmp/report.json")")
  (cd "$tmp" && KUBECONFIG="$tmp/kubeconfig" KUBECACHEDIR="$tmp/cache" \
     http_proxy="http://127.0.0.1:$port" no_proxy= bash "$tmp/blocks.sh" > /dev/null 2>&1) || true
  t2=$(now_ms)
  a+=($((t1 - t0))); b+=($((t2 - t1)))
  ratios+=("$(awk -v x=$((t1 - t0)) -v y=$((t2 - t1)) 'BEGIN{printf "%.3f", x / y}')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
echo "page: $page, $runs pairs"
echo "A mcpsim docs --fast (ms):         median $(median "${a[@]}")  all ${a[*]}"
echo "B same processes, do-nothing (ms): median $(median "${b[@]}")  all ${b[*]}"
echo "A/B per pair:                      median $(median "${ratios[@]}")  all ${ratios[*]}"
echo "simulator CPU in A (ms):           median $(median "${cpu[@]}")  all ${cpu[*]}  ($commands commands)"
echo "simulator CPU per command (ms):    $(awk -v c="$(median "${cpu[@]}")" -v n="$commands" 'BEGIN{printf "%.1f", c / n}')"
