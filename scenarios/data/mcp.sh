#!/bin/sh
# A small MCP client over curl for scenario scripts, against $GATEWAY_URL (through $http_proxy
# when set). Every request carries the e2e suite's `e2e: client` header.
#   mcp.sh init [HEADER]          initialize (HEADER: one more request header); prints the
#                                 gateway session id
#   mcp.sh list SESSION [HEADER]  tools/list; prints the tool names, one per line
#   mcp.sh call SESSION TOOL ARGS tools/call with ARGS (JSON); prints the JSON-RPC response
#   mcp.sh close SESSION          DELETE the session; prints the HTTP status
#   mcp.sh listen SESSION FILE    opens the session's GET event stream in the background, its
#                                 events appended to FILE (the stream's pid in FILE.pid); returns
#                                 once the stream is open
#   mcp.sh await FILE TEXT        waits until FILE holds TEXT (at most 10 s of real time)
#   mcp.sh stop FILE              ends the stream `listen` opened
set -e

# post SESSION BODY [HEADER]: prints the JSON-RPC message of the answer (JSON or SSE).
post() {
  if [ -n "$3" ]; then set -- "$1" "$2" -H "$3"; else set -- "$1" "$2"; fi
  session=$1 body=$2
  shift 2
  curl -sS -X POST "$GATEWAY_URL" -H "e2e: client" -H "mcp-session-id: $session" \
    -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" \
    "$@" -d "$body" | sed 's/^data: //' | grep '^{' | tail -n 1
}

command=$1
shift
case "$command" in
  await | stop) ;;
  *) : "${GATEWAY_URL:?GATEWAY_URL is not set}" ;;
esac
case "$command" in
  init)
    if [ -n "$1" ]; then set -- -H "$1"; fi
    headers=$(mktemp)
    trap 'rm -f "$headers"' EXIT
    curl -sS -D "$headers" -o /dev/null -X POST "$GATEWAY_URL" -H "e2e: client" \
      -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" "$@" \
      -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"0.0.1"}}}'
    session=$(grep -i '^mcp-session-id:' "$headers" | cut -d' ' -f2 | tr -d '\r')
    test -n "$session"
    echo "$session"
    ;;
  list)
    post "$1" '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' "$2" | jq -r '.result.tools[].name'
    ;;
  call)
    post "$1" "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"$2\",\"arguments\":$3}}"
    ;;
  close)
    curl -sS -o /dev/null -w '%{http_code}\n' -X DELETE "$GATEWAY_URL" -H "e2e: client" \
      -H "mcp-session-id: $1"
    ;;
  listen)
    # In a session of its own: a runner ends what a script leaves in its process group. The
    # stream ends with `stop`, or when the gateway closes it.
    setsid curl -sS -N -D "$2.headers" "$GATEWAY_URL" -H "e2e: client" -H "mcp-session-id: $1" \
      -H "Accept: text/event-stream" < /dev/null > "$2" 2>&1 &
    echo $! > "$2.pid"
    # Returns once the stream is open, so what follows happens after it.
    sh "$0" await "$2.headers" '^HTTP/[0-9.]* 200'
    ;;
  await)
    tries=0
    until grep -q "$2" "$1"; do
      tries=$((tries + 1))
      if [ "$tries" -gt 200 ]; then
        echo "no '$2' in $1 after 10 s:" >&2
        cat "$1" >&2
        exit 1
      fi
      sleep 0.05
    done
    ;;
  stop)
    if [ -f "$1.pid" ]; then kill "$(cat "$1.pid")" 2> /dev/null || true; fi
    ;;
  *)
    echo "usage: mcp.sh init|list|call|close|listen|await|stop ..." >&2
    exit 2
    ;;
esac
