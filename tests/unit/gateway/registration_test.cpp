// controller.md section 8, scenarios 25-56 (MCPServerRegistration), plus section 3 rules they
// leave out (Hostname backends with a port in the name, custom credential keys, FN-18).
#include <set>

#include "scenario_support.hpp"

namespace mcpsim::gateway::testing {
namespace {

using Registration = ScenarioTest;

const char* const kR1Spec =
    "  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]\n"
    "  hostnames: [s1.mcp.local]\n";

std::string serversYaml(const std::string& entries) {
    return "servers:\n" + entries;
}

bool hasTrueCondition(const Json& parent, const std::string& type) {
    for (const auto& c : parent.value("conditions", Json::array())) {
        if (c.value("type", "") == type) return c.value("status", "") == "True";
    }
    return false;
}

Json programmed(const Json& parent) {
    for (const auto& c : parent.value("conditions", Json::array())) {
        if (c.value("type", "") == "Programmed") return c;
    }
    return Json::object();
}

// Scenario 25.
TEST_F(Registration, S25_FinalizerFirstThenMainLogicTwoSecondsLater) {
    fixtureF();
    // "Not present" so that no Programmed write on r1 adds a second run.
    broker_.answers["mcp-system"] = Json{{"servers", Json::array()}};
    createOnly(mcpsrYaml("srv1", "  targetRef: {name: r1}\n  toolPrefix: t1_\n"));
    advance(100ms);
    EXPECT_EQ(finalizers(kMcpsr, kSrv1), ourFinalizer());
    EXPECT_EQ(countLog(kMainLogic), 0);
    EXPECT_FALSE(get(kMcpsr, kSrv1).contains("status"));
    advance(1800ms);  // 1.9 s after the finalizer
    EXPECT_EQ(countLog(kMainLogic), 0);
    EXPECT_EQ(polls(), 0);
    advance(200ms);  // 2.1 s
    EXPECT_EQ(countLog(kMainLogic), 1);
    EXPECT_EQ(polls(), 1);
    EXPECT_TRUE(srvIs("srv1", false, kNotPresent));
}

// Scenario 26.
TEST_F(Registration, S26_EntryWrittenAndNotPresentPollsEveryFiveSeconds) {
    fixtureF();
    broker_.answers["mcp-system"] = Json{{"servers", Json::array()}};
    registerSrv1();
    EXPECT_EQ(configText("mcp-system"), serversYaml(kSrv1Entry));
    EXPECT_TRUE(srvIs("srv1", false, kNotPresent));
    EXPECT_FALSE(get(kMcpsr, kSrv1)["status"].contains("discoveredTools"));
    const int before = polls();
    ASSERT_GE(before, 1);
    advance(5s);
    EXPECT_EQ(polls(), before + 1);
    advance(5s);
    EXPECT_EQ(polls(), before + 2);
}

// Scenario 27 (following 26: the broker loads the entry).
TEST_F(Registration, S27_BrokerReadyMakesRegistrationReadyAndRouteProgrammed) {
    fixtureF();
    broker_.answers["mcp-system"] = Json{{"servers", Json::array()}};
    registerSrv1();
    ASSERT_TRUE(srvIs("srv1", false, kNotPresent));
    brokerReady();
    advance(5s);
    Json srv = get(kMcpsr, kSrv1);
    Json c = condition(kMcpsr, kSrv1);
    EXPECT_TRUE(isCondition(c, "True", "Ready", kAdded3));
    EXPECT_FALSE(c.contains("observedGeneration"));
    EXPECT_EQ(srv["status"]["discoveredTools"], 3);
    Json route = get(kRoute, {"mcp-test", "r1"});
    ASSERT_EQ(route["status"]["parents"].size(), 1u);
    Json p = programmed(route["status"]["parents"][0]);
    EXPECT_TRUE(isCondition(p, "True", "InUseByMCPServerRegistration",
                            "HTTPRoute is referenced by at least one MCPServerRegistration"));
    EXPECT_EQ(p["observedGeneration"], route["metadata"]["generation"]);
    // The Accepted condition of the gateway implementation is kept next to it.
    EXPECT_TRUE(hasTrueCondition(route["status"]["parents"][0], "Accepted"));
    // Once Ready, the broker is asked again once a minute (FN-16's intent; the reference never
    // asks again), and an unchanged answer writes nothing.
    settle();
    const int n = polls();
    const std::string rv = get(kMcpsr, kSrv1)["metadata"]["resourceVersion"];
    advance(59s);
    EXPECT_EQ(polls(), n);
    advance(10min);
    EXPECT_EQ(polls(), n + 10);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    EXPECT_EQ(get(kMcpsr, kSrv1)["metadata"]["resourceVersion"], rv);
}

// Scenario 28.
TEST_F(Registration, S28_BrokerNotReadyCopiesMessageAndKeepsPolling) {
    fixtureF();
    const std::string message =
        "failed to connect to upstream mcp mcp-test/srv1:t1_:s1.mcp.local removing tools : dial "
        "tcp 10.96.0.12:9090: connect: connection refused";
    broker_.answers["mcp-system"] = brokerSays(kSrv1Id, false, 0, message);
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, message));
    EXPECT_FALSE(get(kMcpsr, kSrv1)["status"].contains("discoveredTools"));
    // Programmed is set even though the broker says not ready (FN-19).
    EXPECT_EQ(programmed(routeParents()[0]).value("status", ""), "True");
    const int before = polls();
    advance(5s);
    EXPECT_EQ(polls(), before + 1);
    advance(5s);
    EXPECT_EQ(polls(), before + 2);
}

// Scenario 29.
TEST_F(Registration, S29_OtherPrefixIdIsNotPresent) {
    fixtureF();
    broker_.answers["mcp-system"] = brokerSays("mcp-test/srv1:old_:s1.mcp.local", true, 3, kAdded3);
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, kNotPresent));
}

// Scenario 30.
TEST_F(Registration, S30_NoBrokerEndpoints) {
    fixtureF();
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "Validation failed: no broker endpoints available"));
    EXPECT_EQ(configText("mcp-system"), serversYaml(kSrv1Entry));
    // error/backoff: retried quickly, then further apart.
    EXPECT_GT(countLog("Reconciler error"), 3);
}

// Scenario 31.
TEST_F(Registration, S31_BrokerEndpointsAllFail) {
    fixtureF();
    broker_.answers["mcp-system"] = std::string("failed to get status from any broker endpoint");
    registerSrv1();
    EXPECT_TRUE(
        srvIs("srv1", false, "Validation failed: failed to get status from any broker endpoint"));
    EXPECT_EQ(configText("mcp-system"), serversYaml(kSrv1Entry));
}

// Scenario 32.
TEST_F(Registration, S32_MissingRoute) {
    fixtureF();
    apply(mcpsrYaml("srv1", "  targetRef: {name: nope}\n  toolPrefix: t1_\n"));
    EXPECT_TRUE(srvIs(
        "srv1", false,
        "failed to get targeted httproute HTTPRoute.gateway.networking.k8s.io \"nope\" not found"));
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
    EXPECT_GT(countLog("Reconciler error"), 0);
}

// Scenario 33.
TEST_F(Registration, S33_RouteWithoutParents) {
    fixtureF();
    brokerReady();
    setRouteParents(Json::array());
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "no valid gateways for httproute"));
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
    EXPECT_GT(countLog("Reconciler error"), 0);
}

// Scenario 34.
TEST_F(Registration, S34_ParentNotAccepted) {
    fixtureF();
    brokerReady();
    apply(routeR1(
        "  parentRefs: [{name: mcp-gateway, namespace: gateway-system, sectionName: nope}]\n"
        "  hostnames: [s1.mcp.local]\n  rules: [{backendRefs: [{name: s1, port: 9090}]}]\n"));
    ASSERT_EQ(routeParents()[0]["conditions"][0].value("status", ""), "False");
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "no valid gateways for httproute"));
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
}

// Scenario 35.
TEST_F(Registration, S35_NoExtensionThenExtensionCreated) {
    fixtureF(false, true);
    brokerReady();
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, kNoValidExt));
    EXPECT_EQ(configText("mcp-system"), "<absent>");
    // Done without requeue: nothing runs until a watched object changes.
    const int runs = countLog(kMainLogic);
    EXPECT_EQ(countLog("Reconciler error"), 0);
    advance(10min);
    EXPECT_EQ(countLog(kMainLogic), runs);
    const Json before = get(kMcpsr, kSrv1);
    apply(extYaml("mcp-system", "ext", "{name: mcp-gateway, namespace: gateway-system}"));
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    EXPECT_EQ(configText("mcp-system"), serversYaml(kSrv1Entry));
    EXPECT_EQ(get(kMcpsr, kSrv1)["metadata"]["generation"], before["metadata"]["generation"]);
}

// Scenario 36 (36-39: HTTPRoute shape, section 3.3).
TEST_F(Registration, S36_TwoBackendRefs) {
    fixtureF();
    brokerReady();
    apply(routeR1(std::string(kR1Spec) +
                  "  rules: [{backendRefs: [{name: s1, port: 9090}, {name: s1, port: 9091}]}]\n"));
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false,
                      "HTTPRoute mcp-test/r1 has > 1 backend reference, which is unsupported"));
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
    EXPECT_GT(countLog("Reconciler error"), 0);
}

// Scenario 37.
TEST_F(Registration, S37_TwoRules) {
    fixtureF();
    brokerReady();
    apply(routeR1(std::string(kR1Spec) + "  rules:\n  - backendRefs: [{name: s1, port: 9090}]\n"
                                         "  - matches: [{path: {type: PathPrefix, value: /b}}]\n"
                                         "    backendRefs: [{name: s1, port: 9090}]\n"));
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "HTTPRoute mcp-test/r1 has > 1 rule, which is unsupported"));
}

// Scenario 38.
TEST_F(Registration, S38_NoHostnames) {
    fixtureF();
    brokerReady();
    apply(
        routeR1("  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]\n"
                "  rules: [{backendRefs: [{name: s1, port: 9090}]}]\n"));
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "HTTPRoute mcp-test/r1 must have at least one hostname"));
}

// Scenario 39.
TEST_F(Registration, S39_NoRules) {
    fixtureF();
    brokerReady();
    apply(routeR1(std::string(kR1Spec) + "  rules: []\n"));
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "HTTPRoute mcp-test/r1 has no backend references"));
}

// Section 3.3 row 1: a rule without backendRefs counts as none; checks run in table order (no
// backends wins over two rules).
TEST_F(Registration, RuleWithoutBackendRefsComesFirst) {
    fixtureF();
    brokerReady();
    apply(routeR1(std::string(kR1Spec) +
                  "  rules:\n  - matches: [{path: {type: PathPrefix, value: /a}}]\n"
                  "  - backendRefs: [{name: s1, port: 9090}]\n"));
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "HTTPRoute mcp-test/r1 has no backend references"));
}

// Scenario 40.
TEST_F(Registration, S40_ServiceMissing) {
    fixtureF();
    brokerReady();
    remove(kService, {"mcp-test", "s1"});
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "failed to get service s1: Service \"s1\" not found"));
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
}

// Scenario 41.
TEST_F(Registration, S41_IstioHostnameBackend) {
    fixtureF();
    brokerReady();
    apply(routeR1(std::string(kR1Spec) +
                  "  rules: [{backendRefs: [{group: networking.istio.io, kind: Hostname, "
                  "name: api.example.com, port: 8443}]}]\n"));
    registerSrv1();
    EXPECT_EQ(configText("mcp-system"),
              serversYaml("- enabled: true\n  hostname: s1.mcp.local\n  name: mcp-test/srv1\n"
                          "  toolPrefix: t1_\n  url: https://api.example.com:8443/mcp\n"));
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    apply(routeR1(std::string(kR1Spec) +
                  "  rules: [{backendRefs: [{group: networking.istio.io, kind: Hostname, "
                  "name: api.example.com}]}]\n"));
    EXPECT_EQ(config("mcp-system")["servers"][0]["url"], "https://api.example.com:443/mcp");
}

// Section 3.4 A: a name carrying a port passes the check and is bracketed by the host-port join.
TEST_F(Registration, IstioHostnameWithPortInName) {
    fixtureF();
    apply(routeR1(std::string(kR1Spec) +
                  "  rules: [{backendRefs: [{group: networking.istio.io, kind: Hostname, "
                  "name: \"h.example.com:8443\"}]}]\n"));
    registerSrv1();
    EXPECT_EQ(config("mcp-system")["servers"][0]["url"], "https://[h.example.com:8443]:443/mcp");
}

// Scenario 42.
TEST_F(Registration, S42_InvalidHostnameBackend) {
    fixtureF();
    apply(routeR1(std::string(kR1Spec) +
                  "  rules: [{backendRefs: [{group: networking.istio.io, kind: Hostname, "
                  "name: evil.com/x}]}]\n"));
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "invalid hostname in backendRef: evil.com/x"));
    for (const char* bad : {"a?b", "a#b", "u@h"}) {
        apply(routeR1(std::string(kR1Spec) +
                      "  rules: [{backendRefs: [{group: networking.istio.io, kind: Hostname, "
                      "name: \"" +
                      bad + "\"}]}]\n"));
        EXPECT_TRUE(srvIs("srv1", false, std::string("invalid hostname in backendRef: ") + bad));
    }
}

// Scenario 43.
TEST_F(Registration, S43_HostnameKindWithoutIstioGroup) {
    fixtureF();
    apply(routeR1(
        std::string(kR1Spec) +
        "  rules: [{backendRefs: [{kind: Hostname, name: api.example.com, port: 443}]}]\n"));
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "unsupported backend reference kind: Hostname"));
}

// Scenario 44.
TEST_F(Registration, S44_ExternalNameService) {
    fixtureF();
    brokerReady("mcp-system", "mcp-test/srv1:t1_:api.example.com");
    apply(R"(
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: mcp-test}
spec:
  type: ExternalName
  externalName: api.example.com
  ports: [{port: 443, appProtocol: HTTPS}]
)");
    apply(routeR1(std::string(kR1Spec) + "  rules: [{backendRefs: [{name: ext, port: 443}]}]\n"));
    registerSrv1();
    EXPECT_EQ(configText("mcp-system"),
              serversYaml("- enabled: true\n  hostname: api.example.com\n  name: mcp-test/srv1\n"
                          "  toolPrefix: t1_\n  url: https://api.example.com:443/mcp\n"));
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    // Without appProtocol: http.
    apply(R"(
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: mcp-test}
spec:
  type: ExternalName
  externalName: api.example.com
  ports: [{port: 443}]
)");
    touch(kRoute, {"mcp-test", "r1"});
    EXPECT_EQ(config("mcp-system")["servers"][0]["url"], "http://api.example.com:443/mcp");
}

// Section 3.4 B: ExternalName without a backendRef port is always http, hostname the name.
TEST_F(Registration, ExternalNameWithoutPort) {
    fixtureF();
    apply(R"(
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: mcp-test}
spec:
  type: ExternalName
  externalName: api.example.com
  ports: [{port: 443, appProtocol: https}]
)");
    apply(routeR1(std::string(kR1Spec) + "  rules: [{backendRefs: [{name: ext}]}]\n"));
    apply(mcpsrYaml("srv1", "  targetRef: {name: r1}\n  toolPrefix: t1_\n  path: /v1/mcp\n"));
    const Json entry = config("mcp-system")["servers"][0];
    EXPECT_EQ(entry["url"], "http://api.example.com/v1/mcp");
    EXPECT_EQ(entry["hostname"], "api.example.com");
}

// Scenario 45.
TEST_F(Registration, S45_HttpsSectionNameSelectsHttps) {
    fixtureF();
    apply(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: mcp-gateway, namespace: gateway-system}
spec:
  gatewayClassName: istio
  listeners:
  - name: mcp
    hostname: mcp.127-0-0-1.sslip.io
    port: 8080
    protocol: HTTP
    allowedRoutes: {namespaces: {from: All}}
  - name: mcp-https
    hostname: "*.mcp.local"
    port: 8443
    protocol: HTTP
    allowedRoutes: {namespaces: {from: All}}
)");
    apply(routeR1(
        "  parentRefs: [{name: mcp-gateway, namespace: gateway-system, sectionName: mcp-https}]\n"
        "  hostnames: [s1.mcp.local]\n  rules: [{backendRefs: [{name: s1, port: 9090}]}]\n"));
    brokerReady();
    registerSrv1();
    EXPECT_EQ(config("mcp-system")["servers"][0]["url"],
              "https://s1.mcp-test.svc.cluster.local:9090/mcp");
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Scenario 46.
TEST_F(Registration, S46_CrossNamespaceBackend) {
    fixtureF();
    apply(namespaceYaml("other") +
          "---\napiVersion: v1\nkind: Service\nmetadata: {name: s1, namespace: other}\n"
          "spec: {ports: [{port: 9090}]}\n");
    apply(routeR1(std::string(kR1Spec) +
                  "  rules: [{backendRefs: [{name: s1, namespace: other, port: 9090}]}]\n"));
    brokerReady();
    registerSrv1();
    EXPECT_EQ(config("mcp-system")["servers"][0]["url"],
              "http://s1.other.svc.cluster.local:9090/mcp");
    // No ReferenceGrant is needed by the controller for the backend.
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Scenario 47.
TEST_F(Registration, S47_PathAppendedVerbatim) {
    fixtureF();
    brokerReady();
    apply(mcpsrYaml("srv1", "  targetRef: {name: r1}\n  toolPrefix: t1_\n  path: /v1/mcp\n"));
    EXPECT_EQ(config("mcp-system")["servers"][0]["url"],
              "http://s1.mcp-test.svc.cluster.local:9090/v1/mcp");
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Section 1.5: an explicit empty path gives a URL without a path; no prefix means no toolPrefix
// key and an ID with an empty middle part.
TEST_F(Registration, EmptyPathAndNoPrefix) {
    fixtureF();
    brokerReady("mcp-system", "mcp-test/srv1::s1.mcp.local");
    apply(mcpsrYaml("srv1", "  targetRef: {name: r1}\n  path: \"\"\n"));
    EXPECT_EQ(configText("mcp-system"),
              serversYaml("- enabled: true\n  hostname: s1.mcp.local\n  name: mcp-test/srv1\n"
                          "  url: http://s1.mcp-test.svc.cluster.local:9090\n"));
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Scenarios 48-51: credentialRef (section 3.5).
const char* const kSrv1WithCredential =
    "  targetRef: {name: r1}\n  toolPrefix: t1_\n"
    "  credentialRef: {name: c}\n";

std::string credentialSecret(const std::string& labels, const std::string& data) {
    return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: c\n  namespace: mcp-test\n" +
           (labels.empty() ? std::string() : "  labels: " + labels + "\n") +
           (data.empty() ? std::string() : "stringData: " + data + "\n");
}

// Scenario 48.
TEST_F(Registration, S48_CredentialSecretMissing) {
    fixtureF();
    apply(mcpsrYaml("srv1", kSrv1WithCredential));
    EXPECT_TRUE(srvIs("srv1", false, "credential secret c not found"));
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
}

// Scenario 49.
TEST_F(Registration, S49_CredentialSecretWithoutLabel) {
    fixtureF();
    apply(credentialSecret("", "{token: Bearer abc}"));
    apply(mcpsrYaml("srv1", kSrv1WithCredential));
    EXPECT_TRUE(
        srvIs("srv1", false,
              "credential secret c is missing required label mcp.kagenti.com/credential=true"));
    // Only exactly "true" counts.
    apply(credentialSecret("{mcp.kagenti.com/credential: \"True\"}", "{token: Bearer abc}"));
    touch(kRoute, {"mcp-test", "r1"});
    EXPECT_TRUE(
        srvIs("srv1", false,
              "credential secret c is missing required label mcp.kagenti.com/credential=true"));
}

// Scenario 50 (FN-17 reproduced verbatim by project choice).
TEST_F(Registration, S50_CredentialKeyMissing) {
    fixtureF();
    apply(credentialSecret("{mcp.kagenti.com/credential: \"true\"}", "{other: x}"));
    apply(mcpsrYaml("srv1", kSrv1WithCredential));
    EXPECT_TRUE(
        srvIs("srv1", false, "the secret no credentialref key field token present %!w(<nil>)"));
}

// Scenario 51 (FN-11: the value is copied in clear, verbatim).
TEST_F(Registration, S51_CredentialCopiedAndRotated) {
    fixtureF();
    brokerReady();
    apply(credentialSecret("{mcp.kagenti.com/credential: \"true\"}", "{token: Bearer abc}"));
    apply(mcpsrYaml("srv1", kSrv1WithCredential));
    EXPECT_EQ(configText("mcp-system"),
              serversYaml("- credential: Bearer abc\n  enabled: true\n  hostname: s1.mcp.local\n"
                          "  name: mcp-test/srv1\n  toolPrefix: t1_\n"
                          "  url: http://s1.mcp-test.svc.cluster.local:9090/mcp\n"));
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    const Json before = get(kMcpsr, kSrv1);
    apply(credentialSecret("{mcp.kagenti.com/credential: \"true\"}", "{token: Bearer xyz}"));
    EXPECT_EQ(config("mcp-system")["servers"][0]["credential"], "Bearer xyz");
    EXPECT_EQ(get(kMcpsr, kSrv1)["metadata"]["generation"], before["metadata"]["generation"]);
}

// Section 3.5: a custom key; the bytes are used unchanged (no trimming).
TEST_F(Registration, CredentialCustomKeyVerbatim) {
    fixtureF();
    apply(credentialSecret("{mcp.kagenti.com/credential: \"true\"}",
                           "{api-key: \" token-with-spaces \\n\"}"));
    apply(mcpsrYaml("srv1",
                    "  targetRef: {name: r1}\n  toolPrefix: t1_\n"
                    "  credentialRef: {name: c, key: api-key}\n"));
    EXPECT_EQ(config("mcp-system")["servers"][0]["credential"], " token-with-spaces \n");
}

// Scenario 52.
TEST_F(Registration, S52_TwoServersInWriteOrderAndDeletion) {
    fixtureF();
    apply(vsYaml("default", "vs1", "[t1_greet]"));
    apply(R"(
apiVersion: v1
kind: Service
metadata: {name: s2, namespace: mcp-test}
spec:
  ports: [{port: 9090}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r2, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [s2.mcp.local]
  rules: [{backendRefs: [{name: s2, port: 9090}]}]
)");
    Json servers = Json::array();
    for (const auto& [id, tools] : {std::pair{kSrv1Id, 3}, {"mcp-test/srv2:t2_:s2.mcp.local", 2}}) {
        servers.push_back(
            {{"id", id},
             {"ready", true},
             {"totalTools", tools},
             {"message", "server added successfully. Total tools added " + std::to_string(tools)}});
    }
    broker_.answers["mcp-system"] = Json{{"servers", servers}};
    registerSrv1();
    apply(mcpsrYaml("srv2", "  targetRef: {name: r2}\n  toolPrefix: t2_\n"));
    const std::string srv2Entry =
        "- enabled: true\n  hostname: s2.mcp.local\n  name: mcp-test/srv2\n  toolPrefix: t2_\n"
        "  url: http://s2.mcp-test.svc.cluster.local:9090/mcp\n";
    const std::string vs = "virtualServers:\n- name: default/vs1\n  tools:\n  - t1_greet\n";
    EXPECT_EQ(configText("mcp-system"), serversYaml(kSrv1Entry + srv2Entry) + vs);
    EXPECT_TRUE(srvIs("srv2", true, "server added successfully. Total tools added 2"));
    EXPECT_EQ(get(kMcpsr, {"mcp-test", "srv2"})["status"]["discoveredTools"], 2);
    remove(kMcpsr, kSrv1);
    EXPECT_TRUE(get(kMcpsr, kSrv1).is_null());
    EXPECT_EQ(configText("mcp-system"), serversYaml(srv2Entry) + vs);
}

// Scenario 53.
TEST_F(Registration, S53_DeletionRemovesProgrammed) {
    readySrv1();
    ASSERT_EQ(programmed(routeParents()[0]).value("status", ""), "True");
    remove(kMcpsr, kSrv1);
    EXPECT_TRUE(get(kMcpsr, kSrv1).is_null());
    ASSERT_EQ(routeParents().size(), 1u);
    EXPECT_EQ(programmed(routeParents()[0]), Json::object());
    EXPECT_TRUE(hasTrueCondition(routeParents()[0], "Accepted"));
    EXPECT_EQ(configText("mcp-system"), "servers: []\n");
}

// Scenario 54.
TEST_F(Registration, S54_DeletionRemovesEntryFromEveryAggregatedSecret) {
    readySrv1();
    apply(namespaceYaml("team-x") + R"(---
apiVersion: v1
kind: Secret
metadata:
  name: anything
  namespace: team-x
  labels: {mcp.kagenti.com/aggregated: "true"}
stringData:
  config.yaml: |
    servers:
    - enabled: true
      name: mcp-test/srv1
      url: http://a
    - enabled: true
      name: other/x
      url: http://b
)");
    remove(kMcpsr, kSrv1);
    Json s = get(kSecret, {"team-x", "anything"});
    EXPECT_EQ(core::base64Decode(s["data"]["config.yaml"].get<std::string>()).value_or(""),
              "servers:\n- enabled: true\n  name: other/x\n  url: http://b\n");
    EXPECT_EQ(configText("mcp-system"), "servers: []\n");
    // Only labelled Secrets that hold the entry are written; nothing is created.
    EXPECT_EQ(configText("team-x"), "<absent>");
}

// Section 5.3 Remove: Secrets without the entry, or without the label, are not written.
TEST_F(Registration, DeletionLeavesOtherSecretsAlone) {
    readySrv1();
    apply(namespaceYaml("team-x") + R"(---
apiVersion: v1
kind: Secret
metadata: {name: unlabelled, namespace: team-x}
stringData:
  config.yaml: "servers:\n- {enabled: true, name: mcp-test/srv1, url: http://a}\n"
---
apiVersion: v1
kind: Secret
metadata:
  name: mcp-gateway-config
  namespace: team-x
  labels: {mcp.kagenti.com/aggregated: "true"}
stringData:
  config.yaml: "servers: []\nvirtualServers: []\n"
)");
    const std::string unlabelled = rv(kSecret, {"team-x", "unlabelled"});
    const std::string other = rv(kSecret, {"team-x", "mcp-gateway-config"});
    remove(kMcpsr, kSrv1);
    EXPECT_EQ(rv(kSecret, {"team-x", "unlabelled"}), unlabelled);
    EXPECT_EQ(rv(kSecret, {"team-x", "mcp-gateway-config"}), other);
}

// Scenario 55 (FN-15).
TEST_F(Registration, S55_InvalidatedRouteKeepsStaleEntry) {
    readySrv1();
    apply(routeR1(std::string(kR1Spec) +
                  "  rules: [{backendRefs: [{name: s1, port: 9090}, {name: s1, port: 9091}]}]\n"));
    EXPECT_TRUE(srvIs("srv1", false,
                      "HTTPRoute mcp-test/r1 has > 1 backend reference, which is unsupported"));
    EXPECT_EQ(configText("mcp-system"), serversYaml(kSrv1Entry));
    EXPECT_FALSE(get(kMcpsr, kSrv1)["status"].contains("discoveredTools"));
}

// Scenario 56.
TEST_F(Registration, S56_StatusWriteIsIdempotent) {
    readySrv1();
    settle();
    const std::string before = rv(kMcpsr, kSrv1);
    const std::string secretBefore = rv(kSecret, {"mcp-system", "mcp-gateway-config"});
    const Json c = condition(kMcpsr, kSrv1);
    const int n = polls();
    touch(kRoute, {"mcp-test", "r1"});  // the route watch re-enqueues srv1
    EXPECT_GT(polls(), n);
    EXPECT_EQ(rv(kMcpsr, kSrv1), before);
    EXPECT_EQ(condition(kMcpsr, kSrv1), c);
    // The Upsert of identical content is an Update the API server treats as a no-op.
    EXPECT_EQ(rv(kSecret, {"mcp-system", "mcp-gateway-config"}), secretBefore);
}

// Scenario 56, second part: lastTransitionTime survives message-only changes.
TEST_F(Registration, S56_TransitionTimeKeptAcrossMessageChanges) {
    fixtureF();
    broker_.answers["mcp-system"] = brokerSays(kSrv1Id, false, 0, "first failure");
    registerSrv1();
    const Json first = condition(kMcpsr, kSrv1);
    ASSERT_TRUE(isCondition(first, "False", "NotReady", "first failure"));
    advance(10s);
    broker_.answers["mcp-system"] = brokerSays(kSrv1Id, false, 0, "second failure");
    advance(6s);
    const Json second = condition(kMcpsr, kSrv1);
    ASSERT_TRUE(isCondition(second, "False", "NotReady", "second failure"));
    EXPECT_EQ(second["lastTransitionTime"], first["lastTransitionTime"]);
    brokerReady();
    advance(6s);
    const Json third = condition(kMcpsr, kSrv1);
    ASSERT_TRUE(isCondition(third, "True", "Ready", kAdded3));
    EXPECT_NE(third["lastTransitionTime"], first["lastTransitionTime"]);
    // Replaced in place: still a single condition.
    EXPECT_EQ(get(kMcpsr, kSrv1)["status"]["conditions"].size(), 1u);
}

// Section 5.3: a config the reference could not unmarshal fails the Upsert; the registration
// reports it and the Secret is left as it is.
TEST_F(Registration, UnparseableConfigFailsUpsert) {
    fixtureF();
    brokerReady();
    auto r = edit(kSecret, {"mcp-system", "mcp-gateway-config"}, [](Json& o) {
        o.erase("data");
        o["stringData"] = {{"config.yaml", "servers: {a: b}\n"}};
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
    registerSrv1();
    const std::string message = condition(kMcpsr, kSrv1).value("message", "");
    EXPECT_EQ(message.rfind("failed to unmarshal broker config: ", 0), 0u) << message;
    EXPECT_EQ(condition(kMcpsr, kSrv1).value("status", ""), "False");
    EXPECT_EQ(configText("mcp-system"), "servers: {a: b}\n");
    EXPECT_EQ(countLog("panic"), 0);
}

// A registration whose entry is already in the config does not rewrite it, but an edit of the
// Secret by someone else (here: the entry removed) is seen through the Secret watch, and the
// next reconcile (the Ready re-check) writes the entry back, as the reference's write would.
TEST_F(Registration, EntryRemovedFromTheSecretByHandIsWrittenBack) {
    fixtureF();
    brokerReady();
    registerSrv1();
    ASSERT_TRUE(srvIs("srv1", true, kAdded3)) << logs();
    auto r = edit(kSecret, {"mcp-system", "mcp-gateway-config"}, [](Json& o) {
        o.erase("data");
        o["stringData"] = {{"config.yaml", "servers: []\n"}};
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
    settle();
    ASSERT_EQ(configText("mcp-system"), "servers: []\n");
    advance(61s);
    const Json servers = config("mcp-system")["servers"];
    ASSERT_EQ(servers.size(), 1u) << configText("mcp-system");
    EXPECT_EQ(servers[0]["name"], "mcp-test/srv1");
}

// FN-18: the broker's last tool count is shown even when not ready.
TEST_F(Registration, FN18_NotReadyKeepsBrokerToolCount) {
    fixtureF();
    broker_.answers["mcp-system"] =
        brokerSays(kSrv1Id, false, 5,
                   "upstream mcp failed to ping server mcp-test/srv1:t1_:s1.mcp.local "
                   "removing tools : timeout");
    registerSrv1();
    EXPECT_EQ(condition(kMcpsr, kSrv1).value("status", ""), "False");
    EXPECT_EQ(get(kMcpsr, kSrv1)["status"]["discoveredTools"], 5);
}

// Section 3.7 step 5: the first entry with the ID wins; entries with other IDs are ignored.
TEST_F(Registration, FirstMatchingBrokerEntryWins) {
    fixtureF();
    broker_.answers["mcp-system"] =
        Json{{"servers",
              {{{"id", "mcp-test/srv9:t1_:s1.mcp.local"}, {"ready", false}, {"message", "not me"}},
               {{"id", kSrv1Id}, {"ready", true}, {"totalTools", 4}, {"message", "first"}},
               {{"id", kSrv1Id}, {"ready", false}, {"totalTools", 1}, {"message", "second"}}}}};
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", true, "first"));
    EXPECT_EQ(get(kMcpsr, kSrv1)["status"]["discoveredTools"], 4);
}

// Registrations created together, N at one instant, at scale: the controller stages their
// entries and writes the config Secret once for the burst, instead of N versions of an O(N)
// Secret, and every one still ends Ready with its own entry.
class RegistrationBurst : public Registration {
  protected:
    static constexpr int kCount = 6;
    static std::string name(int i) { return "b" + std::to_string(i); }
    void SetUp() override {
        Registration::SetUp();
        fixtureF();
        Json servers = Json::array();
        for (int i = 0; i < kCount; ++i) {
            servers.push_back({{"id", "mcp-test/" + name(i) + ":" + name(i) + "_:s1.mcp.local"},
                               {"ready", true},
                               {"totalTools", 1},
                               {"message", "server added successfully. Total tools added 1"}});
        }
        broker_.answers["mcp-system"] = Json{{"servers", servers}};
        settle();
        const std::string secretRv = rv(kSecret, {"mcp-system", "mcp-gateway-config"});
        auto w = client().watch(
            kSecret, {"mcp-system", "", ""}, secretRv, [this](const core::kube::WatchEvent& e) {
                if (e.object()["metadata"].value("name", "") == "mcp-gateway-config")
                    ++secretWrites;
            });
        ASSERT_TRUE(w.ok()) << w.error().message;
        watch = std::move(w.value());
    }
    void createBurst() {
        std::string yaml;
        for (int i = 0; i < kCount; ++i) {
            yaml += "---\n" +
                    mcpsrYaml(name(i), "  targetRef: {name: r1}\n  toolPrefix: " + name(i) + "_\n");
        }
        createOnly(yaml);
        settle();
    }
    std::set<std::string> configuredNames() {
        std::set<std::string> names;
        const Json configured = config("mcp-system");
        for (const auto& server : configured["servers"]) {
            names.insert(server.value("name", ""));
        }
        return names;
    }
    int secretWrites = 0;
    std::unique_ptr<core::kube::WatchHandle> watch;
};

TEST_F(RegistrationBurst, IsOneConfigSecretWrite) {
    createBurst();
    // Two, not one: the clock fires the first of the finalizer requeues due at 2 s alone, and its
    // reconcile runs before the others fire, so that registration writes alone. One write each
    // would be kCount.
    EXPECT_EQ(secretWrites, 2);
    EXPECT_EQ(configuredNames().size(), static_cast<std::size_t>(kCount))
        << configText("mcp-system");
    for (int i = 0; i < kCount; ++i) {
        EXPECT_TRUE(srvIs(name(i), true, "server added successfully. Total tools added 1"))
            << name(i);
    }
}

// When the burst's write fails, each registration writes its own entry (retrying as the
// reference does), so a failure shows on the status of the registration whose write failed.
TEST_F(RegistrationBurst, WhoseWriteFailsIsRetriedOneRegistrationAtATime) {
    using Kind = apiserver::WriteFault::Kind;
    world().api().injectWriteFault({Kind::InternalError, "secrets", "", "", 2});
    createBurst();
    advance(10s);
    EXPECT_EQ(world().api().pendingWriteFaults(), 0);
    EXPECT_EQ(configuredNames().size(), static_cast<std::size_t>(kCount))
        << configText("mcp-system");
    for (int i = 0; i < kCount; ++i) {
        EXPECT_TRUE(srvIs(name(i), true, "server added successfully. Total tools added 1"))
            << name(i) << logs();
    }
    EXPECT_GE(countLog("failed to update config secret: "), 1) << logs();
}

// Faults the API server injects: conflicts on the registration's status, internal errors on the
// config Secret and a timeout on the route's status. Section 3: a failed Secret write leads to a
// NotReady status write, and a conflict there is "requeue 2 s, no error"; a conflict on the
// Ready write is a reconcile error retried with backoff; a failed Programmed write is logged and
// left for the next reconcile. The registration still ends Ready with its Secret entry.
TEST_F(Registration, RecoversFromInjectedWriteFaults) {
    fixtureF();
    brokerReady();
    auto& api = world().api();
    using Kind = apiserver::WriteFault::Kind;
    api.injectWriteFault(
        {Kind::Conflict, "mcpserverregistrations.mcp.kagenti.com", "", "status", 3});
    api.injectWriteFault({Kind::InternalError, "secrets", "", "", 2});
    api.injectWriteFault({Kind::Timeout, "httproutes.gateway.networking.k8s.io", "", "status", 1});
    registerSrv1();
    settle();
    advance(10s);
    EXPECT_EQ(api.pendingWriteFaults(), 0);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3)) << logs();
    EXPECT_EQ(config("mcp-system")["servers"][0]["toolPrefix"], "t1_") << configText("mcp-system");
    EXPECT_EQ(countLog("msg=\"Reconciler error\""), 1) << logs();
    EXPECT_EQ(countLog("failed to update status: Operation cannot be fulfilled on "
                       "mcpserverregistrations.mcp.kagenti.com \\\"srv1\\\": the object has been "
                       "modified"),
              1)
        << logs();
    EXPECT_EQ(countLog("msg=\"failed to set httproute programmed condition\""), 1) << logs();
    EXPECT_EQ(countLog("Timeout: request did not complete within requested timeout"), 1) << logs();
}

// The API server restarts every watch (410 Expired) while the controllers run: they re-list and
// carry on, so a registration created right after is reconciled as usual.
TEST_F(Registration, RecoversFromRestartedWatches) {
    fixtureF();
    brokerReady();
    EXPECT_GT(world().api().restartWatches(), 0u);
    registerSrv1();
    settle();
    advance(10s);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3)) << logs();
    EXPECT_EQ(config("mcp-system")["servers"][0]["toolPrefix"], "t1_") << configText("mcp-system");
    EXPECT_GT(countLog("watch ended, re-listing"), 0) << logs();
}

}  // namespace
}  // namespace mcpsim::gateway::testing
