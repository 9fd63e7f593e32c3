#!/usr/bin/env bash
# Quick start, part one: install what is missing, build, and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
exec build/sim/mcpsim serve "$@"
