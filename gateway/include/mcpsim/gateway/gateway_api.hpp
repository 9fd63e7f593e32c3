#pragma once
// The control side of the Gateway API implementation (the role Istio plays for the reference):
// accepts GatewayClasses it owns, programs their Gateways (status, addresses, listeners) and
// writes HTTPRoute status.parents (Accepted, ResolvedRefs) by the Gateway API attachment rules.
// Conditions written by others on the same parent entries (the MCP controller's Programmed) are
// kept. Traffic is served by the router, not here.
#include <memory>
#include <string>
#include <vector>

#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::gateway {

struct GatewayApiOptions {
    std::vector<std::string> controllerNames = {"istio.io/gateway-controller",
                                                "mcpsim.io/gateway-controller"};
    // The first Gateway gets this address, the next one .201 and so on.
    std::string firstAddress = "172.18.255.200";
    std::string logSource = "istio-system/istiod";
};

class GatewayApiController {
  public:
    GatewayApiController(core::Runtime& runtime, core::kube::Client& client,
                         GatewayApiOptions options = {});
    ~GatewayApiController();
    void start();
    void stop();
    bool idle() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// True when a route hostname and a listener hostname (either may be a *. wildcard, either may be
// empty meaning "any") can match the same request host.
bool hostnamesIntersect(const std::string& listener, const std::string& route);

}  // namespace mcpsim::gateway
