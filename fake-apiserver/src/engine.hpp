#pragma once
// The API semantics shared by the HTTP surface and the in-process client: create, read, update,
// patch and delete with the real apiserver's rules for metadata (uid, resourceVersion, generation,
// timestamps, managedFields), optimistic concurrency, status subresource, defaulting and
// validation, finalizers and graceful deletion, namespace lifecycle and owner garbage collection.
// Every failure throws core::kube::ApiException and leaves the store untouched.
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "mcpsim/core/json.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/runtime.hpp"
#include "object_store.hpp"
#include "type_registry.hpp"

namespace mcpsim::apiserver {

using core::kube::ObjectKey;

struct WriteContext {
    std::string fieldManager;
    bool dryRun = false;
    std::string fieldValidation;  // Strict, Warn, Ignore or "" (server default: Warn)
    bool force = false;           // server-side apply
};

struct WriteResult {
    Json object;
    bool created = false;
    std::vector<std::string> warnings;  // returned to clients as Warning headers
};

enum class PatchKind { Json, Merge, Strategic, Apply };

class Engine {
  public:
    Engine(core::Runtime& runtime, TypeRegistry& registry, ObjectStore& store);

    static std::string typeKey(const ResourceType& t) { return t.group + "/" + t.plural; }

    Json get(const ResourceType& type, const std::string& version, const ObjectKey& key) const;
    // List object with items converted to `version`. ns "" lists all namespaces.
    Json list(const ResourceType& type, const std::string& version, const std::string& ns,
              const std::string& labelSelector, const std::string& fieldSelector) const;
    // Matches objects against selectors (throws BadRequest for a bad selector).
    std::function<bool(const Json&)> selectorFilter(const ResourceType& type,
                                                    const std::string& labelSelector,
                                                    const std::string& fieldSelector) const;

    WriteResult create(const ResourceType& type, const std::string& version, const std::string& ns,
                       Json body, const WriteContext& ctx);
    WriteResult update(const ResourceType& type, const std::string& version, const ObjectKey& key,
                       Json body, const WriteContext& ctx, bool statusOnly);
    WriteResult patch(const ResourceType& type, const std::string& version, const ObjectKey& key,
                      PatchKind kind, const std::string& body, const WriteContext& ctx,
                      bool statusOnly);
    // Returns the object as it is after the call: with deletionTimestamp when finalizers hold
    // it, else its last state.
    Json remove(const ResourceType& type, const std::string& version, const ObjectKey& key,
                const Json& deleteOptions, const WriteContext& ctx);
    // DELETE on a collection: returns the List of what was deleted.
    Json removeCollection(const ResourceType& type, const std::string& version,
                          const std::string& ns, const std::string& labelSelector,
                          const std::string& fieldSelector, const WriteContext& ctx);

    // Object converted to a served version (our versions differ only in apiVersion).
    Json toVersion(const ResourceType& type, const std::string& version, Json object) const;
    // The same for a shared stored document: itself when it already says this version.
    std::shared_ptr<const Json> toVersion(const ResourceType& type, const std::string& version,
                                          const std::shared_ptr<const Json>& object) const;
    // Lets the server react to stored writes (register CRD kinds, namespace defaults).
    using AfterWrite =
        std::function<void(const ResourceType& type, const Json& object, bool deleted)>;
    void setAfterWrite(AfterWrite fn) { afterWrite_ = std::move(fn); }

    // Messages of some validations changed between releases; follow the reported version.
    void setKubeMinor(int minor) { kubeMinor_ = minor; }
    core::Runtime& runtime() { return rt_; }
    TypeRegistry& registry() { return registry_; }
    ObjectStore& store() { return store_; }

  private:
    enum class Via { Create, Update, Patch };
    void prepareForWrite(const ResourceType& type, Json& obj, const Json* old,
                         const WriteContext& ctx, std::vector<std::string>& warnings,
                         Via via) const;
    void validate(const ResourceType& type, const Json& obj, const Json* old) const;
    Json commitUpdate(const ResourceType& type, const Json& current, Json candidate,
                      const WriteContext& ctx, bool statusOnly, const std::string& operation);
    void checkNamespaceWritable(const ResourceType& type, const std::string& ns,
                                const std::string& name) const;
    void scheduleNamespaceFinalize(const std::string& ns);
    void finalizeNamespace(const std::string& ns);
    void scheduleGarbageCollection(const std::string& ownerUid, const std::string& policy);
    void afterWrite(const ResourceType& type, const Json& object, bool deleted);
    std::string now() const;

    core::Runtime& rt_;
    // Namespaces being finalized: the world is not settled while one is Terminating.
    std::set<std::string> finalizing_;
    core::ActivityRegistry::Registration activity_;
    TypeRegistry& registry_;
    ObjectStore& store_;
    core::Random uidRng_;
    core::Random nameRng_;
    AfterWrite afterWrite_;
    int kubeMinor_ = 31;
};

}  // namespace mcpsim::apiserver
