// api-key and custom-path (both Go SDK servers): auth on /mcp, /health, and the custom path
// with Go's ServeMux behaviour around it.
#include <gmock/gmock.h>

#include "mock_harness.hpp"

namespace mcpsim::mocks::testing {
namespace {

MockEnv expecting(const std::string& auth) {
    MockEnv env;
    env.env["EXPECTED_AUTH"] = auth;
    return env;
}

TEST(ApiKey, RefusesAWrongOrMissingAuthorizationWith401) {
    MockHarness h("api-key", expecting("Bearer secret"));
    Reply missing = h.request("initialize", {{"protocolVersion", "2025-06-18"}}, "");
    EXPECT_EQ(missing.status, 401);
    EXPECT_EQ(missing.headers.value("Content-Type"), "text/plain; charset=utf-8");
    // Go's %q quotes inside a JSON-looking string: the body is not valid JSON, as upstream.
    EXPECT_EQ(missing.body, R"({"error": "Unauthorized: expected "Bearer secret", got """})"
                            "\n");
    Headers wrong;
    wrong.set("Authorization", "Bearer \"guess\"");
    Reply r = h.request("initialize", {{"protocolVersion", "2025-06-18"}}, "", wrong);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body,
              R"({"error": "Unauthorized: expected "Bearer secret", got "Bearer \"guess\"""})"
              "\n");
}

TEST(ApiKey, ServesWithTheExpectedAuthorization) {
    MockHarness h("api-key", expecting("Bearer secret"));
    Headers auth;
    auth.set("Authorization", "Bearer secret");
    Reply init = h.request("initialize",
                           {{"protocolVersion", "2025-06-18"},
                            {"capabilities", Json::object()},
                            {"clientInfo", {{"name", "t"}, {"version", "1"}}}},
                           "", auth);
    EXPECT_EQ(init.status, 200);
    EXPECT_EQ(init.message()["result"]["serverInfo"]["name"], "mcp-api-key-test-server");
    const std::string session = init.headers.value("mcp-session-id");
    EXPECT_EQ(texts(h.call(session, "hello_world", {{"name", "Kim"}}, auth)["result"]),
              std::vector<std::string>{"Hello, Kim! (from authenticated server)"});
    // Every request is checked, not just initialize.
    EXPECT_EQ(h.request("tools/list", Json::object(), session).status, 401);
}

TEST(ApiKey, NoExpectedAuthMeansNoAuth) {
    for (const MockEnv& env : {MockEnv{}, expecting("")}) {
        MockHarness h("api-key", env);
        const std::string session = h.initialize();
        EXPECT_EQ(texts(h.call(session, "hello_world", {{"name", "Lu"}})["result"]),
                  std::vector<std::string>{"Hello, Lu! (from authenticated server)"});
    }
}

TEST(ApiKey, HealthNeedsNoAuth) {
    MockHarness h("api-key", expecting("Bearer secret"));
    core::http::Request req;
    req.target = "/health";
    Reply r = h.send(req);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "OK");
    req.target = "/other";
    EXPECT_EQ(h.send(req).status, 404);
}

TEST(CustomPath, McpOnlyAtItsPath) {
    MockHarness h("custom-path");
    h.path = "/v1/special/mcp";
    Reply init = h.request("initialize",
                           {{"protocolVersion", "2025-06-18"},
                            {"capabilities", Json::object()},
                            {"clientInfo", {{"name", "t"}, {"version", "1"}}}},
                           "");
    EXPECT_EQ(init.message()["result"]["serverInfo"],
              Json({{"name", "test-custom-path-server"}, {"version", "0.0.1"}}));
    const std::string session = init.headers.value("mcp-session-id");
    EXPECT_THAT(h.toolNames(session),
                ::testing::ElementsAre("echo_custom", "path_info", "timestamp"));
    EXPECT_EQ(texts(h.call(session, "echo_custom", {{"message", "hi"}})["result"]),
              std::vector<std::string>{"Echo from custom path: hi"});
    EXPECT_EQ(texts(h.call(session, "path_info")["result"]),
              std::vector<std::string>{"This server is configured at /v1/special/mcp"});
    EXPECT_EQ(texts(h.call(session, "timestamp")["result"]),
              std::vector<std::string>{"Timestamp: 2026-01-01T00:00:00Z"});
}

TEST(CustomPath, OtherPathsGetTheRootHandler) {
    MockHarness h("custom-path");
    core::http::Request req;
    req.target = "/";
    Reply root = h.send(req);
    EXPECT_EQ(root.status, 200);
    EXPECT_EQ(root.body, "Custom path server with MCP at /v1/special/mcp\n");
    req.method = "POST";
    req.target = "/mcp";
    Reply elsewhere = h.send(req);
    EXPECT_EQ(elsewhere.status, 200) << "the 404 comes after the body has started";
    EXPECT_EQ(elsewhere.body, "Custom path server NOT FOUND404 page not found\n");
}

}  // namespace
}  // namespace mcpsim::mocks::testing
