// everything: the conformance reference surface. Content tools, paced notifications on the
// call's stream, server-to-client requests answered by a second POST, resources, prompts.
#include <gmock/gmock.h>

#include "mock_harness.hpp"

namespace mcpsim::mocks::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

const Json kClientCaps = {{"sampling", Json::object()}, {"elicitation", Json::object()}};

TEST(Everything, InitializeAdvertisesEveryCapability) {
    MockHarness h("everything");
    Reply r = h.request("initialize",
                        {{"protocolVersion", "2025-11-25"},
                         {"capabilities", kClientCaps},
                         {"clientInfo", {{"name", "t"}, {"version", "1"}}}},
                        "");
    const Json caps = r.message()["result"]["capabilities"];
    EXPECT_EQ(caps["tools"], Json({{"listChanged", true}}));
    EXPECT_EQ(caps["resources"], Json({{"subscribe", true}, {"listChanged", true}}));
    EXPECT_EQ(caps["prompts"], Json({{"listChanged", true}}));
    EXPECT_EQ(caps["logging"], Json::object());
    EXPECT_EQ(caps["completions"], Json::object());
}

TEST(Everything, ToolListIsComplete) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    EXPECT_THAT(h.toolNames(session),
                ElementsAre("test_simple_text", "test_image_content", "test_audio_content",
                            "test_embedded_resource", "test_multiple_content_types",
                            "test_tool_with_logging", "test_tool_with_progress",
                            "test_error_handling", "test_reconnection", "test_sampling",
                            "test_elicitation", "test_elicitation_sep1034_defaults",
                            "test_elicitation_sep1330_enums", "json_schema_2020_12_tool", "echo"));
    Json tools = h.request("tools/list", Json::object(), session).message()["result"]["tools"];
    for (const auto& t : tools) {
        EXPECT_FALSE(t.value("description", "").empty()) << t["name"];
        EXPECT_EQ(t["inputSchema"]["type"], "object") << t["name"];
    }
    const Json schema2020 = tools[13]["inputSchema"];
    EXPECT_EQ(schema2020["$schema"], "https://json-schema.org/draft/2020-12/schema");
    EXPECT_TRUE(schema2020["$defs"].contains("address"));
    EXPECT_EQ(schema2020["additionalProperties"], false);
}

TEST(Everything, EchoRepeatsTheMessage) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    Json r =
        h.request("tools/call", {{"name", "echo"}, {"arguments", {{"message", "e2e"}}}}, session)
            .message()["result"];
    EXPECT_EQ(r["content"], Json::parse(R"([{"type":"text","text":"Echo: e2e"}])"));
    r = h.request("tools/call", {{"name", "echo"}, {"arguments", Json::object()}}, session)
            .message()["result"];
    EXPECT_EQ(r.value("isError", false), true) << r.dump();
}

TEST(Everything, ContentTools) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    // The suite calls simple-text without arguments at all.
    Reply noArgs = h.request("tools/call", {{"name", "test_simple_text"}}, session);
    EXPECT_EQ(
        noArgs.message()["result"],
        Json({{"content",
               {{{"type", "text"}, {"text", "This is a simple text response for testing."}}}}}));
    Json imageItem = h.call(session, "test_image_content")["result"]["content"][0];
    EXPECT_EQ(imageItem["type"], "image");
    EXPECT_EQ(imageItem["mimeType"], "image/png");
    EXPECT_EQ(imageItem["data"].get<std::string>().rfind("iVBORw0KGgo", 0), 0u) << "a PNG";
    Json audio = h.call(session, "test_audio_content")["result"]["content"][0];
    EXPECT_EQ(audio["mimeType"], "audio/wav");
    EXPECT_EQ(audio["data"].get<std::string>().rfind("UklGR", 0), 0u) << "a RIFF file";
    Json embedded = h.call(session, "test_embedded_resource")["result"]["content"][0];
    EXPECT_EQ(embedded["type"], "resource");
    EXPECT_EQ(embedded["resource"]["uri"], "test://embedded-resource");
    EXPECT_EQ(embedded["resource"]["text"], "This is an embedded resource content.");
    Json mixed = h.call(session, "test_multiple_content_types")["result"]["content"];
    ASSERT_EQ(mixed.size(), 3u);
    EXPECT_EQ(mixed[0]["type"], "text");
    EXPECT_EQ(mixed[1]["type"], "image");
    EXPECT_EQ(mixed[2]["resource"]["text"], R"({"test":"data","value":123})");
    Json error = h.call(session, "test_error_handling")["result"];
    EXPECT_EQ(error["isError"], true);
    EXPECT_EQ(texts(error),
              std::vector<std::string>{"This tool intentionally returns an error for testing"});
    Json unknown = h.call(session, "no_such_tool")["result"];
    EXPECT_EQ(unknown["isError"], true);
    EXPECT_EQ(texts(unknown),
              std::vector<std::string>{"MCP error -32602: Tool no_such_tool not found"});
}

// Records the virtual time of every write to a response stream.
std::vector<core::Duration> writeTimes(MockHarness& h, const Json& message,
                                       const std::string& session, Reply* out) {
    // Run only until the reply starts, then watch the stream as the timers fire.
    h.horizon = core::Duration::zero();
    *out = h.post(message, session);
    std::vector<core::Duration> times;
    const auto start = h.now();
    auto stream = out->stream;
    if (!stream) return times;
    stream->setNotify([&] { times.push_back(h.now() - start); });
    h.runtime().runUntilIdle();
    stream->setNotify(nullptr);
    out->drain();
    h.horizon.reset();
    return times;
}

TEST(Everything, LoggingToolSendsThreeMessages50msApart) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    EXPECT_EQ(h.request("logging/setLevel", {{"level", "debug"}}, session).message()["result"],
              Json::object());
    Reply r;
    auto times = writeTimes(
        h,
        {{"jsonrpc", "2.0"},
         {"id", 50},
         {"method", "tools/call"},
         {"params", {{"name", "test_tool_with_logging"}, {"arguments", Json::object()}}}},
        session, &r);
    ASSERT_EQ(r.events.size(), 4u);
    EXPECT_EQ(r.events[0]["params"], Json({{"level", "info"}, {"data", "Tool execution started"}}));
    EXPECT_EQ(r.events[1]["params"]["data"], "Tool processing data");
    EXPECT_EQ(r.events[2]["params"]["data"], "Tool execution completed");
    EXPECT_EQ(texts(r.events[3]["result"]),
              std::vector<std::string>{"Tool with logging executed successfully"});
    // Writes after the reply started: the 2nd note at 50 ms, the 3rd and the result at 100 ms.
    EXPECT_THAT(times, ElementsAre(50ms, 100ms, 100ms, 100ms)) << "last: result, then close";
}

TEST(Everything, ProgressToolSendsIncreasingProgress) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    Reply r = h.request("tools/call",
                        {{"name", "test_tool_with_progress"},
                         {"arguments", Json::object()},
                         {"_meta", {{"progressToken", "progress-test-1"}}}},
                        session);
    ASSERT_EQ(r.events.size(), 4u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(r.events[i]["method"], "notifications/progress");
        EXPECT_EQ(r.events[i]["params"]["progressToken"], "progress-test-1");
        EXPECT_EQ(r.events[i]["params"]["progress"], i * 50);
        EXPECT_EQ(r.events[i]["params"]["total"], 100);
    }
    EXPECT_EQ(texts(r.events[3]["result"]), std::vector<std::string>{"progress-test-1"});
}

// Runs a tool that asks the client something: returns the asked request, answers it with
// `answer` (a result, or an error when it has "code"), and returns the tool's result.
Json askAndAnswer(MockHarness& h, const std::string& session, const std::string& tool,
                  const Json& args, const Json& answer, Json* asked) {
    h.horizon = 1s;
    Reply call = h.request("tools/call", {{"name", tool}, {"arguments", args}}, session);
    EXPECT_EQ(call.status, 200);
    if (call.events.size() != 1u) {
        ADD_FAILURE() << "expected one server request, got " << call.body;
        return Json();
    }
    *asked = call.events[0];
    Json reply = {{"jsonrpc", "2.0"}, {"id", (*asked)["id"]}};
    reply[answer.contains("code") ? "error" : "result"] = answer;
    EXPECT_EQ(h.post(reply, session).status, 202);
    call.drain();
    h.horizon.reset();
    EXPECT_TRUE(call.stream->closed());
    return call.events.size() == 2u ? call.events[1]["result"] : Json();
}

TEST(Everything, SamplingGoesToTheClientOnTheCallStream) {
    MockHarness h("everything");
    const std::string session = h.initialize(kClientCaps);
    Json asked;
    Json result = askAndAnswer(h, session, "test_sampling", {{"prompt", "Test prompt"}},
                               {{"role", "assistant"},
                                {"content", {{"type", "text"}, {"text", "from the model"}}},
                                {"model", "m"}},
                               &asked);
    EXPECT_EQ(asked["method"], "sampling/createMessage");
    EXPECT_EQ(asked["params"]["maxTokens"], 100);
    EXPECT_EQ(asked["params"]["messages"][0]["content"]["text"], "Test prompt");
    EXPECT_EQ(texts(result), std::vector<std::string>{"LLM response: from the model"});
    Json failed = askAndAnswer(h, session, "test_sampling", {{"prompt", "p"}},
                               {{"code", -32600}, {"message", "User rejected"}}, &asked);
    EXPECT_EQ(texts(failed),
              std::vector<std::string>{
                  "Sampling not supported or error: MCP error -32600: User rejected"});
}

TEST(Everything, SamplingWithoutTheCapabilityOrAnAnswer) {
    MockHarness h("everything");
    const std::string bare = h.initialize();
    EXPECT_EQ(texts(h.call(bare, "test_sampling", {{"prompt", "p"}})["result"]),
              std::vector<std::string>{"Sampling not supported or error: Client does not support "
                                       "sampling (required for sampling/createMessage)"});
    const std::string silent = h.initialize(kClientCaps);
    const auto before = h.now();
    Reply r = h.request("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "p"}}}},
                        silent);
    EXPECT_EQ(h.now() - before, std::chrono::seconds(60));
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(texts(r.events[1]["result"]),
              std::vector<std::string>{
                  "Sampling not supported or error: MCP error -32001: Request timed out"});
    Json invalid = h.call(silent, "test_sampling", Json::object())["result"];
    EXPECT_EQ(invalid["isError"], true);
}

TEST(Everything, Elicitations) {
    MockHarness h("everything");
    const std::string session = h.initialize(kClientCaps);
    Json asked;
    Json result = askAndAnswer(
        h, session, "test_elicitation", {{"message", "Who?"}},
        {{"action", "accept"}, {"content", {{"username", "u"}, {"email", "e@x"}}}}, &asked);
    EXPECT_EQ(asked["method"], "elicitation/create");
    EXPECT_EQ(asked["params"]["message"], "Who?");
    EXPECT_EQ(asked["params"]["requestedSchema"]["required"], Json({"username", "email"}));
    EXPECT_EQ(texts(result),
              std::vector<std::string>{
                  R"(User response: action=accept, content={"email":"e@x","username":"u"})"});

    askAndAnswer(h, session, "test_elicitation_sep1034_defaults", Json::object(),
                 {{"action", "decline"}}, &asked);
    const Json d = asked["params"]["requestedSchema"]["properties"];
    EXPECT_EQ(d["name"]["default"], "John Doe");
    EXPECT_EQ(d["age"]["type"], "integer");
    EXPECT_EQ(d["age"]["default"], 30);
    EXPECT_EQ(d["score"]["default"], 95.5);
    EXPECT_EQ(d["status"]["enum"], Json({"active", "inactive", "pending"}));
    EXPECT_EQ(d["status"]["default"], "active");
    EXPECT_EQ(d["verified"]["default"], true);

    Json enums = askAndAnswer(h, session, "test_elicitation_sep1330_enums", Json::object(),
                              {{"action", "cancel"}}, &asked);
    const Json e = asked["params"]["requestedSchema"]["properties"];
    EXPECT_EQ(e["untitledSingle"]["enum"].size(), 3u);
    EXPECT_FALSE(e["untitledSingle"].contains("oneOf"));
    EXPECT_EQ(e["titledSingle"]["oneOf"][1],
              Json({{"const", "value2"}, {"title", "Second Option"}}));
    EXPECT_EQ(e["legacyEnum"]["enumNames"].size(), e["legacyEnum"]["enum"].size());
    EXPECT_EQ(e["untitledMulti"]["items"]["enum"].size(), 3u);
    EXPECT_EQ(e["titledMulti"]["items"]["anyOf"][2]["title"], "Third Choice");
    EXPECT_EQ(texts(enums),
              std::vector<std::string>{"Elicitation completed: action=cancel, content={}"});
}

TEST(Everything, Resources) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    Json list = h.request("resources/list", Json::object(), session).message()["result"];
    std::vector<std::string> uris;
    for (const auto& r : list["resources"]) uris.push_back(r["uri"]);
    EXPECT_THAT(
        uris, ElementsAre("test://static-text", "test://static-binary", "test://watched-resource"));
    auto read = [&](const std::string& uri) {
        return h.request("resources/read", {{"uri", uri}}, session).message();
    };
    EXPECT_EQ(read("test://static-text")["result"]["contents"][0]["text"],
              "This is the content of the static text resource.");
    EXPECT_EQ(read("test://static-binary")["result"]["contents"][0]["mimeType"], "image/png");
    EXPECT_TRUE(read("test://static-binary")["result"]["contents"][0].contains("blob"));
    Json templated = read("test://template/123/data")["result"]["contents"][0];
    EXPECT_EQ(templated["uri"], "test://template/123/data");
    EXPECT_EQ(templated["text"], R"({"id":"123","templateTest":true,"data":"Data for ID: 123"})");
    EXPECT_EQ(read("test://template/a/b/data")["error"]["code"], -32602) << "one segment only";
    EXPECT_EQ(read("test://nothing")["error"]["code"], -32602);
    Json templates = h.request("resources/templates/list", Json::object(), session).message();
    EXPECT_EQ(templates["result"]["resourceTemplates"][0]["uriTemplate"],
              "test://template/{id}/data");
    for (const char* method : {"resources/subscribe", "resources/unsubscribe"}) {
        EXPECT_EQ(
            h.request(method, {{"uri", "test://watched-resource"}}, session).message()["result"],
            Json::object());
    }
}

TEST(Everything, Prompts) {
    MockHarness h("everything");
    const std::string session = h.initialize();
    Json list = h.request("prompts/list", Json::object(), session).message()["result"]["prompts"];
    ASSERT_EQ(list.size(), 4u);
    for (const auto& p : list) EXPECT_FALSE(p.value("description", "").empty());
    auto get = [&](const std::string& name, Json args) {
        return h.request("prompts/get", {{"name", name}, {"arguments", std::move(args)}}, session)
            .message();
    };
    EXPECT_EQ(get("test_simple_prompt", Json::object())["result"]["messages"][0]["content"]["text"],
              "This is a simple prompt for testing.");
    EXPECT_EQ(get("test_prompt_with_arguments",
                  {{"arg1", "testValue1"},
                   {"arg2", "testValue2"}})["result"]["messages"][0]["content"]["text"],
              "Prompt with arguments: arg1='testValue1', arg2='testValue2'");
    EXPECT_EQ(get("test_prompt_with_arguments", {{"arg1", "x"}})["error"]["code"], -32602);
    Json embedded = get("test_prompt_with_embedded_resource", {{"resourceUri", "test://r"}});
    EXPECT_EQ(embedded["result"]["messages"][0]["content"]["resource"]["uri"], "test://r");
    EXPECT_EQ(
        get("test_prompt_with_image", Json::object())["result"]["messages"][0]["content"]["type"],
        "image");
    Json completion =
        h.request("completion/complete",
                  {{"ref", {{"type", "ref/prompt"}, {"name", "test_prompt_with_arguments"}}},
                   {"argument", {{"name", "arg1"}, {"value", "test"}}}},
                  session)
            .message()["result"];
    EXPECT_TRUE(completion["completion"]["values"].is_array());
}

}  // namespace
}  // namespace mcpsim::mocks::testing
