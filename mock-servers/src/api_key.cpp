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
            return goHttpError(401, "{\"error\": \"Unauthorized: expected " + goQuote(expected) +
                                        ", got " + goQuote(got) + "\"}");
        };
    }
    options.fallback = goHealthOr404;
    auto mock = std::make_unique<McpMock>(runtime, std::move(options), std::move(log));
    addAuthenticatedHelloWorld(mock->server);
    return mock;
}

}  // namespace mcpsim::mocks
