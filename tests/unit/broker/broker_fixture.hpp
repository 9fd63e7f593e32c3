#pragma once
// The broker in-process on the in-memory network and virtual time, with mock upstreams at their
// Service names (spec/broker.md section 13).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/gateway/broker.hpp"
#include "mcpsim/mocks/catalog.hpp"
#include "mcpsim/sim/world.hpp"

namespace mcpsim::broker_testing {

using core::http::Headers;
using core::http::Request;

struct Reply {
    int status = 0;
    Headers headers;
    std::string body;
    std::vector<Json> events;  // parsed `data:` payloads of an SSE body
    std::shared_ptr<core::http::BodyStream> stream;
    bool sse() const;
    Json message() const;  // JSON body, or the last SSE event
    void drain();          // reads what arrived on the stream so far
};

inline const core::http::Endpoint kBrokerAt{"10.244.0.10", 8080};

// server1 behind the prefix test1_, as the broker's config lists it.
inline const std::string kServer1Entry =
    "  - name: mcp-test/s1\n"
    "    url: http://mcp-test-server1.mcp-test.svc.cluster.local:9090/mcp\n"
    "    hostname: server1.mcp.local\n"
    "    toolPrefix: test1_\n";

class BrokerFixture : public ::testing::Test {
  protected:
    BrokerFixture() = default;
    ~BrokerFixture() override;

    // Creates the broker; tests may adjust `options` before the first call.
    gateway::Broker& broker();
    gateway::BrokerOptions options = defaultOptions();
    static gateway::BrokerOptions defaultOptions();

    // Starts mock `mock` listening at <svc>.mcp-test.svc.cluster.local:9090.
    void startMock(const std::string& svc, const std::string& mock,
                   std::map<std::string, std::string> env = {});
    void stopMock(const std::string& svc);  // closes its listener (scale to 0)
    // Every request the mock at `svc` received, in arrival order (what the upstream saw).
    const std::vector<Request>& requestsTo(const std::string& svc);
    void applyConfig(const std::string& yaml);
    // Runs virtual time (bounded) until the broker's managers are idle.
    void settle(core::Duration atLeast = std::chrono::seconds(1));

    // Sends and runs the loop in 10 ms steps (up to 30 s virtual) until the reply arrives.
    Reply send(Request req, const core::http::Endpoint& to = kBrokerAt);
    Reply get(const std::string& path, Headers h = {});
    Reply postText(const std::string& body, Headers h, const std::string& path = "/mcp");
    Reply post(const Json& body, const std::string& session = "", Headers extra = {});
    Reply rpc(const std::string& method, const Json& params, const std::string& session,
              Headers extra = {});
    std::string initialize(const std::string& version = "2025-06-18");
    std::vector<std::string> toolNames(const std::string& session, Headers extra = {});

    // Also serves the broker's handler at `at` (e.g. its Service name); requests arriving there
    // are recorded in brokerRequests.
    void listenBrokerAt(const core::http::Endpoint& at);
    std::vector<Request> brokerRequests;

    // A bare world on virtual time with the Gateway API control side (for the router tests'
    // HTTPRoutes); the broker under test is the fixture's own, not a world component.
    static sim::WorldConfig worldConfig();
    sim::World world{worldConfig()};
    core::Runtime& runtime = world.runtime();
    core::http::Network* network = &world.clusterNetwork();

  private:
    int nextId_ = 1;
    std::unique_ptr<gateway::Broker> broker_;
    std::unique_ptr<core::http::Listener> brokerListener_;
    std::vector<std::unique_ptr<core::http::Listener>> extraListeners_;
    struct Mock {
        std::unique_ptr<mocks::MockServer> server;
        std::unique_ptr<core::http::Listener> listener;
        std::vector<Request> seen;
    };
    std::map<std::string, Mock> mocks_;
};

// The server2 registration of section 13.
std::string server2Entry(const std::string& prefix = "test2_");

}  // namespace mcpsim::broker_testing
