#pragma once
// Helpers shared by the controller.md scenario tests: fixture F in pieces, condition matchers,
// broker answers, HTTPRoute status control and raw API access.
#include <string>

#include "controller_fixture.hpp"

namespace mcpsim::gateway::testing {

// The objects most scenarios create.
inline const core::kube::ObjectKey kSrv1{"mcp-test", "srv1"};
inline const core::kube::ObjectKey kExtKey{"mcp-system", "ext"};

inline constexpr const char* kSrv1Id = "mcp-test/srv1:t1_:s1.mcp.local";
inline constexpr const char* kEmptyConfig = "servers: []\nvirtualServers: []\n";
inline constexpr const char* kSrv1Entry =
    "- enabled: true\n  hostname: s1.mcp.local\n  name: mcp-test/srv1\n  toolPrefix: t1_\n"
    "  url: http://s1.mcp-test.svc.cluster.local:9090/mcp\n";
inline constexpr const char* kAdded3 = "server added successfully. Total tools added 3";
inline constexpr const char* kNoValidExt = "no valid mcpgatewayextensions configured";
inline constexpr const char* kNotPresent = "mcp server is not present in gateway yet";
inline constexpr const char* kGrantRequired =
    "ReferenceGrant required in namespace gateway-system to allow cross-namespace reference";
inline constexpr const char* kExtValid = "successfully verified and configured";
inline constexpr const char* kConflict =
    "conflict. Gateway target already configured as MCP Gateway";
inline constexpr const char* kMainLogic = "main reconcile logic starting for";

inline const Gvk kNs{"", "v1", "Namespace"};
inline const Gvk kEndpointSlice{"discovery.k8s.io", "v1", "EndpointSlice"};

// Route r1 of fixture F with its spec replaced by `spec` (YAML block, indented two spaces).
inline std::string routeR1(const std::string& spec) {
    return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
           "metadata: {name: r1, namespace: mcp-test}\nspec:\n" +
           spec;
}

inline std::string namespaceYaml(const std::string& name) {
    return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + "}\n";
}

inline std::string extYaml(const std::string& ns, const std::string& name,
                           const std::string& targetRef) {
    return "apiVersion: mcp.kagenti.com/v1alpha1\nkind: MCPGatewayExtension\nmetadata: {name: " +
           name + ", namespace: " + ns + "}\nspec:\n  targetRef: " + targetRef + "\n";
}

// A ReferenceGrant in gateway-system letting extensions of `fromNs` target `toName` ("" = any).
inline std::string grantYaml(const std::string& name, const std::string& fromNs,
                             const std::string& toName = "") {
    std::string to = "{group: gateway.networking.k8s.io, kind: Gateway";
    if (!toName.empty()) to += ", name: " + toName;
    return "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: "
           "{name: " +
           name + ", namespace: gateway-system}\nspec:\n  from: [{group: mcp.kagenti.com, kind: " +
           "MCPGatewayExtension, namespace: " + fromNs + "}]\n  to: [" + to + "}]\n";
}

inline std::string gatewayYaml(const std::string& ns, const std::string& name,
                               const std::string& className = "istio") {
    return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: " + name +
           ", namespace: " + ns + "}\nspec:\n  gatewayClassName: " + className +
           "\n  listeners:\n  - {name: mcps, hostname: \"*.mcp.local\", port: 8080, protocol: "
           "HTTP, allowedRoutes: {namespaces: {from: All}}}\n";
}

inline std::string mcpsrYaml(const std::string& name, const std::string& spec) {
    return "apiVersion: mcp.kagenti.com/v1alpha1\nkind: MCPServerRegistration\nmetadata: {name: " +
           name + ", namespace: mcp-test}\nspec:\n" + spec;
}

inline std::string vsYaml(const std::string& ns, const std::string& name,
                          const std::string& tools) {
    return "apiVersion: mcp.kagenti.com/v1alpha1\nkind: MCPVirtualServer\nmetadata: {name: " +
           name + ", namespace: " + ns + "}\nspec:\n  tools: " + tools + "\n";
}

class ScenarioTest : public ControllerTest {
  protected:
    using ControllerTest::ControllerTest;

    // The condition of `type` on the object (empty object when absent).
    Json condition(const Gvk& gvk, const ObjectKey& key, const std::string& type = "Ready") {
        for (const auto& c :
             get(gvk, key).value("/status/conditions"_json_pointer, Json::array())) {
            if (c.value("type", "") == type) return c;
        }
        return Json::object();
    }

    static ::testing::AssertionResult isCondition(const Json& c, const std::string& status,
                                                  const std::string& reason,
                                                  const std::string& message) {
        if (c.value("status", "") == status && c.value("reason", "") == reason &&
            c.value("message", "") == message) {
            return ::testing::AssertionSuccess();
        }
        return ::testing::AssertionFailure()
               << "want " << status << "/" << reason << "/\"" << message << "\", got " << c.dump();
    }

    // Extension Ready condition checks.
    ::testing::AssertionResult extIs(const ObjectKey& key, const std::string& status,
                                     const std::string& reason, const std::string& message) {
        return isCondition(condition(kExt, key), status, reason, message);
    }
    // Registration Ready condition checks (reason follows the status).
    ::testing::AssertionResult srvIs(const std::string& name, bool ready,
                                     const std::string& message) {
        return isCondition(condition(kMcpsr, {"mcp-test", name}), ready ? "True" : "False",
                           ready ? "Ready" : "NotReady", message);
    }

    std::string rv(const Gvk& gvk, const ObjectKey& key) {
        return get(gvk, key).value("/metadata/resourceVersion"_json_pointer, std::string());
    }
    Json finalizers(const Gvk& gvk, const ObjectKey& key) {
        return get(gvk, key).value("/metadata/finalizers"_json_pointer, Json::array());
    }
    static Json ourFinalizer() { return Json::array({"mcp.kagenti.com/finalizer"}); }

    int polls(const std::string& ns = "mcp-system") { return broker_.calls[ns]; }
    // How many controller log lines contain `needle`.
    int countLog(const std::string& needle) {
        int n = 0;
        for (const auto& l : runtime().logs().lines("mcp-system/mcp-gateway-controller")) {
            if (l.text.find(needle) != std::string::npos) ++n;
        }
        return n;
    }

    void brokerReady(const std::string& ns = "mcp-system", const std::string& id = kSrv1Id,
                     int tools = 3) {
        broker_.answers[ns] =
            brokerSays(id, true, tools,
                       "server added successfully. Total tools added " + std::to_string(tools));
    }
    // Fixture F with srv1 registered and reported ready by the broker.
    void readySrv1() {
        fixtureF();
        brokerReady();
        registerSrv1();
        ASSERT_TRUE(srvIs("srv1", true, kAdded3)) << logs();
    }

    // Applies without letting the controllers run.
    void createOnly(const std::string& yaml) {
        for (const Json& doc : core::parseYamlDocuments(yaml)) {
            auto r = client().create(doc);
            ASSERT_TRUE(r.ok()) << r.error().message;
        }
    }
    core::kube::Result<Json> tryCreate(const std::string& yaml) {
        return client().create(core::parseYaml(yaml));
    }
    // Reads, edits and updates an object (main resource).
    core::kube::Result<Json> edit(const Gvk& gvk, const ObjectKey& key,
                                  const std::function<void(Json&)>& change) {
        Json o = get(gvk, key);
        change(o);
        return client().update(o);
    }
    // Adds or changes a label (a metadata-only edit that bumps resourceVersion).
    void touch(const Gvk& gvk, const ObjectKey& key, const std::string& value = "1") {
        auto r = edit(gvk, key, [&](Json& o) { o["metadata"]["labels"]["touched"] = value; });
        ASSERT_TRUE(r.ok()) << r.error().message;
        settle();
    }

    Json routeParents(const std::string& ns = "mcp-test", const std::string& name = "r1") {
        return get(kRoute, {ns, name}).value("/status/parents"_json_pointer, Json::array());
    }
    // Stops the Gateway API controller so the test owns HTTPRoute status, then writes it.
    void setRouteParents(const Json& parents, const std::string& name = "r1") {
        world().gatewayApi()->stop();
        Json route = get(kRoute, {"mcp-test", name});
        route["status"]["parents"] = parents;
        auto r = client().updateStatus(route);
        ASSERT_TRUE(r.ok()) << r.error().message;
        settle();
    }
    static Json parentStatus(const Json& conditions, const std::string& gateway = "mcp-gateway") {
        return {{"parentRef", {{"name", gateway}, {"namespace", "gateway-system"}}},
                {"controllerName", "x/y"},
                {"conditions", conditions}};
    }
    static Json accepted(const std::string& status) {
        return {{"type", "Accepted"},
                {"status", status},
                {"reason", "Accepted"},
                {"message", "m"},
                {"lastTransitionTime", "2026-01-01T00:00:00Z"}};
    }
};

}  // namespace mcpsim::gateway::testing
