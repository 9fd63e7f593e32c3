#pragma once
// A simulated cluster: the fake API server plus the components that act on it (the Gateway API
// control side and the MCP controller), booted from a world profile.
#include <memory>
#include <string>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::sim {

struct WorldOptions {
    // "seed": what the registration guide assumes is installed (controllers running);
    // "bare": only the API server with its CRDs, nothing acting on objects.
    std::string profile = "seed";
    int kubeMinor = 31;
    // Extra image → mock rows (the format of mock-servers/data/images.yaml).
    std::string mockImages;
};

class World {
  public:
    World(core::Runtime& runtime, WorldOptions options);
    ~World();
    apiserver::ApiServer& api();
    // The cluster network: Services and pods of the world are served here.
    core::http::Network& clusterNetwork();
    // The Gateway's data plane (its listener port 8080), or null when the profile has no broker.
    core::http::Handler gatewayHandler();
    std::string gatewayPublicHost() const;
    const WorldOptions& options() const;
    static bool knownProfile(const std::string& name);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mcpsim::sim
