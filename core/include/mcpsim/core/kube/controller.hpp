#pragma once
// A level-based controller on the world's loop, in the manner of controller-runtime: watches feed
// object keys into a work queue; a reconciler is called with one key at a time and reads current
// state through the client. Requeues use the world clock (virtual time in scenarios); errors back
// off per key (5 ms doubling, capped at 1000 s); duplicate keys collapse; a key is never
// reconciled twice at once.
//
// A reconciler may finish later (AsyncReconciler: it calls `done` once, now or on a later loop
// turn, for example after an HTTP answer). Like controller-runtime with its default
// MaxConcurrentReconciles=1, the controller runs one reconcile at a time: while one is pending,
// the other keys wait in the queue and events for the pending key mark it dirty (it runs again
// once done). The synchronous form is the same path with `done` called before it returns.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mcpsim/core/activity.hpp"
#include "mcpsim/core/clock.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/log.hpp"

namespace mcpsim::core {
class Runtime;
}

namespace mcpsim::core::kube {

struct ReconcileResult {
    std::optional<Duration> requeueAfter;
    std::optional<std::string> error;  // requeue with backoff, logged as "Reconciler error"
    // The requeue is a steady-state re-check, not unfinished work: a world whose only pending
    // work is such re-checks has settled.
    bool periodic = false;
    static ReconcileResult done() { return {}; }
    static ReconcileResult after(Duration d) { return {d, std::nullopt}; }
    static ReconcileResult failed(std::string e) { return {std::nullopt, std::move(e)}; }
    static ReconcileResult recheckAfter(Duration d) { return {d, std::nullopt, true}; }
};

using Reconciler = std::function<ReconcileResult(const ObjectKey& key)>;
// Called exactly once per reconcile; later calls, and calls after the controller is gone, are
// ignored.
using ReconcileDone = std::function<void(ReconcileResult)>;
using AsyncReconciler = std::function<void(const ObjectKey& key, ReconcileDone done)>;

// An observed change. `old` is null for ADDED/DELETED (DELETED carries the last state).
struct ObjectEvent {
    std::string type;  // ADDED, MODIFIED, DELETED
    const Json* object;
    const Json* old;
};

using Predicate = std::function<bool(const ObjectEvent&)>;
using EventMapper = std::function<std::vector<ObjectKey>(const ObjectEvent&)>;
// The values an object is indexed under (controller-runtime's IndexField extractor).
using IndexFunc = std::function<std::vector<std::string>(const Json& object)>;

namespace predicates {
// Updates pass only when metadata.generation changed; creates and deletes always pass.
bool generationChanged(const ObjectEvent& e);
// Updates pass only when metadata.resourceVersion changed.
bool resourceVersionChanged(const ObjectEvent& e);
}  // namespace predicates

class Controller {
  public:
    Controller(Runtime& runtime, Client& client, std::string name, Reconciler reconciler,
               Logger log);
    Controller(Runtime& runtime, Client& client, std::string name, AsyncReconciler reconciler,
               Logger log);
    ~Controller();
    Controller(const Controller&) = delete;
    Controller& operator=(const Controller&) = delete;

    // The primary kind: events enqueue the object's own key.
    Controller& forKind(const Gvk& kind, Predicate predicate = {});
    // Another kind: events map to keys of the primary kind. For updates the mapper runs for the
    // new and the old object.
    Controller& watches(const Gvk& kind, EventMapper mapper, Predicate predicate = {});
    // Lists and watches every registered kind; the initial list enqueues like ADDED events.
    void start();
    void stop();

    void enqueue(const ObjectKey& key);
    // `periodic`: a steady-state re-check, which pendingWork() does not report.
    void enqueueAfter(const ObjectKey& key, Duration delay, bool periodic = false);

    // The last seen state of a watched kind (an informer cache), keyed by namespace/name. The
    // documents are the ones the watch delivered, shared and immutable.
    const std::map<ObjectKey, std::shared_ptr<const Json>>& cache(const Gvk& kind) const;
    // Whether the controller watches (and so caches) the kind.
    bool watching(const Gvk& kind) const { return sourceOf(kind) != nullptr; }
    // One cached object (null when not cached), and the cached objects of a namespace ("" =
    // all) in key order: the shared documents themselves, for reads that copy nothing.
    std::shared_ptr<const Json> cached(const Gvk& kind, const ObjectKey& key) const;
    std::vector<std::shared_ptr<const Json>> cachedIn(const Gvk& kind, const std::string& ns) const;
    // A field index on a watched kind's cache, kept up to date with its events, so mappers
    // find related objects without scanning the cache (controller-runtime's IndexField).
    // Register before start().
    Controller& index(const Gvk& kind, const std::string& name, IndexFunc extract);
    // The cached objects of `kind` indexed under `value` by index `name`, in key order.
    std::vector<ObjectKey> lookup(const Gvk& kind, const std::string& name,
                                  const std::string& value) const;

    const std::string& name() const { return name_; }
    std::uint64_t reconciles() const { return reconciles_; }
    bool idle() const;
    // Keys waiting for the worker (not counting the one being reconciled).
    std::size_t queued() const { return queue_.size(); }
    // What the controller still has to do (the world's settle probe), nullopt when idle.
    std::optional<std::string> pendingWork() const;

  private:
    struct Source;
    Source* sourceOf(const Gvk& kind) const;
    void onEvent(Source& src, const std::string& type, const std::shared_ptr<const Json>& object);
    // Lists the kind (reconciling the cache with what is there now) and watches from the list.
    void listAndWatch(Source& src);
    void schedule();
    void processOne();
    void finish(const ObjectKey& key, ReconcileResult result);

    Runtime& rt_;
    Client& client_;
    std::string name_;
    AsyncReconciler reconciler_;
    Logger log_;
    std::vector<std::unique_ptr<Source>> sources_;
    std::deque<ObjectKey> queue_;
    std::set<ObjectKey> queued_;
    std::optional<ObjectKey> processing_;
    std::set<ObjectKey> dirty_;  // re-added while being processed
    std::map<ObjectKey, TimerHandle> delayed_;
    std::map<ObjectKey, SteadyTime> delayedAt_;
    std::set<ObjectKey> periodic_;  // delayed keys whose pending requeue is a re-check
    std::map<ObjectKey, int> failures_;
    bool scheduled_ = false;
    bool stopped_ = false;
    std::uint64_t reconciles_ = 0;
    std::shared_ptr<bool> alive_;
    ActivityRegistry::Registration activity_;
};

}  // namespace mcpsim::core::kube
