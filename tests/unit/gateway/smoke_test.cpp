#include "controller_fixture.hpp"

namespace mcpsim::gateway::testing {
namespace {

TEST_F(ControllerTest, FixtureFRegistersServer) {
    fixtureF();
    Json ext = ready(kExt, {"mcp-system", "ext"});
    EXPECT_EQ(ext.value("reason", ""), "ValidMCPGatewayExtension") << get(kExt, {"mcp-system", "ext"}).dump(2) << logs();
    EXPECT_EQ(configText("mcp-system"), "servers: []\nvirtualServers: []\n");
    broker_.answers["mcp-system"] = brokerSays("mcp-test/srv1:t1_:s1.mcp.local", true, 3,
                                              "server added successfully. Total tools added 3");
    registerSrv1();
    Json r = ready(kMcpsr, {"mcp-test", "srv1"});
    EXPECT_EQ(r.value("status", ""), "True") << get(kMcpsr, {"mcp-test", "srv1"}).dump(2) << get(kRoute, {"mcp-test", "r1"}).dump(2) << logs();
    EXPECT_EQ(configText("mcp-system"),
              "servers:\n- enabled: true\n  hostname: s1.mcp.local\n  name: mcp-test/srv1\n  toolPrefix: t1_\n"
              "  url: http://s1.mcp-test.svc.cluster.local:9090/mcp\n");
}

}  // namespace
}  // namespace mcpsim::gateway::testing
