// The gateway URL of the registration guide with the real curl, in each supported way of
// reaching it: a hosts entry for mcp.127-0-0-1.sslip.io (what scripts/setup.sh writes where DNS
// is missing) with the listener on port 8001, and the listener as curl's HTTP proxy (any port,
// no name resolution at all). Also: what the Gateway answers for paths no route matches.
#include <gtest/gtest.h>
#include <netdb.h>

#include <cstdlib>

#include "process.hpp"
#include "skip.hpp"

namespace mcpsim::testing {
namespace {

const std::string kRegister = registerApiKeyServerScript("p_");

// initialize, then tools/list and a tools/call with the session, as one script.
const char* kSession = R"(set -e
U=http://mcp.127-0-0-1.sslip.io:8001/mcp
S=$(curl -sf -D - -o /dev/null -X POST $U -H 'Content-Type: application/json' \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}' \
  | grep -i '^mcp-session-id:' | cut -d' ' -f2 | tr -d '\r')
curl -sf -X POST $U -H 'Content-Type: application/json' -H "mcp-session-id: $S" \
  -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' | jq -c '[.result.tools[].name]'
curl -sf -X POST $U -H 'Content-Type: application/json' -H "mcp-session-id: $S" \
  -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"p_hello_world","arguments":{"name":"e2e"}}}' \
  | sed -n 's/^data: //p' | jq -c '.result.content[0].text'
)";

bool resolves(const char* host) {
    addrinfo* res = nullptr;
    if (getaddrinfo(host, nullptr, nullptr, &res) != 0) return false;
    freeaddrinfo(res);
    return true;
}

TEST(GatewayE2E, HostsEntryAndPort8001ServeTheGuideUrlUnedited) {
    if (!resolves("mcp.127-0-0-1.sslip.io")) {
        MCPSIM_SKIP_OR_FAIL_IN_CI(
            "mcp.127-0-0-1.sslip.io does not resolve here (no DNS, no hosts "
            "entry; scripts/setup.sh writes one where DNS is missing)");
    }
    ServeProcess server(31, "--world seed --gateway-port 8001");
    EXPECT_NE(server.readyLine().find("gateway=http://mcp.127-0-0-1.sslip.io:8001/mcp"),
              std::string::npos)
        << server.readyLine();
    ASSERT_EQ(server.sh(kRegister).exitCode, 0);
    Env env = server.env();
    env.erase("http_proxy");  // name resolution only
    CommandResult r = runShell(kSession, env);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.out, "[\"p_hello_world\"]\n\"Hello, e2e! (from authenticated server)\"\n");
}

TEST(GatewayE2E, ListenerAsHttpProxyNeedsNoNameResolution) {
    ServeProcess server(31, "--world seed");
    ASSERT_FALSE(server.gatewayListener().empty()) << server.readyLine();
    ASSERT_EQ(server.sh(kRegister).exitCode, 0);
    CommandResult r = server.sh(kSession);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.out, "[\"p_hello_world\"]\n\"Hello, e2e! (from authenticated server)\"\n");
    // curl says it used the proxy, so no DNS or hosts entry was involved.
    CommandResult v = server.sh("curl -sv -o /dev/null http://mcp.127-0-0-1.sslip.io:8001/");
    EXPECT_NE(v.err.find("Uses proxy env variable http_proxy"), std::string::npos) << v.err;
}

TEST(GatewayE2E, UnroutedPathsGetTheGateways404AndBadMcpGetsTheRoutersAnswers) {
    ServeProcess server(31, "--world seed");
    CommandResult r = server.sh(
        "curl -s -o /dev/null -w '%{http_code}\\n' http://mcp.127-0-0-1.sslip.io:8001/nothing\n"
        "curl -s -w ' %{http_code}\\n' -X POST http://mcp.127-0-0-1.sslip.io:8001/mcp "
        "-H 'Content-Type: application/json' -d "
        "'{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}'\n"
        "curl -s -w ' %{http_code}\\n' -X POST http://mcp.127-0-0-1.sslip.io:8001/mcp "
        "-H 'Content-Type: application/json' -d "
        "'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}'\n"
        "curl -s -D - -o /dev/null "
        "http://mcp.127-0-0-1.sslip.io:8001/.well-known/oauth-protected-resource "
        "| tr -d '\\r' | grep -i '^server:'\n");
    EXPECT_EQ(r.out,
              "404\n"
              "invalid mcp request 400\n"
              "Invalid session ID\n 400\n"
              "server: istio-envoy\n")
        << r.err;
}

// Envoy buffers a body for the router up to 1 MiB; past that it answers 413 itself, the
// router never sees the request, and the session that sent it still works.
TEST(GatewayE2E, OversizeBodyGetsEnvoys413AndTheSessionLivesOn) {
    ServeProcess server(31, "--world seed");
    ASSERT_EQ(server.sh(kRegister).exitCode, 0);
    CommandResult r = server.sh(R"(set -e
U=http://mcp.127-0-0-1.sslip.io:8001/mcp
S=$(curl -sf -D - -o /dev/null -X POST $U -H 'Content-Type: application/json' \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}' \
  | grep -i '^mcp-session-id:' | cut -d' ' -f2 | tr -d '\r')
big() { printf '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"p_hello_world","arguments":{"name":"'
  head -c "$1" /dev/zero | tr '\0' a; printf '"}}}'; }
big 1100000 > big.json
big 9000000 > huge.json
for f in big.json huge.json; do
  { curl -s -D - -X POST $U -H 'Content-Type: application/json' -H "mcp-session-id: $S" \
    --data-binary @$f; echo; } | tr -d '\r' | grep -Ei '^(HTTP|server:|content-type:)|Payload'
done
curl -sf -X POST $U -H 'Content-Type: application/json' -H "mcp-session-id: $S" \
  -d '{"jsonrpc":"2.0","id":3,"method":"tools/list"}' | jq -c '[.result.tools[].name]'
)");
    EXPECT_EQ(r.exitCode, 0) << r.err;
    const std::string envoy413 =
        "HTTP/1.1 413 Payload Too Large\ncontent-type: text/plain\nserver: istio-envoy\n"
        "Payload Too Large\n";
    EXPECT_EQ(r.out, envoy413 + envoy413 + "[\"p_hello_world\"]\n");
}

}  // namespace
}  // namespace mcpsim::testing
