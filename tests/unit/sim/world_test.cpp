// sim::World and its test fixture: one assembly of the cluster, settled on virtual time.
#include <gtest/gtest.h>

#include "guide_objects.hpp"
#include "mcpsim/core/kube/apply.hpp"
#include "mcpsim/sim/testing/world_test.hpp"

namespace mcpsim::sim {
namespace {

using namespace std::chrono_literals;
using core::kube::Gvk;
using core::kube::ObjectKey;

const Gvk kMcpsr{"mcp.kagenti.com", "v1alpha1", "MCPServerRegistration"};
const Gvk kExt{"mcp.kagenti.com", "v1alpha1", "MCPGatewayExtension"};

using ::mcpsim::testing::guide::prerequisites;
using ::mcpsim::testing::guide::registration;

class SeedWorld : public testing::WorldTest {
  protected:
    SeedWorld() { worldConfig().profile = "seed"; }
};

// One settle after the guide's objects shows what a patient user sees: the registration Ready
// with the broker's tool count, world time past the 2 s finalizer and 5 s status requeues.
TEST_F(SeedWorld, SettleReconcilesTheGuideOnVirtualTime) {
    initialize();
    ASSERT_FALSE(HasFatalFailure());
    const core::WallTime start = runtime().clock().now();
    apply(prerequisites());
    apply(registration("my-mcp-server", "myserver_"));
    Json ready = condition(kMcpsr, {"mcp-test", "my-mcp-server"}, "Ready");
    EXPECT_EQ(ready.value("status", ""), "True") << evidence();
    EXPECT_EQ(ready.value("message", ""), "server added successfully. Total tools added 1");
    EXPECT_GE(runtime().clock().now() - start, core::Duration(7s));
    // Settled means settled: nothing is left for a second settle to do.
    core::SettleResult again = world().settle();
    EXPECT_TRUE(again.converged) << again.describe();
    EXPECT_EQ(again.advanced, core::Duration::zero());
}

// The guide's own ordering defect, as a world test sees it: without the grant the extension
// never becomes Ready, and the wait says why.
TEST_F(SeedWorld, WaitForConditionReportsWhatItSaw) {
    initialize();
    ASSERT_FALSE(HasFatalFailure());
    apply(::mcpsim::testing::guide::kExtension);
    const core::SteadyTime before = runtime().clock().steady();
    ::testing::AssertionResult r =
        waitForCondition(kExt, {"mcp-test", "mcp-extension"}, "Ready", "True", 60s);
    EXPECT_FALSE(r);
    const std::string why = r.message();
    EXPECT_NE(why.find("timed out after 60000ms waiting for MCPGatewayExtension "
                       "mcp-test/mcp-extension condition Ready=True"),
              std::string::npos)
        << why;
    EXPECT_NE(why.find("ReferenceGrantRequired"), std::string::npos) << why;
    EXPECT_NE(why.find("log mcp-system/mcp-gateway-controller"), std::string::npos) << why;
    EXPECT_EQ(runtime().clock().steady() - before, core::Duration(60s));
    // The grant fixes it, within the wait's bound.
    apply(::mcpsim::testing::guide::kGrant);
    EXPECT_TRUE(waitForCondition(kExt, {"mcp-test", "mcp-extension"}, "Ready", "True", 10s));
}

// 100 registrations settle in one go: every finalizer and status requeue runs on virtual time.
TEST_F(SeedWorld, HundredRegistrationsSettle) {
    initialize();
    ASSERT_FALSE(HasFatalFailure());
    apply(prerequisites());
    std::string yaml;
    for (int i = 0; i < 100; ++i) {
        yaml += "---\n" + registration("srv" + std::to_string(i), "s" + std::to_string(i) + "_");
    }
    const core::SteadyTime before = runtime().clock().steady();
    apply(yaml);
    EXPECT_GE(runtime().clock().steady() - before, core::Duration(2s));
    for (int i = 0; i < 100; ++i) {
        Json c = condition(kMcpsr, {"mcp-test", "srv" + std::to_string(i)}, "Ready");
        ASSERT_EQ(c.value("status", ""), "True") << i << " " << c.dump();
    }
}

// Re-applying an installed CRD (the upstream install step) leaves the controller's watch of the
// type working: a registration created afterwards is reconciled to Ready.
TEST_F(SeedWorld, RegistrationAfterReappliedCrdIsReconciled) {
    initialize();
    ASSERT_FALSE(HasFatalFailure());
    const Gvk crdGvk{"apiextensions.k8s.io", "v1", "CustomResourceDefinition"};
    Json crd = get(crdGvk, {"", "mcpserverregistrations.mcp.kagenti.com"});
    ASSERT_FALSE(crd.is_null());
    crd["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}";
    ASSERT_TRUE(client().update(crd).ok());
    settle();
    apply(prerequisites());
    auto written = apply(registration("after-crd", "after_"));
    ASSERT_EQ(written.size(), 1u);
    EXPECT_TRUE(waitForCondition(kMcpsr, {"mcp-test", "after-crd"}, "Ready", "True", 30s));
}

// A world destroyed while a request still waits on its clock (a script timed out during a slow
// tool): the request and the broker it keeps alive go before the API server they point into.
TEST(World, GoesDownWhileARequestWaitsForASlowTool) {
    WorldConfig config;
    config.profile = "e2e";
    auto world = std::make_unique<World>(config);
    ASSERT_TRUE(world
                    ->apply(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: slow-route, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [e2e-server2.mcp.local]
  rules: [{backendRefs: [{name: mcp-test-server2, port: 9090}]}]
---
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: slow, namespace: mcp-test}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: slow-route}
)")
                    .ok());
    core::http::Handler gateway = world->gatewayHandler();
    ASSERT_TRUE(gateway);
    auto post = [&](const std::string& session, const std::string& body,
                    std::function<void(core::http::Response)> done) {
        core::http::Request req;
        req.method = "POST";
        req.target = "/mcp";
        req.headers.set("Host", world->gatewayPublicHost());
        req.headers.set("Content-Type", "application/json");
        req.headers.set("Accept", "application/json, text/event-stream");
        if (!session.empty()) req.headers.set("Mcp-Session-Id", session);
        req.body = body;
        gateway(std::move(req), std::move(done));
    };
    std::string session;
    post(
        "",
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",)"
        R"("capabilities":{},"clientInfo":{"name":"t","version":"1"}}})",
        [&](core::http::Response r) { session = r.headers.value("Mcp-Session-Id"); });
    world->runtime().poll();
    ASSERT_FALSE(session.empty());
    bool answered = false;
    post(session,
         R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow",)"
         R"("arguments":{"seconds":"600"}}})",
         [&](core::http::Response) { answered = true; });
    world->runtime().poll();
    EXPECT_FALSE(answered) << "the tool waits 600 s of world time, which is not run";
    world.reset();  // under ASan: no use of the freed API server
}

// Modifiers run in order on the profile's blueprint before anything boots.
TEST(WorldConfig, ModifiersEditTheBlueprintInOrder) {
    WorldConfig config;
    config.profile = "seed";
    std::vector<std::string> order;
    config.addModifier([&](WorldBlueprint& bp) {
        order.push_back("first");
        EXPECT_TRUE(bp.components.broker);
        bp.components.broker = false;
        bp.components.workloads = false;
    });
    config.addModifier([&](WorldBlueprint& bp) {
        order.push_back("second");
        EXPECT_FALSE(bp.components.broker);
        bp.addObjects("apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n");
    });
    World world(config);
    EXPECT_EQ(order, (std::vector<std::string>{"first", "second"}));
    EXPECT_FALSE(world.gatewayHandler());
    EXPECT_EQ(world.workloads(), nullptr);
    EXPECT_NE(world.mcpController(), nullptr);
    EXPECT_TRUE(world.client().get({"", "v1", "Namespace"}, {"", "extra"}).ok());
}

TEST(WorldConfig, UnknownProfileAndBadObjectsFailToBoot) {
    WorldConfig config;
    config.profile = "nope";
    EXPECT_THROW(World{config}, std::runtime_error);
    WorldConfig bad;
    bad.profile = "bare";
    bad.addModifier([](WorldBlueprint& bp) {
        bp.addObjects("apiVersion: v1\nkind: Nonsense\nmetadata: {name: x}\n");
    });
    EXPECT_THROW(World{bad}, core::kube::ApiException);
}

}  // namespace
}  // namespace mcpsim::sim
