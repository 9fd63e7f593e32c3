#pragma once
// The world for controller tests (sim::testing::WorldTest), with a scripted broker /status, or
// (brokerOverNetwork) the world's own EndpointSlice lookup over its in-memory network.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "gateway_fixture_objects.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/yaml.hpp"
#include "mcpsim/gateway/gateway_api.hpp"
#include "mcpsim/gateway/mcp_controller.hpp"
#include "mcpsim/sim/testing/world_test.hpp"

namespace mcpsim::gateway::testing {

using core::kube::Gvk;
using core::kube::ObjectKey;
using namespace std::chrono_literals;

// Broker /status answers per namespace; unset namespaces answer "no broker endpoints available".
// As over the network, the answer arrives on a later loop turn.
class ScriptedBroker final : public BrokerStatusSource {
  public:
    // The world's runtime, which exists only once the world does.
    explicit ScriptedBroker(std::function<core::Runtime&()> runtime)
        : runtime_(std::move(runtime)) {}
    void status(const std::string& ns, StatusCallback done) override {
        ++calls[ns];
        auto it = answers.find(ns);
        Status answer = std::string("no broker endpoints available");
        if (it != answers.end()) {
            if (const Json* body = std::get_if<Json>(&it->second)) {
                answer = std::make_shared<const Json>(*body);
            } else {
                answer = std::get<std::string>(it->second);
            }
        }
        runtime_().post([done = std::move(done), answer = std::move(answer)]() mutable {
            done(std::move(answer));
        });
    }
    std::map<std::string, std::variant<Json, std::string>> answers;
    std::map<std::string, int> calls;

  private:
    std::function<core::Runtime&()> runtime_;
};

inline const Gvk kExt{"mcp.kagenti.com", "v1alpha1", "MCPGatewayExtension"};
inline const Gvk kMcpsr{"mcp.kagenti.com", "v1alpha1", "MCPServerRegistration"};
inline const Gvk kVs{"mcp.kagenti.com", "v1alpha1", "MCPVirtualServer"};
inline const Gvk kRoute{"gateway.networking.k8s.io", "v1", "HTTPRoute"};
inline const Gvk kGw{"gateway.networking.k8s.io", "v1", "Gateway"};
inline const Gvk kGrant{"gateway.networking.k8s.io", "v1beta1", "ReferenceGrant"};
inline const Gvk kSecret{"", "v1", "Secret"};
inline const Gvk kService{"", "v1", "Service"};

// The world of the controller tests: the API server with the MCP controller and the Gateway API
// control side, on virtual time, with the broker's /status scripted per namespace.
class ControllerTest : public sim::testing::WorldTest {
  protected:
    explicit ControllerTest(bool brokerOverNetwork = false) {
        worldConfig().profile = "bare";
        worldConfig().addModifier([this, brokerOverNetwork](sim::WorldBlueprint& bp) {
            bp.components.gatewayApi = true;
            bp.components.mcpController = true;
            if (!brokerOverNetwork) bp.brokerStatus = &broker_;
        });
    }

    void SetUp() override { initialize(); }

    void remove(const Gvk& gvk, const ObjectKey& key) {
        client().remove(gvk, key);
        settle();
    }
    // Settles: reconciles and their requeues run until the controllers are idle (or the
    // settle horizon passed while a registration still polls a scripted broker).
    void settle() { WorldTest::settle(true); }
    // Lets exactly `d` of virtual time pass (for tests about timing).
    void advance(core::Duration d) { runtime().runFor(d); }

    Json get(const Gvk& gvk, const ObjectKey& key) {
        auto r = client().get(gvk, key);
        return r.ok() ? r.value() : Json();
    }
    Json ready(const Gvk& gvk, const ObjectKey& key) {
        for (const auto& c :
             get(gvk, key).value("/status/conditions"_json_pointer, Json::array())) {
            if (c.value("type", "") == "Ready") return c;
        }
        return Json::object();
    }
    std::string configText(const std::string& ns) {
        Json s = get(kSecret, {ns, "mcp-gateway-config"});
        if (s.is_null()) return "<absent>";
        return core::base64Decode(s.value("/data/config.yaml"_json_pointer, std::string()))
            .value_or("<bad>");
    }
    Json config(const std::string& ns) { return core::parseYaml(configText(ns)); }

    // Baseline fixture F of controller.md section 8.
    void fixtureF(bool withExtension = true, bool withGrant = true) {
        apply(std::string(::mcpsim::testing::fixture::kGatewayBase) + R"(---
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
        // What the test creates next is younger than the fixture (creation timestamps have
        // one-second resolution and the oldest extension wins a Gateway).
        advance(std::chrono::seconds(1));
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
    static Json brokerSays(const std::string& id, bool ready, int tools,
                           const std::string& message) {
        return Json{{"servers",
                     {{{"id", id},
                       {"name", "x"},
                       {"ready", ready},
                       {"totalTools", tools},
                       {"message", message}}}}};
    }

    std::string logs(const std::string& source = "mcp-system/mcp-gateway-controller") {
        return WorldTest::logs(source);
    }

    ScriptedBroker broker_{[this]() -> core::Runtime& { return runtime(); }};
};

}  // namespace mcpsim::gateway::testing
