#!/usr/bin/env bash
# Installs what mcpsim needs to build and test on Debian 12, then nothing else.
# Safe to run repeatedly; only missing packages are installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libcpp-httplib-dev nlohmann-json3-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev libssl-dev libre2-dev
  clang-14 libclang-rt-14-dev
  libhiredis-dev redis-server
  curl jq openssl python3 python3-kubernetes python3-jsonschema
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

# The guide's gateway URL names mcp.127-0-0-1.sslip.io, which public DNS resolves to 127.0.0.1.
# Without DNS (CI machines have none), a hosts entry lets its curl commands run unedited; where
# /etc/hosts cannot be written, use the http_proxy line `mcpsim serve` prints instead.
gateway_host=mcp.127-0-0-1.sslip.io
if ! getent hosts "$gateway_host" >/dev/null 2>&1; then
  if echo "127.0.0.1 $gateway_host" | "${sudo_cmd[@]}" tee -a /etc/hosts >/dev/null 2>&1; then
    echo "setup: added '127.0.0.1 $gateway_host' to /etc/hosts"
  else
    echo "setup: cannot resolve $gateway_host and cannot write /etc/hosts; export the http_proxy line mcpsim serve prints" >&2
  fi
fi

# kubectl is not a Debian 12 package: the tests use the machine's own (any 1.27-1.33 client).
if ! command -v kubectl >/dev/null 2>&1; then
  echo "setup: kubectl not found on PATH; install a kubectl (1.27 to 1.33) and re-run" >&2
  exit 1
fi

# Node tools for the MCP end-to-end tests (official SDK client and conformance suite), from npm.
"$(dirname "$0")/mcp-tools.sh"
