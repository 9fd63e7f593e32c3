// The Streamable HTTP rules every MCP mock follows (the table in mcp-conformance.md section 6),
// checked on the everything mock: status, JSON-RPC code and message for each rule, and bad
// input that must leave the server serving.
#include "mcpsim/core/mcp/jsonrpc.hpp"
#include "mcpsim/core/mcp/server.hpp"
#include "mock_harness.hpp"

namespace mcpsim::mocks::testing {
namespace {

Headers jsonPost() {
    Headers h;
    h.set("Content-Type", "application/json");
    h.set("Accept", "application/json, text/event-stream");
    return h;
}

const Json kPing = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}};

// A transport error: this status and a JSON-RPC error body with id null.
void expectError(const Reply& r, int status, int code, const std::string& message) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.headers.value("Content-Type"), "application/json");
    const Json body = Json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body["jsonrpc"], "2.0");
    EXPECT_TRUE(body["id"].is_null());
    EXPECT_EQ(body["error"]["code"], code) << r.body;
    EXPECT_EQ(body["error"]["message"], message) << r.body;
}

TEST(McpTransport, InitializeAnswersOnSseWithASessionId) {
    MockHarness h("everything");
    Reply r = h.request("initialize",
                        {{"protocolVersion", "2025-11-25"},
                         {"capabilities", Json::object()},
                         {"clientInfo", {{"name", "t"}, {"version", "1"}}}},
                        "");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.value("Content-Type"), "text/event-stream");
    EXPECT_FALSE(r.headers.value("mcp-session-id").empty());
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0]["result"]["protocolVersion"], "2025-11-25");
    EXPECT_EQ(r.events[0]["result"]["serverInfo"]["name"], "mcp-conformance-test-server");
    EXPECT_EQ(r.events[0]["id"], 1);
}

TEST(McpTransport, NotAcceptableWithoutBothMediaTypes) {
    MockHarness h("everything");
    for (const std::string accept : {"", "application/json", "text/event-stream"}) {
        Headers hd = jsonPost();
        hd.set("Accept", accept);
        expectError(h.postText(kPing.dump(), hd), 406, -32000,
                    "Not Acceptable: Client must accept both application/json and "
                    "text/event-stream");
    }
}

TEST(McpTransport, UnsupportedMediaType) {
    MockHarness h("everything");
    Headers hd = jsonPost();
    hd.set("Content-Type", "text/plain");
    expectError(h.postText(kPing.dump(), hd), 415, -32000,
                "Unsupported Media Type: Content-Type must be application/json");
    // Parameters after the media type are fine.
    hd.set("Content-Type", "application/json; charset=utf-8");
    EXPECT_EQ(h.postText(kPing.dump(), hd).status, 400) << "reaches the session check";
}

TEST(McpTransport, ParseErrors) {
    MockHarness h("everything");
    expectError(h.postText("{not json", jsonPost()), 400, -32700, "Parse error: Invalid JSON");
    expectError(h.postText(R"({"foo":1})", jsonPost()), 400, -32700,
                "Parse error: Invalid JSON-RPC message");
    expectError(h.postText(R"({"jsonrpc":"1.0","id":1,"method":"ping"})", jsonPost()), 400, -32700,
                "Parse error: Invalid JSON-RPC message");
    expectError(h.postText("[]", jsonPost()), 400, -32700, "Parse error: Invalid JSON-RPC message");
}

TEST(McpTransport, SessionRules) {
    MockHarness h("everything");
    expectError(h.post(kPing), 400, -32000, "Bad Request: Mcp-Session-Id header is required");
    expectError(h.post(kPing, "no-such-session"), 404, -32001, "Session not found");
    const std::string session = h.initialize();
    Reply ok = h.post(kPing, session);
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.message()["result"], Json::object());
    // A second initialize on a live session.
    Reply again = h.request("initialize",
                            {{"protocolVersion", "2025-06-18"},
                             {"capabilities", Json::object()},
                             {"clientInfo", {{"name", "t"}, {"version", "1"}}}},
                            session);
    expectError(again, 400, -32600, "Invalid Request: Server already initialized");
    // DELETE ends it; afterwards the id is unknown.
    Reply deleted = h.remove(session);
    EXPECT_EQ(deleted.status, 200);
    EXPECT_EQ(deleted.body, "");
    expectError(h.post(kPing, session), 404, -32001, "Session not found");
    expectError(h.remove(session), 404, -32001, "Session not found");
    expectError(h.remove(""), 400, -32000, "Bad Request: Mcp-Session-Id header is required");
}

TEST(McpTransport, NotificationsAndResponsesGet202) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    Reply n = h.post({{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}}, session);
    EXPECT_EQ(n.status, 202);
    EXPECT_EQ(n.body, "");
    Reply stray = h.post({{"jsonrpc", "2.0"}, {"id", 99}, {"result", Json::object()}}, session);
    EXPECT_EQ(stray.status, 202);
}

TEST(McpTransport, MethodNotAllowedNamesTheAllowedOnes) {
    MockHarness h("everything");
    for (const char* method : {"PUT", "PATCH", "HEAD"}) {
        core::http::Request req;
        req.method = method;
        req.target = "/mcp";
        Reply r = h.send(req);
        if (std::string(method) != "HEAD") {
            expectError(r, 405, -32000, "Method not allowed.");
        }
        EXPECT_EQ(r.status, 405);
        EXPECT_EQ(r.headers.value("Allow"), "GET, POST, DELETE");
    }
}

TEST(McpTransport, StandaloneGetStream) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    Headers wrongAccept;
    wrongAccept.set("Accept", "application/json");
    expectError(h.get(session, wrongAccept), 406, -32000,
                "Not Acceptable: Client must accept text/event-stream");
    expectError(h.get(""), 400, -32000, "Bad Request: Mcp-Session-Id header is required");
    expectError(h.get("nope"), 404, -32001, "Session not found");
    Reply first = h.get(session);
    EXPECT_EQ(first.status, 200);
    EXPECT_EQ(first.headers.value("Content-Type"), "text/event-stream");
    ASSERT_TRUE(first.stream);
    EXPECT_FALSE(first.stream->closed()) << "held open";
    expectError(h.get(session), 409, -32000,
                "Conflict: Only one SSE stream is allowed per session");
    // Once the client hangs up, a new GET is welcome.
    first.stream->cancel();
    EXPECT_EQ(h.get(session).status, 200);
}

TEST(McpTransport, DeleteClosesTheGetStream) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    Reply stream = h.get(session);
    ASSERT_TRUE(stream.stream);
    h.remove(session);
    EXPECT_TRUE(stream.stream->closed());
}

TEST(McpTransport, ProtocolVersionHeader) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    Headers bad;
    bad.set("MCP-Protocol-Version", "1999-01-01");
    expectError(h.post(kPing, session, bad), 400, -32000,
                "Bad Request: Unsupported protocol version: 1999-01-01 (supported versions: "
                "2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05, 2024-10-07)");
    for (const char* older : {"2025-03-26", "2024-11-05", "2025-06-18", "2025-11-25"}) {
        Headers ok;
        ok.set("MCP-Protocol-Version", older);
        EXPECT_EQ(h.post(kPing, session, ok).status, 200) << older;
    }
    // Without the header (clients before 2025-06-18): accepted.
    EXPECT_EQ(h.post(kPing, session).status, 200);
}

TEST(McpTransport, OlderClientsNegotiateTheirVersion) {
    MockHarness h("everything");
    for (const char* version : {"2025-03-26", "2024-11-05"}) {
        Reply r = h.request("initialize",
                            {{"protocolVersion", version},
                             {"capabilities", Json::object()},
                             {"clientInfo", {{"name", "old"}, {"version", "1"}}}},
                            "");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.message()["result"]["protocolVersion"], version);
    }
    // An unknown version gets the server's newest instead of an error.
    Reply r = h.request("initialize",
                        {{"protocolVersion", "2099-01-01"},
                         {"capabilities", Json::object()},
                         {"clientInfo", {{"name", "new"}, {"version", "1"}}}},
                        "");
    EXPECT_EQ(r.message()["result"]["protocolVersion"], "2025-11-25");
}

TEST(McpTransport, HostProtection) {
    // `mcpsim mock` puts this in front of every mock.
    core::Runtime rt(core::RuntimeOptions{1, true});
    auto net = core::http::makeInMemoryNetwork(rt);
    core::Logger log(rt.clock(), rt.logs(), "t");
    auto mock = findMock("everything")->create(rt, {}, log);
    auto listener = net->listen(
        {"127.0.0.1", 3000},
        core::mcp::withAllowedHosts(mock->handler(), {"localhost", "127.0.0.1", "[::1]"}));
    auto send = [&](const std::string& host) {
        core::http::Request req;
        req.method = "POST";
        req.target = "/mcp";
        req.headers = jsonPost();
        req.headers.set("Host", host);
        req.headers.set("Origin", "http://" + host);
        req.body = Json{{"jsonrpc", "2.0"},
                        {"id", 1},
                        {"method", "initialize"},
                        {"params",
                         {{"protocolVersion", "2025-11-25"},
                          {"capabilities", Json::object()},
                          {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}
                       .dump();
        Reply out;
        net->request({"127.0.0.1", 3000}, req, [&](std::error_code, core::http::Response r) {
            out.status = r.status;
            out.headers = r.headers;
            out.body = r.body;
        });
        rt.runUntilIdle();
        return out;
    };
    expectError(send("evil.example.com"), 403, -32000, "Invalid Host: evil.example.com");
    expectError(send("evil.example.com:3000"), 403, -32000, "Invalid Host: evil.example.com:3000");
    EXPECT_EQ(send("127.0.0.1:3000").status, 200);
    EXPECT_EQ(send("localhost:3000").status, 200);
    EXPECT_EQ(send("[::1]:3000").status, 200);
    EXPECT_EQ(send("localhost").status, 200);
}

TEST(McpTransport, JsonRpcErrorsComeBackWith200) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    Reply unknown = h.request("no/such/method", Json::object(), session);
    EXPECT_EQ(unknown.status, 200);
    EXPECT_EQ(unknown.message()["error"]["code"], -32601);
    EXPECT_EQ(unknown.message()["error"]["message"], "Method not found");
    // Wrong params: not an object, a name of the wrong type, arguments of the wrong type.
    Reply notObject = h.post(
        {{"jsonrpc", "2.0"}, {"id", 5}, {"method", "tools/call"}, {"params", "test_simple_text"}},
        session);
    EXPECT_EQ(notObject.message()["error"]["code"], -32602);
    EXPECT_EQ(notObject.message()["id"], 5);
    Reply badArgs =
        h.request("tools/call", {{"name", "test_simple_text"}, {"arguments", "x"}}, session);
    EXPECT_EQ(badArgs.message()["error"]["code"], -32602);
    Reply badName = h.request("tools/call", {{"name", 42}}, session);
    EXPECT_EQ(badName.message()["result"]["isError"], true);
    Reply badLevel = h.request("logging/setLevel", {{"level", 3}}, session);
    EXPECT_EQ(badLevel.message()["result"], Json::object());
    // And the session still works.
    EXPECT_EQ(texts(h.call(session, "test_simple_text")["result"]),
              std::vector<std::string>{"This is a simple text response for testing."});
}

TEST(McpTransport, BatchesGetOneEventPerReply) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    Json batch = Json::array({{{"jsonrpc", "2.0"}, {"id", 10}, {"method", "ping"}},
                              {{"jsonrpc", "2.0"}, {"method", "notifications/progress"}},
                              {{"jsonrpc", "2.0"}, {"id", 11}, {"method", "tools/list"}}});
    Reply r = h.post(batch, session);
    EXPECT_EQ(r.status, 200);
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[0]["id"], 10);
    EXPECT_EQ(r.events[1]["id"], 11);
    // Initialize may not travel in a batch.
    Json withInit = Json::array({{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}},
                                 {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}}});
    expectError(h.post(withInit), 400, -32600,
                "Invalid Request: Only one initialization request is allowed");
}

TEST(McpTransport, HugeBodyIsRefusedAndTheServerKeepsServing) {
    core::http::ServerLimits small;
    small.maxBodyBytes = 4096;
    MockHarness h("everything", {}, small);
    const std::string session = h.initialize();
    Reply huge = h.request(
        "tools/call",
        {{"name", "test_simple_text"}, {"arguments", {{"pad", std::string(10000, 'x')}}}}, session);
    EXPECT_EQ(huge.status, 413);
    Reply after = h.post(kPing, session);
    EXPECT_EQ(after.status, 200);
    EXPECT_EQ(after.message()["result"], Json::object());
}

TEST(McpTransport, GarbageNeverBreaksTheServer) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    const std::vector<std::string> bodies = {
        "",
        "null",
        "1",
        "\"x\"",
        "[1,2]",
        "{\"jsonrpc\":\"2.0\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":null}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":[]}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":"
        "\"test_prompt_with_arguments\",\"arguments\":[1]}}",
        std::string("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"\xff\xfe\"}"),
    };
    for (const auto& body : bodies) {
        Headers hd = jsonPost();
        hd.set("Mcp-Session-Id", session);
        Reply r = h.postText(body, hd);
        EXPECT_TRUE(r.status == 200 || r.status == 400) << body << " -> " << r.status;
    }
    EXPECT_EQ(h.post(kPing, session).status, 200);
}

}  // namespace
}  // namespace mcpsim::mocks::testing
