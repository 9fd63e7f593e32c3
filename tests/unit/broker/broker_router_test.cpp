// spec/broker.md section 13, scenarios 46-68: requests through the Gateway data plane (G), with
// the broker's router as its external processor. Mocks record what they receive, so the tests
// check what the upstream saw as well as what the client got.
#include "broker/broker_fixture.hpp"
#include "gateway_fixture_objects.hpp"
#include "mcpsim/core/yaml.hpp"

namespace mcpsim::broker_testing {
namespace {

using core::kube::Gvk;
using core::kube::ObjectKey;

const core::http::Endpoint kGatewayAt{"mcp-gateway-istio.gateway-system.svc.cluster.local", 8080};
constexpr const char* kPublicHost = "mcp.127-0-0-1.sslip.io";

// A Service on port 9090 in mcp-test and an HTTPRoute `route` sending `hostname` to it.
std::string backendRoute(const std::string& route, const std::string& svc,
                         const std::string& hostname) {
    return "---\napiVersion: v1\nkind: Service\nmetadata: {name: " + svc +
           ", namespace: mcp-test}\nspec:\n  ports: [{port: 9090}]\n"
           "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
           "metadata: {name: " +
           route +
           ", namespace: mcp-test}\nspec:\n"
           "  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]\n"
           "  hostnames: [" +
           hostname + "]\n  rules: [{backendRefs: [{name: " + svc + ", port: 9090}]}]\n";
}

const std::string kWorld =
    std::string(::mcpsim::testing::fixture::kGatewayBase) + R"(---
apiVersion: v1
kind: Service
metadata: {name: mcp-gateway, namespace: mcp-system}
spec:
  ports: [{port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: mcp-gateway-route, namespace: mcp-system}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [mcp.127-0-0-1.sslip.io]
  rules:
  - matches: [{path: {type: PathPrefix, value: /mcp}}]
    backendRefs: [{name: mcp-gateway, port: 8080}]
)" + backendRoute("s2", "mcp-test-server2", "server2.mcp.local") +
    backendRoute("apikey", "mcp-test-api-key", "apikey.mcp.local") +
    backendRoute("s1", "mcp-test-server1", "server1.mcp.local") +
    backendRoute("custompath", "mcp-test-custom-path", "custompath.mcp.local") +
    backendRoute("custom-resp", "mcp-test-custom-response", "customresp.mcp.local") +
    // Not registered with the broker: only reachable by a hairpin (F2).
    backendRoute("evil", "mcp-test-evil", "evil.mcp.local");

// A broker config entry for a server in mcp-test at port 9090.
std::string entry(const std::string& name, const std::string& svc, const std::string& path,
                  const std::string& hostname, const std::string& prefix) {
    return "  - name: mcp-test/" + name + "\n    url: http://" + svc +
           ".mcp-test.svc.cluster.local:9090" + path + "\n    hostname: " + hostname +
           "\n    toolPrefix: " + prefix + "\n";
}

class BrokerRouter : public BrokerFixture {
  protected:
    void SetUp() override {
        auto applied = world.apply(kWorld);
        ASSERT_TRUE(applied.ok()) << applied.error().message;
        dataPlane = std::make_unique<gateway::DataPlane>(runtime, world.client(), *network);
        dataPlane->setExtProcessor(&broker().router());
        dataPlane->start();
        gatewayListener = network->listen(kGatewayAt, dataPlane->handler());
        listenBrokerAt({"mcp-gateway.mcp-system.svc.cluster.local", 8080});
        startMock("mcp-test-server2", "server2");
        startMock("mcp-test-api-key", "api-key",
                  {{"EXPECTED_AUTH", "Bearer test-api-key-secret-token"}});
        startMock("mcp-test-server1", "server1");
        startMock("mcp-test-custom-path", "custom-path");
        startMock("mcp-test-custom-response", "custom-response");
        startMock("mcp-test-evil", "server1");
        applyConfig("servers:\n" + server2Entry() +
                    entry("apikey", "mcp-test-api-key", "/mcp", "apikey.mcp.local", "apikey_") +
                    "    credential: \"Bearer test-api-key-secret-token\"\n" +
                    entry("s1", "mcp-test-server1", "/mcp", "server1.mcp.local", "test1_") +
                    entry("custompath", "mcp-test-custom-path", "/v1/special/mcp",
                          "custompath.mcp.local", "custompath_") +
                    entry("custom-resp", "mcp-test-custom-response", "/mcp", "customresp.mcp.local",
                          "custom_resp_"));
        runtime.runFor(std::chrono::seconds(1));
    }
    void TearDown() override {
        gatewayListener.reset();
        dataPlane.reset();
    }
    // POST through G with the public host.
    Reply viaG(const std::string& body, const std::string& session = "", Headers extra = {}) {
        Request req;
        req.method = "POST";
        req.target = "/mcp";
        req.headers = std::move(extra);
        req.headers.set("Host", kPublicHost);
        req.headers.set("Content-Type", "application/json");
        req.headers.set("Accept", "application/json, text/event-stream");
        if (!session.empty()) req.headers.set("Mcp-Session-Id", session);
        req.body = body;
        return send(std::move(req), kGatewayAt);
    }
    std::string initViaG() {
        Reply r = viaG(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":)"
                       R"({"protocolVersion":"2025-06-18","capabilities":{},)"
                       R"("clientInfo":{"name":"c","version":"1"}}})");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.headers.value("Mcp-Session-Id");
    }
    Reply callViaG(const std::string& session, const std::string& tool, const Json& args,
                   Headers extra = {}) {
        Json msg = {{"jsonrpc", "2.0"},
                    {"id", 11},
                    {"method", "tools/call"},
                    {"params", {{"name", tool}, {"arguments", args}}}};
        return viaG(msg.dump(), session, std::move(extra));
    }
    // Every text item of the result, one per line (the headers tool answers one per header).
    static std::string text(const Reply& r) {
        std::string out;
        for (const auto& c : r.message().value("/result/content"_json_pointer, Json::array())) {
            out += c.value("text", "") + "\n";
        }
        return out;
    }

    // The requests the mock at `svc` received from the router's hairpin client (the broker's own
    // discovery client does not say user-agent mcp-router).
    std::vector<Request> hairpinInitializes(const std::string& svc) {
        std::vector<Request> out;
        for (const auto& r : requestsTo(svc)) {
            if (r.headers.value("user-agent") == "mcp-router" &&
                r.body.find("\"initialize\"") != std::string::npos) {
                out.push_back(r);
            }
        }
        return out;
    }
    // The last tools/call the mock at `svc` received.
    Request lastToolsCall(const std::string& svc) {
        const auto& seen = requestsTo(svc);
        for (auto it = seen.rbegin(); it != seen.rend(); ++it) {
            if (it->body.find("\"tools/call\"") != std::string::npos) return *it;
        }
        ADD_FAILURE() << svc << " received no tools/call";
        return {};
    }

    std::unique_ptr<gateway::DataPlane> dataPlane;
    std::unique_ptr<core::http::Listener> gatewayListener;
};

TEST_F(BrokerRouter, S13_46_HostRewrittenToPublicHost) {
    // The client's Host carries a port and other case; Gateway matching ignores both, and the
    // router hands the broker the configured public host.
    Headers h;
    h.set("Host", "MCP.127-0-0-1.sslip.io:8001");
    Request req;
    req.method = "POST";
    req.target = "/mcp";
    req.headers = h;
    req.headers.set("Content-Type", "application/json");
    req.headers.set("Accept", "application/json, text/event-stream");
    req.body = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})";
    brokerRequests.clear();
    Reply r = send(std::move(req), kGatewayAt);
    EXPECT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(brokerRequests.size(), 1u);
    EXPECT_EQ(brokerRequests[0].headers.value("Host"), kPublicHost);

    // A request without a body (GET, the notification stream) is rewritten too.
    Request stream;
    stream.method = "GET";
    stream.target = "/mcp";
    stream.headers.set("Host", "mcp.127-0-0-1.sslip.io:8001");
    stream.headers.set("Accept", "text/event-stream");
    stream.headers.set("Mcp-Session-Id", r.headers.value("Mcp-Session-Id"));
    Reply g = send(std::move(stream), kGatewayAt);
    EXPECT_EQ(g.status, 200) << g.body;
    ASSERT_EQ(brokerRequests.size(), 2u);
    EXPECT_EQ(brokerRequests[1].method, "GET");
    EXPECT_EQ(brokerRequests[1].headers.value("Host"), kPublicHost);
}

TEST_F(BrokerRouter, S13_47_InitializeThroughGateway) {
    brokerRequests.clear();
    const std::string s = initViaG();
    EXPECT_EQ(std::count(s.begin(), s.end(), '.'), 2) << s;
    ASSERT_EQ(brokerRequests.size(), 1u);
    EXPECT_EQ(brokerRequests[0].headers.value("x-mcp-method"), "initialize");
    EXPECT_EQ(brokerRequests[0].headers.value("x-mcp-servername"), "mcpBroker");
    // The broker accepts it directly: the JWT reached the client unchanged.
    EXPECT_EQ(rpc("tools/list", Json::object(), s).status, 200);
}

TEST_F(BrokerRouter, S13_48_to_50_InvalidMcp) {
    for (const char* body :
         {R"({"jsonrpc":"1.0","id":1,"method":"ping"})", R"({"jsonrpc":"2.0","id":1})",
          R"({"jsonrpc":"2.0","method":"tools/list"})"}) {
        Reply r = viaG(body, initViaG());
        EXPECT_EQ(r.status, 400) << body;
        EXPECT_EQ(r.body, "invalid mcp request") << body;
    }
}

TEST_F(BrokerRouter, S13_51_NotificationReachesBroker) {
    Reply r =
        viaG(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{}})", initViaG());
    EXPECT_EQ(r.status, 202);
}

TEST_F(BrokerRouter, S13_52_NoToolName) {
    Reply r = viaG(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}})", initViaG());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "no tool name set");
}

TEST_F(BrokerRouter, S13_53_NoSession) {
    Reply r = callViaG("", "test2_time", Json::object());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "no session ID found");
}

TEST_F(BrokerRouter, S13_54_GarbageSession) {
    Reply r = callViaG("garbage", "test2_time", Json::object());
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "session no longer valid");
}

TEST_F(BrokerRouter, S13_55_ToolNotFound) {
    const std::string s = initViaG();
    Reply r = callViaG(s, "nope_tool", Json::object());
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.value("mcp-session-id"), s);
    EXPECT_EQ(
        r.body,
        "\nevent: message\ndata: "
        R"({"result":{"content":[{"type":"text","text":"MCP error -32602: Tool not found"}],"isError":true},"jsonrpc":"2.0"})");
}

// A server whose tools the broker removed (its pod went away, the ping failed) owns no tool any
// more: the router answers as for any unknown tool, rather than trying to reach the server.
TEST_F(BrokerRouter, ToolOfAServerWhoseToolsWereRemovedIsNotFound) {
    const std::string s = initViaG();
    ASSERT_EQ(callViaG(s, "test1_greet", {{"name", "a"}}).status, 200);
    stopMock("mcp-test-server1");
    settle(std::chrono::seconds(61));
    Reply r = callViaG(s, "test1_greet", {{"name", "b"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("MCP error -32602: Tool not found"), std::string::npos) << r.body;
    startMock("mcp-test-server1", "server1");
    settle(std::chrono::seconds(61));
    Reply back = callViaG(initViaG(), "test1_greet", {{"name", "c"}});
    EXPECT_EQ(back.message()["result"]["content"][0]["text"], "Hi c") << back.body;
}

TEST_F(BrokerRouter, S13_56_CallRoutedWithHairpinInit) {
    const std::string s = initViaG();
    Reply r = callViaG(s, "test2_hello_world", {{"name", "e2e"}});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.value("mcp-session-id"), s);
    EXPECT_NE(text(r).find("Hello, e2e!"), std::string::npos) << r.body;

    const auto inits = hairpinInitializes("mcp-test-server2");
    ASSERT_EQ(inits.size(), 1u);
    const Request call = lastToolsCall("mcp-test-server2");
    EXPECT_EQ(call.headers.value("Host"), "server2.mcp.local");
    EXPECT_EQ(call.path(), "/mcp");
    const std::string upstream = call.headers.value("mcp-session-id");
    EXPECT_FALSE(upstream.empty());
    EXPECT_NE(upstream, s);
    EXPECT_EQ(call.headers.value("x-mcp-toolname"), "hello_world");
    EXPECT_EQ(call.headers.value("x-mcp-servername"), "mcp-test/s2");
    EXPECT_EQ(call.headers.value("x-mcp-method"), "tools/call");
    EXPECT_EQ(Json::parse(call.body).value("/params/name"_json_pointer, ""), "hello_world")
        << call.body;
}

TEST_F(BrokerRouter, S13_59_AnnotationHints) {
    const std::string s = initViaG();
    // server1 (go-sdk) declares no annotations.
    EXPECT_EQ(callViaG(s, "test1_greet", {{"name", "x"}}).status, 200);
    EXPECT_EQ(lastToolsCall("mcp-test-server1").headers.value("x-mcp-annotation-hints"),
              "readOnly=unspecified,destructive=unspecified,idempotent=unspecified,"
              "openWorld=unspecified");
    // The server2 image's tools carry mcp-go's defaults. (The reference's in-tree server2, whose
    // hello_world is read-only, is not a mock here.)
    EXPECT_EQ(callViaG(s, "test2_hello_world", {{"name", "x"}}).status, 200);
    EXPECT_EQ(lastToolsCall("mcp-test-server2").headers.value("x-mcp-annotation-hints"),
              "readOnly=false,destructive=true,idempotent=false,openWorld=true");
}

TEST_F(BrokerRouter, S13_60_HairpinInitializeAsUpstreamSeesIt) {
    Headers h;
    h.set("Authorization", "Bearer client-token");
    EXPECT_EQ(callViaG(initViaG(), "test2_time", Json::object(), h).status, 200);
    const auto inits = hairpinInitializes("mcp-test-server2");
    ASSERT_EQ(inits.size(), 1u);
    const Request& init = inits[0];
    EXPECT_FALSE(init.headers.has("router-key"));
    EXPECT_FALSE(init.headers.has("mcp-init-host"));
    EXPECT_EQ(init.headers.value("authorization"), "Bearer client-token");
    EXPECT_EQ(init.headers.value("Host"), "server2.mcp.local");
    EXPECT_EQ(init.path(), "/mcp");
}

TEST_F(BrokerRouter, S13_57_58_UpstreamSessionPerClient) {
    const std::string s = initViaG();
    const std::string a = text(callViaG(s, "test2_headers", Json::object()));
    const std::string b = text(callViaG(s, "test2_headers", Json::object()));
    auto sessionLine = [](const std::string& t) {
        const auto at = t.find("Mcp-Session-Id: [");
        return at == std::string::npos ? std::string() : t.substr(at, t.find('\n', at) - at);
    };
    ASSERT_FALSE(sessionLine(a).empty()) << a;
    EXPECT_EQ(sessionLine(a), sessionLine(b));
    EXPECT_EQ(sessionLine(a).find(s), std::string::npos);
    const std::string c = text(callViaG(initViaG(), "test2_headers", Json::object()));
    EXPECT_NE(sessionLine(c), sessionLine(a)) << c;
}

TEST_F(BrokerRouter, S13_61_WrongRouterKey) {
    Headers h;
    h.set("mcp-init-host", "evil.mcp.local");
    h.set("router-key", "wrong");
    Reply r = viaG(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})", "", h);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "bad request");
}

TEST_F(BrokerRouter, S13_62_RightRouterKeyRoutesAnywhere) {
    // F2, kept: whoever knows the static key can send an initialize to any routed host.
    Headers h;
    h.set("mcp-init-host", "evil.mcp.local");
    h.set("router-key", "secret-api-key");
    brokerRequests.clear();
    Reply r = viaG(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":)"
                   R"({"protocolVersion":"2025-06-18","capabilities":{},)"
                   R"("clientInfo":{"name":"c","version":"1"}}})",
                   "", h);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(brokerRequests.empty()) << "the broker answered instead of evil.mcp.local";
    const auto& seen = requestsTo("mcp-test-evil");
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].headers.value("Host"), "evil.mcp.local");
    EXPECT_FALSE(seen[0].headers.has("router-key"));
    EXPECT_NE(r.message().value("/result/serverInfo/name"_json_pointer, ""), "mcp-gateway")
        << r.body;
}

TEST_F(BrokerRouter, S13_63_CustomPath) {
    Reply r = callViaG(initViaG(), "custompath_echo_custom", {{"message", "x"}});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(text(r), "Echo from custom path: x\n");
    EXPECT_EQ(lastToolsCall("mcp-test-custom-path").path(), "/v1/special/mcp");
    const auto inits = hairpinInitializes("mcp-test-custom-path");
    ASSERT_EQ(inits.size(), 1u);
    EXPECT_EQ(inits[0].path(), "/v1/special/mcp");
}

TEST_F(BrokerRouter, S13_64_ApiKeyWithoutAuthorization) {
    Reply r = callViaG(initViaG(), "apikey_hello_world", {{"name", "e2e"}});
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body.rfind("failed to create session for mcp server: failed to create client: "
                           "transport error: request failed with status 401:",
                           0),
              0u)
        << r.body;
}

TEST_F(BrokerRouter, S13_65_ApiKeyWithAuthorization) {
    Headers h;
    h.set("Authorization", "Bearer test-api-key-secret-token");
    Reply r = callViaG(initViaG(), "apikey_hello_world", {{"name", "e2e"}}, h);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_NE(text(r).find("Hello, e2e! (from authenticated server)"), std::string::npos) << r.body;
}

TEST_F(BrokerRouter, S13_66_UpstreamNotFoundDropsTheUpstreamSession) {
    const std::string s = initViaG();
    Reply first = callViaG(s, "custom_resp_custom response code", {{"responseCode", 404}});
    EXPECT_EQ(first.status, 404) << first.body;
    EXPECT_EQ(hairpinInitializes("mcp-test-custom-response").size(), 1u);
    // The cached upstream session is gone, so the next call initializes afresh.
    Reply second = callViaG(s, "custom_resp_custom response code", {{"responseCode", 200}});
    EXPECT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(hairpinInitializes("mcp-test-custom-response").size(), 2u);
    // A success keeps it.
    EXPECT_EQ(callViaG(s, "custom_resp_custom response code", {{"responseCode", 200}}).status, 200);
    EXPECT_EQ(hairpinInitializes("mcp-test-custom-response").size(), 2u);
}

TEST_F(BrokerRouter, S13_67_ProgressStreamsThroughTheRouter) {
    Json msg = {{"jsonrpc", "2.0"},
                {"id", 12},
                {"method", "tools/call"},
                {"params",
                 {{"name", "test1_slow"},
                  {"arguments", {{"seconds", 3}}},
                  {"_meta", {{"progressToken", "p1"}}}}}};
    Reply r = viaG(msg.dump(), initViaG());
    EXPECT_EQ(r.status, 200) << r.body;
    // Streamed as they happen, not buffered until the result.
    runtime.runFor(std::chrono::milliseconds(1500));
    r.drain();
    ASSERT_FALSE(r.events.empty()) << r.body;
    EXPECT_FALSE(r.events.back().contains("result")) << r.body;
    runtime.runFor(std::chrono::seconds(3));
    r.drain();
    ASSERT_TRUE(r.sse()) << r.headers.value("Content-Type");
    std::vector<std::string> progress;
    for (const auto& e : r.events) {
        if (e.value("method", "") == "notifications/progress") {
            progress.push_back(e.value("/params/message"_json_pointer, ""));
            EXPECT_EQ(e.value("/params/progressToken"_json_pointer, ""), "p1");
        }
    }
    // server1 reports before each one-second wait, as its Go loop does.
    EXPECT_EQ(progress, (std::vector<std::string>{"Waited 0 seconds...", "Waited 1 seconds...",
                                                  "Waited 2 seconds..."}))
        << r.body;
    ASSERT_FALSE(r.events.empty());
    EXPECT_EQ(r.events.back().value("id", 0), 12) << r.body;
    EXPECT_TRUE(r.events.back().contains("result")) << r.body;
}

TEST_F(BrokerRouter, S13_68_ResponseMessageRejected) {
    Reply r = viaG(R"({"jsonrpc":"2.0","id":5,"result":{}})", initViaG());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "invalid mcp request");
}

// Gateway API RegularExpression matches are RE2 full matches (Envoy's safe_regex): \pL and \p{Lu}
// are RE2 syntax, and a partial match does not route.
TEST_F(BrokerRouter, RegularExpressionMatchesAreRe2FullMatches) {
    auto applied = world.apply(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: by-regex, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [regex.mcp.local]
  rules:
  - matches:
    - path: {type: RegularExpression, value: '/t/\pL+'}
      headers: [{type: RegularExpression, name: x-tenant, value: '\p{Lu}\w*'}]
    backendRefs: [{name: mcp-test-server1, port: 9090}]
)");
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    runtime.runFor(std::chrono::seconds(1));
    // Plain Gateway routing: without the router, whose Host rewrite would hide the route.
    dataPlane->setExtProcessor(nullptr);
    auto attempt = [&](const std::string& path, const std::string& tenant) {
        // Only requests for this path count: the broker's own health checks reach the mock too.
        auto seen = [&] {
            const auto& all = requestsTo("mcp-test-server1");
            return std::count_if(all.begin(), all.end(),
                                 [&](const Request& r) { return r.target == path; });
        };
        const auto before = seen();
        Request req;
        req.method = "GET";
        req.target = path;
        req.headers.set("Host", "regex.mcp.local");
        req.headers.set("x-tenant", tenant);
        const Reply r = send(std::move(req), kGatewayAt);
        return std::make_pair(r.status, static_cast<std::size_t>(seen() - before));
    };
    EXPECT_EQ(attempt("/t/\xc3\xa9t\xc3\xa9", "Acme").second, 1u);  // "/t/été": \pL is Unicode
    EXPECT_EQ(attempt("/t/abc", "Zeta_9").second, 1u);
    EXPECT_EQ(attempt("/t/abc", "acme"), std::make_pair(404, std::size_t{0}));    // \p{Lu} first
    EXPECT_EQ(attempt("/t/abc1", "Acme"), std::make_pair(404, std::size_t{0}));   // full match
    EXPECT_EQ(attempt("/x/t/abc", "Acme"), std::make_pair(404, std::size_t{0}));  // anchored
}

}  // namespace
}  // namespace mcpsim::broker_testing
