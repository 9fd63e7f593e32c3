#pragma once
// The MCP Gateway's data-plane process (the reference `mcp_gateway` binary, spec/broker.md): the
// broker, an MCP server at :8080 that aggregates the tools of every upstream in its config under
// their prefixes, and the router, the ext_proc logic that routes tools/call to the owning
// upstream through the Gateway. Both run on the world's loop and reach upstreams only through a
// core::http::Network.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mcpsim/core/clock.hpp"
#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/gateway/data_plane.hpp"

namespace mcpsim::gateway {

struct BrokerOptions {
    std::string publicHost;  // --mcp-gateway-public-host (required)
    std::string privateHost = "mcp-gateway-istio.gateway-system.svc.cluster.local:8080";
    std::string routerKey = "secret-api-key";
    // --session-signing-key; empty: a key derived from the world seed.
    std::string signingKey;
    // --cache-connection-string (env CACHE_CONNECTION_STRING): a redis:// or unix:// URL of the
    // shared session cache; empty keeps it in memory.
    std::string cacheConnectionString;
    // Which replica this is (its pod name): keeps the random streams of replicas apart, so two
    // brokers never mint the same session id. Empty for a lone broker.
    std::string instance;
    core::Duration sessionLength = std::chrono::minutes(1440);
    core::Duration checkInterval = std::chrono::seconds(60);
    bool enforceToolFiltering = false;
    int logLevel = 0;  // slog levels: -4 debug, 0 info, 4 warn (debug, as the reference), 8 error
    bool jsonLogs = false;                   // --log-format=json
    std::string trustedHeaderPublicKey;      // env TRUSTED_HEADER_PUBLIC_KEY (PEM)
    std::map<std::string, std::string> env;  // OAUTH_* and the rest of the container environment
    // Emit a "Discovered tools" line per successful fetch (docs-and-scenarios.md section 1.4 d).
    bool docCompatLogs = true;
    // How long one upstream call may take before the manager gives up on it.
    core::Duration upstreamTimeout = std::chrono::seconds(10);
    // LogStore source of the process (what `kubectl logs` of its pod shows).
    std::string logSource = "mcp-system/mcp-gateway";
    // host -> address for "dial tcp <addr>" texts (a Service name to its ClusterIP).
    std::function<std::string(const std::string& host)> resolveHost;

    // From the container's args and environment, as the reference parses its flags. The error is
    // the reference's panic text.
    static std::variant<BrokerOptions, std::string> fromArgs(
        const std::vector<std::string>& args, const std::map<std::string, std::string>& env);
};

class Broker {
  public:
    // `cluster` is where upstreams and the Gateway's private address are reached.
    Broker(core::Runtime& runtime, core::http::Network& cluster, BrokerOptions options);
    ~Broker();
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    // Loads or reloads the config file's text (the mounted mcp-gateway-config Secret). A text
    // that does not parse keeps the last good config (the reference exits; F17).
    void applyConfig(const std::string& yaml);
    // The broker's HTTP surface (/mcp, /status, /.well-known/oauth-protected-resource, /).
    core::http::Handler handler();
    // The router, as the Gateway's external processor.
    ExtProcessor& router();
    // The /status document (section 11.5).
    Json status() const;
    // True when no upstream manager has a call in flight.
    bool idle() const;
    const BrokerOptions& options() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace mcpsim::gateway
