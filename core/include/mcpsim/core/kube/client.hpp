#pragma once
// The Kubernetes client interface the controller, broker and Workloads program against. Objects
// are unstructured JSON. The fake API server implements it in-process; an HTTP implementation can
// point the same code at a real cluster. Calls are synchronous on the loop thread; watch events
// arrive later, on the loop, in resourceVersion order.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mcpsim/core/json.hpp"
#include "mcpsim/core/kube/api_error.hpp"

namespace mcpsim::core::kube {

struct Gvk {
    std::string group;
    std::string version;
    std::string kind;
    std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
    static Gvk of(const std::string& apiVersion, const std::string& kind);
    static Gvk ofObject(const Json& object);
    bool operator==(const Gvk&) const = default;
};

struct ObjectKey {
    std::string ns;  // empty for cluster-scoped objects
    std::string name;
    static ObjectKey ofObject(const Json& object);
    std::string str() const { return ns.empty() ? name : ns + "/" + name; }
    bool operator==(const ObjectKey&) const = default;
    bool operator<(const ObjectKey& o) const { return ns < o.ns || (ns == o.ns && name < o.name); }
};

struct ListOptions {
    std::string ns;  // empty: all namespaces
    std::string labelSelector;
    std::string fieldSelector;
};

enum class PatchType { Json, Merge, Strategic, Apply };

struct WriteOptions {
    std::string fieldManager;
    bool dryRun = false;
    bool force = false;  // server-side apply only
};

// Either a value or an ApiError.
template <typename T>
class Result {
  public:
    Result(T value) : v_(std::move(value)) {}
    Result(ApiError error) : v_(std::move(error)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return std::get<0>(v_); }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& operator*() const& { return value(); }
    const T* operator->() const { return &value(); }
    const ApiError& error() const { return std::get<1>(v_); }
    bool isNotFound() const { return !ok() && error().reason == "NotFound"; }
    bool isConflict() const { return !ok() && error().reason == "Conflict"; }
    // The value, or throws ApiException.
    const T& orThrow() const& {
        if (!ok()) throw ApiException(error());
        return value();
    }

  private:
    std::variant<T, ApiError> v_;
};

// The object is shared, not copied: every watcher of a write (and the API server's own store)
// may hold the same immutable document.
struct WatchEvent {
    WatchEvent(std::string t, Json o)
        : type(std::move(t)), document(std::make_shared<const Json>(std::move(o))) {}
    WatchEvent(std::string t, std::shared_ptr<const Json> d)
        : type(std::move(t)), document(std::move(d)) {}
    const Json& object() const { return *document; }

    std::string type;  // ADDED, MODIFIED, DELETED, ERROR
    std::shared_ptr<const Json> document;
};

class WatchHandle {
  public:
    virtual ~WatchHandle() = default;
    virtual void stop() = 0;  // no events are delivered after stop() returns
};

class Client {
  public:
    virtual ~Client() = default;
    virtual Result<Json> get(const Gvk& type, const ObjectKey& key) = 0;
    // Returns the List object ({apiVersion, kind: <Kind>List, metadata.resourceVersion, items}).
    virtual Result<Json> list(const Gvk& type, const ListOptions& options = {}) = 0;
    virtual Result<Json> create(const Json& object, const WriteOptions& options = {}) = 0;
    // Full replace; metadata.resourceVersion, when set, must match (optimistic concurrency).
    virtual Result<Json> update(const Json& object, const WriteOptions& options = {}) = 0;
    virtual Result<Json> updateStatus(const Json& object, const WriteOptions& options = {}) = 0;
    virtual Result<Json> patch(const Gvk& type, const ObjectKey& key, PatchType patchType,
                               const Json& patch, const WriteOptions& options = {}) = 0;
    virtual Result<Json> patchStatus(const Gvk& type, const ObjectKey& key, PatchType patchType,
                                     const Json& patch, const WriteOptions& options = {}) = 0;
    // Returns the object as stored after the call (with deletionTimestamp when finalizers hold
    // it), or a Status object when it is gone.
    virtual Result<Json> remove(const Gvk& type, const ObjectKey& key) = 0;
    // Starts after resourceVersion (empty: first an ADDED event per current match).
    virtual Result<std::unique_ptr<WatchHandle>> watch(
        const Gvk& type, const ListOptions& options, const std::string& resourceVersion,
        std::function<void(const WatchEvent&)> onEvent) = 0;
};

}  // namespace mcpsim::core::kube
