// server3: the upstream Python FastMCP "FastMCP test server" (tests/servers/server3). Tools time,
// add, dozen, pi, get_weather, slow and get_headers (the headers of the initialize request).
// FastMCP returns both a text rendering and structured content, and reports failures as
// isError results rather than JSON-RPC errors.
#include <cctype>

#include "mcpsim/core/runtime.hpp"
#include "mock_support.hpp"
#include "mocks.hpp"

namespace mcpsim::mocks {

namespace {

// The output schema FastMCP derives from a primitive return type: the value is wrapped.
Json wrappedOutput(const std::string& type) {
    return {{"type", "object"},
            {"title", "_WrappedResult"},
            {"properties", {{"result", {{"title", "Result"}, {"type", type}}}}},
            {"required", {"result"}},
            {"x-fastmcp-wrap-result", true}};
}

Json objectOutput() {
    return {{"type", "object"}, {"additionalProperties", true}};
}

Json fastTool(const std::string& name, const std::string& description, Json properties,
              Json required, Json output) {
    Json schema = {{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) schema["required"] = std::move(required);
    return {{"name", name},
            {"description", description},
            {"inputSchema", std::move(schema)},
            {"outputSchema", std::move(output)}};
}

Json intProperty(const std::string& title) {
    return {{"title", title}, {"type", "integer"}};
}

// A primitive result: its text (as Python str() prints it) plus {"result": value}.
Json wrapped(const Json& value, const std::string& text) {
    return {{"content", Json::array({textContent(text)})},
            {"structuredContent", {{"result", value}}},
            {"isError", false}};
}

// A dict result: compact JSON text (keys in the order given) plus the object itself.
Json dictResult(const nlohmann::ordered_json& value) {
    const std::string text =
        value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    return {{"content", Json::array({textContent(text)})},
            {"structuredContent", Json::parse(text)},
            {"isError", false}};
}

// Pydantic's lax integer parsing: ints, integral floats and digit strings.
std::optional<long long> laxInt(const Json& args, const char* key) {
    auto it = args.find(key);
    if (it == args.end()) return std::nullopt;
    if (it->is_number_integer()) return it->get<long long>();
    if (it->is_number_float() && it->get<double>() == static_cast<long long>(it->get<double>())) {
        return static_cast<long long>(it->get<double>());
    }
    if (it->is_string()) {
        const std::string text = it->get<std::string>();
        char* end = nullptr;
        const long long v = std::strtoll(text.c_str(), &end, 10);
        if (!text.empty() && *end == '\0') return v;
    }
    return std::nullopt;
}

Json invalidArgument(const std::string& tool, const std::string& arg) {
    return errorResult("Error calling tool '" + tool + "': 1 validation error for call[" + tool +
                       "]\n" + arg + "\n  Input should be a valid integer");
}

void addSlow(McpServer& server) {
    server.addTool(
        fastTool("slow",
                 "A long-running tool that waits N seconds, notifying the client of progress",
                 {{"seconds", intProperty("Seconds")}}, {"seconds"}, wrappedOutput("string")),
        [&server](Context ctx, const Json& args) {
            auto seconds = laxInt(args, "seconds");
            if (!seconds) return ctx->reply(invalidArgument("slow", "seconds"));
            const auto token = progressToken(*ctx);
            const int total = static_cast<int>(*seconds);
            everySecondFor(
                server, total,
                [ctx, token, total](int waited) {
                    if (!token) return;
                    // Python sends these as floats.
                    ctx->notify("notifications/progress",
                                {{"progressToken", *token},
                                 {"progress", static_cast<double>(waited)},
                                 {"total", static_cast<double>(total)}});
                },
                [ctx] { ctx->reply(wrapped("", "")); });
        });
}

}  // namespace

std::unique_ptr<MockServer> makeServer3(core::Runtime& runtime, const MockEnv&, core::Logger log) {
    McpServerOptions options;
    options.name = "FastMCP test server";
    options.version = "1.0.0";
    options.paths = {"/mcp"};
    options.capabilities = {{"experimental", Json::object()},
                            {"prompts", {{"listChanged", false}}},
                            {"resources", {{"subscribe", false}, {"listChanged", false}}},
                            {"tools", {{"listChanged", true}}}};
    options.unknownTool = [](Context ctx, const std::string& name) {
        ctx->reply(errorResult("Unknown tool: " + name));
    };
    auto mock = std::make_unique<McpMock>(runtime, std::move(options), std::move(log));
    McpServer& server = mock->server;

    server.addTool(fastTool("time", "Return the current time.", Json::object(), Json::array(),
                            wrappedOutput("string")),
                   [&runtime](Context ctx, const Json&) {
                       const std::string now = pythonDatetime(runtime.clock().now());
                       ctx->reply(wrapped(now, now));
                   });
    server.addTool(
        fastTool("add", "Add two numbers", {{"a", intProperty("A")}, {"b", intProperty("B")}},
                 {"a", "b"}, wrappedOutput("integer")),
        [](Context ctx, const Json& args) {
            auto a = laxInt(args, "a");
            auto b = laxInt(args, "b");
            if (!a) return ctx->reply(invalidArgument("add", "a"));
            if (!b) return ctx->reply(invalidArgument("add", "b"));
            ctx->reply(wrapped(*a + *b, std::to_string(*a + *b)));
        });
    server.addTool(
        fastTool("dozen", "Return 12", Json::object(), Json::array(), wrappedOutput("integer")),
        [](Context ctx, const Json&) { ctx->reply(wrapped(12, "12")); });
    server.addTool(
        fastTool("pi", "Return 3.1415", Json::object(), Json::array(), wrappedOutput("number")),
        [](Context ctx, const Json&) { ctx->reply(wrapped(3.1415, "3.1415")); });
    server.addTool(
        fastTool("get_weather", "Gets the current weather for a specific city.",
                 {{"city", {{"title", "City"}, {"type", "string"}}}}, {"city"}, objectOutput()),
        [](Context ctx, const Json& args) {
            auto city = stringArg(args, "city");
            if (!city) {
                return ctx->reply(
                    errorResult("Error calling tool 'get_weather': 1 validation error for "
                                "call[get_weather]\ncity\n  Missing required argument"));
            }
            nlohmann::ordered_json weather;
            weather["city"] = *city;
            weather["temperature"] = "72F";
            weather["forecast"] = "Sunny";
            ctx->reply(dictResult(weather));
        });
    addSlow(server);
    server.addTool(
        fastTool("get_headers", "Return the HTTP headers of the initialize request", Json::object(),
                 Json::array(), objectOutput()),
        [](Context ctx, const Json&) {
            // Starlette lower-cases names; FastMCP drops the hop-by-hop ones.
            nlohmann::ordered_json headers = nlohmann::ordered_json::object();
            for (const auto& [name, value] : ctx->session().initializeHeaders().items()) {
                std::string key = name;
                for (char& c : key) c = static_cast<char>(std::tolower(c));
                if (key == "host" || key == "content-length" || key == "connection") {
                    continue;
                }
                auto it = headers.find(key);
                if (it == headers.end()) {
                    headers[key] = value;
                } else {
                    *it = it->get<std::string>() + ", " + value;
                }
            }
            ctx->reply(dictResult(headers));
        });
    return mock;
}

}  // namespace mcpsim::mocks
