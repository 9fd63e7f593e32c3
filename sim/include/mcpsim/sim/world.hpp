#pragma once
// The simulated cluster, assembled in one place for `mcpsim serve`, the tests, the benchmarks and
// the runners: the fake API server, the cluster network, and the components that act on the API
// (Workloads, the Gateway API control side, the MCP controller, the broker and its Gateway data
// plane), on one loop and one clock. Built from a WorldConfig: a profile's objects and
// components, then the config's modifiers in order (Envoy's ConfigHelper idea).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::gateway {
class BrokerStatusSource;
class GatewayApiController;
class McpController;
}  // namespace mcpsim::gateway

namespace mcpsim::mocks {
class Workloads;
}

namespace mcpsim::sim {

enum class ClockKind {
    // Starts at the fixed epoch (2026-01-01T00:00:00Z) and moves only when the world runs: every
    // run sees the same times. With real clients attached (`serve --clock virtual`) it also moves
    // with the wall clock and jumps ahead when the world settles, never running behind real time.
    Virtual,
    // The machine's clocks: requeues and polls take the time they take on a cluster.
    Real,
};

// What a world is made of once its profile is loaded; modifiers edit this before boot.
struct WorldBlueprint {
    // Created in order at boot; a document's `status` goes through the status subresource.
    std::vector<Json> objects;
    struct Components {
        bool workloads = false;      // Deployments become Running mock pods, Services get endpoints
        bool gatewayApi = false;     // accepts HTTPRoutes, programs Gateways
        bool mcpController = false;  // MCPGatewayExtension, MCPServerRegistration, MCPVirtualServer
        // Runs the Deployment annotated mcpsim.io/component=broker and the Gateway data plane.
        bool broker = false;
    } components;
    // Extra image -> mock rows (the format of mock-servers/data/images.yaml).
    std::string mockImages;
    // Replaces what the controller reads as the broker's /status (scripted answers in tests).
    gateway::BrokerStatusSource* brokerStatus = nullptr;

    // Appends the documents of a YAML stream to `objects`.
    WorldBlueprint& addObjects(std::string_view yaml);
};

// Real sockets for real clients (kubectl, curl). Off by default: tests use the in-process client
// and the in-memory network.
struct WorldListeners {
    bool enabled = false;
    std::string address = "127.0.0.1";
    std::uint16_t apiPort = 0;  // 0: any free port
    int gatewayPort = -1;       // -1: none; 0: any free port
    bool logRequests = false;   // one stderr line per API request
};

struct WorldConfig {
    using Modifier = std::function<void(WorldBlueprint&)>;

    // "seed": what the registration guide assumes is installed, every component running;
    // "e2e": what the upstream e2e suite runs against (test servers, an extension, no routes);
    // "local": what the upstream `make local-env-setup` leaves (routes and registrations too);
    // "bare": the API server with its CRDs only, nothing acting on objects.
    std::string profile = "seed";
    std::uint64_t seed = 1;
    ClockKind clock = ClockKind::Virtual;
    // Schedule perturbation from the seed (core::RuntimeOptions::perturbSchedule): other
    // interleavings of the cluster network's messages and timers, still one run per seed.
    bool perturbSchedule = false;
    int kubeMinor = 31;
    WorldListeners listeners;
    // With listeners and virtual time: the clock also moves with the wall clock (serve), or only
    // when the world settles, from the fixed epoch (docs replays: the same report every run).
    bool virtualClockFollowsRealTime = true;
    // How far one settle may move virtual time while something is still busy. The reference's
    // longest one-off wait in a registration is the 5 s status requeue after the 2 s finalizer
    // requeue; a minute covers chains of those and error backoffs of a few seconds.
    core::Duration settleHorizon = std::chrono::seconds(60);
    std::vector<Modifier> modifiers;
    // When set, receives the world's transcript, one line per call on the loop thread: real
    // clients' API and Gateway requests with their statuses, every log line, every Event, each
    // prefixed with the world time since boot (mcpsim run --transcript).
    std::function<void(const std::string& line)> transcript;

    WorldConfig& addModifier(Modifier m);
    static bool knownProfile(const std::string& name);
};

// A listener could not bind its address (the message names it).
struct ListenError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class World {
  public:
    // Boots the world: loads the profile, applies the modifiers, creates the objects, starts the
    // components and (when enabled) the listeners. Throws on a bad profile, object or port.
    explicit World(WorldConfig config);
    ~World();
    World(const World&) = delete;
    World& operator=(const World&) = delete;

    core::Runtime& runtime();
    apiserver::ApiServer& api();
    core::kube::Client& client();
    // The cluster network: Services and pods of the world are served here.
    core::http::Network& clusterNetwork();
    const WorldConfig& config() const;
    const WorldBlueprint& blueprint() const;

    // Runs the world until nothing is left to do (see core::Runtime::settle); on virtual time it
    // jumps to the next timer while a component is busy, at most `config().settleHorizon` ahead.
    core::SettleResult settle();
    core::SettleResult settle(core::Duration horizon);
    // Applies a YAML stream through the in-process client (create, or replace keeping the
    // resourceVersion), then settles. Returns the objects as written.
    core::kube::Result<std::vector<Json>> apply(std::string_view yaml);

    // The running components (null when the blueprint left them out), e.g. for a test that
    // stops one to take over what it writes.
    gateway::GatewayApiController* gatewayApi();
    gateway::McpController* mcpController();
    mocks::Workloads* workloads();

    // The Gateway's data plane (its listener port 8080), or null when the world has no broker.
    core::http::Handler gatewayHandler();
    std::string gatewayPublicHost() const;

    // With listeners enabled: the bound API server and Gateway endpoints.
    core::http::Endpoint apiEndpoint() const;
    std::optional<core::http::Endpoint> gatewayEndpoint() const;
    // A kubeconfig for the API listener (plain HTTP, no credentials, namespace default).
    std::string kubeconfig() const;
    // Adds a line to the transcript (when the config asked for one), at the current world time.
    void transcribe(const std::string& line);
    // Stops accepting and closes client connections (before runtime().stop()).
    void closeListeners();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mcpsim::sim
