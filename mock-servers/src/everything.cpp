// everything: the surface of the MCP conformance suite's reference server (TypeScript SDK),
// which the official `conformance server` scenarios are written against: test_* tools (all
// content types, logging and progress notifications paced on the runtime clock, sampling and
// elicitation as server-to-client requests on the call's stream), test:// resources and a
// template, test_* prompts, logging/setLevel and completion/complete.
#include <utility>

#include "mcpsim/core/mcp/jsonrpc.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mock_support.hpp"
#include "mocks.hpp"

namespace mcpsim::mocks {

namespace {

using namespace std::chrono_literals;

// A 1x1 PNG and a minimal WAV, base64.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg"
    "==";
constexpr const char* kWav = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";
// The TypeScript SDK times out a request to the client after 60 s.
constexpr core::Duration kAskTimeout = 60s;

Json image() {
    return {{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}};
}

Json content(Json items) {
    return {{"content", std::move(items)}};
}

Json tool(const std::string& name, const std::string& description, Json schema = objectSchema()) {
    return {{"name", name}, {"description", description}, {"inputSchema", std::move(schema)}};
}

// What zod-to-json-schema makes of z.object({<name>: z.string().describe(...)}).
Json oneStringSchema(const std::string& name, const std::string& description) {
    return {{"type", "object"},
            {"properties", {{name, {{"type", "string"}, {"description", description}}}}},
            {"required", {name}},
            {"additionalProperties", false},
            {"$schema", "http://json-schema.org/draft-07/schema#"}};
}

// The SDK validates tool arguments against the schema before calling the tool.
bool requireStringArg(const Context& ctx, const Json& args, const std::string& tool,
                      const char* key) {
    if (stringArg(args, key)) return true;
    ctx->reply(errorResult("MCP error -32602: Input validation error: Invalid arguments for tool " +
                           tool + ": " + key + ": expected string"));
    return false;
}

// An McpError's message as the SDK renders it.
std::string mcpErrorText(const Json& error) {
    return "MCP error " + std::to_string(error.value("code", 0)) + ": " +
           error.value("message", std::string());
}

class Everything final : public McpMock {
  public:
    Everything(core::Runtime& runtime, core::Logger log)
        : McpMock(runtime, options(), std::move(log)) {
        addContentTools();
        addPacedTools();
        addClientRequestTools();
        addElicitationSchemaTools();
        addJsonSchemaTool();
        addEcho();
        addResources();
        addPrompts();
    }

  private:
    static McpServerOptions options() {
        McpServerOptions o;
        o.name = "mcp-conformance-test-server";
        o.version = "1.0.0";
        o.paths = {"/mcp"};
        o.latestProtocolVersion = "2025-11-25";
        o.capabilities = {{"tools", {{"listChanged", true}}},
                          {"resources", {{"subscribe", true}, {"listChanged", true}}},
                          {"prompts", {{"listChanged", true}}},
                          {"logging", Json::object()},
                          {"completions", Json::object()}};
        // The SDK's McpServer turns an unknown tool into an isError result.
        o.unknownTool = [](Context ctx, const std::string& name) {
            ctx->reply(errorResult("MCP error -32602: Tool " + name + " not found"));
        };
        return o;
    }

    void addContentTools() {
        auto fixed = [this](Json def, Json result) {
            server.addTool(std::move(def),
                           [result](Context ctx, const Json&) { ctx->reply(result); });
        };
        fixed(tool("test_simple_text", "Tests simple text content response"),
              textResult("This is a simple text response for testing."));
        fixed(tool("test_image_content", "Tests image content response"),
              content(Json::array({image()})));
        fixed(tool("test_audio_content", "Tests audio content response"),
              content({{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}}));
        fixed(tool("test_embedded_resource", "Tests embedded resource content response"),
              content({{{"type", "resource"},
                        {"resource",
                         {{"uri", "test://embedded-resource"},
                          {"mimeType", "text/plain"},
                          {"text", "This is an embedded resource content."}}}}}));
        fixed(tool("test_multiple_content_types",
                   "Tests response with multiple content types (text, image, resource)"),
              content({textContent("Multiple content types test:"),
                       image(),
                       {{"type", "resource"},
                        {"resource",
                         {{"uri", "test://mixed-content-resource"},
                          {"mimeType", "application/json"},
                          {"text", R"({"test":"data","value":123})"}}}}}));
    }

    // Notifications 50 ms apart on the call's own stream, the result right after the last.
    struct Paced : std::enable_shared_from_this<Paced> {
        McpServer* server;
        Context ctx;
        std::vector<std::pair<std::string, Json>> notes;
        Json result;
        void step(std::size_t i) {
            if (i == notes.size()) {
                ctx->reply(result);
                return;
            }
            ctx->notify(notes[i].first, notes[i].second);
            if (i + 1 == notes.size()) return step(i + 1);
            server->after(50ms, [self = shared_from_this(), i] { self->step(i + 1); });
        }
    };

    void paced(Context ctx, std::vector<std::pair<std::string, Json>> notes, Json result) {
        auto run = std::make_shared<Paced>();
        run->server = &server;
        run->ctx = std::move(ctx);
        run->notes = std::move(notes);
        run->result = std::move(result);
        run->step(0);
    }

    void addPacedTools() {
        server.addTool(
            tool("test_tool_with_logging", "Tests tool that emits log messages during execution"),
            [this](Context ctx, const Json&) {
                std::vector<std::pair<std::string, Json>> logs;
                for (const char* text : {"Tool execution started", "Tool processing data",
                                         "Tool execution completed"}) {
                    logs.push_back({"notifications/message", {{"level", "info"}, {"data", text}}});
                }
                paced(ctx, logs, textResult("Tool with logging executed successfully"));
            });
        server.addTool(
            tool("test_tool_with_progress", "Tests tool that reports progress notifications"),
            [this](Context ctx, const Json&) {
                const auto token = progressToken(*ctx);
                const Json shown = token.value_or(Json(0));
                std::vector<std::pair<std::string, Json>> steps;
                if (token) {
                    for (int progress : {0, 50, 100}) {
                        steps.push_back({"notifications/progress",
                                         {{"progressToken", *token},
                                          {"progress", progress},
                                          {"total", 100},
                                          {"message", "Completed step " + std::to_string(progress) +
                                                          " of 100"}}});
                    }
                }
                paced(ctx, steps,
                      textResult(shown.is_string() ? shown.get<std::string>() : shown.dump()));
            });
        server.addTool(
            tool("test_error_handling", "Tests error response handling"),
            [](Context ctx, const Json&) {
                ctx->reply(errorResult("This tool intentionally returns an error for testing"));
            });
        // The reference closes the stream mid-call for resumability tests (pending suite);
        // answering on the open stream after the same 100 ms is what clients without
        // reconnection support see.
        server.addTool(tool("test_reconnection",
                            "Tests SSE stream disconnection and client reconnection (SEP-1699). "
                            "Server will close the stream mid-call and send the result after "
                            "client reconnects."),
                       [this](Context ctx, const Json&) {
                           server.after(100ms, [ctx] {
                               ctx->reply(textResult(
                                   "Reconnection test completed successfully. If you received "
                                   "this, the client properly reconnected after stream closure."));
                           });
                       });
    }

    // A request to the client on the call's stream. `done` gets the client's result, or an
    // error text as the SDK's exception message reads.
    void askClient(Context ctx, const std::string& method, const char* capability, Json params,
                   std::function<void(const Json* result, const std::string& error)> done) {
        if (!ctx->session().clientCapabilities().contains(capability)) {
            done(nullptr, std::string("Client does not support ") + capability + " (required for " +
                              method + ")");
            return;
        }
        auto finished = std::make_shared<bool>(false);
        auto timeout = server.after(kAskTimeout, [finished, done] {
            if (std::exchange(*finished, true)) return;
            done(nullptr, "MCP error -32001: Request timed out");
        });
        ctx->ask(method, std::move(params),
                 [finished, done, timeout](bool ok, const Json& r) mutable {
                     if (std::exchange(*finished, true)) return;
                     timeout.cancel();
                     if (ok) {
                         done(&r, "");
                     } else {
                         done(nullptr, mcpErrorText(r.is_object() ? r : Json::object()));
                     }
                 });
    }

    void addClientRequestTools() {
        server.addTool(
            tool("test_sampling", "Tests server-initiated sampling (LLM completion request)",
                 oneStringSchema("prompt", "The prompt to send to the LLM")),
            [this](Context ctx, const Json& args) {
                if (!requireStringArg(ctx, args, "test_sampling", "prompt")) return;
                Json params = {
                    {"messages",
                     Json::array({{{"role", "user"},
                                   {"content", textContent(*stringArg(args, "prompt"))}}})},
                    {"maxTokens", 100}};
                askClient(
                    ctx, "sampling/createMessage", "sampling", std::move(params),
                    [ctx](const Json* result, const std::string& error) {
                        if (!result) {
                            ctx->reply(textResult("Sampling not supported or error: " + error));
                            return;
                        }
                        std::string text = "No response";
                        const Json c = result->value("content", Json::object());
                        if (c.is_object() && c.contains("text") && c["text"].is_string()) {
                            text = c["text"].get<std::string>();
                        }
                        ctx->reply(textResult("LLM response: " + text));
                    });
            });
        server.addTool(
            tool("test_elicitation", "Tests server-initiated elicitation (user input request)",
                 oneStringSchema("message", "The message to show the user")),
            [this](Context ctx, const Json& args) {
                if (!requireStringArg(ctx, args, "test_elicitation", "message")) return;
                Json schema = objectSchema(
                    {{"username", {{"type", "string"}}}, {"email", {{"type", "string"}}}},
                    {"username", "email"});
                elicit(ctx,
                       {{"mode", "form"},
                        {"message", *stringArg(args, "message")},
                        {"requestedSchema", schema}},
                       "User response: ");
            });
    }

    void elicit(Context ctx, Json params, std::string prefix) {
        askClient(ctx, "elicitation/create", "elicitation", std::move(params),
                  [ctx, prefix](const Json* result, const std::string& error) {
                      if (!result) {
                          ctx->reply(textResult("Elicitation not supported or error: " + error));
                          return;
                      }
                      const Json given = result->value("content", Json::object());
                      ctx->reply(textResult(
                          prefix + "action=" + result->value("action", "") +
                          ", content=" + (given.is_null() ? Json::object() : given).dump()));
                  });
    }

    void addElicitationSchemaTools() {
        server.addTool(
            tool("test_elicitation_sep1034_defaults",
                 "Tests elicitation with default values per SEP-1034"),
            [this](Context ctx, const Json&) {
                Json properties = {
                    {"name",
                     {{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
                    {"age", {{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
                    {"score",
                     {{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
                    {"status",
                     {{"type", "string"},
                      {"description", "User status"},
                      {"enum", {"active", "inactive", "pending"}},
                      {"default", "active"}}},
                    {"verified",
                     {{"type", "boolean"},
                      {"description", "Verification status"},
                      {"default", true}}}};
                elicit(ctx,
                       {{"mode", "form"},
                        {"message", "Please review and update the form fields with defaults"},
                        {"requestedSchema", objectSchema(properties)}},
                       "Elicitation completed: ");
            });
        server.addTool(
            tool("test_elicitation_sep1330_enums",
                 "Tests elicitation with enum schema improvements per SEP-1330"),
            [this](Context ctx, const Json&) {
                auto titled = [](const char* prefix, std::vector<const char*> titles) {
                    Json items = Json::array();
                    for (std::size_t i = 0; i < titles.size(); ++i) {
                        items.push_back(
                            {{"const", prefix + std::to_string(i + 1)}, {"title", titles[i]}});
                    }
                    return items;
                };
                Json properties = {
                    {"untitledSingle",
                     {{"type", "string"},
                      {"description", "Select one option"},
                      {"enum", {"option1", "option2", "option3"}}}},
                    {"titledSingle",
                     {{"type", "string"},
                      {"description", "Select one option with titles"},
                      {"oneOf",
                       titled("value", {"First Option", "Second Option", "Third Option"})}}},
                    {"legacyEnum",
                     {{"type", "string"},
                      {"description", "Select one option (legacy)"},
                      {"enum", {"opt1", "opt2", "opt3"}},
                      {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
                    {"untitledMulti",
                     {{"type", "array"},
                      {"description", "Select multiple options"},
                      {"minItems", 1},
                      {"maxItems", 3},
                      {"items",
                       {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
                    {"titledMulti",
                     {{"type", "array"},
                      {"description", "Select multiple options with titles"},
                      {"minItems", 1},
                      {"maxItems", 3},
                      {"items",
                       {{"anyOf",
                         titled("value", {"First Choice", "Second Choice", "Third Choice"})}}}}}};
                elicit(ctx,
                       {{"mode", "form"},
                        {"message", "Please select options from the enum fields"},
                        {"requestedSchema", objectSchema(properties)}},
                       "Elicitation completed: ");
            });
    }

    // SEP-1613: the raw schema must reach clients with $schema, $defs and
    // additionalProperties intact. Registered last, as in the reference.
    void addJsonSchemaTool() {
        Json schema2020 = {
            {"$schema", "https://json-schema.org/draft/2020-12/schema"},
            {"type", "object"},
            {"$defs",
             {{"address",
               {{"type", "object"},
                {"properties",
                 {{"street", {{"type", "string"}}}, {"city", {{"type", "string"}}}}}}}}},
            {"properties",
             {{"name", {{"type", "string"}}}, {"address", {{"$ref", "#/$defs/address"}}}}},
            {"additionalProperties", false}};
        server.addTool(
            tool("json_schema_2020_12_tool",
                 "Tool with JSON Schema 2020-12 features for conformance testing "
                 "(SEP-1613)",
                 schema2020),
            [](Context ctx, const Json& args) {
                ctx->reply(textResult("JSON Schema 2020-12 tool called with: " + args.dump()));
            });
    }

    // The upstream "everything" server's echo, which the e2e suite calls (E14).
    void addEcho() {
        server.addTool(
            tool("echo", "Echoes back the input", oneStringSchema("message", "Message to echo")),
            [](Context ctx, const Json& args) {
                const Json m = args.value("message", Json());
                if (!m.is_string()) {
                    return ctx->reply(
                        errorResult("MCP error -32602: Invalid arguments for tool "
                                    "echo: message must be a string"));
                }
                ctx->reply(textResult("Echo: " + m.get<std::string>()));
            });
    }

    void addResources() {
        auto text = [](const std::string& uri, const std::string& mime, const std::string& body) {
            return Json{
                {"contents", Json::array({{{"uri", uri}, {"mimeType", mime}, {"text", body}}})}};
        };
        auto fixed = [this](Json def, Json result) {
            server.addResource(std::move(def),
                               [result](Context ctx, const std::string&) { ctx->reply(result); });
        };
        fixed({{"name", "static-text"},
               {"title", "Static Text Resource"},
               {"uri", "test://static-text"},
               {"description", "A static text resource for testing"},
               {"mimeType", "text/plain"}},
              text("test://static-text", "text/plain",
                   "This is the content of the static text resource."));
        fixed({{"name", "static-binary"},
               {"title", "Static Binary Resource"},
               {"uri", "test://static-binary"},
               {"description", "A static binary resource (image) for testing"},
               {"mimeType", "image/png"}},
              {{"contents", Json::array({{{"uri", "test://static-binary"},
                                          {"mimeType", "image/png"},
                                          {"blob", kPng}}})}});
        fixed({{"name", "watched-resource"},
               {"title", "Watched Resource"},
               {"uri", "test://watched-resource"},
               {"description", "A resource that auto-updates every 3 seconds"},
               {"mimeType", "text/plain"}},
              text("test://watched-resource", "text/plain", "Watched resource content"));
        server.addResourceTemplate(
            {{"name", "template"},
             {"title", "Resource Template"},
             {"uriTemplate", "test://template/{id}/data"},
             {"description", "A resource template with parameter substitution"},
             {"mimeType", "application/json"}},
            [text](Context ctx, const std::string& uri) {
                const std::string prefix = "test://template/";
                const std::string id =
                    uri.substr(prefix.size(), uri.rfind("/data") - prefix.size());
                nlohmann::ordered_json data;
                data["id"] = id;
                data["templateTest"] = true;
                data["data"] = "Data for ID: " + id;
                ctx->reply(text(uri, "application/json", data.dump()));
            });
    }

    void addPrompts() {
        auto user = [](Json c) { return Json{{"role", "user"}, {"content", std::move(c)}}; };
        auto argument = [](const char* name, const char* description) {
            return Json{{"name", name}, {"description", description}, {"required", true}};
        };
        server.addPrompt(
            {{"name", "test_simple_prompt"},
             {"title", "Simple Test Prompt"},
             {"description", "A simple prompt without arguments"}},
            [user](Context ctx, const Json&) {
                ctx->reply(
                    {{"messages", {user(textContent("This is a simple prompt for testing."))}}});
            });
        server.addPrompt(
            {{"name", "test_prompt_with_arguments"},
             {"title", "Prompt With Arguments"},
             {"description", "A prompt with required arguments"},
             {"arguments",
              {argument("arg1", "First test argument"), argument("arg2", "Second test argument")}}},
            [user](Context ctx, const Json& args) {
                auto arg1 = stringArg(args, "arg1");
                auto arg2 = stringArg(args, "arg2");
                if (!arg1 || !arg2) {
                    ctx->fail(core::mcp::codes::kInvalidParams,
                              "Invalid arguments for prompt test_prompt_with_arguments: " +
                                  std::string(!arg1 ? "arg1" : "arg2") + ": Required");
                    return;
                }
                ctx->reply({{"messages",
                             {user(textContent("Prompt with arguments: arg1='" + *arg1 +
                                               "', arg2='" + *arg2 + "'"))}}});
            });
        server.addPrompt(
            {{"name", "test_prompt_with_embedded_resource"},
             {"title", "Prompt With Embedded Resource"},
             {"description", "A prompt that includes an embedded resource"},
             {"arguments", {argument("resourceUri", "URI of the resource to embed")}}},
            [user](Context ctx, const Json& args) {
                auto uri = stringArg(args, "resourceUri");
                if (!uri) {
                    ctx->fail(core::mcp::codes::kInvalidParams,
                              "Invalid arguments for prompt test_prompt_with_embedded_resource: "
                              "resourceUri: Required");
                    return;
                }
                ctx->reply({{"messages",
                             {user({{"type", "resource"},
                                    {"resource",
                                     {{"uri", *uri},
                                      {"mimeType", "text/plain"},
                                      {"text", "Embedded resource content for testing."}}}}),
                              user(textContent("Please process the embedded resource above."))}}});
            });
        server.addPrompt({{"name", "test_prompt_with_image"},
                          {"title", "Prompt With Image"},
                          {"description", "A prompt that includes image content"}},
                         [user](Context ctx, const Json&) {
                             ctx->reply({{"messages",
                                          {user(image()),
                                           user(textContent("Please analyze the image above."))}}});
                         });
    }
};

}  // namespace

std::unique_ptr<MockServer> makeEverything(core::Runtime& runtime, const MockEnv&,
                                           core::Logger log) {
    return std::make_unique<Everything>(runtime, std::move(log));
}

}  // namespace mcpsim::mocks
