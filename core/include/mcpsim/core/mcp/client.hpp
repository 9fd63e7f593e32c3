#pragma once
// An MCP client on the Streamable HTTP transport, over any core::http::Network: initialize,
// requests answered as JSON or SSE (related notifications and server-to-client requests on the
// way are handed to callbacks), notifications, the session's GET stream, and DELETE on close.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/mcp/jsonrpc.hpp"

namespace mcpsim::core::mcp {

// Why a call failed: a JSON-RPC error from the server, or a transport failure (connection
// error, non-2xx HTTP status) described the way Go MCP clients word it.
struct ClientError {
    int code = 0;  // JSON-RPC code; 0 for transport failures
    std::string message;
    int httpStatus = 0;         // for transport failures with a response
    std::string body;           // ditto
    std::error_code transport;  // connection-level failures (refused, reset, timed out)
};

struct McpClientOptions {
    http::Endpoint endpoint;
    std::string path = "/mcp";
    // Host header (when it must differ from the endpoint, as behind a router).
    std::string host;
    http::Headers headers;  // sent with every request (Authorization, ...)
    std::string protocolVersion = kLatestVersion;
    Json clientInfo = {{"name", "mcpsim"}, {"version", "0.0.1"}};
    Json capabilities = Json::object();
    // A session opened earlier (by another process): requests carry it and protocolVersion
    // from the start, without initialize.
    std::string sessionId;
};

class McpClient : public std::enable_shared_from_this<McpClient> {
  public:
    using Done = std::function<void(std::optional<ClientError> error, const Json& result)>;

    static std::shared_ptr<McpClient> create(http::Network& network, McpClientOptions options);

    // initialize, then notifications/initialized; `done` gets the initialize result, and
    // `initializedSent` (if set) is called once the server has answered the notification (a
    // process that exits after initialize must wait for it, or the session stays uninitialized).
    void initialize(Done done, std::function<void()> initializedSent = nullptr);
    void request(const std::string& method, Json params, Done done);
    // `answered` (if set) is called when the server's answer (or a transport error) arrives.
    void notify(const std::string& method, Json params, std::function<void()> answered = nullptr);
    // Opens the GET stream; notifications arriving there go to onNotification. `ended` (if set)
    // learns why the stream could not open or stopped (httpStatus 405: the server has none);
    // `opened` (if set) that it is open.
    void listen(std::function<void(const ClientError&)> ended = nullptr,
                std::function<void()> opened = nullptr);
    // DELETE of the session (ignored if there is none).
    void close(std::function<void()> done = nullptr);

    const std::string& sessionId() const { return sessionId_; }
    const Json& serverInfo() const { return serverInfo_; }
    const std::string& negotiatedVersion() const { return negotiatedVersion_; }

    std::function<void(const Json& notification)> onNotification;
    // Answers a server-to-client request (sampling, elicitation): result, or nullopt to refuse.
    std::function<std::optional<Json>(const Json& request)> onServerRequest;

  private:
    McpClient(http::Network& network, McpClientOptions options);
    http::Request makeRequest(const std::string& method) const;
    void handleMessage(const Json& message, const Json& waitingFor, Done* done);

    http::Network& network_;
    McpClientOptions options_;
    std::string sessionId_;
    Json serverInfo_;
    std::string negotiatedVersion_;
    std::int64_t nextId_ = 1;
    std::shared_ptr<http::BodyStream> listening_;
};

// Splits an SSE byte stream into event data payloads; feed it chunks as they arrive.
class SseParser {
  public:
    // Returns the `data` of every event completed by this chunk.
    std::vector<std::string> feed(const std::string& chunk);

  private:
    std::string pending_;
    std::string data_;
    bool hasData_ = false;
};

}  // namespace mcpsim::core::mcp
