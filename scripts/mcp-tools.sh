#!/usr/bin/env bash
# Installs the pinned Node tools the MCP end-to-end tests drive (Node 22 runtime, the official
# TypeScript SDK client and the official conformance suite) into build-tools/mcp-clients/.
# Needs only the npm registry. Safe to run repeatedly: does nothing when the pins are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${MCP_TOOLS_DIR:-build-tools/mcp-clients}"

pins=(
  node@22.23.3
  @modelcontextprotocol/sdk@1.32.2
  @modelcontextprotocol/conformance@0.1.16
)

# Installed version of an npm package in $dir, or nothing.
installed_version() {
  local manifest="$dir/node_modules/$1/package.json"
  [ -f "$manifest" ] &&
    sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$manifest" | head -n1
}

missing=()
for pin in "${pins[@]}"; do
  name="${pin%@*}"
  want="${pin##*@}"
  [ "$(installed_version "$name")" = "$want" ] || missing+=("$pin")
done

if [ "${#missing[@]}" -eq 0 ] && [ -x "$dir/node_modules/.bin/node" ]; then
  echo "mcp-tools: pinned MCP tools present in $dir"
  exit 0
fi

# npm only fetches the packages; the tests run the Node 22 it installs.
if ! command -v npm >/dev/null 2>&1; then
  echo "mcp-tools: installing Debian's npm"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends npm
fi

echo "mcp-tools: installing ${pins[*]} into $dir"
mkdir -p "$dir"
[ -f "$dir/package.json" ] || (cd "$dir" && npm init -y >/dev/null)
(cd "$dir" && npm install --save-exact --no-fund --no-audit --loglevel=error "${pins[@]}")

# The npm node package puts Node 22 first on PATH for everything under node_modules/.bin.
version="$("$dir/node_modules/.bin/node" --version)"
case "$version" in
  v22.*) echo "mcp-tools: ready (node $version)" ;;
  *) echo "mcp-tools: expected node v22, got $version" >&2; exit 1 ;;
esac
