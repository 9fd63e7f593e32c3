// API semantics through the in-process client, on a virtual clock: what the controller will rely
// on. Each test builds its own world.
#include <gtest/gtest.h>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/runtime.hpp"

#include "mcpsim/core/kube/kinds.hpp"

namespace mcpsim::apiserver {
namespace {

using core::kube::Gvk;
using namespace core::kube::kinds;
using core::kube::ObjectKey;
using core::kube::PatchType;
using core::kube::WatchEvent;

class InProcessClientTest : public ::testing::Test {
  protected:
    InProcessClientTest() : rt_(core::RuntimeOptions{42, true}), api_(rt_) {}

    core::kube::Client& client() { return api_.client(); }

    Json mcpsr(const std::string& name, const std::string& prefix = "") {
        Json o = {{"apiVersion", "mcp.kagenti.com/v1alpha1"},
                  {"kind", "MCPServerRegistration"},
                  {"metadata", {{"name", name}, {"namespace", "default"}}},
                  {"spec", {{"targetRef", {{"name", "route"}}}}}};
        if (!prefix.empty()) o["spec"]["toolPrefix"] = prefix;
        return o;
    }
    Json createOk(const Json& o) {
        auto r = client().create(o);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? r.value() : Json();
    }
    std::string rvOf(const Json& o) { return o["metadata"]["resourceVersion"]; }

    core::Runtime rt_;
    ApiServer api_;
};

TEST_F(InProcessClientTest, CreateFillsServerMetadataAndSchemaDefaults) {
    Json o = createOk(mcpsr("a"));
    EXPECT_EQ(o["metadata"]["generation"], 1);
    EXPECT_EQ(o["metadata"]["uid"].get<std::string>().size(), 36u);
    EXPECT_EQ(o["metadata"]["creationTimestamp"], "2026-01-01T00:00:00Z");  // virtual epoch
    EXPECT_EQ(o["spec"]["path"], "/mcp");
    EXPECT_EQ(o["spec"]["targetRef"]["group"], "gateway.networking.k8s.io");
    EXPECT_EQ(o["spec"]["targetRef"]["kind"], "HTTPRoute");
    auto again = client().create(mcpsr("a"));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, 409);
    EXPECT_EQ(again.error().message, "mcpserverregistrations.mcp.kagenti.com \"a\" already exists");
}

TEST_F(InProcessClientTest, SameSeedSameUids) {
    core::Runtime other(core::RuntimeOptions{42, true});
    ApiServer otherApi(other);
    Json a = createOk(mcpsr("a"));
    Json b = otherApi.client().create(mcpsr("a")).value();
    EXPECT_EQ(a["metadata"]["uid"], b["metadata"]["uid"]);
    EXPECT_EQ(a["metadata"]["resourceVersion"], b["metadata"]["resourceVersion"]);
}

TEST_F(InProcessClientTest, StaleResourceVersionConflictsAndChangesNothing) {
    Json o = createOk(mcpsr("a"));
    Json fresh = o;
    fresh["spec"]["path"] = "/v2";
    Json updated = client().update(fresh).value();
    Json stale = o;
    stale["spec"]["path"] = "/v3";
    auto r = client().update(stale);
    ASSERT_TRUE(r.isConflict());
    EXPECT_EQ(r.error().message,
              "Operation cannot be fulfilled on mcpserverregistrations.mcp.kagenti.com \"a\": the "
              "object has been modified; please apply your changes to the latest version and try "
              "again");
    EXPECT_EQ(client().get(kMcpsr, {"default", "a"}).value(), updated);
}

TEST_F(InProcessClientTest, CustomResourceUpdateNeedsResourceVersion) {
    Json o = createOk(mcpsr("a"));
    o["metadata"].erase("resourceVersion");
    auto r = client().update(o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, 422);
    EXPECT_EQ(r.error().message,
              "mcpserverregistrations.mcp.kagenti.com \"a\" is invalid: metadata.resourceVersion: "
              "Invalid value: 0x0: must be specified for an update");
}

TEST_F(InProcessClientTest, GenerationFollowsSpecOnlyAndStatusIsASubresource) {
    Json o = createOk(mcpsr("a"));
    o["metadata"]["labels"] = {{"x", "y"}};
    o["status"] = {{"discoveredTools", 9}};  // ignored on the main resource
    o = client().update(o).value();
    EXPECT_EQ(o["metadata"]["generation"], 1);
    EXPECT_FALSE(o.contains("status"));
    o["spec"]["path"] = "/other";
    o = client().update(o).value();
    EXPECT_EQ(o["metadata"]["generation"], 2);
    o["status"] = {{"discoveredTools", 3}};
    o["spec"]["path"] = "/ignored-by-status-writes";
    o = client().updateStatus(o).value();
    EXPECT_EQ(o["metadata"]["generation"], 2);
    EXPECT_EQ(o["status"]["discoveredTools"], 3);
    EXPECT_EQ(o["spec"]["path"], "/other");
}

TEST_F(InProcessClientTest, UnchangedWriteKeepsResourceVersion) {
    Json o = createOk(mcpsr("a"));
    Json same = client().update(o).value();
    EXPECT_EQ(rvOf(same), rvOf(o));
    Json patched =
        client()
            .patch(kMcpsr, {"default", "a"}, PatchType::Merge, {{"spec", {{"path", "/mcp"}}}})
            .value();
    EXPECT_EQ(rvOf(patched), rvOf(o));
}

TEST_F(InProcessClientTest, FinalizersHoldDeletionUntilRemoved) {
    Json o = mcpsr("a");
    o["metadata"]["finalizers"] = {"mcp.kagenti.com/finalizer"};
    o = createOk(o);
    Json deleting = client().remove(kMcpsr, {"default", "a"}).value();
    EXPECT_TRUE(deleting["metadata"].contains("deletionTimestamp"));
    EXPECT_EQ(deleting["metadata"]["generation"], 2);
    Json more = deleting;
    more["metadata"]["finalizers"].push_back("example.com/other");
    auto refused = client().update(more);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, 422);
    deleting["metadata"]["finalizers"] = Json::array();
    ASSERT_TRUE(client().update(deleting).ok());
    EXPECT_TRUE(client().get(kMcpsr, {"default", "a"}).isNotFound());
}

TEST_F(InProcessClientTest, ToolPrefixTransitionRule) {
    createOk(mcpsr("a"));
    auto set = client().patch(kMcpsr, {"default", "a"}, PatchType::Merge,
                              {{"spec", {{"toolPrefix", "a_"}}}});
    ASSERT_TRUE(set.ok()) << set.error().message;
    auto change = client().patch(kMcpsr, {"default", "a"}, PatchType::Merge,
                                 {{"spec", {{"toolPrefix", "b_"}}}});
    ASSERT_FALSE(change.ok());
    EXPECT_EQ(change.error().message,
              "MCPServerRegistration.mcp.kagenti.com \"a\" is invalid: spec.toolPrefix: Invalid "
              "value: \"string\": toolPrefix is immutable once set");
    auto removed = client().patch(kMcpsr, {"default", "a"}, PatchType::Merge,
                                  {{"spec", {{"toolPrefix", nullptr}}}});
    EXPECT_TRUE(removed.ok());
}

TEST_F(InProcessClientTest, StrategicMergePatchIsNotForCustomResources) {
    createOk(mcpsr("a"));
    auto r = client().patch(kMcpsr, {"default", "a"}, PatchType::Strategic,
                            {{"spec", {{"path", "/x"}}}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, 415);
}

TEST_F(InProcessClientTest, WatchDeliversEventsOnTheLoopWithSelectorTransitions) {
    std::vector<std::string> seen;
    auto w = client().watch(kConfigMap, {"default", "app=web", ""}, "", [&](const WatchEvent& e) {
        seen.push_back(e.type + " " + e.object()["metadata"]["name"].get<std::string>());
    });
    ASSERT_TRUE(w.ok());
    Json cm = {
        {"apiVersion", "v1"},
        {"kind", "ConfigMap"},
        {"metadata", {{"name", "c"}, {"namespace", "default"}, {"labels", {{"app", "web"}}}}}};
    createOk(cm);
    EXPECT_TRUE(seen.empty()) << "events must not be delivered inside the writer's call";
    rt_.runUntilIdle();
    client().patch(kConfigMap, {"default", "c"}, PatchType::Merge, {{"data", {{"k", "v"}}}});
    client().patch(kConfigMap, {"default", "c"}, PatchType::Merge,
                   {{"metadata", {{"labels", {{"app", "db"}}}}}});
    client().remove(kConfigMap, {"default", "c"});
    rt_.runUntilIdle();
    EXPECT_EQ(seen, (std::vector<std::string>{"ADDED c", "MODIFIED c", "DELETED c"}));
    w.value()->stop();
    createOk(cm);
    rt_.runUntilIdle();
    EXPECT_EQ(seen.size(), 3u);
}

// Found by fuzz_api_write: an invalid label key in a Deployment's selector was a 500.
TEST_F(InProcessClientTest, DeploymentWithAnInvalidSelectorKeyIsInvalidNotAnInternalError) {
    auto r =
        client().create({{"apiVersion", "apps/v1"},
                         {"kind", "Deployment"},
                         {"metadata", {{"name", "d"}, {"namespace", "default"}}},
                         {"spec",
                          {{"selector", {{"matchLabels", {{"ap`", "d"}}}}},
                           {"template",
                            {{"metadata", {{"labels", {{"app", "d"}}}}},
                             {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}}}}}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, 422);
    EXPECT_EQ(r.error().reason, "Invalid");
    ASSERT_EQ(r.error().causes.size(), 2u) << r.error().message;
    EXPECT_EQ(r.error().causes[0].field, "spec.selector.matchLabels");
    EXPECT_EQ(r.error().causes[0].message.rfind("Invalid value: \"ap`\": name part must consist of "
                                                "alphanumeric characters",
                                                0),
              0u)
        << r.error().causes[0].message;
    EXPECT_EQ(r.error().causes[1].field, "spec.selector");
    EXPECT_EQ(r.error().causes[1].message,
              "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"ap`\":\"d\"}, "
              "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: invalid label selector");
    EXPECT_FALSE(client().get(kDeployment, {"default", "d"}).ok()) << "nothing is stored";
}

TEST_F(InProcessClientTest, WatchersShareOneImmutableDocumentPerWrite) {
    std::vector<std::shared_ptr<const Json>> first, second;
    auto keep = [](std::vector<std::shared_ptr<const Json>>& into) {
        return [&into](const WatchEvent& e) {
            if (e.object()["metadata"]["name"] == "c") into.push_back(e.document);
        };
    };
    auto a = client().watch(kConfigMap, {"default"}, "", keep(first));
    auto b = client().watch(kConfigMap, {"default"}, "", keep(second));
    ASSERT_TRUE(a.ok() && b.ok());
    createOk({{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", "c"}, {"namespace", "default"}}},
              {"data", {{"k", "1"}}}});
    client().patch(kConfigMap, {"default", "c"}, PatchType::Merge, {{"data", {{"k", "2"}}}});
    rt_.runUntilIdle();
    ASSERT_EQ(first.size(), 2u);
    ASSERT_EQ(second.size(), 2u);
    // One document per write, whoever watches: nothing is copied per watcher.
    EXPECT_EQ(first[0].get(), second[0].get());
    EXPECT_EQ(first[1].get(), second[1].get());
    // A later write is a new document; the one delivered before stays as it was written.
    EXPECT_NE(first[0].get(), first[1].get());
    EXPECT_EQ((*first[0])["data"]["k"], "1");
    EXPECT_EQ((*first[1])["data"]["k"], "2");
    EXPECT_EQ(std::stoull((*first[0])["metadata"]["resourceVersion"].get<std::string>()) + 1,
              std::stoull((*first[1])["metadata"]["resourceVersion"].get<std::string>()));
    // What a get returns is the caller's own copy.
    Json got = client().get(kConfigMap, {"default", "c"}).value();
    got["data"]["k"] = "changed";
    EXPECT_EQ((*first[1])["data"]["k"], "2");
}

TEST_F(InProcessClientTest, WatchResumesFromAResourceVersion) {
    Json list = client().list(kConfigMap, {"default"}).value();
    const std::string rv = list["metadata"]["resourceVersion"];
    createOk({{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", "missed"}, {"namespace", "default"}}}});
    std::vector<std::string> seen;
    auto w = client().watch(kConfigMap, {"default"}, rv, [&](const WatchEvent& e) {
        seen.push_back(e.type + " " + e.object()["metadata"]["name"].get<std::string>());
    });
    rt_.runUntilIdle();
    EXPECT_EQ(seen, (std::vector<std::string>{"ADDED missed"}));
}

TEST_F(InProcessClientTest, NamespaceDeletionIsAsynchronousAndCascades) {
    createOk({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team"}}}});
    Json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", "c"}, {"namespace", "team"}}}};
    createOk(cm);
    Json ns = client().remove(kNamespace, {"", "team"}).value();
    EXPECT_EQ(ns["status"]["phase"], "Terminating");
    cm["metadata"]["name"] = "late";
    auto refused = client().create(cm);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, 403);
    EXPECT_EQ(refused.error().message,
              "configmaps \"late\" is forbidden: unable to create new content in namespace team "
              "because it is being terminated");
    rt_.runUntilIdle();
    EXPECT_TRUE(client().get(kNamespace, {"", "team"}).isNotFound());
    EXPECT_TRUE(client().get(kConfigMap, {"team", "c"}).isNotFound());
}

TEST_F(InProcessClientTest, NewNamespacesGetDefaultServiceAccountAndRootCA) {
    createOk({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team"}}}});
    EXPECT_TRUE(client().get({"", "v1", "ServiceAccount"}, {"team", "default"}).ok());
    EXPECT_TRUE(client().get(kConfigMap, {"team", "kube-root-ca.crt"}).ok());
}

TEST_F(InProcessClientTest, SecretStringDataFoldsIntoData) {
    Json s = createOk({{"apiVersion", "v1"},
                       {"kind", "Secret"},
                       {"metadata", {{"name", "s"}, {"namespace", "default"}}},
                       {"stringData", {{"token", "Bearer abc"}}}});
    EXPECT_EQ(s["data"]["token"], "QmVhcmVyIGFiYw==");
    EXPECT_EQ(s["type"], "Opaque");
    EXPECT_FALSE(s.contains("stringData"));
}

TEST_F(InProcessClientTest, CrdAppliedAtRuntimeBecomesServedAndEstablished) {
    Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
                {"kind", "CustomResourceDefinition"},
                {"metadata", {{"name", "widgets.example.com"}}},
                {"spec",
                 {{"group", "example.com"},
                  {"scope", "Namespaced"},
                  {"names", {{"plural", "widgets"}, {"kind", "Widget"}}},
                  {"versions",
                   {{{"name", "v1"},
                     {"served", true},
                     {"storage", true},
                     {"schema",
                      {{"openAPIV3Schema",
                        {{"type", "object"},
                         {"properties",
                          {{"spec",
                            {{"type", "object"},
                             {"properties",
                              {{"size", {{"type", "integer"}, {"default", 3}}}}}}}}}}}}}}}}}}};
    createOk(crd);
    Json w = createOk({{"apiVersion", "example.com/v1"},
                       {"kind", "Widget"},
                       {"metadata", {{"name", "w"}, {"namespace", "default"}}},
                       {"spec", Json::object()}});
    EXPECT_EQ(w["spec"]["size"], 3);
    Json stored = client()
                      .get({"apiextensions.k8s.io", "v1", "CustomResourceDefinition"},
                           {"", "widgets.example.com"})
                      .value();
    ASSERT_EQ(stored["status"]["conditions"].size(), 2u);
    EXPECT_EQ(stored["status"]["conditions"][1]["type"], "Established");
    EXPECT_EQ(stored["status"]["conditions"][1]["status"], "True");
    crd["metadata"]["name"] = "wrong-name";
    auto bad = client().create(crd);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(
        bad.error().message,
        "CustomResourceDefinition.apiextensions.k8s.io \"wrong-name\" is invalid: "
        "metadata.name: Invalid value: \"wrong-name\": must be spec.names.plural+\".\"+spec.group");
}

TEST_F(InProcessClientTest, DeletingAnOwnerCollectsItsDependents) {
    Json owner = createOk({{"apiVersion", "v1"},
                           {"kind", "ConfigMap"},
                           {"metadata", {{"name", "owner"}, {"namespace", "default"}}}});
    createOk({{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata",
               {{"name", "dep"},
                {"namespace", "default"},
                {"ownerReferences",
                 {{{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"name", "owner"},
                   {"uid", owner["metadata"]["uid"]}}}}}}});
    client().remove(kConfigMap, {"default", "owner"});
    rt_.runUntilIdle();
    EXPECT_TRUE(client().get(kSecret, {"default", "dep"}).isNotFound());
}

TEST_F(InProcessClientTest, ServerSideApplyOwnsAndPrunesFields) {
    Json cfg = {{"apiVersion", "v1"},
                {"kind", "ConfigMap"},
                {"metadata", {{"name", "ssa"}, {"namespace", "default"}}},
                {"data", {{"a", "1"}, {"b", "2"}}}};
    core::kube::WriteOptions mgr{"tool-a"};
    ASSERT_TRUE(client().patch(kConfigMap, {"default", "ssa"}, PatchType::Apply, cfg, mgr).ok());
    cfg["data"].erase("b");
    Json applied =
        client().patch(kConfigMap, {"default", "ssa"}, PatchType::Apply, cfg, mgr).value();
    EXPECT_EQ(applied["data"], (Json{{"a", "1"}}));
    Json other = cfg;
    other["data"]["a"] = "changed";
    auto conflict = client().patch(kConfigMap, {"default", "ssa"}, PatchType::Apply, other,
                                   core::kube::WriteOptions{"tool-b"});
    ASSERT_TRUE(conflict.isConflict());
    EXPECT_EQ(conflict.error().message,
              "Apply failed with 1 conflict: conflict with \"tool-a\" using v1: .data.a");
    auto forced = client().patch(kConfigMap, {"default", "ssa"}, PatchType::Apply, other,
                                 core::kube::WriteOptions{"tool-b", false, true});
    ASSERT_TRUE(forced.ok());
    EXPECT_EQ(forced.value()["data"]["a"], "changed");
}

TEST_F(InProcessClientTest, DryRunValidatesButStoresNothing) {
    auto r = client().create(mcpsr("dry"), core::kube::WriteOptions{"t", true});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value()["spec"]["path"], "/mcp");
    EXPECT_TRUE(client().get(kMcpsr, {"default", "dry"}).isNotFound());
}

}  // namespace
}  // namespace mcpsim::apiserver
