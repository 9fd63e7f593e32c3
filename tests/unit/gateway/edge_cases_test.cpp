// controller.md section 7 (edge cases and ordering) where section 8 does not already cover them.
#include "scenario_support.hpp"

namespace mcpsim::gateway::testing {
namespace {

using EdgeCase = ScenarioTest;

const char* const kR1Rules =
    "  hostnames: [s1.mcp.local]\n  rules: [{backendRefs: [{name: s1, port: 9090}]}]\n";
const char* const kRouteNotFound =
    "failed to get targeted httproute HTTPRoute.gateway.networking.k8s.io \"r1\" not found";

// Edge 1: registration first; the route's creation triggers it through the HTTPRoute watch,
// well before the (by then long) error backoff would.
TEST_F(EdgeCase, E01_RegistrationBeforeEverything) {
    apply(namespaceYaml("mcp-test"));
    registerSrv1();
    EXPECT_EQ(finalizers(kMcpsr, kSrv1), ourFinalizer());
    EXPECT_TRUE(srvIs("srv1", false, kRouteNotFound));
    advance(60s);  // backoff has grown past 20 s
    createOnly(routeR1("  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]\n" +
                       std::string(kR1Rules)));
    advance(10ms);
    EXPECT_TRUE(srvIs("srv1", false, "no valid gateways for httproute"));
}

// Edge 2: a route status update re-triggers the registration (here a gateway implementation
// other than ours writes it, as in fixture F's controllerName x/y).
TEST_F(EdgeCase, E02_RouteStatusUpdateRetriggers) {
    fixtureF();
    brokerReady();
    setRouteParents(Json::array());
    registerSrv1();
    ASSERT_TRUE(srvIs("srv1", false, "no valid gateways for httproute"));
    advance(60s);
    const Json route = get(kRoute, {"mcp-test", "r1"});
    Json parents = Json::array({parentStatus(Json::array({accepted("True")}))});
    Json updated = route;
    updated["status"]["parents"] = parents;
    ASSERT_TRUE(client().updateStatus(updated).ok());
    advance(10ms);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Edge 4: Gateway programming is never checked: an unprogrammed Gateway is enough for the
// extension, and an Accepted=True parent is enough for the registration.
TEST_F(EdgeCase, E04_GatewayNotProgrammed) {
    fixtureF(false, false);
    apply(gatewayYaml("gateway-system", "gw-x", "nobody"));
    apply(extYaml("gateway-system", "ext", "{name: gw-x, namespace: gateway-system}"));
    EXPECT_FALSE(get(kGw, {"gateway-system", "gw-x"}).contains("/status/listeners"_json_pointer));
    EXPECT_TRUE(extIs({"gateway-system", "ext"}, "True", "ValidMCPGatewayExtension", kExtValid));
    apply(routeR1("  parentRefs: [{name: gw-x, namespace: gateway-system}]\n" +
                  std::string(kR1Rules)));
    setRouteParents(Json::array({parentStatus(Json::array({accepted("True")}), "gw-x")}));
    brokerReady("gateway-system");
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    EXPECT_EQ(configText("gateway-system"), std::string("servers:\n") + kSrv1Entry);
}

// Edge 8 (FN-10, reproduced): the route is looked up in the registration's namespace, while the
// watch index and the Programmed writer use targetRef.namespace.
TEST_F(EdgeCase, E08_RouteInOtherNamespace) {
    fixtureF();
    brokerReady();
    apply(namespaceYaml("other") +
          "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
          "metadata: {name: r9, namespace: other}\nspec:\n"
          "  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]\n" +
          kR1Rules);
    apply(mcpsrYaml("srv1", "  targetRef: {name: r9, namespace: other}\n  toolPrefix: t1_\n"));
    EXPECT_TRUE(srvIs(
        "srv1", false,
        "failed to get targeted httproute HTTPRoute.gateway.networking.k8s.io \"r9\" not found"));
    // A change to other/r9 reaches the registration through the index.
    advance(60s);
    const int runs = countLog(kMainLogic);
    touch(kRoute, {"other", "r9"});
    EXPECT_GT(countLog(kMainLogic), runs);
}

TEST_F(EdgeCase, E08_ProgrammedWrittenToTargetNamespaceRoute) {
    fixtureF();
    brokerReady();
    apply(namespaceYaml("other") +
          "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
          "metadata: {name: r1, namespace: other}\nspec:\n"
          "  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]\n" +
          kR1Rules);
    apply(mcpsrYaml("srv1", "  targetRef: {name: r1, namespace: other}\n  toolPrefix: t1_\n"));
    // The entry comes from mcp-test/r1 ...
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    // ... but Programmed lands on other/r1.
    auto hasProgrammed = [](const Json& parents) {
        for (const auto& p : parents) {
            for (const auto& c : p.value("conditions", Json::array())) {
                if (c.value("type", "") == "Programmed") return true;
            }
        }
        return false;
    };
    EXPECT_TRUE(hasProgrammed(routeParents("other", "r1")));
    EXPECT_FALSE(hasProgrammed(routeParents("mcp-test", "r1")));
}

// Edge 9 (FN-15): route deleted: not found, entry kept.
TEST_F(EdgeCase, E09_RouteDeleted) {
    readySrv1();
    remove(kRoute, {"mcp-test", "r1"});
    EXPECT_TRUE(srvIs("srv1", false, kRouteNotFound));
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry);
}

// Edge 10 (FN-15): re-parented route: the new extension namespace gets the entry, the old one
// keeps a stale copy.
TEST_F(EdgeCase, E10_RouteReparented) {
    readySrv1();
    apply(gatewayYaml("gateway-system", "gw2") + "---\n" + namespaceYaml("team-b") + "---\n" +
          grantYaml("allow-team-b", "team-b", "gw2"));
    apply(extYaml("team-b", "ext", "{name: gw2, namespace: gateway-system}"));
    ASSERT_TRUE(extIs({"team-b", "ext"}, "True", "ValidMCPGatewayExtension", kExtValid));
    brokerReady("team-b");
    apply(routeR1("  parentRefs: [{name: gw2, namespace: gateway-system}]\n" +
                  std::string(kR1Rules)));
    EXPECT_EQ(configText("team-b"), std::string("servers:\n") + kSrv1Entry);
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    EXPECT_GT(polls("team-b"), 0);
}

// Edge 11: Gateway deleted: the extension is invalid, the config unchanged (FN-6); the route's
// status update then makes the registration "no valid gateways".
TEST_F(EdgeCase, E11_GatewayDeleted) {
    readySrv1();
    remove(kGw, {"gateway-system", "mcp-gateway"});
    EXPECT_TRUE(extIs(kExtKey, "False", "InvalidMCPGatewayExtension", "invalid"));
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry);
    EXPECT_TRUE(srvIs("srv1", false, "no valid gateways for httproute"));
}

// Edge 11, without a route status change: parents whose Gateway is gone are skipped when the
// registration is next reconciled.
TEST_F(EdgeCase, E11_ParentGatewayGoneIsSkipped) {
    readySrv1();
    setRouteParents(Json::array({parentStatus(Json::array({accepted("True")}))}));
    ASSERT_TRUE(srvIs("srv1", true, kAdded3));
    remove(kGw, {"gateway-system", "mcp-gateway"});
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));  // nothing re-enqueues it
    touch(kRoute, {"mcp-test", "r1"});
    EXPECT_TRUE(srvIs("srv1", false, "no valid gateways for httproute"));
}

// Edge 12 (FN-12, reproduced): a conflict loser in the Gateway's namespace still receives
// entries; the registration writes to both namespaces.
TEST_F(EdgeCase, E12_SameNamespaceLoserStillReceivesEntries) {
    fixtureF();
    apply(extYaml("gateway-system", "ext2", "{name: mcp-gateway, namespace: gateway-system}"));
    ASSERT_TRUE(
        extIs({"gateway-system", "ext2"}, "False", "InvalidMCPGatewayExtension", kConflict));
    EXPECT_EQ(configText("gateway-system"), "<absent>");
    brokerReady("mcp-system");
    brokerReady("gateway-system");
    registerSrv1();
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry);
    EXPECT_EQ(configText("gateway-system"), std::string("servers:\n") + kSrv1Entry);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    EXPECT_GT(polls("mcp-system"), 0);
    EXPECT_GT(polls("gateway-system"), 0);
}

// Section 3.2 step 9: the first namespace whose broker is not ready ends the loop.
TEST_F(EdgeCase, FirstNotReadyNamespaceDecides) {
    fixtureF();
    apply(extYaml("gateway-system", "ext2", "{name: mcp-gateway, namespace: gateway-system}"));
    brokerReady("mcp-system");
    broker_.answers["gateway-system"] = brokerSays(kSrv1Id, false, 0, "down here");
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "down here"));
}

// Edge 14: grant removed, then restored.
TEST_F(EdgeCase, E14_GrantRemovedAndRestored) {
    readySrv1();
    remove(kGrant, {"gateway-system", "allow"});
    ASSERT_TRUE(srvIs("srv1", false, kNoValidExt));
    ASSERT_EQ(configText("mcp-system"), kEmptyConfig);
    apply(grantYaml("allow", "mcp-system"));
    EXPECT_TRUE(extIs(kExtKey, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Edge 15: extension retargeted: registrations of the old Gateway are re-enqueued and become
// "no valid", their entry stays.
TEST_F(EdgeCase, E15_ExtensionRetargeted) {
    readySrv1();
    apply(gatewayYaml("gateway-system", "gw2"));
    apply(extYaml("mcp-system", "ext", "{name: gw2, namespace: gateway-system}"));
    EXPECT_TRUE(extIs(kExtKey, "True", "ValidMCPGatewayExtension", kExtValid));
    EXPECT_TRUE(srvIs("srv1", false, kNoValidExt));
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry);
}

// Edge 15, new Gateway side: registrations of the new Gateway are enqueued too.
TEST_F(EdgeCase, E15_RetargetEnqueuesNewGatewayRegistrations) {
    fixtureF(false, true);
    apply(gatewayYaml("gateway-system", "gw2"));
    apply(extYaml("mcp-system", "ext", "{name: gw2, namespace: gateway-system}"));
    ASSERT_TRUE(extIs(kExtKey, "True", "ValidMCPGatewayExtension", kExtValid));
    brokerReady();
    registerSrv1();
    ASSERT_TRUE(srvIs("srv1", false, kNoValidExt));
    apply(extYaml("mcp-system", "ext", "{name: mcp-gateway, namespace: gateway-system}"));
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry);
}

// Edge 16: adding the credential label triggers the registration through the Secret watch.
TEST_F(EdgeCase, E16_CredentialLabelAddedLater) {
    fixtureF();
    brokerReady();
    apply(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: c, namespace: mcp-test}\n"
        "stringData: {token: Bearer abc}\n");
    apply(mcpsrYaml("srv1",
                    "  targetRef: {name: r1}\n  toolPrefix: t1_\n"
                    "  credentialRef: {name: c}\n"));
    ASSERT_TRUE(
        srvIs("srv1", false,
              "credential secret c is missing required label mcp.kagenti.com/credential=true"));
    advance(60s);
    auto r = edit(kSecret, {"mcp-test", "c"},
                  [](Json& o) { o["metadata"]["labels"]["mcp.kagenti.com/credential"] = "true"; });
    ASSERT_TRUE(r.ok());
    advance(10ms);
    EXPECT_EQ(config("mcp-system")["servers"][0]["credential"], "Bearer abc");
    settle();
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Edge 17: deleting the credential Secret: not found, old credential stays in the config.
TEST_F(EdgeCase, E17_CredentialSecretDeleted) {
    fixtureF();
    brokerReady();
    apply(R"(
apiVersion: v1
kind: Secret
metadata: {name: c, namespace: mcp-test, labels: {mcp.kagenti.com/credential: "true"}}
stringData: {token: Bearer abc}
)");
    apply(mcpsrYaml("srv1",
                    "  targetRef: {name: r1}\n  toolPrefix: t1_\n"
                    "  credentialRef: {name: c}\n"));
    ASSERT_TRUE(srvIs("srv1", true, kAdded3));
    remove(kSecret, {"mcp-test", "c"});
    EXPECT_TRUE(srvIs("srv1", false, "credential secret c not found"));
    EXPECT_EQ(config("mcp-system")["servers"][0]["credential"], "Bearer abc");
}

// Edge 18: a missing Service is retried with backoff and recovers once it exists.
TEST_F(EdgeCase, E18_ServiceCreatedLater) {
    fixtureF();
    brokerReady();
    remove(kService, {"mcp-test", "s1"});
    registerSrv1();
    ASSERT_TRUE(srvIs("srv1", false, "failed to get service s1: Service \"s1\" not found"));
    apply(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s1, namespace: mcp-test}\n"
        "spec: {ports: [{port: 9090}]}\n");
    advance(30s);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Edge 21 (FN-16): the reference never polls again after Ready, so an outage stays hidden. Its
// intent, done here: a Ready registration re-validates every minute, shows the broker's failure,
// then polls every 5 s until the server is back.
TEST_F(EdgeCase, E21_ReadyIsRevalidatedEveryMinute) {
    readySrv1();
    settle();
    const int n = polls();
    const std::string failure =
        "upstream mcp failed to ping server mcp-test/srv1:t1_:s1.mcp.local removing tools : EOF";
    broker_.answers["mcp-system"] = brokerSays(kSrv1Id, false, 3, failure);
    advance(59s);
    EXPECT_EQ(polls(), n);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    advance(1s);
    EXPECT_EQ(polls(), n + 1);
    EXPECT_TRUE(srvIs("srv1", false, failure));
    broker_.answers["mcp-system"] = brokerSays(kSrv1Id, true, 3, kAdded3);
    advance(5s);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Edge 22: the broker's conflict message is copied verbatim; 5 s polling continues.
TEST_F(EdgeCase, E22_ToolConflictMessageCopied) {
    fixtureF();
    const std::string message =
        "upstream mcp failed to add tools to gateway mcp-test/srv1:t1_:s1.mcp.local : "
        "conflicting tools discovered. conflicting tool names [t1_greet t1_time]";
    broker_.answers["mcp-system"] = brokerSays(kSrv1Id, false, 2, message);
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, message));
}

// Edge 24: deletion while route, extension and broker are gone: entries still removed,
// finalizer released.
TEST_F(EdgeCase, E24_DeletionWithEverythingGone) {
    readySrv1();
    broker_.answers.clear();
    remove(kRoute, {"mcp-test", "r1"});
    remove(kGrant, {"gateway-system", "allow"});  // the extension empties mcp-system
    apply(namespaceYaml("team-x") + R"(---
apiVersion: v1
kind: Secret
metadata:
  name: mcp-gateway-config
  namespace: team-x
  labels: {mcp.kagenti.com/aggregated: "true"}
stringData:
  config.yaml: "servers:\n- {enabled: true, name: mcp-test/srv1, url: http://a}\n"
)");
    remove(kExt, kExtKey);
    remove(kMcpsr, kSrv1);
    EXPECT_TRUE(get(kMcpsr, kSrv1).is_null());
    EXPECT_EQ(configText("team-x"), "servers: []\n");
}

// Edge 28 (FN-13, project choice): a parent without an Accepted condition is not accepted; no
// crash.
TEST_F(EdgeCase, E28_ParentWithoutAcceptedCondition) {
    fixtureF();
    brokerReady();
    setRouteParents(Json::array(
        {parentStatus(Json::array({{{"type", "ResolvedRefs"},
                                    {"status", "True"},
                                    {"reason", "ResolvedRefs"},
                                    {"message", "ok"},
                                    {"lastTransitionTime", "2026-01-01T00:00:00Z"}}}))}));
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "no valid gateways for httproute"));
    EXPECT_EQ(countLog("panic"), 0);
}

// Edge 29 (FN-14, reproduced): one accepted Gateway without an extension blocks all.
TEST_F(EdgeCase, E29_OneGatewayWithoutExtensionBlocksAll) {
    fixtureF();
    brokerReady();
    apply(gatewayYaml("gateway-system", "gw2"));
    apply(
        routeR1("  parentRefs:\n  - {name: mcp-gateway, namespace: gateway-system}\n"
                "  - {name: gw2, namespace: gateway-system}\n" +
                std::string(kR1Rules)));
    ASSERT_EQ(routeParents().size(), 2u);
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, kNoValidExt));
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
    EXPECT_EQ(countLog("Reconciler error"), 0);
}

}  // namespace
}  // namespace mcpsim::gateway::testing
