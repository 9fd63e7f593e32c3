#pragma once
// The world's broker: the broker Deployment of a profile run in-process (its container args are
// its flags), serving on its pod's address, with its config file "mounted" from the
// mcp-gateway-config Secret, and the Gateway data plane with the router as its ext_proc.
//
// Simulator simplification (docs-and-scenarios.md section 1.4 e): the config Secret read is the
// one in the namespace of the oldest Ready MCPGatewayExtension targeting the broker's Gateway
// (the broker's own namespace when there is none), and the controller's status read treats this
// broker as present in that namespace.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/gateway/broker.hpp"
#include "mcpsim/gateway/data_plane.hpp"
#include "mcpsim/gateway/mcp_controller.hpp"

namespace mcpsim::sim {

class BrokerMount {
  public:
    // Throws std::runtime_error when the Deployment's flags are rejected (the broker's panic).
    BrokerMount(core::Runtime& runtime, core::kube::Client& client, core::http::Network& cluster,
                const Json& deployment, const std::string& podIp);
    ~BrokerMount();
    void start();
    gateway::Broker& broker();
    gateway::DataPlane& dataPlane();
    // The namespace whose config the broker reads now.
    const std::string& configNamespace() const;
    // The broker pod's address.
    const std::string& address() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mcpsim::sim
