// spec/broker.md section 13, scenarios 46-68: requests through the Gateway data plane (G), with
// the broker's router as its external processor.
#include "broker/broker_fixture.hpp"
#include "gateway_fixture_objects.hpp"
#include "mcpsim/core/yaml.hpp"

namespace mcpsim::broker_testing {
namespace {

using core::kube::Gvk;
using core::kube::ObjectKey;

const core::http::Endpoint kGatewayAt{"mcp-gateway-istio.gateway-system.svc.cluster.local", 8080};
constexpr const char* kPublicHost = "mcp.127-0-0-1.sslip.io";

const std::string kWorld = std::string(::mcpsim::testing::fixture::kGatewayBase) + R"(---
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
---
apiVersion: v1
kind: Service
metadata: {name: mcp-test-server2, namespace: mcp-test}
spec:
  ports: [{port: 9090}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: s2, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [server2.mcp.local]
  rules: [{backendRefs: [{name: mcp-test-server2, port: 9090}]}]
---
apiVersion: v1
kind: Service
metadata: {name: mcp-test-api-key, namespace: mcp-test}
spec:
  ports: [{port: 9090}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: apikey, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [apikey.mcp.local]
  rules: [{backendRefs: [{name: mcp-test-api-key, port: 9090}]}]
)";

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
        applyConfig("servers:\n" + server2Entry() +
                    "  - name: mcp-test/apikey\n"
                    "    url: http://mcp-test-api-key.mcp-test.svc.cluster.local:9090/mcp\n"
                    "    hostname: apikey.mcp.local\n"
                    "    toolPrefix: apikey_\n"
                    "    credential: \"Bearer test-api-key-secret-token\"\n");
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

    std::unique_ptr<gateway::DataPlane> dataPlane;
    std::unique_ptr<core::http::Listener> gatewayListener;
};

TEST_F(BrokerRouter, S13_47_InitializeThroughGateway) {
    const std::string s = initViaG();
    EXPECT_EQ(std::count(s.begin(), s.end(), '.'), 2) << s;
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

TEST_F(BrokerRouter, S13_56_CallRoutedWithHairpinInit) {
    const std::string s = initViaG();
    Reply r = callViaG(s, "test2_hello_world", {{"name", "e2e"}});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.value("mcp-session-id"), s);
    EXPECT_NE(text(r).find("Hello, e2e!"), std::string::npos) << r.body;
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

TEST_F(BrokerRouter, S13_68_ResponseMessageRejected) {
    Reply r = viaG(R"({"jsonrpc":"2.0","id":5,"result":{}})", initViaG());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "invalid mcp request");
}

}  // namespace
}  // namespace mcpsim::broker_testing
