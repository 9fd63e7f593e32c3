// CRD writes while watches are open (issue: re-applying an installed CRD answered bad_alloc,
// stored the object anyway and left the controller blind): a CRD update keeps watches of its
// type working, a CRD delete removes the instances (watchers see DELETED) and ends HTTP watches,
// and no write half-succeeds. Run under ASan, a stale type reference shows as a use after free.
#include <gtest/gtest.h>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/runtime.hpp"

#include "mcpsim/core/kube/kinds.hpp"

namespace mcpsim::apiserver {
namespace {

using core::kube::Gvk;
using namespace core::kube::kinds;
using core::kube::ObjectKey;
using core::kube::WatchEvent;

const ObjectKey kMcpsrCrd{"", "mcpserverregistrations.mcp.kagenti.com"};

class CrdLifecycle : public ::testing::Test {
  protected:
    CrdLifecycle() : rt_(core::RuntimeOptions{5, true}), api_(rt_) {}
    core::kube::Client& client() { return api_.client(); }

    Json registration(const std::string& name) {
        return {{"apiVersion", "mcp.kagenti.com/v1alpha1"},
                {"kind", "MCPServerRegistration"},
                {"metadata", {{"name", name}, {"namespace", "default"}}},
                {"spec", {{"targetRef", {{"name", "route"}}}, {"toolPrefix", name + "_"}}}};
    }
    // What `kubectl apply -f` of the installed CRD file does: an update with the same spec and a
    // new annotation.
    void reapplyCrd() {
        Json crd = client().get(kCrd, kMcpsrCrd).value();
        crd["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}";
        auto r = client().update(crd);
        ASSERT_TRUE(r.ok()) << r.error().message;
        rt_.runUntilIdle();
    }
    std::vector<WatchEvent> events_;
    std::unique_ptr<core::kube::WatchHandle> watch() {
        auto w = client().watch(kMcpsr, {"default"}, "",
                                [this](const WatchEvent& e) { events_.push_back(e); });
        EXPECT_TRUE(w.ok());
        rt_.runUntilIdle();
        return w.ok() ? std::move(w).value() : nullptr;
    }

    core::Runtime rt_;
    ApiServer api_;
};

TEST_F(CrdLifecycle, ReappliedCrdKeepsWatchesOfItsTypeWorking) {
    auto w = watch();
    reapplyCrd();
    auto created = client().create(registration("srv"));
    ASSERT_TRUE(created.ok()) << created.error().message;
    rt_.runUntilIdle();
    ASSERT_EQ(events_.size(), 1u);
    EXPECT_EQ(events_[0].type, "ADDED");
    EXPECT_EQ(events_[0].object()["metadata"]["name"], "srv");
    EXPECT_EQ(events_[0].object()["spec"]["toolPrefix"], "srv_");
    // Re-applied again with objects present: updates still flow, and the type's rules still
    // apply (toolPrefix is immutable by the CRD's CEL rule).
    reapplyCrd();
    Json o = created.value();
    o["spec"]["toolPrefix"] = "other_";
    auto refused = client().update(o);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().reason, "Invalid") << refused.error().message;
    o = created.value();
    o["metadata"]["labels"]["team"] = "a";
    ASSERT_TRUE(client().update(o).ok());
    rt_.runUntilIdle();
    ASSERT_EQ(events_.size(), 2u);
    EXPECT_EQ(events_[1].type, "MODIFIED");
    EXPECT_EQ(events_[1].object()["metadata"]["labels"]["team"], "a");
}

TEST_F(CrdLifecycle, DeletedCrdRemovesItsObjectsWithDeletedEventsThenComesBack) {
    ASSERT_TRUE(client().create(registration("a")).ok());
    ASSERT_TRUE(client().create(registration("b")).ok());
    auto w = watch();
    ASSERT_EQ(events_.size(), 2u);  // the initial state
    Json crd = client().get(kCrd, kMcpsrCrd).value();
    ASSERT_TRUE(client().remove(kCrd, kMcpsrCrd).ok());
    rt_.runUntilIdle();
    ASSERT_EQ(events_.size(), 4u);
    EXPECT_EQ(events_[2].type, "DELETED");
    EXPECT_EQ(events_[3].type, "DELETED");
    auto gone = client().create(registration("c"));
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().code, 404) << gone.error().message;
    // Installing the CRD again: the store starts empty, and the watch sees new objects.
    crd["metadata"].erase("resourceVersion");
    crd["metadata"].erase("uid");
    crd["metadata"].erase("creationTimestamp");
    crd.erase("status");
    ASSERT_TRUE(client().create(crd).ok());
    rt_.runUntilIdle();
    EXPECT_TRUE(client().list(kMcpsr, {"default"}).value()["items"].empty());
    ASSERT_TRUE(client().create(registration("d")).ok());
    rt_.runUntilIdle();
    ASSERT_EQ(events_.size(), 5u);
    EXPECT_EQ(events_[4].type, "ADDED");
    EXPECT_EQ(events_[4].object()["metadata"]["name"], "d");
}

// Over HTTP: a watch of the type ends when its CRD is deleted.
TEST_F(CrdLifecycle, HttpWatchEndsWhenItsCrdIsDeleted) {
    core::http::Request req;
    req.method = "GET";
    req.target =
        "/apis/mcp.kagenti.com/v1alpha1/namespaces/default/mcpserverregistrations?watch=true";
    std::shared_ptr<core::http::BodyStream> stream;
    api_.handle(std::move(req), [&](core::http::Response r) {
        EXPECT_EQ(r.status, 200);
        stream = r.stream;
    });
    rt_.runUntilIdle();
    ASSERT_TRUE(stream);
    reapplyCrd();
    ASSERT_TRUE(client().create(registration("x")).ok());
    rt_.runUntilIdle();
    std::string body;
    for (auto& chunk : stream->take()) body += chunk;
    EXPECT_NE(body.find("\"type\":\"ADDED\""), std::string::npos) << body;
    EXPECT_FALSE(stream->closed());
    ASSERT_TRUE(client().remove(kCrd, kMcpsrCrd).ok());
    rt_.runUntilIdle();
    body.clear();
    for (auto& chunk : stream->take()) body += chunk;
    EXPECT_NE(body.find("\"type\":\"DELETED\""), std::string::npos) << body;
    EXPECT_TRUE(stream->closed());
}

}  // namespace
}  // namespace mcpsim::apiserver
