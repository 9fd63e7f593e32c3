// server3 (FastMCP): text plus structured results, isError failures, progress with a total,
// and get_headers answering with the initialize request's headers.
#include <gmock/gmock.h>

#include <regex>

#include "mock_harness.hpp"

namespace mcpsim::mocks::testing {
namespace {

using ::testing::ElementsAre;

TEST(Server3, ToolsInRegistrationOrder) {
    MockHarness h("server3");
    Reply init = h.request("initialize",
                           {{"protocolVersion", "2025-06-18"},
                            {"capabilities", Json::object()},
                            {"clientInfo", {{"name", "t"}, {"version", "1"}}}},
                           "");
    EXPECT_EQ(init.message()["result"]["serverInfo"]["name"], "FastMCP test server");
    const std::string session = init.headers.value("mcp-session-id");
    EXPECT_THAT(h.toolNames(session),
                ElementsAre("time", "add", "dozen", "pi", "get_weather", "slow", "get_headers"));
}

TEST(Server3, Results) {
    MockHarness h("server3");
    const std::string session = h.initialize();
    Json add = h.call(session, "add", {{"a", 2}, {"b", 40}})["result"];
    EXPECT_EQ(texts(add), std::vector<std::string>{"42"});
    EXPECT_EQ(add["structuredContent"], Json({{"result", 42}}));
    EXPECT_EQ(texts(h.call(session, "dozen")["result"]), std::vector<std::string>{"12"});
    EXPECT_EQ(texts(h.call(session, "pi")["result"]), std::vector<std::string>{"3.1415"});
    Json weather = h.call(session, "get_weather", {{"city", "Paris"}})["result"];
    EXPECT_EQ(texts(weather), std::vector<std::string>{
                                  R"({"city":"Paris","temperature":"72F","forecast":"Sunny"})"});
    EXPECT_EQ(weather["structuredContent"]["forecast"], "Sunny");
    const auto time = texts(h.call(session, "time")["result"]);
    ASSERT_EQ(time.size(), 1u);
    EXPECT_TRUE(std::regex_match(time[0], std::regex(R"(2026-01-01 00:00:00(\.\d{6})?)")))
        << time[0];
}

TEST(Server3, FailuresAreIsErrorResults) {
    MockHarness h("server3");
    const std::string session = h.initialize();
    Json missing = h.call(session, "add", {{"a", 1}})["result"];
    EXPECT_EQ(missing["isError"], true);
    EXPECT_EQ(texts(h.call(session, "add", {{"a", "1"}, {"b", "2"}})["result"]),
              std::vector<std::string>{"3"})
        << "pydantic's lax mode reads digit strings";
    Json unknown = h.call(session, "nope")["result"];
    EXPECT_EQ(unknown["isError"], true);
    EXPECT_EQ(texts(unknown), std::vector<std::string>{"Unknown tool: nope"});
}

TEST(Server3, SlowSendsProgressWithTotal) {
    MockHarness h("server3");
    const std::string session = h.initialize();
    Reply r = h.request(
        "tools/call",
        {{"name", "slow"}, {"arguments", {{"seconds", 2}}}, {"_meta", {{"progressToken", "p"}}}},
        session);
    ASSERT_EQ(r.events.size(), 3u);
    EXPECT_EQ(r.events[0]["params"],
              Json({{"progressToken", "p"}, {"progress", 0.0}, {"total", 2.0}}));
    EXPECT_EQ(r.events[1]["params"]["progress"], 1.0);
    EXPECT_EQ(r.events[2]["result"]["structuredContent"], Json({{"result", ""}}));
}

TEST(Server3, GetHeadersReturnsTheInitializeRequestsHeaders) {
    MockHarness h("server3");
    Headers atInit;
    atInit.set("X-Init-Marker", "first");
    const std::string session = h.initialize(Json::object(), atInit);
    Headers atCall;
    atCall.set("X-Init-Marker", "second");
    Json result = h.call(session, "get_headers", Json::object(), atCall)["result"];
    EXPECT_EQ(result["structuredContent"]["x-init-marker"], "first");
    EXPECT_FALSE(result["structuredContent"].contains("host"));
}

}  // namespace
}  // namespace mcpsim::mocks::testing
