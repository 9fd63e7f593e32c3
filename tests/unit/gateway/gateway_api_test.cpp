// The Gateway API control side (Istio's role): class acceptance, Gateway programming and
// HTTPRoute attachment by the Gateway API rules.
#include "controller_fixture.hpp"

namespace mcpsim::gateway::testing {
namespace {

class GatewayApi : public ControllerTest {
protected:
    void SetUp() override {
        ControllerTest::SetUp();
        apply(R"(
apiVersion: v1
kind: Namespace
metadata: {name: gateway-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: mcp-test}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio}
spec: {controllerName: istio.io/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: gateway-system}
spec:
  gatewayClassName: istio
  listeners:
  - {name: public, hostname: mcp.127-0-0-1.sslip.io, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - {name: internal, hostname: "*.mcp.local", port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - {name: same-only, hostname: "*.same.local", port: 8080, protocol: HTTP}
---
apiVersion: v1
kind: Service
metadata: {name: s1, namespace: mcp-test}
spec: {ports: [{port: 9090}]}
)");
    }

    void route(const std::string& name, const std::string& parentRef, const std::string& hostnames,
               const std::string& backend = "{name: s1, port: 9090}", const std::string& ns = "mcp-test") {
        apply("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name +
              ", namespace: " + ns + "}\nspec:\n  parentRefs: [" + parentRef + "]\n  hostnames: " +
              hostnames + "\n  rules: [{backendRefs: [" + backend + "]}]\n");
    }
    // "<Accepted status>/<reason> <ResolvedRefs status>/<reason>" of the first parent.
    std::string parentStatus(const std::string& name, const std::string& ns = "mcp-test") {
        Json parents = get(kRoute, {ns, name}).value("/status/parents"_json_pointer, Json::array());
        if (parents.empty()) return "<no parents>";
        std::string out;
        for (const char* type : {"Accepted", "ResolvedRefs"}) {
            for (const auto& c : parents[0].value("conditions", Json::array())) {
                if (c.value("type", "") == type) {
                    out += (out.empty() ? "" : " ") + c.value("status", "") + "/" + c.value("reason", "");
                }
            }
        }
        return out;
    }
};

TEST(HostnameIntersection, GatewayApiRules) {
    EXPECT_TRUE(hostnamesIntersect("", "a.example.com"));
    EXPECT_TRUE(hostnamesIntersect("*.mcp.local", "api-key-server.mcp.local"));
    EXPECT_TRUE(hostnamesIntersect("*.mcp.local", "a.b.mcp.local"));
    EXPECT_FALSE(hostnamesIntersect("*.mcp.local", "mcp.local"));
    EXPECT_TRUE(hostnamesIntersect("foo.mcp.local", "*.mcp.local"));
    EXPECT_TRUE(hostnamesIntersect("*.a.example.com", "*.example.com"));
    EXPECT_FALSE(hostnamesIntersect("mcp.127-0-0-1.sslip.io", "api-key-server.mcp.local"));
}

TEST_F(GatewayApi, OwnedClassIsAcceptedOthersAreLeftAlone) {
    Json cls = get({"gateway.networking.k8s.io", "v1", "GatewayClass"}, {"", "istio"});
    EXPECT_EQ(cls.value("/status/conditions/0/type"_json_pointer, std::string()), "Accepted");
    EXPECT_EQ(cls.value("/status/conditions/0/status"_json_pointer, std::string()), "True");
    apply(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: other}
spec: {controllerName: example.com/other}
)");
    Json other = get({"gateway.networking.k8s.io", "v1", "GatewayClass"}, {"", "other"});
    // Only the CRD's placeholder "Waiting for controller" condition.
    EXPECT_EQ(other.value("/status/conditions/0/reason"_json_pointer, std::string()), "Pending");
}

TEST_F(GatewayApi, GatewayIsProgrammedWithAddressAndListenerStatus) {
    route("r1", "{name: gw, namespace: gateway-system}", "[s1.mcp.local]");
    Json gw = get(kGw, {"gateway-system", "gw"});
    EXPECT_EQ(gw.value("/status/addresses/0/value"_json_pointer, std::string()), "172.18.255.200");
    Json conds = gw.value("/status/conditions"_json_pointer, Json::array());
    ASSERT_EQ(conds.size(), 2u);
    EXPECT_EQ(conds[0]["type"], "Accepted");
    EXPECT_EQ(conds[1]["type"], "Programmed");
    EXPECT_EQ(conds[1]["status"], "True");
    Json listeners = gw.value("/status/listeners"_json_pointer, Json::array());
    ASSERT_EQ(listeners.size(), 3u);
    EXPECT_EQ(listeners[0]["attachedRoutes"], 0);  // public: hostname does not match
    EXPECT_EQ(listeners[1]["attachedRoutes"], 1);  // internal: *.mcp.local
    EXPECT_EQ(listeners[2]["attachedRoutes"], 0);
}

TEST_F(GatewayApi, RouteAttachmentReasons) {
    route("ok", "{name: gw, namespace: gateway-system}", "[s1.mcp.local]");
    EXPECT_EQ(parentStatus("ok"), "True/Accepted True/ResolvedRefs");
    route("nohost", "{name: gw, namespace: gateway-system}", "[elsewhere.example.com]");
    EXPECT_EQ(parentStatus("nohost"), "False/NoMatchingListenerHostname True/ResolvedRefs");
    route("nosection", "{name: gw, namespace: gateway-system, sectionName: missing}", "[s1.mcp.local]");
    EXPECT_EQ(parentStatus("nosection"), "False/NoMatchingParent True/ResolvedRefs");
    route("notallowed", "{name: gw, namespace: gateway-system, sectionName: same-only}", "[x.same.local]");
    EXPECT_EQ(parentStatus("notallowed"), "False/NotAllowedByListeners True/ResolvedRefs");
    route("nogateway", "{name: missing, namespace: gateway-system}", "[s1.mcp.local]");
    EXPECT_EQ(parentStatus("nogateway"), "<no parents>");
}

TEST_F(GatewayApi, ResolvedRefsFollowsServicesAndGrants) {
    route("r", "{name: gw, namespace: gateway-system}", "[s1.mcp.local]", "{name: absent, port: 80}");
    EXPECT_EQ(parentStatus("r"), "True/Accepted False/BackendNotFound");
    apply("apiVersion: v1\nkind: Service\nmetadata: {name: absent, namespace: mcp-test}\nspec: {ports: [{port: 80}]}\n");
    EXPECT_EQ(parentStatus("r"), "True/Accepted True/ResolvedRefs");
    apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n---\napiVersion: v1\nkind: Service\n"
          "metadata: {name: far, namespace: other}\nspec: {ports: [{port: 80}]}\n");
    route("cross", "{name: gw, namespace: gateway-system}", "[s1.mcp.local]", "{name: far, namespace: other, port: 80}");
    EXPECT_EQ(parentStatus("cross"), "True/Accepted False/RefNotPermitted");
    apply(R"(
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: let-routes-in, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: mcp-test}]
  to: [{group: "", kind: Service}]
)");
    EXPECT_EQ(parentStatus("cross"), "True/Accepted True/ResolvedRefs");
    route("bad", "{name: gw, namespace: gateway-system}", "[s1.mcp.local]", "{group: example.com, kind: Thing, name: x}");
    EXPECT_EQ(parentStatus("bad"), "True/Accepted False/InvalidKind");
}

TEST_F(GatewayApi, ConditionsOfOtherWritersOnTheParentAreKept) {
    route("r", "{name: gw, namespace: gateway-system}", "[s1.mcp.local]");
    Json r = get(kRoute, {"mcp-test", "r"});
    r["status"]["parents"][0]["conditions"].push_back({{"type", "Programmed"}, {"status", "True"},
                                                       {"reason", "InUseByMCPServerRegistration"},
                                                       {"message", "m"}, {"lastTransitionTime", "2026-01-01T00:00:00Z"}});
    ASSERT_TRUE(client().updateStatus(r).ok());
    // A spec change makes the gateway side rewrite its conditions.
    route("r", "{name: gw, namespace: gateway-system}", "[s1.mcp.local, s2.mcp.local]");
    Json parent = get(kRoute, {"mcp-test", "r"})["status"]["parents"][0];
    std::vector<std::string> types;
    for (const auto& c : parent["conditions"]) types.push_back(c["type"]);
    EXPECT_EQ(types, (std::vector<std::string>{"Accepted", "ResolvedRefs", "Programmed"}));
    EXPECT_EQ(parent["conditions"][0]["observedGeneration"], 2);
}

}  // namespace
}  // namespace mcpsim::gateway::testing
