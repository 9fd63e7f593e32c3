#!/bin/sh
# Prints the names of the tools the gateway lists, one per line: an MCP initialize, then
# tools/list in the session it opened. Needs GATEWAY_URL (and http_proxy for mcpsim's listener).
set -e
headers=$(mktemp)
trap 'rm -f "$headers"' EXIT
curl -s -D "$headers" -o /dev/null -X POST "$GATEWAY_URL" \
  -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"chainsaw","version":"1.0"}}}'
session=$(grep -i '^mcp-session-id:' "$headers" | cut -d' ' -f2 | tr -d '\r')
test -n "$session"
curl -s -X POST "$GATEWAY_URL" -H "mcp-session-id: $session" \
  -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" \
  -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
  | sed 's/^data: //' | grep '^{' | jq -r '.result.tools[].name'
