// controller.md section 8, scenarios 9-24 (MCPGatewayExtension), plus the section 2 rules they
// leave out (FN-1, FN-4, FN-5, FN-8, FN-9).
#include "scenario_support.hpp"

namespace mcpsim::gateway::testing {
namespace {

using Extension = ScenarioTest;


// Scenario 9.
TEST_F(Extension, S09_ValidExtensionGetsFinalizerAndReady) {
    fixtureF();
    Json ext = get(kExt, kExtKey);
    EXPECT_EQ(ext["metadata"]["finalizers"], ourFinalizer());
    Json c = condition(kExt, kExtKey);
    EXPECT_TRUE(isCondition(c, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_EQ(c["observedGeneration"], ext["metadata"]["generation"]);
    EXPECT_TRUE(c.contains("lastTransitionTime"));
    // Only Ready is ever written.
    EXPECT_EQ(ext["status"]["conditions"].size(), 1u);
}

// Scenario 10.
TEST_F(Extension, S10_ConfigSecretCreatedEmptyWithLabels) {
    fixtureF();
    Json s = get(kSecret, {"mcp-system", "mcp-gateway-config"});
    ASSERT_FALSE(s.is_null());
    EXPECT_EQ(s["metadata"]["labels"],
              (Json{{"app", "mcp-gateway"}, {"mcp.kagenti.com/aggregated", "true"}}));
    EXPECT_EQ(s.value("type", ""), "Opaque");
    EXPECT_FALSE(s["metadata"].contains("ownerReferences"));
    EXPECT_FALSE(s["metadata"].contains("annotations"));
    EXPECT_EQ(s["data"].size(), 1u);
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
}

// Scenario 11 (and FN-7: the invalid extension still creates the Secret, empty).
TEST_F(Extension, S11_CrossNamespaceWithoutGrant) {
    fixtureF(true, false);
    EXPECT_TRUE(extIs(kExtKey, "False", "ReferenceGrantRequired", kGrantRequired));
    EXPECT_EQ(finalizers(kExt, kExtKey), ourFinalizer());
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
}

// Scenario 12.
TEST_F(Extension, S12_GrantCreatedLaterMakesExtensionReady) {
    fixtureF(true, false);
    ASSERT_TRUE(extIs(kExtKey, "False", "ReferenceGrantRequired", kGrantRequired));
    const Json before = get(kExt, kExtKey);
    apply(grantYaml("allow", "mcp-system"));
    EXPECT_TRUE(extIs(kExtKey, "True", "ValidMCPGatewayExtension", kExtValid));
    // The extension itself was not edited: same spec and generation.
    const Json after = get(kExt, kExtKey);
    EXPECT_EQ(after["metadata"]["generation"], before["metadata"]["generation"]);
    EXPECT_EQ(after["spec"], before["spec"]);
}

// Scenario 13.
TEST_F(Extension, S13_GrantToNameMustMatchGateway) {
    fixtureF(true, false);
    apply(grantYaml("allow", "mcp-system", "other-gw"));
    EXPECT_TRUE(extIs(kExtKey, "False", "ReferenceGrantRequired", kGrantRequired));
    apply(grantYaml("allow", "mcp-system", "mcp-gateway"));
    EXPECT_TRUE(extIs(kExtKey, "True", "ValidMCPGatewayExtension", kExtValid));
}

// Scenario 14.
TEST_F(Extension, S14_GrantFromOtherNamespaceDoesNotAllow) {
    fixtureF(true, false);
    apply(grantYaml("allow", "elsewhere"));
    EXPECT_TRUE(extIs(kExtKey, "False", "ReferenceGrantRequired", kGrantRequired));
}

// Section 2.3: a `to` entry of another kind or group does not allow; any allowing entry does.
TEST_F(Extension, GrantToEntryRules) {
    fixtureF(true, false);
    const std::string head =
        "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\n"
        "metadata: {name: allow, namespace: gateway-system}\nspec:\n"
        "  from: [{group: mcp.kagenti.com, kind: MCPGatewayExtension, namespace: mcp-system}]\n";
    apply(head + "  to: [{group: gateway.networking.k8s.io, kind: HTTPRoute}]\n");
    EXPECT_TRUE(extIs(kExtKey, "False", "ReferenceGrantRequired", kGrantRequired));
    apply(head + "  to: [{group: \"\", kind: Gateway}]\n");
    EXPECT_TRUE(extIs(kExtKey, "False", "ReferenceGrantRequired", kGrantRequired));
    apply(head +
          "  to: [{group: \"\", kind: Service}, {group: gateway.networking.k8s.io, kind: Gateway, "
          "name: mcp-gateway}]\n");
    EXPECT_TRUE(extIs(kExtKey, "True", "ValidMCPGatewayExtension", kExtValid));
}

// Scenario 15 with the project's FN-5 choice: every `from` entry is evaluated and also mapped, so
// creating or editing such a grant triggers the extension.
TEST_F(Extension, S15_GrantWithSecondFromEntry) {
    fixtureF(true, false);
    ASSERT_TRUE(extIs(kExtKey, "False", "ReferenceGrantRequired", kGrantRequired));
    apply(R"(
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow, namespace: gateway-system}
spec:
  from:
  - {group: x, kind: "Y", namespace: z}
  - {group: mcp.kagenti.com, kind: MCPGatewayExtension, namespace: mcp-system}
  to: [{group: gateway.networking.k8s.io, kind: Gateway}]
)");
    EXPECT_TRUE(extIs(kExtKey, "True", "ValidMCPGatewayExtension", kExtValid));
}

// Scenario 16.
TEST_F(Extension, S16_GrantDeletedEmptiesConfigAndRegistrations) {
    readySrv1();
    remove(kGrant, {"gateway-system", "allow"});
    EXPECT_TRUE(extIs(kExtKey, "False", "ReferenceGrantRequired", kGrantRequired));
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
    EXPECT_TRUE(srvIs("srv1", false, kNoValidExt));
    EXPECT_FALSE(get(kMcpsr, {"mcp-test", "srv1"})["status"].contains("discoveredTools"));
}

// Scenario 17.
TEST_F(Extension, S17_MissingGatewayIsInvalidAndCreatesNoSecret) {
    fixtureF(false, false);
    apply(namespaceYaml("ns-a") + "---\n" + grantYaml("allow-ns-a", "ns-a"));
    apply(extYaml("ns-a", "ext", "{name: missing, namespace: gateway-system}"));
    EXPECT_TRUE(extIs({"ns-a", "ext"}, "False", "InvalidMCPGatewayExtension", "invalid"));
    EXPECT_EQ(finalizers(kExt, {"ns-a", "ext"}), ourFinalizer());
    EXPECT_EQ(configText("ns-a"), "<absent>");
}

// Scenario 18.
TEST_F(Extension, S18_GatewayCreatedLaterMakesExtensionReady) {
    fixtureF(false, false);
    apply(namespaceYaml("ns-a") + "---\n" + grantYaml("allow-ns-a", "ns-a"));
    apply(extYaml("ns-a", "ext", "{name: missing, namespace: gateway-system}"));
    ASSERT_TRUE(extIs({"ns-a", "ext"}, "False", "InvalidMCPGatewayExtension", "invalid"));
    apply(gatewayYaml("gateway-system", "missing"));
    EXPECT_TRUE(extIs({"ns-a", "ext"}, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_EQ(configText("ns-a"), kEmptyConfig);
}

// Scenario 19 (FN-6: the config keeps serving).
TEST_F(Extension, S19_GatewayDeletedKeepsConfig) {
    readySrv1();
    const std::string before = configText("mcp-system");
    ASSERT_EQ(before, std::string("servers:\n") + kSrv1Entry);
    remove(kGw, {"gateway-system", "mcp-gateway"});
    EXPECT_TRUE(extIs(kExtKey, "False", "InvalidMCPGatewayExtension", "invalid"));
    EXPECT_EQ(configText("mcp-system"), before);
}

// Scenario 20.
TEST_F(Extension, S20_SameNamespaceNeedsNoGrant) {
    fixtureF(false, false);
    apply(extYaml("gateway-system", "ext2", "{name: mcp-gateway, namespace: gateway-system}"));
    EXPECT_TRUE(extIs({"gateway-system", "ext2"}, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_EQ(configText("gateway-system"), kEmptyConfig);
}

// Scenario 21 (FN-1, reproduced by project choice: an omitted namespace is not defaulted).
TEST_F(Extension, S21_OmittedTargetNamespaceIsInvalid) {
    fixtureF(false, false);
    apply(extYaml("gateway-system", "ext2", "{name: mcp-gateway}"));
    EXPECT_TRUE(
        extIs({"gateway-system", "ext2"}, "False", "InvalidMCPGatewayExtension", "invalid"));
    EXPECT_EQ(configText("gateway-system"), "<absent>");
}

// Scenario 22.
TEST_F(Extension, S22_SecondExtensionOnSameGatewayConflicts) {
    fixtureF();
    apply(namespaceYaml("team-a") + "---\n" + grantYaml("allow-team-a", "team-a"));
    apply(extYaml("team-a", "ext", "{name: mcp-gateway, namespace: gateway-system}"));
    EXPECT_TRUE(extIs(kExtKey, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_TRUE(extIs({"team-a", "ext"}, "False", "InvalidMCPGatewayExtension", kConflict));
    // The loser's namespace gets no config from that branch.
    EXPECT_EQ(configText("team-a"), "<absent>");
}

// Scenario 22, second part: without its grant the newer extension reports the grant first.
TEST_F(Extension, S22_GrantCheckPrecedesConflict) {
    fixtureF();
    apply(namespaceYaml("team-a"));
    apply(extYaml("team-a", "ext", "{name: mcp-gateway, namespace: gateway-system}"));
    EXPECT_TRUE(extIs(kExtKey, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_TRUE(extIs({"team-a", "ext"}, "False", "ReferenceGrantRequired",
                      "ReferenceGrant required in namespace gateway-system to allow "
                      "cross-namespace reference"));
}

// Scenario 23.
TEST_F(Extension, S23_DeletionResetsConfigAndReleasesFinalizer) {
    readySrv1();
    ASSERT_NE(configText("mcp-system"), kEmptyConfig);
    remove(kExt, kExtKey);
    EXPECT_TRUE(get(kExt, kExtKey).is_null());
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
}

// Scenario 24.
TEST_F(Extension, S24_StatusWriteIsIdempotent) {
    fixtureF();
    ASSERT_TRUE(extIs(kExtKey, "True", "ValidMCPGatewayExtension", kExtValid));
    const std::string before = rv(kExt, kExtKey);
    const std::string secretBefore = rv(kSecret, {"mcp-system", "mcp-gateway-config"});
    const int reconciles = countLog("reconciling mcpgatewayextension");
    touch(kGw, {"gateway-system", "mcp-gateway"});  // the Gateway watch re-enqueues the extension
    EXPECT_GT(countLog("reconciling mcpgatewayextension"), reconciles);
    EXPECT_EQ(rv(kExt, kExtKey), before);
    EXPECT_EQ(rv(kSecret, {"mcp-system", "mcp-gateway-config"}), secretBefore);
}

// Section 2.2: lastTransitionTime moves only when the status changes; the message follows.
TEST_F(Extension, TransitionTimeFollowsStatusOnly) {
    fixtureF(false, false);
    apply(namespaceYaml("ns-a"));
    apply(extYaml("ns-a", "ext", "{name: missing, namespace: gateway-system}"));
    const Json first = condition(kExt, {"ns-a", "ext"});
    ASSERT_TRUE(isCondition(first, "False", "InvalidMCPGatewayExtension", "invalid"));
    advance(10s);
    // Gateway appears, no grant: still False, new reason and message, same transition time.
    apply(gatewayYaml("gateway-system", "missing"));
    const Json second = condition(kExt, {"ns-a", "ext"});
    ASSERT_TRUE(isCondition(second, "False", "ReferenceGrantRequired", kGrantRequired));
    EXPECT_EQ(second["lastTransitionTime"], first["lastTransitionTime"]);
    advance(10s);
    apply(grantYaml("allow-ns-a", "ns-a"));
    const Json third = condition(kExt, {"ns-a", "ext"});
    ASSERT_TRUE(isCondition(third, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_NE(third["lastTransitionTime"], first["lastTransitionTime"]);
}

// Section 2.2 step 7: EnsureExists never modifies an existing Secret (e.g. Helm's).
TEST_F(Extension, PreexistingSecretIsNotModified) {
    apply(namespaceYaml("mcp-system") + R"(---
apiVersion: v1
kind: Secret
metadata:
  name: mcp-gateway-config
  namespace: mcp-system
  labels: {app: mcp-gateway, mcp.kagenti.com/aggregated: "true", helm.sh/chart: mcp-gateway-0.1.0}
stringData:
  config.yaml: "servers: []\n"
)");
    const std::string before = rv(kSecret, {"mcp-system", "mcp-gateway-config"});
    fixtureF();
    ASSERT_TRUE(extIs(kExtKey, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_EQ(rv(kSecret, {"mcp-system", "mcp-gateway-config"}), before);
    EXPECT_EQ(configText("mcp-system"), "servers: []\n");
}

// FN-4 (project choice: unambiguous ns/name keys): Gateway gw1 in x and gw in 1x do not collide.
TEST_F(Extension, FN4_GatewayKeysDoNotCollide) {
    fixtureF(false, false);
    apply(namespaceYaml("x") + "---\n" + namespaceYaml("1x"));
    apply(gatewayYaml("x", "gw1") + "---\n" + gatewayYaml("1x", "gw"));
    apply(extYaml("x", "ext", "{name: gw1, namespace: x}"));
    apply(extYaml("1x", "ext", "{name: gw, namespace: 1x}"));
    EXPECT_TRUE(extIs({"x", "ext"}, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_TRUE(extIs({"1x", "ext"}, "True", "ValidMCPGatewayExtension", kExtValid));
}

// FN-8 (reference behaviour, kept): two extensions created in the same second both win.
TEST_F(Extension, FN8_SameSecondExtensionsBothWin) {
    fixtureF(false, false);
    createOnly(extYaml("gateway-system", "a", "{name: mcp-gateway, namespace: gateway-system}") +
               "---\n" +
               extYaml("gateway-system", "b", "{name: mcp-gateway, namespace: gateway-system}"));
    settle();
    EXPECT_TRUE(extIs({"gateway-system", "a"}, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_TRUE(extIs({"gateway-system", "b"}, "True", "ValidMCPGatewayExtension", kExtValid));
}

// FN-9 (reference behaviour, kept): a conflict loser is not re-evaluated when the winner goes;
// the next Gateway event recovers it.
// FN-9, evident intent (mcpsim differs from the reference): deleting the winner re-evaluates the
// loser at once, without waiting for a Gateway or grant event.
TEST_F(Extension, FN9_LoserReevaluatedOnWinnerDeletion) {
    fixtureF();
    apply(namespaceYaml("team-a") + "---\n" + grantYaml("allow-team-a", "team-a"));
    apply(extYaml("team-a", "ext", "{name: mcp-gateway, namespace: gateway-system}"));
    ASSERT_TRUE(extIs({"team-a", "ext"}, "False", "InvalidMCPGatewayExtension", kConflict));
    remove(kExt, kExtKey);
    EXPECT_TRUE(extIs({"team-a", "ext"}, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_EQ(configText("team-a"), kEmptyConfig);
}

// FN-9 continued: retargeting the winner to another Gateway frees this one for the loser.
TEST_F(Extension, FN9_LoserReevaluatedWhenWinnerRetargets) {
    fixtureF();
    apply(namespaceYaml("team-a") + "---\n" + grantYaml("allow-team-a", "team-a"));
    apply(extYaml("team-a", "ext", "{name: mcp-gateway, namespace: gateway-system}"));
    ASSERT_TRUE(extIs({"team-a", "ext"}, "False", "InvalidMCPGatewayExtension", kConflict));
    apply(extYaml("mcp-system", "ext", "{name: elsewhere, namespace: gateway-system}"));
    EXPECT_TRUE(extIs({"team-a", "ext"}, "True", "ValidMCPGatewayExtension", kExtValid));
}

// Section 2.4: the conflict winner set includes extensions that lack a grant.
TEST_F(Extension, ConflictCountsOlderExtensionWithoutGrant) {
    fixtureF(true, false);
    ASSERT_TRUE(extIs(kExtKey, "False", "ReferenceGrantRequired", kGrantRequired));
    apply(extYaml("gateway-system", "ext2", "{name: mcp-gateway, namespace: gateway-system}"));
    EXPECT_TRUE(
        extIs({"gateway-system", "ext2"}, "False", "InvalidMCPGatewayExtension", kConflict));
}

// Section 2.4 (FN-8, reproduced): an older extension that is being deleted still wins.
TEST_F(Extension, DeletingOlderExtensionStillWins) {
    fixtureF();
    auto r = edit(kExt, kExtKey,
                  [](Json& o) { o["metadata"]["finalizers"].push_back("example.com/hold"); });
    ASSERT_TRUE(r.ok()) << r.error().message;
    remove(kExt, kExtKey);
    ASSERT_EQ(finalizers(kExt, kExtKey), Json::array({"example.com/hold"}));
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
    apply(extYaml("gateway-system", "ext2", "{name: mcp-gateway, namespace: gateway-system}"));
    EXPECT_TRUE(
        extIs({"gateway-system", "ext2"}, "False", "InvalidMCPGatewayExtension", kConflict));
}

// Section 2.2 step 2: deletion's WriteEmpty creates the Secret when it is missing.
TEST_F(Extension, DeletionWithoutConfigSecretCreatesEmptyOne) {
    fixtureF();
    remove(kSecret, {"mcp-system", "mcp-gateway-config"});
    ASSERT_EQ(configText("mcp-system"), "<absent>");
    remove(kExt, kExtKey);
    EXPECT_TRUE(get(kExt, kExtKey).is_null());
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
}

}  // namespace
}  // namespace mcpsim::gateway::testing
