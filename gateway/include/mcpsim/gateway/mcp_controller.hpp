#pragma once
// The MCP Gateway controller: reconciles MCPGatewayExtension, MCPServerRegistration and
// MCPVirtualServer as the reference controller does (conditions, finalizers, the
// mcp-gateway-config Secret), talking to the API server only through core::kube::Client.
#include <memory>
#include <string>
#include <variant>

#include "mcpsim/core/json.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::gateway {

// Where the registration controller reads a broker's /status for the broker serving a
// namespace: the JSON body, or the failure in the reference's words (for example
// "no broker endpoints available" or "failed to get status from any broker endpoint").
class BrokerStatusSource {
public:
    virtual ~BrokerStatusSource() = default;
    virtual std::variant<Json, std::string> status(const std::string& ns) = 0;
};

// The reference's lookup: ready EndpointSlice addresses labelled
// app.kubernetes.io/component=mcp-broker in the namespace, then GET http://<addr>:8080/status
// through `fetch` (which returns the body of a 200 response, or nullopt).
class EndpointSliceBrokerStatus final : public BrokerStatusSource {
public:
    using Fetch = std::function<std::optional<std::string>(const std::string& url)>;
    EndpointSliceBrokerStatus(core::kube::Client& client, Fetch fetch);
    std::variant<Json, std::string> status(const std::string& ns) override;

private:
    core::kube::Client& client_;
    Fetch fetch_;
};

struct McpControllerOptions {
    // LogStore source of the controller's log (what `kubectl logs` of its pod shows).
    std::string logSource = "mcp-system/mcp-gateway-controller";
};

class McpController {
public:
    McpController(core::Runtime& runtime, core::kube::Client& client, BrokerStatusSource& broker,
                  McpControllerOptions options = {});
    ~McpController();
    void start();
    void stop();
    // True when no reconcile is queued or running (timers may still be pending).
    bool idle() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mcpsim::gateway
