#pragma once
// One broker pod of the world: the broker Deployment's program run in-process (its container
// args are its flags), serving on its pod's address, with its config file "mounted" from the
// mcp-gateway-config Secret. Its router is the ext_proc of the Gateway's data plane, which the
// world owns (BrokerPods), as Envoy calls the ext_proc Service of every replica.
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

// The broker's flags, as its Deployment's container gives them (args and environment, Secret
// references resolved). Throws std::runtime_error with the broker's panic text.
gateway::BrokerOptions brokerOptionsOf(core::kube::Client& client, const Json& deployment);
// The Gateway with a listener for `publicHost` (gateway-system/mcp-gateway when none has).
core::kube::ObjectKey gatewayFor(core::kube::Client& client, const std::string& publicHost);

class BrokerMount {
  public:
    // Throws std::runtime_error when the Deployment's flags are rejected (the broker's panic).
    BrokerMount(core::Runtime& runtime, core::kube::Client& client, core::http::Network& cluster,
                const Json& deployment, const Json& pod);
    ~BrokerMount();
    void start();
    gateway::Broker& broker();
    // The namespace whose config the broker reads now.
    const std::string& configNamespace() const;
    // The broker pod's address.
    const std::string& address() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mcpsim::sim
