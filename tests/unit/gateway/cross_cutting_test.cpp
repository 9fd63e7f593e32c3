// controller.md section 8, scenarios 61-62 (cross-cutting), and the watch wiring of sections 2.1
// and 3.1 that ties the three reconcilers together.
#include "scenario_support.hpp"

namespace mcpsim::gateway::testing {
namespace {

using CrossCutting = ScenarioTest;

// Scenario 61.
TEST_F(CrossCutting, S61_ExtensionDeletedAndRecreated) {
    readySrv1();
    remove(kExt, kExtKey);
    EXPECT_EQ(configText("mcp-system"), kEmptyConfig);
    EXPECT_TRUE(srvIs("srv1", false, kNoValidExt));
    EXPECT_FALSE(get(kMcpsr, kSrv1)["status"].contains("discoveredTools"));
    apply(extYaml("mcp-system", "ext", "{name: mcp-gateway, namespace: gateway-system}"));
    EXPECT_EQ(configText("mcp-system"), std::string("servers:\n") + kSrv1Entry);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
    EXPECT_EQ(get(kMcpsr, kSrv1)["status"]["discoveredTools"], 3);
}

// Scenario 62, controller side: a prefix change (remove, then set: FN-3) yields a new server ID
// the broker must report; the config follows each step.
TEST_F(CrossCutting, S62_PrefixChangeGivesNewServerId) {
    readySrv1();
    auto r = edit(kMcpsr, kSrv1, [](Json& o) { o["spec"].erase("toolPrefix"); });
    ASSERT_TRUE(r.ok()) << r.error().message;
    settle();
    EXPECT_EQ(configText("mcp-system"),
              "servers:\n- enabled: true\n  hostname: s1.mcp.local\n  name: mcp-test/srv1\n"
              "  url: http://s1.mcp-test.svc.cluster.local:9090/mcp\n");
    // The broker still reports the old ID only.
    EXPECT_TRUE(srvIs("srv1", false, kNotPresent));
    r = edit(kMcpsr, kSrv1, [](Json& o) { o["spec"]["toolPrefix"] = "t9_"; });
    ASSERT_TRUE(r.ok()) << r.error().message;
    settle();
    EXPECT_EQ(config("mcp-system")["servers"][0]["toolPrefix"], "t9_");
    EXPECT_TRUE(srvIs("srv1", false, kNotPresent));
    brokerReady("mcp-system", "mcp-test/srv1:t9_:s1.mcp.local");
    advance(5s);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Scenario 62, controller side of FN-22: a URL-only change rewrites the entry but keeps the
// server ID, so the broker's verdict for that ID still applies (the broker does not reconnect).
TEST_F(CrossCutting, S62_UrlOnlyChangeKeepsServerId) {
    readySrv1();
    const int n = polls();
    auto r = edit(kMcpsr, kSrv1, [](Json& o) { o["spec"]["path"] = "/v2/mcp"; });
    ASSERT_TRUE(r.ok()) << r.error().message;
    settle();
    EXPECT_EQ(config("mcp-system")["servers"][0]["url"],
              "http://s1.mcp-test.svc.cluster.local:9090/v2/mcp");
    EXPECT_GT(polls(), n);
    EXPECT_TRUE(srvIs("srv1", true, kAdded3));
}

// Section 3.1: the credential-Secret watch only follows labelled Secrets.
TEST_F(CrossCutting, UnlabelledSecretEditsDoNotTrigger) {
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
    settle();
    const int runs = countLog(kMainLogic);
    // Dropping the label is itself evaluated on the new object: no trigger, old credential stays.
    apply(R"(
apiVersion: v1
kind: Secret
metadata: {name: c, namespace: mcp-test}
stringData: {token: Bearer new}
)");
    EXPECT_EQ(countLog(kMainLogic), runs);
    EXPECT_EQ(config("mcp-system")["servers"][0]["credential"], "Bearer abc");
}

// Section 3.1: status-only and metadata-only edits of a registration do not trigger it.
TEST_F(CrossCutting, RegistrationMetadataEditsDoNotTrigger) {
    readySrv1();
    settle();
    const int runs = countLog(kMainLogic);
    touch(kMcpsr, kSrv1);
    EXPECT_EQ(countLog(kMainLogic), runs);
    // A spec edit does.
    auto r = edit(kMcpsr, kSrv1, [](Json& o) { o["spec"]["path"] = "/mcp2"; });
    ASSERT_TRUE(r.ok());
    settle();
    EXPECT_GT(countLog(kMainLogic), runs);
}

// FN-19: Programmed goes on every parent entry, accepted or not, with one route status Update
// per changed parent (section 3.8).
TEST_F(CrossCutting, FN19_ProgrammedOnEveryParent) {
    fixtureF();
    brokerReady();
    apply(routeR1(
        "  parentRefs:\n  - {name: mcp-gateway, namespace: gateway-system}\n"
        "  - {name: mcp-gateway, namespace: gateway-system, sectionName: nope}\n"
        "  hostnames: [s1.mcp.local]\n  rules: [{backendRefs: [{name: s1, port: 9090}]}]\n"));
    // Route states seen: how many parents carry Programmed.
    std::vector<int> programmedParents;
    auto watch = client().watch(
        kRoute, {"mcp-test"}, rv(kRoute, {"mcp-test", "r1"}), [&](const core::kube::WatchEvent& e) {
            int n = 0;
            for (const auto& p : e.object().value("/status/parents"_json_pointer, Json::array())) {
                for (const auto& c : p["conditions"]) {
                    n += c.value("type", "") == "Programmed";
                }
            }
            programmedParents.push_back(n);
        });
    ASSERT_TRUE(watch.ok());
    registerSrv1();
    watch.value()->stop();
    EXPECT_EQ(programmedParents, (std::vector<int>{1, 2}));
    ASSERT_TRUE(srvIs("srv1", true, kAdded3));
    const Json parents = routeParents();
    ASSERT_EQ(parents.size(), 2u);
    for (const auto& p : parents) {
        bool found = false;
        for (const auto& c : p["conditions"]) {
            if (c.value("type", "") != "Programmed") continue;
            found = true;
            EXPECT_TRUE(
                isCondition(c, "True", "InUseByMCPServerRegistration",
                            "HTTPRoute is referenced by at least one MCPServerRegistration"));
        }
        EXPECT_TRUE(found) << p.dump();
    }
}

}  // namespace
}  // namespace mcpsim::gateway::testing
