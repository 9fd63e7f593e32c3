// spec/broker.md section 13, scenarios 1-10: the broker's plain HTTP endpoints and /status.
#include "broker/broker_fixture.hpp"

namespace mcpsim::broker_testing {
namespace {

constexpr const char* kHello = "Hello, World!  BTW, the MCP server is on /mcp";

class BrokerEndpoints : public BrokerFixture {};

void expectCors(const Reply& r) {
    for (const char* h : {"Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
                          "Access-Control-Allow-Headers"}) {
        EXPECT_TRUE(r.headers.has(h)) << "missing " << h;
    }
}

TEST_F(BrokerEndpoints, S13_01_RootSaysHello) {
    Reply r = get("/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, kHello);
}

TEST_F(BrokerEndpoints, S13_02_HealthzAndReadyz) {
    for (const char* p : {"/healthz", "/readyz"}) {
        Reply r = get(p);
        EXPECT_EQ(r.status, 200) << p;
        EXPECT_EQ(r.body, kHello) << p;
    }
}

TEST_F(BrokerEndpoints, S13_03_ProtectedResourceDefaults) {
    Reply r = get("/.well-known/oauth-protected-resource");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(Json::parse(r.body, nullptr, false),
              Json::parse(R"({"resource_name":"MCP Server","resource":"/mcp",)"
                          R"("authorization_servers":[],"bearer_methods_supported":["header"],)"
                          R"("scopes_supported":["basic"]})"))
        << r.body;
    expectCors(r);
}

TEST_F(BrokerEndpoints, S13_04_ProtectedResourceAuthorizationServers) {
    options.env["OAUTH_AUTHORIZATION_SERVERS"] = "https://a, https://b";
    Reply r = get("/.well-known/oauth-protected-resource");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(Json::parse(r.body, nullptr, false).value("authorization_servers", Json()),
              Json::parse(R"(["https://a","https://b"])"))
        << r.body;
}

TEST_F(BrokerEndpoints, S13_05_ProtectedResourceOptions) {
    Request req;
    req.method = "OPTIONS";
    req.target = "/.well-known/oauth-protected-resource";
    Reply r = send(req);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "");
    expectCors(r);
}

TEST_F(BrokerEndpoints, S13_06_StatusEmptyConfig) {
    applyConfig("servers: []\n");
    Reply r = get("/status");
    EXPECT_EQ(r.status, 200);
    Json j = Json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_EQ(j["servers"], Json::array());
    EXPECT_EQ(j["overallValid"], true);
    EXPECT_EQ(j["totalServers"], 0);
    EXPECT_EQ(j["healthyServers"], 0);
    EXPECT_EQ(j["unHealthyServers"], 0);
    EXPECT_EQ(j["toolConflicts"], 0);
    EXPECT_TRUE(j["timestamp"].is_string());
    // Key order as the reference encodes the struct.
    EXPECT_EQ(r.body.find("{\"servers\":[],\"overallValid\":true,\"totalServers\":0,"
                          "\"healthyServers\":0,\"unHealthyServers\":0,\"toolConflicts\":0,"
                          "\"timestamp\":"),
              0u)
        << r.body;
}

TEST_F(BrokerEndpoints, S13_07_StatusPostNotAllowed) {
    Reply r = postText("", {}, "/status");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(Json::parse(r.body, nullptr, false),
              Json::parse(R"({"error":"Method not allowed. Supported methods: GET"})"))
        << r.body;
}

TEST_F(BrokerEndpoints, S13_08_StatusUnknownServer) {
    applyConfig("servers: []\n");
    Reply r = get("/status/mcp-test/nope");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(Json::parse(r.body, nullptr, false),
              Json::parse(R"({"error":"Server 'mcp-test/nope' not found. Use format )"
                          R"('namespace/route-name' or check available servers at /status"})"))
        << r.body;
}

TEST_F(BrokerEndpoints, S13_09_StatusOneServerAfterDiscovery) {
    startMock("mcp-test-server2", "server2");
    applyConfig("servers:\n" + server2Entry());
    Reply r = get("/status/mcp-test/s2");
    EXPECT_EQ(r.status, 200);
    Json j = Json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_EQ(j["id"], "mcp-test/s2:test2_:server2.mcp.local");
    EXPECT_EQ(j["name"], "mcp-test/s2");
    EXPECT_EQ(j["message"], "server added successfully. Total tools added 5");
    EXPECT_EQ(j["ready"], true);
    EXPECT_EQ(j["totalTools"], 5);
    EXPECT_TRUE(j["lastValidated"].is_string());
}

TEST_F(BrokerEndpoints, S13_10_PutMcpIs404) {
    Request req;
    req.method = "PUT";
    req.target = "/mcp";
    Reply r = send(req);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "404 page not found\n");
}

}  // namespace
}  // namespace mcpsim::broker_testing
