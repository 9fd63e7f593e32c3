// server1 (Go SDK "test mcp server 1"): tools, prompt, resource, progress on the call's stream
// and add_tool announcing list_changed on the GET stream.
#include <gmock/gmock.h>

#include <regex>

#include "mock_harness.hpp"

namespace mcpsim::mocks::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

TEST(Server1, InitializeAndToolList) {
    MockHarness h("server1");
    Reply init = h.request("initialize",
                           {{"protocolVersion", "2025-06-18"},
                            {"capabilities", Json::object()},
                            {"clientInfo", {{"name", "t"}, {"version", "1"}}}},
                           "");
    const Json result = init.message()["result"];
    EXPECT_EQ(result["serverInfo"], Json({{"name", "test mcp server 1"}, {"version", ""}}));
    EXPECT_EQ(result["capabilities"]["tools"]["listChanged"], true);
    EXPECT_TRUE(result["capabilities"].contains("prompts"));
    EXPECT_TRUE(result["capabilities"].contains("resources"));
    const std::string session = init.headers.value("mcp-session-id");
    EXPECT_THAT(h.toolNames(session), ElementsAre("add_tool", "greet", "headers", "slow", "time"));
    Json tools = h.request("tools/list", Json::object(), session).message()["result"]["tools"];
    EXPECT_EQ(tools[4]["annotations"], Json({{"title", "time"}}));
    EXPECT_EQ(tools[1]["inputSchema"]["properties"]["name"]["type"], "string");
    EXPECT_EQ(tools[1]["inputSchema"]["required"], Json({"name"}));
}

TEST(Server1, AnyPathServesMcp) {
    MockHarness h("server1");
    h.path = "/some/other/path";
    const std::string session = h.initialize();
    EXPECT_EQ(texts(h.call(session, "greet", {{"name", "Ann"}})["result"]),
              std::vector<std::string>{"Hi Ann"});
}

TEST(Server1, GreetTimeHeaders) {
    MockHarness h("server1");
    const std::string session = h.initialize();
    EXPECT_EQ(texts(h.call(session, "greet", {{"name", "Bob"}})["result"]),
              std::vector<std::string>{"Hi Bob"});
    const auto time = texts(h.call(session, "time")["result"]);
    ASSERT_EQ(time.size(), 1u);
    // Go's time.Now().String(), as of the virtual clock's start.
    EXPECT_TRUE(std::regex_match(
        time[0], std::regex(R"(2026-01-01 00:00:00(\.\d+)? \+0000 UTC m=\+\d+\.\d{9})")))
        << time[0];
    Headers extra;
    extra.add("x-custom", "a");
    extra.add("X-CUSTOM", "b");
    extra.set("authorization", "Bearer t");
    const auto headers = texts(h.call(session, "headers", Json::object(), extra)["result"]);
    EXPECT_THAT(headers, Contains("X-Custom: [a b]"));
    EXPECT_THAT(headers, Contains("Authorization: [Bearer t]"));
    EXPECT_THAT(headers, Contains("Mcp-Session-Id: [" + session + "]"));
    EXPECT_THAT(headers, Contains("Content-Type: [application/json]"));
    EXPECT_THAT(headers, Not(Contains(::testing::StartsWith("Host:"))));
}

TEST(Server1, SlowReportsProgressEverySecondOnTheCallStream) {
    MockHarness h("server1");
    const std::string session = h.initialize();
    const auto before = h.now();
    Reply r = h.request(
        "tools/call",
        {{"name", "slow"}, {"arguments", {{"seconds", 3}}}, {"_meta", {{"progressToken", 7}}}},
        session);
    EXPECT_EQ(h.now() - before, std::chrono::seconds(3)) << "waits on the clock";
    ASSERT_EQ(r.events.size(), 4u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(r.events[i]["method"], "notifications/progress");
        EXPECT_EQ(r.events[i]["params"]["progressToken"], "7") << "numeric token echoed as string";
        EXPECT_EQ(r.events[i]["params"]["progress"], i);
        EXPECT_EQ(r.events[i]["params"]["message"], "Waited " + std::to_string(i) + " seconds...");
    }
    EXPECT_EQ(r.events[3]["result"], Json({{"content", Json::array()}}));
    // Without a token: no notifications, same wait.
    Reply quiet =
        h.request("tools/call", {{"name", "slow"}, {"arguments", {{"seconds", 2}}}}, session);
    ASSERT_EQ(quiet.events.size(), 1u);
    EXPECT_EQ(quiet.events[0]["result"]["content"], Json::array());
}

TEST(Server1, AddToolAnnouncesListChangedOnTheGetStream) {
    MockHarness h("server1");
    const std::string session = h.initialize();
    Reply stream = h.get(session);
    ASSERT_EQ(stream.status, 200);
    EXPECT_TRUE(stream.events.empty());
    EXPECT_EQ(texts(h.call(session, "add_tool", {{"name", "extra"}})["result"]),
              std::vector<std::string>{"Added new tool: extra"});
    stream.drain();
    ASSERT_EQ(stream.events.size(), 1u);
    EXPECT_EQ(stream.events[0]["method"], "notifications/tools/list_changed");
    EXPECT_THAT(h.toolNames(session), Contains("extra"));
    Json tools = h.request("tools/list", Json::object(), session).message()["result"]["tools"];
    for (const auto& t : tools) {
        if (t["name"] == "extra") {
            EXPECT_EQ(t["description"], "dynamically added tool");
        }
    }
    EXPECT_EQ(texts(h.call(session, "extra")["result"]),
              std::vector<std::string>{"I am the dynamically added tool: extra"});
}

TEST(Server1, PromptAndResource) {
    MockHarness h("server1");
    const std::string session = h.initialize();
    Json prompt =
        h.request("prompts/get", {{"name", "greet"}, {"arguments", {{"name", "Cy"}}}}, session)
            .message()["result"];
    EXPECT_EQ(prompt["description"], "Code review prompt");
    EXPECT_EQ(prompt["messages"][0]["role"], "user");
    EXPECT_EQ(prompt["messages"][0]["content"]["text"], "Say hi to Cy");
    Json listed = h.request("resources/list", Json::object(), session).message()["result"];
    EXPECT_EQ(listed["resources"][0]["uri"], "embedded:info");
    Json read =
        h.request("resources/read", {{"uri", "embedded:info"}}, session).message()["result"];
    EXPECT_EQ(read["contents"][0]["text"], "This is the hello example server.");
    EXPECT_EQ(read["contents"][0]["mimeType"], "text/plain");
}

TEST(Server1, UnknownToolIsAnInvalidParamsError) {
    MockHarness h("server1");
    const std::string session = h.initialize();
    Json r = h.call(session, "nope");
    EXPECT_EQ(r["error"]["code"], -32602);
    EXPECT_EQ(r["error"]["message"], "unknown tool \"nope\"");
    // A wrongly typed argument fails this call only.
    EXPECT_EQ(h.call(session, "slow", {{"seconds", "three"}})["error"]["code"], -32602);
    EXPECT_EQ(texts(h.call(session, "greet", {{"name", "D"}})["result"]),
              std::vector<std::string>{"Hi D"});
}

}  // namespace
}  // namespace mcpsim::mocks::testing
