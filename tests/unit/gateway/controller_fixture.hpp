#pragma once
// A world for controller tests: a fake API server, the MCP controller and the Gateway API
// controller on one virtual clock, with a scripted broker /status.
#include <gtest/gtest.h>

#include <map>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/base64.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/core/yaml.hpp"
#include "mcpsim/gateway/gateway_api.hpp"
#include "mcpsim/gateway/mcp_controller.hpp"

namespace mcpsim::gateway::testing {

using core::kube::Gvk;
using core::kube::ObjectKey;
using namespace std::chrono_literals;

// Broker /status answers per namespace; unset namespaces answer "no broker endpoints available".
class ScriptedBroker final : public BrokerStatusSource {
public:
    std::variant<Json, std::string> status(const std::string& ns) override {
        ++calls[ns];
        auto it = answers.find(ns);
        if (it == answers.end()) return std::string("no broker endpoints available");
        return it->second;
    }
    std::map<std::string, std::variant<Json, std::string>> answers;
    std::map<std::string, int> calls;
};

inline const Gvk kExt{"mcp.kagenti.com", "v1alpha1", "MCPGatewayExtension"};
inline const Gvk kMcpsr{"mcp.kagenti.com", "v1alpha1", "MCPServerRegistration"};
inline const Gvk kVs{"mcp.kagenti.com", "v1alpha1", "MCPVirtualServer"};
inline const Gvk kRoute{"gateway.networking.k8s.io", "v1", "HTTPRoute"};
inline const Gvk kGw{"gateway.networking.k8s.io", "v1", "Gateway"};
inline const Gvk kGrant{"gateway.networking.k8s.io", "v1beta1", "ReferenceGrant"};
inline const Gvk kSecret{"", "v1", "Secret"};
inline const Gvk kService{"", "v1", "Service"};

class ControllerTest : public ::testing::Test {
protected:
    ControllerTest()
        : rt_(core::RuntimeOptions{1, true}),
          api_(rt_),
          controller_(rt_, api_.client(), broker_),
          gatewayApi_(rt_, api_.client()) {}

    void SetUp() override {
        controller_.start();
        gatewayApi_.start();
    }

    core::kube::Client& client() { return api_.client(); }

    // Applies YAML documents (create, or replace keeping resourceVersion) and settles.
    void apply(const std::string& yaml) {
        for (Json doc : core::parseYamlDocuments(yaml)) {
            auto gvk = Gvk::ofObject(doc);
            auto existing = client().get(gvk, ObjectKey::ofObject(doc));
            if (existing.ok()) {
                doc["metadata"]["resourceVersion"] = existing.value()["metadata"]["resourceVersion"];
                auto r = client().update(doc);
                ASSERT_TRUE(r.ok()) << r.error().message;
            } else {
                auto r = client().create(doc);
                ASSERT_TRUE(r.ok()) << r.error().message;
            }
        }
        settle();
    }
    void remove(const Gvk& gvk, const ObjectKey& key) {
        client().remove(gvk, key);
        settle();
    }
    // Lets reconciles and short requeues (finalizer 2 s) run: 3 s of virtual time.
    void settle(core::Duration d = 3s) { rt_.runFor(d); }

    Json get(const Gvk& gvk, const ObjectKey& key) {
        auto r = client().get(gvk, key);
        return r.ok() ? r.value() : Json();
    }
    Json ready(const Gvk& gvk, const ObjectKey& key) {
        for (const auto& c : get(gvk, key).value("/status/conditions"_json_pointer, Json::array())) {
            if (c.value("type", "") == "Ready") return c;
        }
        return Json::object();
    }
    std::string configText(const std::string& ns) {
        Json s = get(kSecret, {ns, "mcp-gateway-config"});
        if (s.is_null()) return "<absent>";
        return core::base64Decode(s.value("/data/config.yaml"_json_pointer, std::string())).value_or("<bad>");
    }
    Json config(const std::string& ns) { return core::parseYaml(configText(ns)); }

    // Baseline fixture F of controller.md section 8.
    void fixtureF(bool withExtension = true, bool withGrant = true) {
        apply(R"(
apiVersion: v1
kind: Namespace
metadata: {name: gateway-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: mcp-system}
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
metadata: {name: mcp-gateway, namespace: gateway-system}
spec:
  gatewayClassName: istio
  listeners:
  - {name: mcp, hostname: mcp.127-0-0-1.sslip.io, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - {name: mcps, hostname: "*.mcp.local", port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: v1
kind: Service
metadata: {name: s1, namespace: mcp-test}
spec:
  ports: [{port: 9090}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r1, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [s1.mcp.local]
  rules: [{backendRefs: [{name: s1, port: 9090}]}]
)");
        if (withGrant) {
            apply(R"(
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow, namespace: gateway-system}
spec:
  from: [{group: mcp.kagenti.com, kind: MCPGatewayExtension, namespace: mcp-system}]
  to: [{group: gateway.networking.k8s.io, kind: Gateway}]
)");
        }
        if (withExtension) {
            apply(R"(
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: ext, namespace: mcp-system}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: mcp-gateway, namespace: gateway-system}
)");
        }
    }
    void registerSrv1() {
        apply(R"(
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: srv1, namespace: mcp-test}
spec:
  targetRef: {name: r1}
  toolPrefix: t1_
)");
    }
    static Json brokerSays(const std::string& id, bool ready, int tools, const std::string& message) {
        return Json{{"servers", {{{"id", id}, {"name", "x"}, {"ready", ready}, {"totalTools", tools}, {"message", message}}}}};
    }

    std::string logs(const std::string& source = "mcp-system/mcp-gateway-controller") {
        std::string out;
        for (const auto& l : rt_.logs().lines(source)) out += l.text + "\n";
        return out;
    }

    core::Runtime rt_;
    apiserver::ApiServer api_;
    ScriptedBroker broker_;
    McpController controller_;
    GatewayApiController gatewayApi_;
};

}  // namespace mcpsim::gateway::testing
