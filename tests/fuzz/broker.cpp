// JSON-RPC messages into the broker, on the in-memory cluster network with a live gateway session
// and one upstream (server2, prefix test2_), so tools/call and the other forwarded methods reach
// a real upstream session. Invariants: mcp_checks.hpp.
#include "mcpsim/gateway/broker.hpp"
#include "mcp_harness.hpp"
#include "mcpsim/mocks/catalog.hpp"
#include "mcpsim/sim/world.hpp"

namespace {

namespace core = mcpsim::core;

struct BrokerWithUpstream {
    mcpsim::sim::World world{[] {
        mcpsim::sim::WorldConfig c;
        c.profile = "bare";
        return c;
    }()};
    std::unique_ptr<mcpsim::mocks::MockServer> upstream;
    std::unique_ptr<core::http::Listener> upstreamListener;
    std::unique_ptr<mcpsim::gateway::Broker> broker;
    std::unique_ptr<core::http::Listener> brokerListener;
    std::unique_ptr<mcpsim::fuzz::McpEndpoint> endpoint;
    std::string session;

    BrokerWithUpstream() {
        core::Runtime& rt = world.runtime();
        core::http::Network& net = world.clusterNetwork();
        upstream = mcpsim::mocks::findMock("server2")->create(
            rt, {}, core::Logger(rt.clock(), rt.logs(), "mock/server2"));
        upstreamListener =
            net.listen({"mcp-test-server2.mcp-test.svc.cluster.local", 9090}, upstream->handler());
        mcpsim::gateway::BrokerOptions o;
        o.publicHost = "mcp.127-0-0-1.sslip.io";
        o.signingKey = "fuzz-signing-key";
        broker = std::make_unique<mcpsim::gateway::Broker>(rt, net, o);
        const core::http::Endpoint at{"10.244.0.10", 8080};
        brokerListener = net.listen(at, broker->handler());
        broker->applyConfig(
            "servers:\n"
            "  - name: mcp-test/s2\n"
            "    url: http://mcp-test-server2.mcp-test.svc.cluster.local:9090/mcp\n"
            "    hostname: server2.mcp.local\n"
            "    toolPrefix: test2_\n");
        for (int i = 0; i < 300 && !broker->idle(); ++i) rt.runFor(std::chrono::milliseconds(100));
        FUZZ_CHECK(broker->idle(), "broker did not discover its upstream");
        endpoint = std::make_unique<mcpsim::fuzz::McpEndpoint>(rt, net, at, o.publicHost);
        session = endpoint->openSession();
    }
};

}  // namespace

// mode: see postFuzzed; the rest is the POST body.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static BrokerWithUpstream* gw = new BrokerWithUpstream();
    mcpsim::fuzz::fuzzMcpPost(*gw->endpoint, gw->session, data, size, "POST /mcp to the broker");
    return 0;
}
