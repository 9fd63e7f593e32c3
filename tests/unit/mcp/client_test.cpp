// The MCP client against mock servers: in memory on virtual time, and over real TCP on the
// loop (SSE read as it streams).
#include <gtest/gtest.h>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/mcp/client.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/mocks/catalog.hpp"

namespace mcpsim::core::mcp {
namespace {

using namespace std::chrono_literals;

struct Served {
    std::unique_ptr<mocks::MockServer> mock;
    std::unique_ptr<http::Listener> listener;
};

Served serve(Runtime& rt, http::Network& net, const std::string& name, http::Endpoint at,
             mocks::MockEnv env = {}) {
    Served s;
    s.mock = mocks::findMock(name)->create(rt, env, Logger(rt.clock(), rt.logs(), "mock/" + name));
    s.listener = net.listen(at, s.mock->handler());
    return s;
}

TEST(McpClient, InitializeListAndCallOverTheInMemoryNetwork) {
    Runtime rt(RuntimeOptions{1, true});
    auto net = http::makeInMemoryNetwork(rt);
    auto served = serve(rt, *net, "server2", {"server2.local", 9090});
    auto client = McpClient::create(*net, {{"server2.local", 9090}, "/mcp"});
    std::optional<ClientError> initError{ClientError{-1, "not called"}};
    client->initialize([&](std::optional<ClientError> e, const Json&) { initError = e; });
    rt.runUntilIdle();
    ASSERT_FALSE(initError) << initError->message;
    EXPECT_FALSE(client->sessionId().empty());
    EXPECT_EQ(client->negotiatedVersion(), "2025-06-18");
    Json tools;
    client->request("tools/list", Json::object(), [&](auto e, const Json& r) {
        ASSERT_FALSE(e);
        tools = r["tools"];
    });
    Json called;
    client->request("tools/call", {{"name", "hello_world"}, {"arguments", {{"name", "e2e"}}}},
                    [&](auto e, const Json& r) {
                        ASSERT_FALSE(e);
                        called = r;
                    });
    rt.runUntilIdle();
    EXPECT_EQ(tools.size(), 5u);
    EXPECT_EQ(called["content"][0]["text"], "Hello, e2e!");
    std::optional<ClientError> unknown;
    client->request("no/such/method", Json::object(), [&](auto e, const Json&) { unknown = e; });
    rt.runUntilIdle();
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->code, codes::kMethodNotFound);
}

TEST(McpClient, TransportFailuresAreReported) {
    Runtime rt(RuntimeOptions{1, true});
    auto net = http::makeInMemoryNetwork(rt);
    auto nobody = McpClient::create(*net, {{"nobody.local", 1}, "/mcp"});
    std::optional<ClientError> refused;
    nobody->initialize([&](auto e, const Json&) { refused = e; });
    mocks::MockEnv env;
    env.env["EXPECTED_AUTH"] = "Bearer right";
    auto served = serve(rt, *net, "api-key", {"api.local", 9090}, env);
    auto wrong = McpClient::create(*net, {{"api.local", 9090}, "/mcp"});
    std::optional<ClientError> unauthorized;
    wrong->initialize([&](auto e, const Json&) { unauthorized = e; });
    rt.runUntilIdle();
    ASSERT_TRUE(refused);
    EXPECT_NE(refused->message.find("Connection refused"), std::string::npos) << refused->message;
    ASSERT_TRUE(unauthorized);
    EXPECT_EQ(unauthorized->httpStatus, 401);
}

TEST(McpClient, StreamsProgressAndServerNotificationsOverTcp) {
    Runtime rt;  // real time, real sockets
    auto net = http::makeLoopbackNetwork(rt);
    auto served = serve(rt, *net, "everything", {"127.0.0.1", 0});
    auto client = McpClient::create(*net, {served.listener->endpoint(), "/mcp"});
    std::vector<std::string> notifications;
    client->onNotification = [&](const Json& n) { notifications.push_back(n.value("method", "")); };
    Json result;
    std::optional<ClientError> error{ClientError{-1, "not called"}};
    client->initialize([&](auto e, const Json&) {
        if (e) {
            error = e;
            rt.stop();
            return;
        }
        client->request("tools/call",
                        {{"name", "test_tool_with_progress"},
                         {"arguments", Json::object()},
                         {"_meta", {{"progressToken", "p1"}}}},
                        [&](auto e2, const Json& r) {
                            error = e2;
                            result = r;
                            rt.stop();
                        });
    });
    auto guard = rt.clock().schedule(10s, [&] { rt.stop(); });
    rt.run();
    guard.cancel();
    ASSERT_FALSE(error) << error->message;
    EXPECT_TRUE(result.contains("content"));
    EXPECT_GE(std::count(notifications.begin(), notifications.end(), "notifications/progress"), 3);
}

TEST(SseParser, SplitsEventsAcrossChunks) {
    SseParser p;
    EXPECT_TRUE(p.feed("event: message\ndata: {\"a\"").empty());
    auto events = p.feed(":1}\n\n: comment\ndata: x\r\ndata: y\r\n\r\n");
    EXPECT_EQ(events, (std::vector<std::string>{"{\"a\":1}", "x\ny"}));
}

}  // namespace
}  // namespace mcpsim::core::mcp
