// server1: the upstream "test mcp server 1" (Go SDK, tests/servers/server1). Tools greet, time,
// slow, headers and add_tool (which registers a tool at run time and announces list_changed),
// prompt greet and resource embedded:info. The handler is mounted at the root: any path is MCP.
#include "mcpsim/core/runtime.hpp"
#include "mock_support.hpp"
#include "mocks.hpp"

namespace mcpsim::mocks {

namespace {

Json stringProperty(const std::string& description) {
    return {{"type", "string"}, {"description", description}};
}

// Go prints a float64 token with %d of its integer part; strings stay as they are.
std::optional<std::string> goProgressToken(const RequestContext& ctx) {
    auto token = progressToken(ctx);
    if (!token) return std::nullopt;
    if (token->is_string()) return token->get<std::string>();
    return std::to_string(static_cast<long long>(token->get<double>()));
}

void addSlow(McpServer& server) {
    Json def = {
        {"name", "slow"},
        {"description", "delay N seconds"},
        {"inputSchema",
         goStructSchema(
             {{"seconds", {{"type", "integer"}, {"description", "number of seconds to wait"}}}})}};
    server.addTool(std::move(def), [&server](Context ctx, const Json& args) {
        const int seconds = args.value("seconds", 0);
        const auto token = goProgressToken(*ctx);
        everySecondFor(
            server, seconds,
            [ctx, token](int waited) {
                if (!token) return;
                ctx->notify("notifications/progress",
                            {{"progressToken", *token},
                             {"progress", waited},
                             {"message", "Waited " + std::to_string(waited) + " seconds..."}});
            },
            [ctx] {
                ctx->reply({{"content", Json::array()}});
            });
    });
}

void addAddTool(McpServer& server) {
    Json def = {
        {"name", "add_tool"},
        {"description", "dynamically add a new tool (triggers notifications/tools/list_changed)"},
        {"annotations", {{"title", "add"}}},
        {"inputSchema",
         goStructSchema({{"name", stringProperty("the name of the new tool to add")},
                         {"description", stringProperty("the description of the new tool")}})}};
    server.addTool(std::move(def), [&server](Context ctx, const Json& args) {
        const std::string name = stringArg(args, "name").value_or("");
        std::string description = stringArg(args, "description").value_or("");
        if (description.empty()) description = "dynamically added tool";
        server.addTool(
            {{"name", name}, {"description", description}, {"inputSchema", goStructSchema()}},
            [name](Context call, const Json&) {
                call->reply(textResult("I am the dynamically added tool: " + name));
            });
        server.broadcast("notifications/tools/list_changed");
        ctx->reply(textResult("Added new tool: " + name));
    });
}

}  // namespace

std::unique_ptr<MockServer> makeServer1(core::Runtime& runtime, const MockEnv&, core::Logger log) {
    McpServerOptions options = goSdkOptions("test mcp server 1");
    options.paths = {""};
    options.sortToolsByName = true;
    options.capabilities["resources"] = {{"listChanged", true}};
    auto mock = std::make_unique<McpMock>(runtime, std::move(options), std::move(log));
    McpServer& server = mock->server;
    const core::SteadyTime started = runtime.clock().steady();

    server.addTool(
        {{"name", "greet"},
         {"description", "say hi"},
         {"inputSchema", goStructSchema({{"name", stringProperty("the name to say hi to")}})}},
        [](Context ctx, const Json& args) {
            ctx->reply(textResult("Hi " + stringArg(args, "name").value_or("")));
        });
    server.addTool({{"name", "time"},
                    {"description", "get current time"},
                    {"annotations", {{"title", "time"}}},
                    {"inputSchema", goStructSchema()}},
                   [&runtime, started](Context ctx, const Json&) {
                       auto& clock = runtime.clock();
                       ctx->reply(textResult(goTimeString(clock.now(), clock.steady() - started)));
                   });
    addSlow(server);
    server.addTool(
        {{"name", "headers"}, {"description", "get headers"}, {"inputSchema", goStructSchema()}},
        [](Context ctx, const Json&) {
            ctx->reply({{"content", goHeaderContent(ctx->headers())}});
        });
    addAddTool(server);

    server.addPrompt({{"name", "greet"}}, [](Context ctx, const Json& args) {
        const std::string name = stringArg(args, "name").value_or("");
        ctx->reply({{"description", "Code review prompt"},
                    {"messages", Json::array({{{"role", "user"},
                                               {"content", textContent("Say hi to " + name)}}})}});
    });
    server.addResource({{"name", "info"}, {"mimeType", "text/plain"}, {"uri", "embedded:info"}},
                       [](Context ctx, const std::string& uri) {
                           ctx->reply({{"contents", Json::array({{{"uri", uri},
                                                                  {"mimeType", "text/plain"},
                                                                  {"text",
                                                                   "This is the hello example "
                                                                   "server."}}})}});
                       });
    return mock;
}

}  // namespace mcpsim::mocks
