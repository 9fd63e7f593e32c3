// broken: each FAILURE_MODE, and how the mode is chosen (env over --failure-mode).
#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>

#include "mock_harness.hpp"

namespace mcpsim::mocks::testing {
namespace {

MockEnv mode(const std::string& m) {
    MockEnv env;
    env.env["FAILURE_MODE"] = m;
    return env;
}

TEST(Broken, ProtocolModeAnswersEveryPostWithAnOldVersion) {
    for (const MockEnv& env : {MockEnv{}, mode("protocol"), mode("no-such-mode")}) {
        MockHarness h("broken", env);
        for (const char* method : {"initialize", "tools/list"}) {
            Reply r = h.request(method, Json::object(), "");
            EXPECT_EQ(r.status, 200);
            const Json m = r.message();
            EXPECT_EQ(m["result"]["protocolVersion"], "2021-11-05");
            EXPECT_EQ(m["result"]["serverInfo"]["name"], "bad-test-Broken-server");
        }
        Reply get = h.get("");
        EXPECT_EQ(get.status, 200);
        EXPECT_EQ(get.body, R"({"status": "bad-Broken-server-running"})");
    }
}

TEST(Broken, NoToolsIsAValidServerWithZeroTools) {
    MockHarness h("broken", mode("no-tools"));
    Reply init = h.request("initialize",
                           {{"protocolVersion", "2025-06-18"},
                            {"capabilities", Json::object()},
                            {"clientInfo", {{"name", "t"}, {"version", "1"}}}},
                           "");
    EXPECT_EQ(init.message()["result"]["serverInfo"]["name"], "bad-test-Broken-server-no-tools");
    EXPECT_TRUE(h.toolNames(init.headers.value("mcp-session-id")).empty());
}

TEST(Broken, ToolConflicts) {
    MockHarness h("broken", mode("tool-conflicts"));
    const std::string session = h.initialize();
    EXPECT_THAT(h.toolNames(session), ::testing::ElementsAre("headers", "slow", "time"));
    Json tools = h.request("tools/list", Json::object(), session).message()["result"]["tools"];
    for (const auto& t : tools) {
        EXPECT_THAT(t["description"].get<std::string>(),
                    ::testing::EndsWith("- CONFLICTING VERSION"));
    }
    EXPECT_EQ(texts(h.call(session, "time")["result"]),
              std::vector<std::string>{"Broken-server conflicting time: 2026-01-01T00:00:00Z"});
    EXPECT_EQ(texts(h.call(session, "slow")["result"]),
              std::vector<std::string>{"Broken-server slow tool (for conflict testing)"});
    EXPECT_EQ(texts(h.call(session, "headers")["result"]),
              std::vector<std::string>{"Broken-server headers tool (for conflict testing)"});
}

TEST(Broken, HangNeverAnswers) {
    MockHarness h("broken", mode("hang"));
    h.horizon = std::chrono::minutes(10);
    EXPECT_NONFATAL_FAILURE(h.request("initialize", Json::object(), ""), "no reply");
    EXPECT_NONFATAL_FAILURE(h.get(""), "no reply");
}

TEST(Broken, GarbageAnswersPostsWithJsonThatIsNot) {
    MockHarness h("broken", mode("garbage"));
    for (const char* method : {"initialize", "tools/list", "ping"}) {
        Reply r = h.request(method, Json::object(), "");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.headers.value("Content-Type"), "application/json");
        EXPECT_TRUE(Json::parse(r.body, nullptr, false).is_discarded()) << r.body;
    }
    EXPECT_EQ(h.get("").status, 405);
}

TEST(Broken, ModeFromArgumentsUnlessTheEnvironmentSaysOtherwise) {
    MockEnv args;
    args.args = {"--http", "0.0.0.0:9090", "--failure-mode", "tool-conflicts"};
    MockHarness fromArgs("broken", args);
    EXPECT_EQ(fromArgs.toolNames(fromArgs.initialize()).size(), 3u);
    MockEnv both = args;
    both.args = {"--failure-mode=tool-conflicts"};
    both.env["FAILURE_MODE"] = "no-tools";
    MockHarness envWins("broken", both);
    EXPECT_TRUE(envWins.toolNames(envWins.initialize()).empty());
}

}  // namespace
}  // namespace mcpsim::mocks::testing
