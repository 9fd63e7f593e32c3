// server2 (mcp-go "Demo rocket", the five-tool image): plain JSON replies, mcp-go's argument
// errors, auth1234, progress that switches the reply to SSE, and the admin endpoints.
#include <gmock/gmock.h>

#include "mock_harness.hpp"

namespace mcpsim::mocks::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

Reply admin(MockHarness& h, const std::string& method, const std::string& path,
            const std::string& body) {
    core::http::Request req;
    req.method = method;
    req.target = path;
    req.body = body;
    return h.send(std::move(req));
}

TEST(Server2, InitializeAndFiveToolsWithDefaultHints) {
    MockHarness h("server2");
    Reply init = h.request("initialize",
                           {{"protocolVersion", "2025-06-18"},
                            {"capabilities", Json::object()},
                            {"clientInfo", {{"name", "t"}, {"version", "1"}}}},
                           "");
    EXPECT_EQ(init.headers.value("Content-Type"), "application/json") << "mcp-go answers JSON";
    const Json result = init.message()["result"];
    EXPECT_EQ(result["serverInfo"], Json({{"name", "Demo rocket"}, {"version", "1.0.0"}}));
    EXPECT_EQ(result["capabilities"], Json({{"tools", {{"listChanged", true}}}}));
    const std::string session = init.headers.value("mcp-session-id");
    h.post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, session);
    EXPECT_THAT(h.toolNames(session),
                ElementsAre("auth1234", "headers", "hello_world", "slow", "time"));
    Json tools = h.request("tools/list", Json::object(), session).message()["result"]["tools"];
    for (const auto& t : tools) {
        EXPECT_EQ(t["annotations"], Json({{"readOnlyHint", false},
                                          {"destructiveHint", true},
                                          {"idempotentHint", false},
                                          {"openWorldHint", true}}))
            << t["name"];
        EXPECT_EQ(t["inputSchema"]["type"], "object");
        EXPECT_TRUE(t["inputSchema"]["properties"].is_object());
    }
    EXPECT_EQ(tools[3]["inputSchema"]["properties"]["seconds"]["type"], "string");
}

TEST(Server2, HelloWorldAndItsArgumentErrors) {
    MockHarness h("server2");
    const std::string session = h.initialize();
    EXPECT_EQ(h.call(session, "hello_world", {{"name", "Ann"}})["result"],
              Json({{"content", {{{"type", "text"}, {"text", "Hello, Ann!"}}}}}));
    Json missing = h.call(session, "hello_world")["result"];
    EXPECT_EQ(missing["isError"], true);
    EXPECT_EQ(texts(missing), std::vector<std::string>{"required argument \"name\" not found"});
    Json wrongType = h.call(session, "hello_world", {{"name", 3}})["result"];
    EXPECT_EQ(texts(wrongType), std::vector<std::string>{"argument \"name\" is not a string"});
    Json unknown = h.call(session, "nope");
    EXPECT_EQ(unknown["error"]["code"], -32602);
    EXPECT_EQ(unknown["error"]["message"], "tool 'nope' not found: tool not found");
}

TEST(Server2, Auth1234ChecksTheCallsAuthorizationHeader) {
    MockHarness h("server2");
    const std::string session = h.initialize();
    Json refused = h.call(session, "auth1234");
    EXPECT_EQ(refused["error"]["code"], -32603);
    EXPECT_EQ(refused["error"]["message"], "requires Authorization: bearer 1234, got \"\"");
    Headers wrong;
    wrong.set("Authorization", "Bearer 9");
    EXPECT_EQ(h.call(session, "auth1234", Json::object(), wrong)["error"]["message"],
              "requires Authorization: bearer 1234, got \"bearer 9\"");
    Headers right;
    right.set("Authorization", "Bearer 1234");
    EXPECT_EQ(texts(h.call(session, "auth1234", Json::object(), right)["result"]),
              std::vector<std::string>{"Success!"});
}

TEST(Server2, TimeAndHeaders) {
    MockHarness h("server2");
    const std::string session = h.initialize();
    EXPECT_EQ(texts(h.call(session, "time")["result"]).at(0).rfind("2026-01-01 00:00:00", 0), 0u);
    Headers extra;
    extra.set("X-Mcp-Servername", "s2");
    const auto headers = texts(h.call(session, "headers", Json::object(), extra)["result"]);
    EXPECT_THAT(headers, Contains("X-Mcp-Servername: [s2]"));
    EXPECT_THAT(headers, Contains("Accept: [application/json, text/event-stream]"));
}

TEST(Server2, SlowParsesItsStringArgumentAndStreamsProgress) {
    MockHarness h("server2");
    const std::string session = h.initialize();
    Reply r = h.request("tools/call",
                        {{"name", "slow"},
                         {"arguments", {{"seconds", "2"}}},
                         {"_meta", {{"progressToken", "tok"}}}},
                        session);
    EXPECT_TRUE(r.sse()) << "a notification upgrades the reply to SSE";
    ASSERT_EQ(r.events.size(), 3u);
    EXPECT_EQ(
        r.events[0]["params"],
        Json({{"progress", 0}, {"progressToken", "tok"}, {"message", "Waited 0 seconds..."}}));
    EXPECT_EQ(r.events[1]["params"]["progress"], 1);
    EXPECT_EQ(texts(r.events[2]["result"]), std::vector<std::string>{"done"});
    // Without a token the reply stays JSON.
    Reply quiet =
        h.request("tools/call", {{"name", "slow"}, {"arguments", {{"seconds", 1}}}}, session);
    EXPECT_FALSE(quiet.sse());
    EXPECT_EQ(texts(quiet.message()["result"]), std::vector<std::string>{"done"});
    Json bad = h.call(session, "slow", {{"seconds", "soon"}})["result"];
    EXPECT_EQ(bad["isError"], true);
}

TEST(Server2, AdminDeleteAndAddToolAnnounceListChanged) {
    MockHarness h("server2");
    const std::string session = h.initialize();
    Reply stream = h.get(session);
    Reply del = admin(h, "DELETE", "/admin/deleteTool", "hello_world");
    EXPECT_EQ(del.status, 200);
    EXPECT_THAT(h.toolNames(session), Not(Contains("hello_world")));
    stream.drain();
    ASSERT_EQ(stream.events.size(), 1u);
    EXPECT_EQ(stream.events[0]["method"], "notifications/tools/list_changed");
    // Deleting it again: OK, but nothing changed, so nothing is announced.
    EXPECT_EQ(admin(h, "DELETE", "/admin/deleteTool", "hello_world").status, 200);
    stream.drain();
    EXPECT_EQ(stream.events.size(), 1u);
    EXPECT_EQ(admin(h, "POST", "/admin/addTool", "hello_world").status, 200);
    EXPECT_THAT(h.toolNames(session), Contains("hello_world"));
    stream.drain();
    EXPECT_EQ(stream.events.size(), 2u);
    Reply unknown = admin(h, "DELETE", "/admin/deleteTool", "set_time");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.body, "Unknown tool \"set_time\"\n");
    EXPECT_EQ(admin(h, "POST", "/admin/addTool", "nope").body, "Unknown tool \"nope\"\n");
    EXPECT_EQ(admin(h, "GET", "/admin/addTool", "time").status, 405);
    EXPECT_EQ(admin(h, "GET", "/elsewhere", "").body, "404 page not found\n");
}

TEST(Server2, AdminForgetInvalidatesTheSession) {
    MockHarness h("server2");
    const std::string session = h.initialize();
    const std::string other = h.initialize();
    EXPECT_EQ(admin(h, "POST", "/admin/forget", session).status, 200);
    Reply gone = h.request("tools/list", Json::object(), session);
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(Json::parse(gone.body)["error"]["code"], -32001);
    EXPECT_EQ(h.request("tools/list", Json::object(), other).status, 200);
}

}  // namespace
}  // namespace mcpsim::mocks::testing
