// Faults behind the gateway, with the real kubectl and curl: four servers are registered, one
// healthy, one whose Deployment is then scaled to 0, one that never answers and one that answers
// garbage. The healthy tools stay listed and callable throughout (also while one of them runs a
// slow call); each failure is reported where
// the reference reports it (the registration's Ready condition, the broker's /status and log);
// scaling the stopped server back up brings its tools back.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "process.hpp"

namespace mcpsim::testing {
namespace {

using Json = nlohmann::json;

const std::string kApply =
    "kubectl apply -f - >/dev/null <<'EOF'\n" + std::string(kGatewayExtensionYaml) +
    mcpServerYaml("healthy", "ghcr.io/kuadrant/mcp-gateway/test-server2:latest", "ok_") +
    mcpServerYaml("stopped", "ghcr.io/kuadrant/mcp-gateway/test-server1:latest", "stop_") +
    mcpServerYaml("hung", "ghcr.io/kuadrant/mcp-gateway/broken-server:latest", "hang_", "hang") +
    mcpServerYaml("junk", "ghcr.io/kuadrant/mcp-gateway/broken-server:latest", "junk_", "garbage") +
    "EOF\n"
    "kubectl wait --for=condition=Ready mcpsr/healthy mcpsr/stopped -n mcp-test --timeout=60s "
    ">/dev/null\n";

// A gateway session, then tools/list (names, one line) or one tools/call (its JSON-RPC reply).
const char* kSession = R"(U=http://mcp.127-0-0-1.sslip.io:8001/mcp
S=$(curl -s -D - -o /dev/null -X POST $U -H 'Content-Type: application/json' \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}' \
  | grep -i '^mcp-session-id:' | cut -d' ' -f2 | tr -d '\r')
rpc() { curl -s -X POST $U -H 'Content-Type: application/json' -H "mcp-session-id: $S" \
  -H 'Accept: application/json, text/event-stream' -d "$1" | sed 's/^data: //;/^event:/d;/^$/d'; }
)";

std::string toolNames(const ServeProcess& server) {
    CommandResult r = server.sh(std::string(kSession) +
                                R"(rpc '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' |
  jq -r '[.result.tools[].name] | join(",")')");
    return r.out;
}

Json call(const ServeProcess& server, const std::string& tool, const std::string& args) {
    CommandResult r =
        server.sh(std::string(kSession) +
                  R"(rpc '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":")" +
                  tool + R"(","arguments":)" + args + "}}'");
    return Json::parse(r.out, nullptr, false);
}

std::string readyMessage(const ServeProcess& server, const std::string& name) {
    return server
        .sh("kubectl get mcpsr " + name +
            " -n mcp-test -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status} "
            "{.status.conditions[?(@.type==\"Ready\")].message}'")
        .out;
}

// Output the server produces as things happen (a watch, a followed log), read until `needle`
// appears: a bounded wait on the event itself, not on time.
class Follow {
  public:
    Follow(const ServeProcess& server, const std::string& command) : cmd_(command, server.env()) {}
    bool until(const std::string& needle, std::chrono::seconds bound = std::chrono::seconds(60)) {
        return cmd_.waitForOutput(needle, bound);
    }

  private:
    BackgroundCommand cmd_;
};

std::string watchReady(const std::string& name) {
    return "kubectl get mcpsr " + name +
           " -n mcp-test -w -o "
           "jsonpath='{.status.conditions[?(@.type==\"Ready\")].message}{\"\\n\"}'";
}

const char* kFollowBrokerLog = "kubectl logs -f --tail=0 -n mcp-system deployment/mcp-gateway";

const std::string kHealthyTools = "ok_auth1234,ok_headers,ok_hello_world,ok_slow,ok_time";
const std::string kStoppedTools = "stop_add_tool,stop_greet,stop_headers,stop_slow,stop_time";

TEST(GatewayFaults, OtherServersStayUsableAndEachFailureIsReportedAndRecovered) {
    ServeProcess server(31, "--world seed");
    CommandResult applied = server.sh(kApply, std::chrono::seconds(90));
    ASSERT_EQ(applied.exitCode, 0) << applied.err;

    // The hung and the garbage server never become Ready, and say why.
    Follow hung(server, watchReady("hung"));
    ASSERT_TRUE(hung.until("context deadline exceeded")) << readyMessage(server, "hung");
    EXPECT_EQ(readyMessage(server, "hung"),
              "False failed to connect to upstream mcp mcp-test/hung:hang_:hung.mcp.local "
              "removing tools : failed to initialize client for upstream "
              "mcp-test/hung:hang_:hung.mcp.local : transport error: failed to send request: "
              "failed to send request: Post \"http://hung.mcp-test.svc.cluster.local:9090/mcp\": "
              "context deadline exceeded");
    Follow junk(server, watchReady("junk"));
    ASSERT_TRUE(junk.until("failed to decode response")) << readyMessage(server, "junk");
    EXPECT_EQ(readyMessage(server, "junk"),
              "False failed to connect to upstream mcp mcp-test/junk:junk_:junk.mcp.local "
              "removing tools : failed to initialize client for upstream "
              "mcp-test/junk:junk_:junk.mcp.local : transport error: failed to decode response: "
              "invalid character '<' looking for beginning of value");

    EXPECT_EQ(toolNames(server), kHealthyTools + "," + kStoppedTools + "\n");
    Json hello = call(server, "ok_hello_world", R"({"name":"faults"})");
    EXPECT_EQ(hello["result"]["content"][0]["text"], "Hello, faults!") << hello.dump();

    // A slow call holds its stream open (progress each second) while other calls go through.
    BackgroundCommand slow(std::string(kSession) +
                               R"(curl -sN -X POST $U -H 'Content-Type: application/json' \
  -H "mcp-session-id: $S" -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"ok_slow","arguments":{"seconds":"4"},"_meta":{"progressToken":"p"}}}')",
                           server.env());
    ASSERT_TRUE(slow.waitForOutput("\"progress\":1", std::chrono::seconds(20)));
    hello = call(server, "ok_hello_world", R"({"name":"meanwhile"})");
    EXPECT_EQ(hello["result"]["content"][0]["text"], "Hello, meanwhile!") << hello.dump();
    EXPECT_FALSE(slow.waitForOutput("\"result\"", std::chrono::milliseconds(0)))
        << "the slow call was still running";
    CommandResult slowDone = slow.finish(std::chrono::seconds(20));
    EXPECT_NE(slowDone.out.find("\"progress\":3"), std::string::npos) << slowDone.out;
    EXPECT_NE(slowDone.out.find("\"result\""), std::string::npos) << slowDone.out;

    // Stop one: at the broker's next health tick its ping fails and its tools leave the list;
    // the others stay callable, and its tools are not found.
    Follow brokerLog(server, kFollowBrokerLog);
    ASSERT_EQ(server.sh("kubectl scale deployment/stopped -n mcp-test --replicas=0").exitCode, 0);
    ASSERT_TRUE(brokerLog.until("msg=\"ping failed\""));
    EXPECT_EQ(toolNames(server), kHealthyTools + "\n");
    hello = call(server, "ok_hello_world", R"({"name":"still"})");
    EXPECT_EQ(hello["result"]["content"][0]["text"], "Hello, still!") << hello.dump();
    Json gone = call(server, "stop_greet", R"({"name":"x"})");
    EXPECT_EQ(gone["result"]["content"][0]["text"], "MCP error -32602: Tool not found")
        << gone.dump();

    // The broker's /status, read through the API server's service proxy, says why.
    CommandResult status = server.sh(
        "kubectl get --raw "
        "/api/v1/namespaces/mcp-system/services/mcp-gateway:8080/proxy/status/mcp-test/stopped");
    ASSERT_EQ(status.exitCode, 0) << status.err;
    const Json s = Json::parse(status.out, nullptr, false);
    EXPECT_EQ(s.value("ready", true), false) << status.out;
    EXPECT_EQ(s.value("message", "")
                  .rfind("upstream mcp failed to ping server "
                         "mcp-test/stopped:stop_:stopped.mcp.local removing "
                         "tools : transport error: ",
                         0),
              0u)
        << status.out;

    // Scale it back: at a later tick the broker connects again and its tools return.
    ASSERT_EQ(server.sh("kubectl scale deployment/stopped -n mcp-test --replicas=1").exitCode, 0);
    ASSERT_TRUE(brokerLog.until(
        "msg=\"Discovered tools\" component=broker sub-component=mcp-manager \"upstream mcp "
        "server\"=mcp-test/stopped:stop_:stopped.mcp.local"));
    EXPECT_EQ(toolNames(server), kHealthyTools + "," + kStoppedTools + "\n");
    Json greet = call(server, "stop_greet", R"({"name":"back"})");
    EXPECT_EQ(greet["result"]["content"][0]["text"], "Hi back") << greet.dump();
}

}  // namespace
}  // namespace mcpsim::testing
