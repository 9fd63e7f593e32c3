// core::kube::Controller against the in-process API server on a virtual clock: field indexes
// follow the informer cache, and an asynchronous reconcile holds its controller (one at a time,
// events for the pending key run it again afterwards) without holding the loop.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/kube/controller.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::core::kube {
namespace {

using namespace std::chrono_literals;

const Gvk kConfigMap{"", "v1", "ConfigMap"};

Json configMap(const std::string& name, const std::string& owner) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"data", {{"owner", owner}}}};
}

class ControllerTest : public ::testing::Test {
  protected:
    ControllerTest() : rt_(RuntimeOptions{7, true}), api_(rt_) {}

    Client& client() { return api_.client(); }
    Logger log() { return Logger(rt_.clock(), rt_.logs(), "test/controller"); }
    void settle() { ASSERT_TRUE(rt_.settle(60s).converged); }
    void update(const std::string& name, const std::string& owner) {
        auto got = client().get(kConfigMap, {"default", name});
        ASSERT_TRUE(got.ok());
        Json o = got.value();
        o["data"]["owner"] = owner;
        ASSERT_TRUE(client().update(o).ok());
    }

    Runtime rt_;
    apiserver::ApiServer api_;
};

TEST_F(ControllerTest, IndexFollowsCreatesUpdatesAndDeletes) {
    Controller c(
        rt_, client(), "indexed", [](const ObjectKey&) { return ReconcileResult::done(); }, log());
    c.forKind(kConfigMap).index(kConfigMap, "owner", [](const Json& o) {
        const std::string owner = o.value("/data/owner"_json_pointer, std::string());
        return owner.empty() ? std::vector<std::string>{} : std::vector<std::string>{owner};
    });
    ASSERT_TRUE(client().create(configMap("a", "alice")).ok());  // before start: the list
    c.start();
    ASSERT_TRUE(client().create(configMap("b", "alice")).ok());
    ASSERT_TRUE(client().create(configMap("c", "bob")).ok());
    ASSERT_TRUE(client().create(configMap("d", "")).ok());
    settle();
    EXPECT_EQ(c.lookup(kConfigMap, "owner", "alice"),
              (std::vector<ObjectKey>{{"default", "a"}, {"default", "b"}}));
    EXPECT_EQ(c.lookup(kConfigMap, "owner", "bob"), (std::vector<ObjectKey>{{"default", "c"}}));
    update("b", "bob");
    settle();
    EXPECT_EQ(c.lookup(kConfigMap, "owner", "alice"), (std::vector<ObjectKey>{{"default", "a"}}));
    EXPECT_EQ(c.lookup(kConfigMap, "owner", "bob"),
              (std::vector<ObjectKey>{{"default", "b"}, {"default", "c"}}));
    client().remove(kConfigMap, {"default", "a"});
    settle();
    EXPECT_TRUE(c.lookup(kConfigMap, "owner", "alice").empty());
    EXPECT_TRUE(c.lookup(kConfigMap, "nope", "bob").empty());
    EXPECT_THROW(
        c.index({"", "v1", "Secret"}, "x", [](const Json&) { return std::vector<std::string>{}; }),
        std::logic_error);
}

// With schedule perturbation the work queue hands out its keys in a seeded order: every key once,
// the same order for the same seed, other orders for other seeds. Without it, first in first out.
std::vector<std::string> reconcileOrder(bool perturb, std::uint64_t seed) {
    RuntimeOptions o;
    o.seed = seed;
    o.virtualTime = true;
    o.perturbSchedule = perturb;
    Runtime rt(o);
    apiserver::ApiServer api(rt);
    std::vector<std::string> order;
    Controller c(
        rt, api.client(), "ordered",
        [&](const ObjectKey& k) {
            if (k.ns == "default" && k.name.size() == 1) order.push_back(k.name);  // ours only
            return ReconcileResult::done();
        },
        Logger(rt.clock(), rt.logs(), "test/controller"));
    c.forKind(kConfigMap);
    for (const char* name : {"a", "b", "c", "d", "e", "f"}) {
        EXPECT_TRUE(api.client().create(configMap(name, "")).ok());
    }
    c.start();
    EXPECT_TRUE(rt.settle(60s).converged);
    return order;
}

TEST_F(ControllerTest, PerturbedSchedulesTakeQueuedKeysInASeededOrder) {
    const std::vector<std::string> fifo{"a", "b", "c", "d", "e", "f"};
    EXPECT_EQ(reconcileOrder(false, 3), fifo);
    std::set<std::vector<std::string>> orders;
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
        auto order = reconcileOrder(true, seed);
        EXPECT_EQ(order, reconcileOrder(true, seed)) << "seed " << seed;
        orders.insert(order);
        std::sort(order.begin(), order.end());
        EXPECT_EQ(order, fifo) << "seed " << seed << ": each key reconciled once";
    }
    EXPECT_GT(orders.size(), 6u);
}

// A steady-state re-check (recheckAfter) still fires on time, but is not work the world waits
// for: with only re-checks pending the world has settled, while a plain requeue keeps it busy.
TEST_F(ControllerTest, RecheckRequeuesFireButAreNotPendingWork) {
    std::vector<std::string> runs;
    bool plain = false;
    Controller c(
        rt_, client(), "rechecking",
        [&](const ObjectKey& k) {
            if (k != ObjectKey{"default", "a"}) return ReconcileResult::done();  // kube-root-ca.crt
            runs.push_back(k.name);
            return plain ? ReconcileResult::after(30s) : ReconcileResult::recheckAfter(60s);
        },
        log());
    c.forKind(kConfigMap);
    c.start();
    ASSERT_TRUE(client().create(configMap("a", "")).ok());
    settle();
    EXPECT_EQ(runs, std::vector<std::string>{"a"});
    EXPECT_FALSE(c.pendingWork().has_value()) << *c.pendingWork();
    rt_.runFor(59s);
    EXPECT_EQ(runs.size(), 1u);
    rt_.runFor(1s);
    EXPECT_EQ(runs.size(), 2u);
    plain = true;
    rt_.runFor(60s);
    ASSERT_EQ(runs.size(), 3u);
    ASSERT_TRUE(c.pendingWork().has_value());
    EXPECT_NE(c.pendingWork()->find("requeue of default/a in 30s"), std::string::npos)
        << *c.pendingWork();
}

TEST_F(ControllerTest, AsyncReconcileRunsOneAtATimeAndAgainWhenDirty) {
    std::vector<std::pair<ObjectKey, ReconcileDone>> pending;
    std::vector<std::string> started;
    Controller c(rt_, client(), "async",
                 AsyncReconciler([&](const ObjectKey& key, ReconcileDone done) {
                     started.push_back(key.name);
                     pending.emplace_back(key, std::move(done));
                 }),
                 log());
    // Only the test's objects (every namespace has its kube-root-ca.crt ConfigMap).
    c.forKind(kConfigMap, [](const ObjectEvent& e) {
        return e.object->value("/data/owner"_json_pointer, std::string()) != "";
    });
    c.start();
    ASSERT_TRUE(client().create(configMap("a", "x")).ok());
    ASSERT_TRUE(client().create(configMap("b", "x")).ok());
    rt_.runFor(1s);
    // One reconcile in flight; the loop keeps running, the other key waits.
    EXPECT_EQ(started, (std::vector<std::string>{"a"}));
    EXPECT_FALSE(c.idle());
    ASSERT_TRUE(c.pendingWork().has_value());
    EXPECT_NE(c.pendingWork()->find("reconciling default/a"), std::string::npos);
    update("a", "y");  // an event for the pending key marks it dirty
    rt_.runFor(1s);
    EXPECT_EQ(started.size(), 1u);
    ReconcileDone first = pending[0].second;
    first(ReconcileResult::done());
    first(ReconcileResult::failed("a second call is ignored"));
    rt_.runFor(1s);
    EXPECT_EQ(started, (std::vector<std::string>{"a", "b"}));
    pending[1].second(ReconcileResult::done());
    rt_.runFor(1s);
    EXPECT_EQ(started, (std::vector<std::string>{"a", "b", "a"}));
    pending[2].second(ReconcileResult::done());
    rt_.runFor(1s);
    EXPECT_TRUE(c.idle());
    EXPECT_EQ(c.reconciles(), 3u);
}

// The API server restarts its watches (410 Expired, history compacted): the controller lists
// again, as client-go's reflector does, so a create and a delete made while no watch was open
// both reach it, and it keeps following events afterwards.
TEST_F(ControllerTest, ReListsWhenTheWatchExpires) {
    std::vector<std::string> seen;
    Controller c(
        rt_, client(), "relist",
        [&](const ObjectKey& k) {
            seen.push_back(k.name);
            return ReconcileResult::done();
        },
        log());
    c.forKind(kConfigMap).index(kConfigMap, "owner", [](const Json& o) {
        return std::vector<std::string>{o.value("/data/owner"_json_pointer, std::string())};
    });
    ASSERT_TRUE(client().create(configMap("a", "alice")).ok());
    c.start();
    settle();
    seen.clear();

    EXPECT_EQ(api_.restartWatches(), 1u);
    // Before the loop runs again: the ERROR event is still queued, the watch is gone.
    ASSERT_TRUE(client().remove(kConfigMap, {"default", "a"}).ok());
    ASSERT_TRUE(client().create(configMap("b", "bob")).ok());
    settle();
    // The re-list also reconciles every object still there (client-go's Replace does the same).
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()),
              (std::set<std::string>{"a", "b", "kube-root-ca.crt"}));
    EXPECT_EQ(c.cache(kConfigMap).count({"default", "a"}), 0u);
    EXPECT_EQ(c.lookup(kConfigMap, "owner", "alice"), std::vector<ObjectKey>{});
    EXPECT_EQ(c.lookup(kConfigMap, "owner", "bob"), (std::vector<ObjectKey>{{"default", "b"}}));
    bool logged = false;
    for (const auto& line : rt_.logs().lines("test/controller"))
        logged = logged || line.text.find("watch ended, re-listing") != std::string::npos;
    EXPECT_TRUE(logged);

    ASSERT_TRUE(client().create(configMap("c", "carol")).ok());
    settle();
    EXPECT_EQ(seen.back(), "c");
}

}  // namespace
}  // namespace mcpsim::core::kube
