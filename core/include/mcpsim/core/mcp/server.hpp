#pragma once
// An MCP server on the Streamable HTTP transport: sessions (mcp-session-id), protocol version
// negotiation, JSON or SSE replies, notifications on the request's stream or the session's GET
// stream, server-to-client requests (sampling, elicitation), and the transport's error rules
// (406, 415, 400/-32700, 404/-32001, 202 for notifications, DELETE ends a session, 405).
// Tools, prompts and resources are registered as data plus handlers; everything else is a
// method handler.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcpsim/core/clock.hpp"
#include "mcpsim/core/http/message.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/log.hpp"
#include "mcpsim/core/mcp/jsonrpc.hpp"

namespace mcpsim::core {
class Runtime;
}

namespace mcpsim::core::mcp {

class Session;
class ContextImpl;

// One request being answered. Handlers may answer now or later (after timers or a client reply).
class RequestContext {
  public:
    virtual ~RequestContext() = default;
    virtual const std::string& method() const = 0;
    virtual const Json& params() const = 0;
    virtual const Json& id() const = 0;
    virtual const http::Headers& headers() const = 0;  // of the HTTP request carrying it
    virtual Session& session() = 0;
    // A notification related to this request (progress, log): sent on this request's stream.
    virtual void notify(const std::string& method, Json params) = 0;
    // A request to the client (sampling/createMessage, elicitation/create); `done` gets the
    // client's result, or an error object {"code","message"}.
    virtual void ask(const std::string& method, Json params,
                     std::function<void(bool ok, const Json& resultOrError)> done) = 0;
    virtual void reply(Json result) = 0;
    virtual void fail(int code, const std::string& message, Json data = nullptr) = 0;
    virtual bool answered() const = 0;
};

using MethodHandler = std::function<void(std::shared_ptr<RequestContext>)>;
// Tool handler: gets the arguments object; replies with a CallToolResult (or fails).
using ToolHandler = std::function<void(std::shared_ptr<RequestContext>, const Json& arguments)>;
using PromptHandler = std::function<void(std::shared_ptr<RequestContext>, const Json& arguments)>;
using ResourceHandler =
    std::function<void(std::shared_ptr<RequestContext>, const std::string& uri)>;

class Session {
  public:
    const std::string& id() const { return id_; }
    const std::string& protocolVersion() const { return protocolVersion_; }
    const Json& clientInfo() const { return clientInfo_; }
    const Json& clientCapabilities() const { return clientCapabilities_; }
    const http::Headers& initializeHeaders() const { return initializeHeaders_; }
    std::string logLevel = "info";

  private:
    friend class McpServer;
    friend class ContextImpl;
    std::string id_;
    std::string protocolVersion_;
    Json clientInfo_;
    Json clientCapabilities_;
    http::Headers initializeHeaders_;
    bool initialized_ = false;
    std::shared_ptr<http::BodyStream> standalone_;  // the GET stream, if open
    std::map<std::string, std::function<void(bool, const Json&)>> pendingAsks_;
    int nextAskId_ = 0;
};

struct McpServerOptions {
    std::string name = "mcpsim";
    std::string version = "0.0.1";
    std::string title;
    std::string instructions;
    // Extra capabilities merged over the ones derived from what is registered.
    Json capabilities = Json::object();
    // Only these paths serve MCP ("" in the list: any path).
    std::vector<std::string> paths = {"/mcp"};
    // Host names accepted in the Host header (DNS-rebinding protection); empty: any.
    std::vector<std::string> allowedHosts;
    // Reply with plain JSON unless a notification or server request goes out before the result
    // (then the reply turns into SSE), as mcp-go does; otherwise always SSE (the TypeScript and
    // Go SDKs).
    bool jsonWhenPossible = false;
    // Headers a request must carry, else 401 with this body (mock servers with API keys).
    std::function<std::optional<http::Response>(const http::Request&)> authorize;
    // Non-MCP paths (health checks, admin endpoints) go here; null: 404.
    http::Handler fallback;
    // tools/call of a name nobody registered; null: JSON-RPC error -32602 "Tool <name> not found".
    // SDKs differ here (an isError result, another message), so mocks choose.
    std::function<void(std::shared_ptr<RequestContext>, const std::string& name)> unknownTool;
    // tools/list in name order (the Go SDKs) rather than registration order (TypeScript, Python).
    bool sortToolsByName = false;
    // Newest version this server speaks: the answer to an initialize asking for an unknown one.
    std::string latestProtocolVersion = kLatestVersion;
};

class McpServer {
  public:
    McpServer(Runtime& runtime, McpServerOptions options, Logger log);
    ~McpServer();
    McpServer(const McpServer&) = delete;
    McpServer& operator=(const McpServer&) = delete;

    // Generic method handler (overrides built-ins of the same name).
    void onMethod(const std::string& method, MethodHandler handler);

    void addTool(Json definition, ToolHandler handler);
    bool removeTool(const std::string& name);
    std::vector<Json> tools() const;
    void addPrompt(Json definition, PromptHandler handler);
    void addResource(Json definition, ResourceHandler handler);
    void addResourceTemplate(Json definition, ResourceHandler handler);

    // Sends a notification to every session's standalone stream (list_changed and the like).
    void broadcast(const std::string& method, Json params = Json::object());
    // Forgets a session as if it had been deleted (its id then gets 404). False if unknown.
    bool closeSession(const std::string& id);
    // Runs fn after a delay on the runtime clock (slow tools, paced notifications). Pending
    // timers are cancelled when the server is destroyed, so fn may capture the server.
    TimerHandle after(Duration delay, std::function<void()> fn);

    http::Handler handler();
    std::size_t sessionCount() const;
    Runtime& runtime();

    struct Impl;  // internal; public so the implementation's helpers can name it

  private:
    std::unique_ptr<Impl> impl_;
};

// DNS-rebinding protection in front of any handler: a Host header naming none of `hosts`
// (port ignored) gets 403 with JSON-RPC error -32000 "Invalid Host: <host>", as the TypeScript
// SDK answers. Empty list: everything passes.
http::Handler withAllowedHosts(http::Handler inner, std::vector<std::string> hosts);

}  // namespace mcpsim::core::mcp
