// custom-path: the upstream "test-custom-path-server" (Go SDK), serving MCP only at
// /v1/special/mcp. Tools echo_custom, path_info and timestamp; "/" describes the server.
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mock_support.hpp"
#include "mocks.hpp"

namespace mcpsim::mocks {

namespace {

constexpr const char* kPath = "/v1/special/mcp";

// Go's ServeMux sends every other path to the "/" handler. Off the root it writes a text and
// then calls http.NotFound, whose 404 comes too late: the client sees 200 and both texts.
void rootHandler(core::http::Request&& req, core::http::Reply reply) {
    static const std::string kRoot = "Custom path server with MCP at /v1/special/mcp\n";
    static const std::string kElsewhere = "Custom path server NOT FOUND404 page not found\n";
    reply(core::http::makeResponse(200, "text/plain; charset=utf-8",
                                   req.path() == "/" ? kRoot : kElsewhere));
}

}  // namespace

std::unique_ptr<MockServer> makeCustomPath(core::Runtime& runtime, const MockEnv&,
                                           core::Logger log) {
    McpServerOptions options = goSdkOptions("test-custom-path-server", "0.0.1");
    options.paths = {kPath};
    options.sortToolsByName = true;
    options.fallback = rootHandler;
    auto mock = std::make_unique<McpMock>(runtime, std::move(options), std::move(log));
    McpServer& server = mock->server;
    server.addTool(
        {{"name", "echo_custom"},
         {"description", "Echo a message from the custom path server"},
         {"inputSchema",
          goStructSchema(
              {{"message", {{"type", "string"}, {"description", "the message to echo back"}}}})}},
        [](Context ctx, const Json& args) {
            ctx->reply(
                textResult("Echo from custom path: " + stringArg(args, "message").value_or("")));
        });
    server.addTool({{"name", "path_info"},
                    {"description", "Get information about this server's custom path"},
                    {"inputSchema", goStructSchema()}},
                   [](Context ctx, const Json&) {
                       ctx->reply(textResult("This server is configured at /v1/special/mcp"));
                   });
    server.addTool(
        {{"name", "timestamp"},
         {"description", "Get current timestamp from custom path server"},
         {"inputSchema", goStructSchema()}},
        [&runtime](Context ctx, const Json&) {
            ctx->reply(textResult("Timestamp: " + core::formatRfc3339(runtime.clock().now())));
        });
    return mock;
}

}  // namespace mcpsim::mocks
