#pragma once
// The router: what the reference's ext_proc service does to each request passing the Gateway
// (spec/broker.md sections 4, 6.3, 9): every request goes to the broker except tools/call, which
// is routed to the upstream owning the tool, with its prefix removed and an upstream session
// created lazily through the Gateway (the hairpin initialize).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../broker/broker_config.hpp"
#include "../broker/session_store.hpp"
#include "../broker/session_tokens.hpp"
#include "mcpsim/core/log.hpp"
#include "mcpsim/core/mcp/client.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/gateway/data_plane.hpp"

namespace mcpsim::gateway {
struct BrokerOptions;
}

namespace mcpsim::gateway::router {

using ToolRoute = broker::RoutedTool;

struct RouterEnv {
    core::Runtime& runtime;
    core::http::Network& cluster;
    const BrokerOptions& options;
    const broker::SessionTokens& tokens;
    broker::SessionStore& store;  // gateway session -> upstream sessions
    core::Logger log;             // component=router
    std::function<void(const std::string& msg, const std::vector<core::LogAttr>&)> hookLog;
    std::function<std::shared_ptr<const ToolRoute>(const std::string& servedName)> findTool;
    std::function<std::optional<broker::ServerConfig>(const std::string& name)> findServer;
};

class Router final : public ExtProcessor {
  public:
    explicit Router(RouterEnv env);
    ~Router() override;
    void onRequest(core::http::Request& request,
                   std::function<void(std::optional<core::http::Response>)> done) override;
    void onResponseHeaders(const core::http::Request& original,
                           core::http::Response& response) override;
    // Drops the upstream sessions of a gateway session (DELETE, expiry).
    void release(const std::string& gatewaySession);

  private:
    using Done = std::function<void(std::optional<core::http::Response>)>;
    void toolsCall(core::http::Request& request, Json message, Done done);
    void upstreamSession(const std::string& gatewaySession, std::shared_ptr<const ToolRoute> route,
                         const core::http::Request& request,
                         std::function<void(std::optional<std::string> id,
                                            std::optional<core::http::Response> error)>
                             done);
    // The hairpin initialize (section 6.3 step 2), once the cache has no session for the server.
    void initializeUpstream(const std::string& gatewaySession, const ToolRoute& route,
                            const core::http::Request& request,
                            std::function<void(std::optional<std::string> id,
                                               std::optional<core::http::Response> error)>
                                done);
    core::http::Response invalid(const std::string& body, int status = 400);

    RouterEnv env_;
    // The hairpin clients this replica opened for a gateway session, closed when it expires.
    struct Hairpins {
        std::vector<std::shared_ptr<core::mcp::McpClient>> clients;
        core::TimerHandle expiry;
    };
    std::map<std::string, Hairpins> hairpins_;
    std::shared_ptr<bool> alive_;
};

// Go's encoding/json output for a re-serialised body: sorted keys, and <, >, & escaped.
std::string goJsonDump(const Json& value);

}  // namespace mcpsim::gateway::router
