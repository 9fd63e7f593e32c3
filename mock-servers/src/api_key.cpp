// api-key: the upstream "mcp-api-key-test-server" (Go SDK). One tool, hello_world. When
// EXPECTED_AUTH is set, every MCP request must carry exactly that Authorization header or gets
// 401; unset or empty, no auth (as the seed world runs it). /health answers OK regardless.
#include "mcpsim/core/runtime.hpp"
#include "mock_support.hpp"
#include "mocks.hpp"

namespace mcpsim::mocks {

std::unique_ptr<MockServer> makeApiKey(core::Runtime& runtime, const MockEnv& env,
                                       core::Logger log) {
    const std::string expected = env.get("EXPECTED_AUTH");
    McpServerOptions options = goSdkOptions("mcp-api-key-test-server");
    options.paths = {"/mcp"};
    options.sortToolsByName = true;
    if (!expected.empty()) {
        options.authorize =
            [expected, log](const core::http::Request& req) -> std::optional<core::http::Response> {
            const std::string got = req.headers.value("Authorization");
            if (got == expected) return std::nullopt;
            log.info("Auth failed", {{"expected", expected}, {"got", got}});
            // http.Error: plain text, the message plus a newline.
            auto r =
                core::http::makeResponse(401, "text/plain; charset=utf-8",
                                         "{\"error\": \"Unauthorized: expected " +
                                             goQuote(expected) + ", got " + goQuote(got) + "\"}\n");
            r.headers.set("X-Content-Type-Options", "nosniff");
            return r;
        };
    }
    options.fallback = [](core::http::Request&& req, core::http::Reply reply) {
        if (req.path() == "/health") {
            reply(core::http::makeResponse(200, "text/plain; charset=utf-8", "OK"));
            return;
        }
        auto r = core::http::makeResponse(404, "text/plain; charset=utf-8", "404 page not found\n");
        r.headers.set("X-Content-Type-Options", "nosniff");
        reply(std::move(r));
    };
    auto mock = std::make_unique<McpMock>(runtime, std::move(options), std::move(log));
    mock->server.addTool(
        {{"name", "hello_world"},
         {"description", "A simple hello world tool that requires authentication"},
         {"inputSchema",
          goStructSchema({{"name", {{"type", "string"}, {"description", "the name to greet"}}}})}},
        [](Context ctx, const Json& args) {
            ctx->reply(textResult("Hello, " + stringArg(args, "name").value_or("") +
                                  "! (from authenticated server)"));
        });
    return mock;
}

}  // namespace mcpsim::mocks
