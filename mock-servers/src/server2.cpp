// server2: the deployed test-server2 image (mcp-go, "Demo rocket"), built from the pinned older
// module, so exactly five tools without explicit annotations: hello_world, time, headers,
// auth1234 and slow. MCP on /mcp; admin endpoints forget sessions and add or delete tools.
// Replies are plain JSON unless a notification went out first, as mcp-go answers.
#include <algorithm>
#include <cctype>
#include <map>

#include "mcpsim/core/mcp/jsonrpc.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mock_support.hpp"
#include "mocks.hpp"

namespace mcpsim::mocks {

namespace {

using core::http::Request;
using core::http::Response;

// mcp-go's default hints for a tool that declares none.
Json defaultAnnotations() {
    return {{"readOnlyHint", false},
            {"destructiveHint", true},
            {"idempotentHint", false},
            {"openWorldHint", true}};
}

Json mcpGoTool(const std::string& name, const std::string& description, Json properties = {},
               Json required = {}) {
    Json schema = {{"type", "object"},
                   {"properties", properties.is_null() ? Json::object() : properties}};
    if (!required.is_null() && !required.empty()) schema["required"] = required;
    return {{"name", name},
            {"description", description},
            {"inputSchema", schema},
            {"annotations", defaultAnnotations()}};
}

// mcp-go's RequireString / RequireInt: errors become isError results with these texts.
std::optional<std::string> requireString(const Json& args, const std::string& key,
                                         std::string* error) {
    auto it = args.find(key);
    if (it == args.end()) {
        *error = "required argument \"" + key + "\" not found";
    } else if (!it->is_string()) {
        *error = "argument \"" + key + "\" is not a string";
    } else {
        return it->get<std::string>();
    }
    return std::nullopt;
}

std::optional<int> requireInt(const Json& args, const std::string& key, std::string* error) {
    auto it = args.find(key);
    if (it == args.end()) {
        *error = "required argument \"" + key + "\" not found";
        return std::nullopt;
    }
    if (it->is_number()) return static_cast<int>(it->get<double>());
    if (it->is_string()) {
        const std::string text = it->get<std::string>();
        char* end = nullptr;
        const long v = std::strtol(text.c_str(), &end, 10);
        if (!text.empty() && *end == '\0') return static_cast<int>(v);
        *error = "argument \"" + key + "\" cannot be converted to int";
        return std::nullopt;
    }
    *error = "argument \"" + key + "\" is not an int";
    return std::nullopt;
}

class Server2 final : public McpMock {
  public:
    Server2(core::Runtime& runtime, core::Logger log)
        : McpMock(runtime, options(this), log),
          log_(std::move(log)),
          started_(runtime.clock().steady()) {
        defineTools(runtime);
        for (const auto& [name, tool] : known_) server.addTool(tool.first, tool.second);
    }

  private:
    static McpServerOptions options(Server2* self) {
        McpServerOptions o;
        o.name = "Demo rocket";
        o.version = "1.0.0";
        o.paths = {"/mcp"};
        o.jsonWhenPossible = true;
        o.sortToolsByName = true;
        o.unknownTool = [](Context ctx, const std::string& name) {
            ctx->fail(core::mcp::codes::kInvalidParams,
                      "tool '" + name + "' not found: tool not found");
        };
        o.fallback = [self](Request&& req, core::http::Reply reply) { self->admin(req, reply); };
        return o;
    }

    void defineTools(core::Runtime& runtime) {
        known_["hello_world"] = {
            mcpGoTool(
                "hello_world", "Say hello to someone",
                {{"name", {{"type", "string"}, {"description", "Name of the person to greet"}}}},
                {"name"}),
            [](Context ctx, const Json& args) {
                std::string error;
                auto name = requireString(args, "name", &error);
                ctx->reply(name ? textResult("Hello, " + *name + "!") : errorResult(error));
            }};
        known_["time"] = {
            mcpGoTool("time", "Get the current time"), [this, &runtime](Context ctx, const Json&) {
                auto& clock = runtime.clock();
                ctx->reply(textResult(goTimeString(clock.now(), clock.steady() - started_)));
            }};
        known_["headers"] = {mcpGoTool("headers", "get HTTP headers"),
                             [](Context ctx, const Json&) {
                                 ctx->reply({{"content", goHeaderContent(ctx->headers())}});
                             }};
        known_["auth1234"] = {
            mcpGoTool("auth1234", "check authorization header"), [](Context ctx, const Json&) {
                std::string auth = ctx->headers().value("Authorization");
                std::transform(auth.begin(), auth.end(), auth.begin(),
                               [](unsigned char c) { return std::tolower(c); });
                if (auth != "bearer 1234") {
                    ctx->fail(core::mcp::codes::kInternalError,
                              "requires Authorization: bearer 1234, got " + goQuote(auth));
                    return;
                }
                ctx->reply(textResult("Success!"));
            }};
        known_["slow"] = {
            mcpGoTool(
                "slow", "Delay for N seconds",
                {{"seconds", {{"type", "string"}, {"description", "number of seconds to wait"}}}},
                {"seconds"}),
            [this](Context ctx, const Json& args) {
                std::string error;
                auto seconds = requireInt(args, "seconds", &error);
                if (!seconds) {
                    ctx->reply(errorResult(error));
                    return;
                }
                auto token = progressToken(*ctx);
                everySecondFor(
                    server, *seconds,
                    [ctx, token](int waited) {
                        if (!token) return;
                        ctx->notify(
                            "notifications/progress",
                            {{"progress", waited},
                             {"progressToken", *token},
                             {"message", "Waited " + std::to_string(waited) + " seconds..."}});
                    },
                    [ctx] { ctx->reply(textResult("done")); });
            }};
    }

    // POST /admin/forget, POST /admin/addTool, DELETE /admin/deleteTool; the body names the
    // session or tool. Anything else is Go's ServeMux 404.
    void admin(const Request& req, core::http::Reply& reply) {
        const std::string path = req.path();
        if (path == "/admin/forget") {
            if (req.method != "POST") return reply(goHttpError(405, "Method not allowed"));
            log_.info("Client will be forcibly disconnected (if it exists)",
                      {{"session", req.body}});
            server.closeSession(req.body);
            reply(core::http::makeResponse(200, "", ""));
        } else if (path == "/admin/addTool" || path == "/admin/deleteTool") {
            const bool add = path == "/admin/addTool";
            if (req.method != (add ? "POST" : "DELETE")) {
                return reply(goHttpError(405, "Method not allowed"));
            }
            auto it = known_.find(req.body);
            if (it == known_.end()) {
                return reply(goHttpError(404, "Unknown tool " + goQuote(req.body)));
            }
            // mcp-go announces every add, and a delete only when the tool was there.
            if (add) {
                server.addTool(it->second.first, it->second.second);
                server.broadcast("notifications/tools/list_changed");
            } else if (server.removeTool(req.body)) {
                server.broadcast("notifications/tools/list_changed");
            }
            reply(core::http::makeResponse(200, "", ""));
        } else {
            reply(goHttpError(404, "404 page not found"));
        }
    }

    core::Logger log_;
    core::SteadyTime started_;
    std::map<std::string, std::pair<Json, core::mcp::ToolHandler>> known_;
};

}  // namespace

std::unique_ptr<MockServer> makeServer2(core::Runtime& runtime, const MockEnv&, core::Logger log) {
    return std::make_unique<Server2>(runtime, std::move(log));
}

}  // namespace mcpsim::mocks
