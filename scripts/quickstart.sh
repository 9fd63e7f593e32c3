#!/usr/bin/env bash
# Quick start: install what is missing, build, and run the main job: replay our registration
# guide (docs/registration-guide.md) against a fresh simulated cluster and print the report.
# Extra arguments go to `mcpsim docs` (e.g. --json report.json); drop --fast with MCPSIM_LITERAL=1
# to replay on real time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
mode=(--fast)
[[ "${MCPSIM_LITERAL:-}" == 1 ]] && mode=()
status=0
build/sim/mcpsim docs "${mode[@]}" "$@" docs/registration-guide.md || status=$?
cat <<'TEXT'

To try it yourself against a running simulated cluster:
  build/sim/mcpsim serve --clock virtual     # then, in another shell, paste its export lines
and follow docs/registration-guide.md (or the guide we were given,
tests/data/mcp-server-registration.md). docs/getting-started.md and docs/cli.md say more.
TEXT
exit "$status"
