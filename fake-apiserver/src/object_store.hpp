#pragma once
// Object storage with one global resourceVersion counter (like an etcd revision), a bounded event
// history so watches can resume from a recent resourceVersion, and watch fan-out with selector
// transitions (an object leaving a watcher's selector is a DELETED for that watcher).
// A stored version is immutable and shared: the store, the event history and every in-process
// watcher hold the same document, so a write copies nothing after it is committed.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcpsim/core/json.hpp"
#include "mcpsim/core/kube/client.hpp"

namespace mcpsim::apiserver {

using core::kube::ObjectKey;

class ObjectStore {
  public:
    using Filter = std::function<bool(const Json& object)>;
    using Document = std::shared_ptr<const Json>;
    using Sink = std::function<void(const std::string& type, const Document& object)>;

    std::uint64_t resourceVersion() const { return rv_; }

    const Json* get(const std::string& typeKey, const ObjectKey& key) const;
    // The stored version itself: it stays valid (unchanged) after later writes replace it.
    Document share(const std::string& typeKey, const ObjectKey& key) const;
    // Objects of the type in the namespace ("" = all), ordered by namespace then name.
    std::vector<const Json*> list(const std::string& typeKey, const std::string& ns) const;
    // The same, shared (for watchers that keep what they are sent).
    std::vector<Document> documents(const std::string& typeKey, const std::string& ns) const;
    std::size_t count(const std::string& typeKey) const;

    // Stores the object, assigning the next resourceVersion; emits ADDED or MODIFIED. Returns
    // the stored object.
    const Json& put(const std::string& typeKey, Json object);
    // Removes the object; the DELETED event carries the last state with a new resourceVersion.
    Json erase(const std::string& typeKey, const ObjectKey& key);

    // Registers a watch. sinceRv == 0 means "from now" (the caller sends the initial state).
    // Returns nullopt when sinceRv is older than the retained history (410 Expired).
    // `onTypeRemoved`, when set, is called (and the watch dropped) by closeWatches; `onExpired`
    // by expireWatches.
    std::optional<std::uint64_t> watch(const std::string& typeKey, const std::string& ns,
                                       Filter filter, std::uint64_t sinceRv, Sink sink,
                                       std::function<void()> onTypeRemoved = nullptr,
                                       std::function<void()> onExpired = nullptr);
    void unwatch(std::uint64_t id);
    // The type is gone (its CRD was deleted): ends the watches that asked to be told.
    void closeWatches(const std::string& typeKey);
    // As after an apiserver restart over a compacted etcd: every watch ends (onExpired) and the
    // history is forgotten, so resuming from an older resourceVersion is 410 Expired and
    // clients re-list. Returns the number of watches ended.
    std::size_t expireWatches();
    std::size_t watcherCount() const { return watchers_.size(); }
    std::size_t historySize() const { return history_.size(); }

  private:
    struct Event {
        std::uint64_t rv;
        std::string typeKey;
        std::string type;
        Document object;
        Document old;  // previous state for MODIFIED (selector transitions)
    };
    struct Watcher {
        std::string typeKey;
        std::string ns;
        Filter filter;
        Sink sink;
        std::function<void()> onTypeRemoved;
        std::function<void()> onExpired;
    };
    void emit(Event event);
    static void deliver(const Watcher& w, const Event& e);

    std::uint64_t rv_ = 0;
    std::map<std::string, std::map<ObjectKey, Document>> objects_;
    std::deque<Event> history_;
    std::map<std::uint64_t, Watcher> watchers_;
    std::uint64_t nextWatchId_ = 1;
    static constexpr std::size_t kHistory = 20000;
};

}  // namespace mcpsim::apiserver
