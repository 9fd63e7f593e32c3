// controller.md section 8, scenarios 57-60 (MCPVirtualServer), plus section 4 and FN-20/FN-21.
#include "scenario_support.hpp"

namespace mcpsim::gateway::testing {
namespace {

using VirtualServer = ScenarioTest;

const char* const kVs1 = "virtualServers:\n- name: default/vs1\n  tools:\n  - t1_greet\n";
const char* const kVs2 = "- name: team/vs2\n  tools:\n  - github_get_me\n";

// Scenario 57.
TEST_F(VirtualServer, S57_VirtualServerWrittenNextToServers) {
    readySrv1();
    apply(vsYaml("default", "vs1", "[t1_greet]"));
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry + kVs1);
    const Json vs = get(kVs, {"default", "vs1"});
    EXPECT_EQ(vs["metadata"]["finalizers"], ourFinalizer());
    EXPECT_FALSE(vs.contains("status"));
    // The registration is not disturbed.
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Scenario 58 (FN-21: always mcp-system).
TEST_F(VirtualServer, S58_SecondVirtualServerStillInMcpSystem) {
    readySrv1();
    apply(vsYaml("default", "vs1", "[t1_greet]"));
    apply(namespaceYaml("team") + "---\n" + vsYaml("team", "vs2", "[github_get_me]"));
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry + kVs1 + kVs2);
    EXPECT_EQ(configText("team"), "<absent>");
    EXPECT_EQ(configText("default"), "<absent>");
}

// Scenario 59 (FN-20: deletion does not rewrite the config).
TEST_F(VirtualServer, S59_DeletedVirtualServerLingersUntilNextReconcile) {
    readySrv1();
    apply(vsYaml("default", "vs1", "[t1_greet]"));
    apply(namespaceYaml("team") + "---\n" + vsYaml("team", "vs2", "[github_get_me]"));
    remove(kVs, {"team", "vs2"});
    EXPECT_TRUE(get(kVs, {"team", "vs2"}).is_null());
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry + kVs1 + kVs2);
    touch(kVs, {"default", "vs1"});
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry + kVs1);
}

// Scenario 60.
TEST_F(VirtualServer, S60_CreatesConfigSecretInMcpSystem) {
    apply(namespaceYaml("mcp-system"));
    apply(vsYaml("default", "vs1", "[a]"));
    const Json s = get(kSecret, {"mcp-system", "mcp-gateway-config"});
    ASSERT_FALSE(s.is_null());
    EXPECT_EQ(s["metadata"]["labels"],
              (Json{{"app", "mcp-gateway"}, {"mcp.kagenti.com/aggregated", "true"}}));
    EXPECT_EQ(s.value("type", ""), "Opaque");
    EXPECT_EQ(configText("mcp-system"),
              "servers: []\nvirtualServers:\n- name: default/vs1\n  tools:\n  - a\n");
}

// Section 7 edge 26 (FN-20): the last virtual server's entry persists after its deletion.
TEST_F(VirtualServer, LastVirtualServerEntryPersists) {
    apply(namespaceYaml("mcp-system"));
    apply(vsYaml("default", "vs1", "[a]"));
    remove(kVs, {"default", "vs1"});
    advance(10min);
    EXPECT_TRUE(get(kVs, {"default", "vs1"}).is_null());
    EXPECT_EQ(configText("mcp-system"),
              "servers: []\nvirtualServers:\n- name: default/vs1\n  tools:\n  - a\n");
}

// Section 7 edge 25 (FN-21): an extension WriteEmpty in mcp-system wipes virtual servers until
// the next virtual server reconcile.
TEST_F(VirtualServer, ExtensionWriteEmptyWipesVirtualServers) {
    fixtureF();
    apply(vsYaml("default", "vs1", "[t1_greet]"));
    ASSERT_EQ(configText("mcp-system"), std::string("servers: []\n") + kVs1);
    remove(kGrant, {"gateway-system", "allow"});
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
    touch(kVs, {"default", "vs1"});
    EXPECT_EQ(configText("mcp-system"), std::string("servers: []\n") + kVs1);
}

// Section 4: the tools are written as given, without checking they exist; edits rewrite.
TEST_F(VirtualServer, ToolsEditRewritesSection) {
    apply(namespaceYaml("mcp-system"));
    apply(vsYaml("default", "vs1", "[nope_a, nope_b]"));
    EXPECT_EQ(config("mcp-system")["virtualServers"][0]["tools"], (Json{"nope_a", "nope_b"}));
    apply(vsYaml("default", "vs1", "[c]"));
    EXPECT_EQ(config("mcp-system")["virtualServers"][0]["tools"], (Json{"c"}));
}

// Section 4 step 4: virtual servers being deleted (held by another finalizer) are left out.
TEST_F(VirtualServer, DeletingVirtualServerIsSkipped) {
    apply(namespaceYaml("mcp-system"));
    apply(vsYaml("default", "vs1", "[a]"));
    apply(vsYaml("default", "vs2", "[b]"));
    auto r = edit(kVs, {"default", "vs2"},
                  [](Json& o) { o["metadata"]["finalizers"].push_back("example.com/hold"); });
    ASSERT_TRUE(r.ok()) << r.error().message;
    remove(kVs, {"default", "vs2"});
    EXPECT_EQ(finalizers(kVs, {"default", "vs2"}), Json::array({"example.com/hold"}));
    touch(kVs, {"default", "vs1"});
    EXPECT_EQ(configText("mcp-system"),
              "servers: []\nvirtualServers:\n- name: default/vs1\n  tools:\n  - a\n");
}

// Section 5.2: strings are quoted where YAML needs it, so the broker reads back what was written.
TEST_F(VirtualServer, ToolNamesRoundTrip) {
    apply(namespaceYaml("mcp-system"));
    apply(vsYaml("default", "vs1", "[\"on\", \"123\", \"a: b\", \"null\", \"- x\", \"#c\"]"));
    EXPECT_EQ(config("mcp-system")["virtualServers"][0]["tools"],
              (Json{"on", "123", "a: b", "null", "- x", "#c"}))
        << configText("mcp-system");
}

}  // namespace
}  // namespace mcpsim::gateway::testing
