#pragma once
// One upstream MCP server as the broker manages it (spec/broker.md section 11.2): connect
// (initialize), ping, fetch tools when needed, publish them under the server's prefix, and
// report a status; on a fixed tick and whenever the upstream says its tools changed.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "broker_config.hpp"
#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/log.hpp"
#include "mcpsim/core/mcp/client.hpp"
#include "mcpsim/core/runtime.hpp"
#include "served_tool.hpp"

namespace mcpsim::gateway::broker {

struct ServerStatus {
    std::string id, name;
    core::WallTime lastValidated{};
    bool validated = false;  // false until the first manage() finished
    std::string message;
    bool ready = false;
    long long totalTools = 0;
};

// The global tool registry shared by all managers: served name -> owner and served object.
struct RegisteredTool {
    std::string serverId;
    std::string serverName;
    Json upstream;  // the upstream's own definition
};
using ToolRegistry = std::map<std::string, RegisteredTool>;

struct ManagerEnv {
    core::Runtime& runtime;
    core::http::Network& network;
    ToolRegistry& registry;
    core::Logger log;  // component=broker sub-component=mcp-manager
    core::Duration interval;
    core::Duration timeout;
    bool debug = false;
    bool docCompatLogs = true;
    std::function<std::string(const std::string&)> resolveHost;
    std::function<void()> toolsChanged;              // broadcast notifications/tools/list_changed
    std::function<void(const std::string&)> stdLog;  // Go's log.Printf (stderr)
};

class UpstreamManager : public std::enable_shared_from_this<UpstreamManager> {
  public:
    UpstreamManager(ManagerEnv env, ServerConfig config);
    ~UpstreamManager();
    void start();
    void stop();
    const ServerConfig& config() const { return config_; }
    const ServerStatus& status() const { return status_; }
    bool busy() const { return running_; }
    // Whether the router routes a served name here: the x-mcp-annotation-hints of its upstream
    // tool (worked out once per fetch, not per call), or null.
    std::shared_ptr<const RoutedTool> routedTool(const std::string& servedName) const;
    // The upstream's current tools by original name (the x-authorized-tools path).
    const std::map<std::string, Json>& upstreamTools() const { return upstream_; }

  private:
    enum class Trigger { Timer, Notification };
    void scheduleTick(core::Duration after);
    void manage(Trigger trigger);
    void connect(std::function<void(std::optional<std::string>)> done);
    void fetch(std::string cursor, Json acc, std::function<void(std::optional<std::string>)> done);
    void apply(const Json& tools);
    void removeTools();
    void disconnect();
    void finish();
    void printError(const std::string& text);
    void fail(const std::string& message);
    void ready();
    void listen();
    std::string describe(const core::mcp::ClientError& e) const;
    // Calls `call(done)` and makes sure `done` runs once, or with a timeout error.
    void withTimeout(std::function<void(core::mcp::McpClient::Done)> call,
                     core::mcp::McpClient::Done done);

    ManagerEnv env_;
    ServerConfig config_;
    ServerStatus status_;
    std::shared_ptr<core::mcp::McpClient> client_;
    bool listChanged_ = false;
    std::map<std::string, Json> upstream_;  // original name -> definition (last fetch)
    std::set<std::string> served_;          // served names this manager has in the registry
    // served name -> route (the router's lookup, shared so a call holds it without a copy)
    std::map<std::string, std::shared_ptr<const RoutedTool>> routes_;
    bool running_ = false;
    bool stopped_ = false;
    std::optional<Trigger> rerun_;
    core::TimerHandle tick_;
    core::TimerHandle listenRetry_;
};

}  // namespace mcpsim::gateway::broker
