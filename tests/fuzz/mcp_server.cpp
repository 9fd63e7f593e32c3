// JSON-RPC messages into the MCP server library (the "everything" mock, which uses most of it:
// tools, prompts, resources, completion, logging, sampling and elicitation requests) on the
// in-memory network, inside a live session. Invariants: mcp_checks.hpp.
#include "mcp_harness.hpp"
#include "mcpsim/mocks/catalog.hpp"

namespace {

struct Everything {
    mcpsim::core::Runtime rt{mcpsim::core::RuntimeOptions{1, true}};
    std::unique_ptr<mcpsim::core::http::Network> net = mcpsim::core::http::makeInMemoryNetwork(rt);
    std::unique_ptr<mcpsim::mocks::MockServer> server;
    std::unique_ptr<mcpsim::core::http::Listener> listener;
    std::unique_ptr<mcpsim::fuzz::McpEndpoint> endpoint;
    std::string session;

    Everything() {
        const auto* info = mcpsim::mocks::findMock("everything");
        FUZZ_CHECK(info != nullptr, "no everything mock");
        server = info->create(rt, {}, mcpsim::core::Logger(rt.clock(), rt.logs(), "mock/fuzz"));
        const mcpsim::core::http::Endpoint at{"everything.fuzz", 3001};
        listener = net->listen(at, server->handler());
        endpoint = std::make_unique<mcpsim::fuzz::McpEndpoint>(rt, *net, at);
        session = endpoint->openSession();
    }
};

}  // namespace

// mode: see postFuzzed; the rest is the POST body.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Everything* mock = new Everything();
    mcpsim::fuzz::fuzzMcpPost(*mock->endpoint, mock->session, data, size,
                              "POST /mcp to everything");
    return 0;
}
