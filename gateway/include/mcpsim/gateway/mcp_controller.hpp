#pragma once
// The MCP Gateway controller: reconciles MCPGatewayExtension, MCPServerRegistration and
// MCPVirtualServer as the reference controller does (conditions, finalizers, the
// mcp-gateway-config Secret), talking to the API server only through core::kube::Client.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::gateway {

// Where the registration controller reads a broker's /status for the broker serving a
// namespace: the JSON body, or the failure in the reference's words (for example
// "no broker endpoints available" or "failed to get status from any broker endpoint").
// Asynchronous: the answer comes over the network, and the world has one thread.
class BrokerStatusSource {
  public:
    // The decoded body (never null; shared, as a source may hand one answer to many
    // reconciles), or the failure.
    using Status = std::variant<std::shared_ptr<const Json>, std::string>;
    using StatusCallback = std::function<void(Status)>;
    virtual ~BrokerStatusSource() = default;
    // Calls `done` exactly once, now or on a later loop turn.
    virtual void status(const std::string& ns, StatusCallback done) = 0;
};

struct EndpointSliceBrokerStatusOptions {
    // A simulator simplification (docs-and-scenarios.md section 1.4 (e)): addresses of brokers
    // that serve a namespace without a labelled EndpointSlice there. Tried after the slices'
    // ready addresses, the same way (http://<addr>:8080/status). Empty: the reference's lookup.
    std::function<std::vector<std::string>(const std::string& ns)> extraAddresses;
};

// The reference's lookup: ready EndpointSlice addresses labelled
// app.kubernetes.io/component=mcp-broker in the namespace, then GET http://<addr>:8080/status
// over the network, one address after the other, each with a 10 s timeout on the world clock;
// the first 200 whose body decodes as a status document wins. An answer after its timeout is
// ignored.
class EndpointSliceBrokerStatus final : public BrokerStatusSource {
  public:
    EndpointSliceBrokerStatus(core::Runtime& runtime, core::kube::Client& client,
                              core::http::Network& network,
                              EndpointSliceBrokerStatusOptions options = {});
    void status(const std::string& ns, StatusCallback done) override;

    static constexpr std::chrono::seconds kTimeout{10};

  private:
    struct Lookup;
    void tryNext(const std::shared_ptr<Lookup>& lookup);

    core::Runtime& rt_;
    core::kube::Client& client_;
    core::http::Network& network_;
    EndpointSliceBrokerStatusOptions options_;
    // Callbacks still in flight when this object goes away see it expired and do nothing.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
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
