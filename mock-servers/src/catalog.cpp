// The mocks mcpsim knows, with the port each upstream image listens on by default.
#include "mcpsim/mocks/catalog.hpp"

#include "mocks.hpp"

namespace mcpsim::mocks {

const std::vector<MockInfo>& catalog() {
    static const std::vector<MockInfo> mocks = {
        {"server1", "Go SDK test server: greet, time, slow, headers, add_tool; any path", 9090,
         makeServer1},
        {"server2", "mcp-go \"Demo rocket\": hello_world, time, headers, auth1234, slow; /mcp",
         9090, makeServer2},
        {"server3", "FastMCP test server: time, add, dozen, pi, get_weather, slow, get_headers",
         8000, makeServer3},
        {"api-key", "hello_world behind Authorization == EXPECTED_AUTH (none when unset)", 9090,
         makeApiKey},
        {"oidc",
         "hello_world behind APIKEY EXPECTED_ADMIN_TOKEN or a Bearer JWT with aud EXPECTED_AUD",
         9090, makeOidc},
        {"custom-path", "echo_custom, path_info, timestamp at /v1/special/mcp", 8080,
         makeCustomPath},
        {"custom-response", "hand-written responder; tools/call answers arguments.responseCode",
         9090, makeCustomResponse},
        {"broken",
         "fails per FAILURE_MODE: protocol (default), no-tools, tool-conflicts, hang, garbage",
         9090, makeBroken},
        {"everything",
         "the conformance suite's reference surface (test_* tools, resources, "
         "prompts, sampling, elicitation)",
         9090, makeEverything},
    };
    return mocks;
}

const MockInfo* findMock(const std::string& name) {
    for (const auto& m : catalog()) {
        if (m.name == name) return &m;
    }
    return nullptr;
}

}  // namespace mcpsim::mocks
