// spec/broker.md section 13, scenarios 11-29: initialize, sessions, transport errors, other
// methods and the GET notification stream, against the broker directly.
#include "broker/broker_fixture.hpp"
#include "mcpsim/core/jwt.hpp"

namespace mcpsim::broker_testing {
namespace {

class BrokerSessions : public BrokerFixture {};

Json claimsOf(const std::string& jwt) {
    const auto a = jwt.find('.');
    const auto b = jwt.find('.', a + 1);
    auto text = core::jwt::base64UrlDecode(jwt.substr(a + 1, b - a - 1));
    return text ? Json::parse(*text, nullptr, false) : Json();
}

Json headerOf(const std::string& jwt) {
    auto text = core::jwt::base64UrlDecode(jwt.substr(0, jwt.find('.')));
    return text ? Json::parse(*text, nullptr, false) : Json();
}

Json initParams(const std::string& version) {
    Json p = {{"capabilities", Json::object()}, {"clientInfo", {{"name", "c"}, {"version", "1"}}}};
    if (!version.empty()) p["protocolVersion"] = version;
    return p;
}

TEST_F(BrokerSessions, S13_11_InitializeExactBody) {
    Reply r = post(Json::parse(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":)"
                               R"({"protocolVersion":"2025-06-18","capabilities":{},)"
                               R"("clientInfo":{"name":"c","version":"1"}}})"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.value("Content-Type"), "application/json");
    const std::string sid = r.headers.value("Mcp-Session-Id");
    EXPECT_EQ(std::count(sid.begin(), sid.end(), '.'), 2) << sid;
    EXPECT_EQ(r.body, R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18",)"
                      R"("capabilities":{"tools":{"listChanged":true}},)"
                      R"("serverInfo":{"name":"Kagenti MCP Broker","version":"0.0.1"}}})"
                      "\n");
}

TEST_F(BrokerSessions, S13_12_to_14_ProtocolVersionNegotiation) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"2024-11-05", "2024-11-05"}, {"2099-01-01", "2025-06-18"}, {"", "2025-03-26"}};
    for (const auto& [asked, got] : cases) {
        Reply r = rpc("initialize", initParams(asked), "");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.message().value("/result/protocolVersion"_json_pointer, std::string()), got)
            << "asked " << asked << ": " << r.body;
    }
}

TEST_F(BrokerSessions, S13_15_DistinctSessionsAndClaims) {
    const std::string a = initialize();
    const std::string b = initialize();
    EXPECT_NE(a, b);
    for (const auto& s : {a, b}) {
        EXPECT_EQ(headerOf(s).value("alg", ""), "HS256");
        Json c = claimsOf(s);
        EXPECT_EQ(c.value("iss", ""), "mcp-gateway");
        EXPECT_EQ(c.value("aud", Json()), Json::parse(R"(["mcp-gateway"])"));
        EXPECT_EQ(c.value("exp", 0) - c.value("iat", 0), 86400);
        EXPECT_TRUE(std::holds_alternative<core::jwt::Token>(
            core::jwt::verifyHmac(s, "test-signing-key", runtime.clock().now())));
    }
}

TEST_F(BrokerSessions, S13_16_ShortSessionExpires) {
    options.sessionLength = std::chrono::minutes(1);
    const std::string s = initialize();
    Json c = claimsOf(s);
    EXPECT_EQ(c.value("exp", 0) - c.value("iat", 0), 60);
    EXPECT_EQ(rpc("tools/list", Json::object(), s).status, 200);
    runtime.runFor(std::chrono::seconds(61));
    Reply r = rpc("tools/list", Json::object(), s);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "Invalid session ID\n");
}

TEST_F(BrokerSessions, S13_17_ToolsListWithoutSession) {
    Reply r = rpc("tools/list", Json::object(), "");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "Invalid session ID\n");
}

TEST_F(BrokerSessions, S13_18_SessionSignedByAnotherKey) {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(runtime.clock().now().time_since_epoch())
            .count();
    const std::string forged = core::jwt::signHs256({{"iss", "mcp-gateway"},
                                                     {"aud", {"mcp-gateway"}},
                                                     {"iat", now},
                                                     {"nbf", now},
                                                     {"exp", now + 3600},
                                                     {"jti", "x"}},
                                                    "another-key");
    Reply r = rpc("tools/list", Json::object(), forged);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "Invalid session ID\n");
}

TEST_F(BrokerSessions, S13_19_WrongContentType) {
    Headers h;
    h.set("Content-Type", "text/plain");
    Reply r = postText(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", h);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "Invalid content type: must be 'application/json'\n");
}

TEST_F(BrokerSessions, S13_20_BadJson) {
    Headers h;
    h.set("Content-Type", "application/json");
    Reply r = postText("{bad", h);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(Json::parse(r.body, nullptr, false),
              Json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,)"
                          R"("message":"request body is not valid json"}})"))
        << r.body;
    // A batch array is rejected the same way (section 5 POST 2).
    Reply batch = postText(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", h);
    EXPECT_EQ(batch.status, 400);
    EXPECT_EQ(batch.body, r.body);
}

TEST_F(BrokerSessions, S13_21_NotificationIs202) {
    const std::string s = initialize();
    Reply r = post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, s);
    EXPECT_EQ(r.status, 202);
    EXPECT_EQ(r.body, "");
}

TEST_F(BrokerSessions, S13_22_Ping) {
    const std::string s = initialize();
    Reply r = post({{"jsonrpc", "2.0"}, {"id", 7}, {"method", "ping"}}, s);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.message(), Json::parse(R"({"jsonrpc":"2.0","id":7,"result":{}})")) << r.body;
}

TEST_F(BrokerSessions, S13_PingWithStringIdIsEchoed) {
    // F3: string ids are accepted and echoed unchanged.
    const std::string s = initialize();
    Reply r = post({{"jsonrpc", "2.0"}, {"id", "abc"}, {"method", "ping"}}, s);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.message(), Json::parse(R"({"jsonrpc":"2.0","id":"abc","result":{}})")) << r.body;
}

TEST_F(BrokerSessions, S13_23_to_26_UnsupportedMethods) {
    const std::string s = initialize();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"prompts/list", "prompts not supported"},
        {"prompts/get", "prompts not supported"},
        {"resources/list", "resources not supported"},
        {"resources/templates/list", "resources not supported"},
        {"resources/read", "resources not supported"},
        {"logging/setLevel", "logging not supported"},
        {"completion/complete", "Method completion/complete not found"},
        {"resources/subscribe", "Method resources/subscribe not found"},
        {"no/such", "Method no/such not found"},
    };
    for (const auto& [method, message] : cases) {
        Reply r = post(
            {{"jsonrpc", "2.0"}, {"id", 9}, {"method", method}, {"params", Json::object()}}, s);
        EXPECT_EQ(r.status, 200) << method;
        Json want = {
            {"jsonrpc", "2.0"}, {"id", 9}, {"error", {{"code", -32601}, {"message", message}}}};
        EXPECT_EQ(r.message(), want) << method << ": " << r.body;
    }
}

TEST_F(BrokerSessions, S13_InvalidJsonRpcVersion) {
    const std::string s = initialize();
    Reply r = post({{"jsonrpc", "1.0"}, {"id", 3}, {"method", "ping"}}, s);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.message().value("error", Json()),
              Json::parse(R"({"code":-32600,"message":"Invalid JSON-RPC version"})"))
        << r.body;
}

TEST_F(BrokerSessions, S13_27_DeleteEndsSession) {
    const std::string s = initialize();
    Request del;
    del.method = "DELETE";
    del.target = "/mcp";
    del.headers.set("Mcp-Session-Id", s);
    Reply r = send(del);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "");
    // F9 intent: DELETE ends the session, later requests with it get 404.
    Reply after = rpc("tools/list", Json::object(), s);
    EXPECT_EQ(after.status, 404) << after.body;
    EXPECT_NE(after.body.find("Session terminated"), std::string::npos) << after.body;
    // Other sessions are unaffected.
    EXPECT_EQ(rpc("tools/list", Json::object(), initialize()).status, 200);
}

TEST_F(BrokerSessions, S13_28_DeleteWithoutHeader) {
    Request del;
    del.method = "DELETE";
    del.target = "/mcp";
    Reply r = send(del);
    EXPECT_EQ(r.status, 200);
}

TEST_F(BrokerSessions, S13_29_GetStreamReceivesListChanged) {
    applyConfig("servers: []\n");
    const std::string s = initialize();
    Request req;
    req.method = "GET";
    req.target = "/mcp";
    req.headers.set("Accept", "text/event-stream");
    req.headers.set("Mcp-Session-Id", s);
    Reply stream = send(req);
    EXPECT_EQ(stream.status, 200);
    EXPECT_TRUE(stream.sse()) << stream.headers.value("Content-Type");
    ASSERT_TRUE(stream.stream) << "GET is not streamed";
    startMock("mcp-test-server2", "server2");
    applyConfig("servers:\n" + server2Entry());
    stream.drain();
    EXPECT_NE(stream.body.find(
                  "event: message\ndata: "
                  R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{}})"
                  "\n\n"),
              std::string::npos)
        << stream.body;
}

TEST_F(BrokerSessions, S13_ResponseToServerPingIsEmpty200) {
    // Section 5 POST 3: a client's reply with an empty result needs no session.
    Reply r = post(Json::parse(R"({"jsonrpc":"2.0","id":5})"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "");
}

TEST_F(BrokerSessions, S13_NoSseWithoutPendingNotifications) {
    // F10 intent: JSON when no notification is pending, even after a broadcast was delivered.
    const std::string s = initialize();
    startMock("mcp-test-server2", "server2");
    applyConfig("servers:\n" + server2Entry());
    Reply first = rpc("tools/list", Json::object(), s);  // takes the queued list_changed
    EXPECT_EQ(first.status, 200);
    Reply second = rpc("tools/list", Json::object(), s);
    EXPECT_EQ(second.headers.value("Content-Type"), "application/json") << second.body;
}

}  // namespace
}  // namespace mcpsim::broker_testing
