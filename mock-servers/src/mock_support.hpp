#pragma once
// What the mocks share: an McpServer-backed MockServer, result builders, and the formatting
// quirks of the languages the upstream servers are written in (Go header names, Go and Python
// time strings, Go %q quoting), so that tool output reads as the real servers' does.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcpsim/core/clock.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/http/go_http.hpp"
#include "mcpsim/core/http/message.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/mcp/server.hpp"
#include "mcpsim/mocks/catalog.hpp"

namespace mcpsim::mocks {

using core::goQuote;
using core::mcp::McpServer;
using core::mcp::McpServerOptions;
using core::mcp::RequestContext;
using Context = std::shared_ptr<RequestContext>;

// A mock that is one MCP server (most of them).
class McpMock : public MockServer {
  public:
    McpMock(core::Runtime& runtime, McpServerOptions options, core::Logger log)
        : server(runtime, std::move(options), std::move(log)) {}
    core::http::Handler handler() override { return server.handler(); }
    McpServer server;
};

// Options as the Go SDK (modelcontextprotocol/go-sdk) servers present themselves: logging
// capability always, unknown tools refused with -32602 `unknown tool "<name>"`.
McpServerOptions goSdkOptions(std::string name, std::string version = "");

Json textContent(const std::string& text);
Json textResult(const std::string& text);   // {content:[text]}
Json errorResult(const std::string& text);  // {content:[text], isError:true}
Json objectSchema(Json properties = Json::object(), Json required = Json::array());
// The input schema the Go SDK infers from an argument struct: every field required, no others.
Json goStructSchema(Json properties = Json::object());

// A string argument, or nullopt when absent or not a string.
std::optional<std::string> stringArg(const Json& arguments, const char* key);
// _meta.progressToken of the request, if any.
std::optional<Json> progressToken(const RequestContext& ctx);

// Go's textproto.CanonicalMIMEHeaderKey: "mcp-session-id" -> "Mcp-Session-Id".
std::string goCanonicalHeaderKey(std::string_view name);
// One text item per header name as Go's fmt prints an http.Header entry: `Name: [v1 v2]`.
// Host is left out: Go moves it out of the header map.
Json goHeaderContent(const core::http::Headers& headers);
using core::http::goHttpError;
// A Go net/http mux answering what it has no handler for: /health → OK, else 404 page not found.
void goHealthOr404(core::http::Request&& req, core::http::Reply reply);
// A Go time.Time printed with %v in UTC: "2026-01-01 00:00:00.5 +0000 UTC".
std::string goTime(core::WallTime t);
// time.Now().String() in UTC: "2026-01-01 00:00:00.5 +0000 UTC m=+1.500000000".
std::string goTimeString(core::WallTime now, core::Duration sinceStart);
// Python str(datetime.now()) in UTC: "2026-01-01 00:00:00.500000".
std::string pythonDatetime(core::WallTime now);

// hello_world of the api-key and oidc servers: "Hello, <name>! (from authenticated server)".
void addAuthenticatedHelloWorld(McpServer& server);

// The upstream `slow` tools: a loop that ticks with the seconds waited so far (0, 1, ...,
// seconds-1), one second apart on the runtime clock, then finishes. Never sleeps.
void everySecondFor(McpServer& server, int seconds, std::function<void(int waited)> tick,
                    std::function<void()> finish);

}  // namespace mcpsim::mocks
