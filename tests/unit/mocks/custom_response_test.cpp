// custom-response: the hand-written responder. Its session id has spaces, and tools/call
// answers with whatever HTTP status the arguments ask for.
#include "mock_harness.hpp"

namespace mcpsim::mocks::testing {
namespace {

TEST(CustomResponse, InitializeAndToolsList) {
    MockHarness h("custom-response");
    Reply init = h.request("initialize", {{"protocolVersion", "2025-06-18"}}, "");
    EXPECT_EQ(init.status, 200);
    EXPECT_EQ(init.headers.value("mcp-session-id"), "my amazing session");
    const Json result = init.message()["result"];
    EXPECT_EQ(result["protocolVersion"], "2025-06-18");
    EXPECT_EQ(result["serverInfo"]["name"], "ExampleServer");
    EXPECT_EQ(result["capabilities"]["resources"],
              Json({{"subscribe", true}, {"listChanged", true}}));
    Reply initialized = h.post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
    EXPECT_EQ(initialized.status, 200);
    EXPECT_EQ(initialized.body, "");
    Json tools = h.request("tools/list", Json::object(), "my amazing session").message();
    ASSERT_EQ(tools["result"]["tools"].size(), 1u);
    EXPECT_EQ(tools["result"]["tools"][0]["name"], "custom response code");
    EXPECT_EQ(tools["result"]["tools"][0]["inputSchema"]["required"], Json({"responseCode"}));
    Json ping = h.request("ping", Json::object(), "").message();
    EXPECT_EQ(ping["result"], Json::object());
}

TEST(CustomResponse, ToolsCallAnswersTheAskedStatusWithAnEmptyBody) {
    MockHarness h("custom-response");
    for (int code : {200, 204, 404, 500, 503}) {
        Reply r =
            h.request("tools/call",
                      {{"name", "custom response code"}, {"arguments", {{"responseCode", code}}}},
                      "my amazing session");
        EXPECT_EQ(r.status, code);
        EXPECT_EQ(r.body, "");
    }
    Reply missing = h.request("tools/call", {{"name", "custom response code"}}, "");
    EXPECT_EQ(missing.status, 500);
    Reply absurd =
        h.request("tools/call", {{"name", "x"}, {"arguments", {{"responseCode", 42}}}}, "");
    EXPECT_EQ(absurd.status, 500);
}

TEST(CustomResponse, EverythingElse) {
    MockHarness h("custom-response");
    Reply get = h.get("");
    EXPECT_EQ(get.status, 405);
    EXPECT_EQ(get.body, "");
    Reply other = h.request("resources/list", Json::object(), "");
    EXPECT_EQ(other.status, 404);
    EXPECT_EQ(other.body, R"({"status": "session invalid"})");
    core::http::Request del;
    del.method = "DELETE";
    del.target = "/mcp";
    EXPECT_EQ(h.send(del).status, 404);
    Headers json;
    json.set("Content-Type", "application/json");
    Reply garbage = h.postText("not json", json);
    EXPECT_EQ(garbage.status, 400);
    EXPECT_EQ(garbage.body, R"({"status": "bad request not json rpc"})");
    EXPECT_EQ(h.postText(R"({"id":"string-id","method":"ping"})", json).status, 400);
    // Any path.
    h.path = "/whatever";
    EXPECT_EQ(h.request("ping", Json::object(), "").status, 200);
}

}  // namespace
}  // namespace mcpsim::mocks::testing
