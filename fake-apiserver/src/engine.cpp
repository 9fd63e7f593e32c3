#include "engine.hpp"

#include <algorithm>
#include <initializer_list>
#include <set>
#include <string_view>

#include "builtin_hooks.hpp"
#include "managed_fields.hpp"
#include "mcpsim/core/go_format.hpp"
#include "patch.hpp"
#include "selectors.hpp"

namespace mcpsim::apiserver {

using core::kube::ApiError;
using core::kube::ApiException;
using core::kube::StatusCause;

namespace {

[[noreturn]] void raise(ApiError e) {
    throw ApiException(std::move(e));
}

Json& meta(Json& o) {
    if (!o.contains("metadata") || !o["metadata"].is_object()) o["metadata"] = Json::object();
    return o["metadata"];
}

const Json& metaOf(const Json& o) {
    static const Json empty = Json::object();
    auto it = o.find("metadata");
    return it == o.end() || !it->is_object() ? empty : *it;
}

std::string strField(const Json& md, const char* key) {
    auto it = md.find(key);
    return it != md.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Two objects equal but for the named top-level keys, compared in place: updates compare the
// stored object with the candidate twice, and copies of both would cost more than the write.
bool equalExcept(const Json& a, const Json& b, std::initializer_list<std::string_view> skip) {
    if (!a.is_object() || !b.is_object()) return a == b;
    auto skipped = [&skip](const std::string& key) {
        return std::find(skip.begin(), skip.end(), key) != skip.end();
    };
    std::size_t kept = 0;
    for (auto it = a.begin(); it != a.end(); ++it) {
        if (skipped(it.key())) continue;
        ++kept;
        auto other = b.find(it.key());
        if (other == b.end() || *other != it.value()) return false;
    }
    for (auto it = b.begin(); it != b.end(); ++it) {
        if (!skipped(it.key())) --kept;
    }
    return kept == 0;
}

// Whether an update changes what the generation counts: everything but metadata, type and (with
// a status subresource) status.
bool sameGenerationContent(const ResourceType& t, const Json& a, const Json& b) {
    if (t.hasStatus()) return equalExcept(a, b, {"metadata", "apiVersion", "kind", "status"});
    return equalExcept(a, b, {"metadata", "apiVersion", "kind"});
}

// Two objects equal once server-maintained bookkeeping is ignored: a write that changes nothing
// else is a no-op with no new resourceVersion, as in the real apiserver.
bool sameContent(const Json& a, const Json& b) {
    if (!equalExcept(a, b, {"metadata"})) return false;
    auto ma = a.find("metadata"), mb = b.find("metadata");
    if ((ma == a.end()) != (mb == b.end())) return false;
    return ma == a.end() || equalExcept(*ma, *mb, {"resourceVersion", "managedFields"});
}

[[noreturn]] void raiseStaleWrite(const ResourceType& t, const std::string& name) {
    raise(core::kube::conflict(t.plural, t.group, name,
                               "the object has been modified; please apply your changes to the "
                               "latest version and try again"));
}

// Sets `to`'s status to `from`'s (absent when `from` has none).
void copyStatus(const Json& from, Json& to) {
    if (from.contains("status")) {
        to["status"] = from["status"];
    } else {
        to.erase("status");
    }
}

// What an update or patch may write: on the status subresource only `status` from the incoming
// object; on the main resource everything but `status` when status is a subresource.
Json writableCandidate(const ResourceType& t, const Json& current, Json incoming, bool statusOnly) {
    if (statusOnly) {
        Json candidate = current;
        copyStatus(incoming, candidate);
        return candidate;
    }
    if (t.hasStatus()) copyStatus(current, incoming);
    return incoming;
}

bool hasFinalizers(const Json& o) {
    auto md = o.find("metadata");
    if (md == o.end()) return false;
    auto f = md->find("finalizers");
    return f != md->end() && f->is_array() && !f->empty();
}

}  // namespace

Engine::Engine(core::Runtime& runtime, TypeRegistry& registry, ObjectStore& store)
    : rt_(runtime),
      registry_(registry),
      store_(store),
      uidRng_(runtime.rng().fork("apiserver.uid")),
      nameRng_(runtime.rng().fork("apiserver.generateName")) {
    activity_ = runtime.activity().add("apiserver", [this]() -> std::optional<std::string> {
        if (finalizing_.empty()) return std::nullopt;
        return "namespace " + *finalizing_.begin() + " terminating";
    });
}

std::string Engine::now() const {
    return core::formatRfc3339(rt_.clock().now());
}

Json Engine::toVersion(const ResourceType& type, const std::string& version, Json object) const {
    object["apiVersion"] = type.apiVersion(version);
    object["kind"] = type.kind;
    return object;
}

std::shared_ptr<const Json> Engine::toVersion(const ResourceType& type, const std::string& version,
                                              const std::shared_ptr<const Json>& object) const {
    const std::string apiVersion = type.apiVersion(version);
    auto av = object->find("apiVersion");
    auto kind = object->find("kind");
    if (av != object->end() && *av == apiVersion && kind != object->end() && *kind == type.kind)
        return object;
    return std::make_shared<const Json>(toVersion(type, version, *object));
}

Json Engine::get(const ResourceType& type, const std::string& version, const ObjectKey& key) const {
    const Json* o = store_.get(typeKey(type), key);
    if (!o) raise(core::kube::notFound(type.plural, type.group, key.name));
    return toVersion(type, version, *o);
}

std::function<bool(const Json&)> Engine::selectorFilter(const ResourceType& type,
                                                        const std::string& labelSelector,
                                                        const std::string& fieldSelector) const {
    std::optional<LabelSelector> ls;
    std::optional<FieldSelector> fs;
    try {
        if (!labelSelector.empty()) ls = LabelSelector::parse(labelSelector);
        if (!fieldSelector.empty()) fs = FieldSelector::parse(fieldSelector);
    } catch (const SelectorError& e) {
        raise(core::kube::badRequest(e.what()));
    }
    if (fs) {
        for (const auto& key : fs->keys()) {
            if (key == "metadata.name" || (key == "metadata.namespace" && type.namespaced))
                continue;
            if (std::find(type.fieldSelectors.begin(), type.fieldSelectors.end(), key) ==
                type.fieldSelectors.end()) {
                raise(core::kube::badRequest(fieldLabelNotSupportedMessage(key)));
            }
        }
    }
    if (!ls && !fs) return nullptr;
    return [ls, fs](const Json& o) {
        if (ls) {
            const Json& md = metaOf(o);
            auto labels = md.find("labels");
            if (!ls->matches(labels == md.end() ? Json() : *labels)) return false;
        }
        return !fs || fs->matches(o);
    };
}

Json Engine::list(const ResourceType& type, const std::string& version, const std::string& ns,
                  const std::string& labelSelector, const std::string& fieldSelector) const {
    auto filter = selectorFilter(type, labelSelector, fieldSelector);
    Json items = Json::array();
    for (const Json* o : store_.list(typeKey(type), type.namespaced ? ns : "")) {
        if (filter && !filter(*o)) continue;
        items.push_back(toVersion(type, version, *o));
    }
    return Json{{"apiVersion", type.apiVersion(version)},
                {"kind", type.listKind},
                {"metadata", {{"resourceVersion", std::to_string(store_.resourceVersion())}}},
                {"items", std::move(items)}};
}

void Engine::checkNamespaceWritable(const ResourceType& type, const std::string& ns,
                                    const std::string& name) const {
    if (!type.namespaced) return;
    const ResourceType* nsType = registry_.byResource("", "namespaces");
    const Json* nsObj = nsType ? store_.get(typeKey(*nsType), ObjectKey{"", ns}) : nullptr;
    if (!nsObj) raise(core::kube::notFound("namespaces", "", ns));
    if (metaOf(*nsObj).contains("deletionTimestamp")) {
        ApiError e = core::kube::forbidden(
            type.plural, type.group, name,
            "unable to create new content in namespace " + ns + " because it is being terminated");
        e.causes.push_back({"NamespaceTerminating", "namespace " + ns + " is being terminated",
                            "metadata.namespace"});
        raise(e);
    }
}

void Engine::prepareForWrite(const ResourceType& type, Json& obj, const Json* old,
                             const WriteContext& ctx, std::vector<std::string>& warnings,
                             Via via) const {
    const VersionSpec& sv = type.storageVersion();
    if (!sv.schema.empty()) {
        const Json beforePrune = obj;
        std::vector<std::string> unknown = sv.schema.prune(obj);
        if (!unknown.empty()) {
            if (ctx.fieldValidation == "Strict") {
                std::string msg = "strict decoding error: ";
                for (std::size_t i = 0; i < unknown.size(); ++i) {
                    msg += (i ? ", " : "") + std::string("unknown field \"") + unknown[i] + "\"";
                }
                if (via == Via::Patch) {
                    // The patch handler reports it as an invalid "patch" field of no kind.
                    raise(core::kube::invalid(
                        "", "", "", "",
                        {{"FieldValueInvalid",
                          "Invalid value: " + Json(beforePrune.dump()).dump() + ": " + msg,
                          "patch"}}));
                }
                const std::string v = beforePrune.value("apiVersion", "");
                const std::string version = v.substr(v.find('/') + 1);
                raise(core::kube::badRequest(type.kind + " in version \"" + version +
                                             "\" cannot be handled as a " + type.kind + ": " +
                                             msg));
            }
            if (ctx.fieldValidation != "Ignore") {
                for (const auto& f : unknown) warnings.push_back("unknown field \"" + f + "\"");
            }
        }
        sv.schema.applyDefaults(obj);
    }
    auto rng = uidRng_.fork("defaults." + strField(metaOf(obj), "name"));
    applyBuiltinDefaults(type, obj, old, rng);
    (void)old;
}

void Engine::validate(const ResourceType& type, const Json& obj, const Json* old) const {
    std::vector<StatusCause> errs;
    validateObjectMeta(type, obj, errs);
    const VersionSpec& sv = type.storageVersion();
    if (!sv.schema.empty()) {
        auto more = sv.schema.validate(obj, old, kubeMinor_);
        errs.insert(errs.end(), more.begin(), more.end());
    }
    validateBuiltin(type, obj, old, errs);
    if (errs.empty() && type.group == "apiextensions.k8s.io" &&
        type.kind == "CustomResourceDefinition") {
        TypeRegistry::fromCrd(obj);  // throws Invalid with the CRD's own field errors
    }
    if (old) {
        const Json& oldMd = metaOf(*old);
        if (oldMd.contains("deletionTimestamp")) {
            // No finalizer may be added while the object is being deleted.
            std::set<std::string> before;
            for (const auto& f : oldMd.value("finalizers", Json::array()))
                before.insert(f.get<std::string>());
            for (const auto& f : metaOf(obj).value("finalizers", Json::array())) {
                if (!before.count(f.get<std::string>())) {
                    errs.push_back({"FieldValueForbidden",
                                    "Forbidden: no new finalizers can be added if the object is "
                                    "being deleted, found new finalizers []string{" +
                                        Json(f).dump() + "}",
                                    "metadata.finalizers"});
                }
            }
        }
    }
    if (!errs.empty()) {
        raise(core::kube::invalid(type.qualifiedKind(), type.group, type.kind,
                                  strField(metaOf(obj), "name"), std::move(errs)));
    }
}

WriteResult Engine::create(const ResourceType& type, const std::string& version,
                           const std::string& ns, Json body, const WriteContext& ctx) {
    if (!body.is_object())
        raise(core::kube::badRequest("the body of the request must be an object"));
    Json& md = meta(body);
    const std::string bodyNs = strField(md, "namespace");
    if (type.namespaced) {
        if (!bodyNs.empty() && bodyNs != ns) {
            raise(core::kube::badRequest(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"));
        }
        md["namespace"] = ns;
    } else {
        md.erase("namespace");
    }
    const bool rvGiven = !strField(md, "resourceVersion").empty();
    if (strField(md, "name").empty() && !strField(md, "generateName").empty()) {
        md["name"] = strField(md, "generateName") + nameRng_.nameSuffix(5);
    }
    checkNamespaceWritable(type, ns, strField(md, "name"));
    // Server-owned fields never come from the client.
    md.erase("uid");
    md.erase("creationTimestamp");
    md.erase("deletionTimestamp");
    md.erase("deletionGracePeriodSeconds");
    md.erase("generation");
    md.erase("managedFields");
    md.erase("selfLink");
    if (type.hasStatus() && !(type.crd == false && type.kind == "Namespace")) body.erase("status");
    body["apiVersion"] = type.apiVersion(type.storageVersion().name);
    body["kind"] = type.kind;
    WriteResult result;
    prepareForWrite(type, body, nullptr, ctx, result.warnings, Via::Create);
    validate(type, body, nullptr);
    if (rvGiven) {
        // The storage layer refuses it, after validation, as an untyped internal error.
        raise(ApiError{500, "", "resourceVersion should not be set on objects to be created"});
    }
    const ObjectKey key{type.namespaced ? ns : "", strField(body["metadata"], "name")};
    if (store_.get(typeKey(type), key)) {
        raise(core::kube::alreadyExists(type.plural, type.group, key.name));
    }
    Json& m = body["metadata"];
    m["uid"] = uidRng_.uuid();
    m["creationTimestamp"] = now();
    if (type.generation) m["generation"] = 1;
    recordManagedFields(body, nullptr, ctx.fieldManager.empty() ? "unknown" : ctx.fieldManager,
                        "Update", type.apiVersion(version), now(), "");
    result.created = true;
    if (ctx.dryRun) {
        m["resourceVersion"] = "";
        m.erase("resourceVersion");
        result.object = toVersion(type, version, std::move(body));
        return result;
    }
    const Json& stored = store_.put(typeKey(type), std::move(body));
    result.object = toVersion(type, version, stored);
    afterWrite(type, stored, false);
    return result;
}

Json Engine::commitUpdate(const ResourceType& type, const Json& current, Json candidate,
                          const WriteContext& ctx, bool statusOnly, const std::string& operation) {
    Json& md = meta(candidate);
    const Json& cur = metaOf(current);
    // Identity and server-owned metadata always come from the stored object.
    for (const char* k : {"uid", "creationTimestamp", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation", "namespace", "name"}) {
        if (cur.contains(k)) {
            md[k] = cur[k];
        } else {
            md.erase(k);
        }
    }
    md["managedFields"] = cur.value("managedFields", Json::array());
    if (md["managedFields"].empty()) md.erase("managedFields");
    candidate["apiVersion"] = current["apiVersion"];
    candidate["kind"] = type.kind;
    if (type.generation && !sameGenerationContent(type, candidate, current)) {
        md["generation"] = cur.value("generation", 0) + 1;
    }
    if (sameContent(candidate, current)) return current;
    recordManagedFields(candidate, &current,
                        ctx.fieldManager.empty() ? "unknown" : ctx.fieldManager, operation,
                        current.value("apiVersion", ""), now(), statusOnly ? "status" : "");
    if (ctx.dryRun) return candidate;
    const ObjectKey key = ObjectKey::ofObject(current);
    if (md.contains("deletionTimestamp") && !hasFinalizers(candidate)) {
        // The last finalizer is gone: deletion completes.
        store_.put(typeKey(type), candidate);
        Json last = store_.erase(typeKey(type), key);
        afterWrite(type, last, true);
        return last;
    }
    const Json& stored = store_.put(typeKey(type), std::move(candidate));
    afterWrite(type, stored, false);
    return stored;
}

WriteResult Engine::update(const ResourceType& type, const std::string& version,
                           const ObjectKey& key, Json body, const WriteContext& ctx,
                           bool statusOnly) {
    if (!body.is_object())
        raise(core::kube::badRequest("the body of the request must be an object"));
    Json& md = meta(body);
    const std::string bodyName = strField(md, "name");
    if (!bodyName.empty() && bodyName != key.name) {
        raise(core::kube::badRequest("the name of the object (" + bodyName +
                                     ") does not match the name on the URL (" + key.name + ")"));
    }
    if (type.namespaced) {
        const std::string bodyNs = strField(md, "namespace");
        if (!bodyNs.empty() && bodyNs != key.ns) {
            raise(core::kube::badRequest(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"));
        }
    }
    // Pinned, not copied: the stored version stays as it is while this write replaces it.
    const ObjectStore::Document pinned = store_.share(typeKey(type), key);
    if (!pinned) raise(core::kube::notFound(type.plural, type.group, key.name));
    const Json& current = *pinned;
    const std::string rv = strField(md, "resourceVersion");
    if (rv.empty() && type.crd) {
        // The storage layer names the resource, not the kind, in this one.
        raise(core::kube::invalid(
            type.qualifiedResource(), type.group, type.plural, key.name,
            {{"FieldValueInvalid", "Invalid value: 0x0: must be specified for an update",
              "metadata.resourceVersion"}}));
    }
    if (!rv.empty() && rv != strField(metaOf(current), "resourceVersion")) {
        raiseStaleWrite(type, key.name);
    }
    WriteResult result;
    Json candidate = writableCandidate(type, current, std::move(body), statusOnly);
    meta(candidate)["namespace"] = current["metadata"].value("namespace", Json());
    if (!type.namespaced) candidate["metadata"].erase("namespace");
    prepareForWrite(type, candidate, &current, ctx, result.warnings, Via::Update);
    validate(type, candidate, &current);
    result.object =
        toVersion(type, version,
                  commitUpdate(type, current, std::move(candidate), ctx, statusOnly, "Update"));
    return result;
}

WriteResult Engine::patch(const ResourceType& type, const std::string& version,
                          const ObjectKey& key, PatchKind kind, const std::string& body,
                          const WriteContext& ctx, bool statusOnly) {
    if (kind == PatchKind::Strategic && type.crd) {
        raise(core::kube::unsupportedMediaType(
            "application/strategic-merge-patch+json",
            {"application/json-patch+json", "application/merge-patch+json",
             "application/apply-patch+yaml"}));
    }
    const Json* currentPtr = store_.get(typeKey(type), key);
    if (kind == PatchKind::Apply) {
        Json config = decodeApplyConfiguration(body);
        if (!currentPtr) {
            if (statusOnly) raise(core::kube::notFound(type.plural, type.group, key.name));
            WriteContext c = ctx;
            meta(config)["name"] = key.name;
            WriteResult r = create(type, version, key.ns, std::move(config), c);
            // Ownership of what was applied belongs to the applier.
            if (!ctx.dryRun) {
                Json stored = *store_.get(typeKey(type), key);
                setApplyOwnership(stored, ctx.fieldManager, type.apiVersion(version), now(),
                                  applyFieldSet(r.object), statusOnly ? "status" : "");
                r.object = toVersion(type, version, store_.put(typeKey(type), std::move(stored)));
            }
            return r;
        }
        const ObjectStore::Document pinned = store_.share(typeKey(type), key);
        const Json& current = *pinned;
        Json candidate = serverSideApply(type, current, config, ctx.fieldManager, ctx.force);
        WriteResult result;
        prepareForWrite(type, candidate, &current, ctx, result.warnings, Via::Patch);
        if (statusOnly) {
            Json onlyStatus = current;
            onlyStatus["status"] = candidate.value("status", Json::object());
            candidate = std::move(onlyStatus);
        } else if (type.hasStatus()) {
            if (current.contains("status")) candidate["status"] = current["status"];
        }
        validate(type, candidate, &current);
        Json committed =
            commitUpdate(type, current, std::move(candidate), ctx, statusOnly, "Apply");
        if (!ctx.dryRun && store_.get(typeKey(type), key)) {
            Json stored = *store_.get(typeKey(type), key);
            if (setApplyOwnership(stored, ctx.fieldManager, current.value("apiVersion", ""), now(),
                                  applyFieldSet(config), statusOnly ? "status" : "")) {
                committed = store_.put(typeKey(type), std::move(stored));
            }
        }
        result.object = toVersion(type, version, committed);
        return result;
    }
    if (!currentPtr) raise(core::kube::notFound(type.plural, type.group, key.name));
    const ObjectStore::Document pinned = store_.share(typeKey(type), key);
    const Json current = toVersion(type, version, *pinned);
    Json patched;
    try {
        switch (kind) {
            case PatchKind::Json:
                patched =
                    applyJsonPatch(current, decodePatchBody(body, PatchBodyFormat::JsonPatch));
                break;
            case PatchKind::Merge:
                patched =
                    applyMergePatch(current, decodePatchBody(body, PatchBodyFormat::MergePatch));
                break;
            case PatchKind::Strategic:
                patched = applyStrategicMergePatch(
                    current, decodePatchBody(body, PatchBodyFormat::StrategicMergePatch),
                    builtinMergeKeys());
                break;
            case PatchKind::Apply:
                break;
        }
    } catch (const PatchError& e) {
        ApiError err;
        err.code = e.httpCode;
        err.reason = e.reason;
        err.message = e.what();
        raise(err);
    }
    if (!patched.is_object()) raise(core::kube::badRequest("the patched object must be an object"));
    // A patch only carries a precondition if it sets resourceVersion itself.
    Json& md = meta(patched);
    const std::string rv = strField(md, "resourceVersion");
    if (rv != strField(metaOf(current), "resourceVersion")) {
        raiseStaleWrite(type, key.name);
    }
    WriteResult result;
    Json candidate = writableCandidate(type, current, std::move(patched), statusOnly);
    prepareForWrite(type, candidate, &current, ctx, result.warnings, Via::Patch);
    validate(type, candidate, &current);
    result.object =
        toVersion(type, version,
                  commitUpdate(type, *pinned, std::move(candidate), ctx, statusOnly, "Update"));
    return result;
}

Json Engine::remove(const ResourceType& type, const std::string& version, const ObjectKey& key,
                    const Json& options, const WriteContext& ctx) {
    const Json* currentPtr = store_.get(typeKey(type), key);
    if (!currentPtr) raise(core::kube::notFound(type.plural, type.group, key.name));
    Json current = *currentPtr;
    const Json& cmd = metaOf(current);
    if (options.is_object() && options.contains("preconditions")) {
        const Json& pre = options["preconditions"];
        if (pre.contains("uid") && pre["uid"].is_string() &&
            pre["uid"] != cmd.value("uid", Json())) {
            raise(core::kube::conflict(
                type.plural, type.group, key.name,
                "Precondition failed: UID in precondition: " + pre["uid"].get<std::string>() +
                    ", UID in object meta: " + cmd.value("uid", "")));
        }
        if (pre.contains("resourceVersion") && pre["resourceVersion"].is_string() &&
            pre["resourceVersion"] != cmd.value("resourceVersion", Json())) {
            raise(core::kube::conflict(
                type.plural, type.group, key.name,
                "Precondition failed: ResourceVersion in precondition: " +
                    pre["resourceVersion"].get<std::string>() +
                    ", ResourceVersion in object meta: " + cmd.value("resourceVersion", "")));
        }
    }
    std::string policy = options.is_object() ? options.value("propagationPolicy", "") : "";
    bool dryRun = ctx.dryRun;
    if (options.is_object() && options.contains("dryRun")) dryRun = true;
    const bool isNamespace = type.group.empty() && type.kind == "Namespace";
    if (cmd.contains("deletionTimestamp")) return toVersion(type, version, current);
    if (hasFinalizers(current) || isNamespace) {
        Json& md = meta(current);
        md["deletionTimestamp"] = now();
        md["deletionGracePeriodSeconds"] = 0;
        if (type.generation) md["generation"] = md.value("generation", 0) + 1;
        if (isNamespace) current["status"]["phase"] = "Terminating";
        if (dryRun) return toVersion(type, version, current);
        const Json& stored = store_.put(typeKey(type), std::move(current));
        Json out = toVersion(type, version, stored);
        if (isNamespace) scheduleNamespaceFinalize(key.name);
        return out;
    }
    if (dryRun) return toVersion(type, version, current);
    Json last = store_.erase(typeKey(type), key);
    afterWrite(type, last, true);
    scheduleGarbageCollection(metaOf(last).value("uid", ""), policy);
    return toVersion(type, version, last);
}

Json Engine::removeCollection(const ResourceType& type, const std::string& version,
                              const std::string& ns, const std::string& labelSelector,
                              const std::string& fieldSelector, const WriteContext& ctx) {
    Json listed = list(type, version, ns, labelSelector, fieldSelector);
    Json deleted = Json::array();
    for (const auto& item : listed["items"]) {
        try {
            deleted.push_back(
                remove(type, version, ObjectKey::ofObject(item), Json::object(), ctx));
        } catch (const ApiException& e) {
            if (e.error.reason != "NotFound") throw;
        }
    }
    listed["items"] = std::move(deleted);
    listed["metadata"]["resourceVersion"] = std::to_string(store_.resourceVersion());
    return listed;
}

void Engine::scheduleNamespaceFinalize(const std::string& ns) {
    // The namespace controller works asynchronously; in virtual time this costs nothing.
    finalizing_.insert(ns);
    rt_.clock().schedule(std::chrono::milliseconds(100), [this, ns] { finalizeNamespace(ns); });
}

void Engine::finalizeNamespace(const std::string& ns) {
    const ResourceType* nsType = registry_.byResource("", "namespaces");
    if (!nsType || !store_.get(typeKey(*nsType), ObjectKey{"", ns})) {
        finalizing_.erase(ns);
        return;
    }
    bool remaining = false;
    for (const ResourceType* t : registry_.all()) {
        if (!t->namespaced) continue;
        std::vector<ObjectKey> keys;
        for (const Json* o : store_.list(typeKey(*t), ns)) keys.push_back(ObjectKey::ofObject(*o));
        for (const auto& k : keys) {
            remaining = true;
            const Json* o = store_.get(typeKey(*t), k);
            if (o && !metaOf(*o).contains("deletionTimestamp")) {
                remove(*t, t->storageVersion().name, k, Json::object(), WriteContext{});
            }
        }
    }
    for (const ResourceType* t : registry_.all()) {
        if (t->namespaced && !store_.list(typeKey(*t), ns).empty()) {
            // Objects held by finalizers: check again later, as the namespace controller does.
            rt_.clock().schedule(std::chrono::seconds(1), [this, ns] { finalizeNamespace(ns); });
            return;
        }
    }
    (void)remaining;
    finalizing_.erase(ns);
    Json last = store_.erase(typeKey(*nsType), ObjectKey{"", ns});
    (void)last;
}

void Engine::scheduleGarbageCollection(const std::string& ownerUid, const std::string& policy) {
    if (ownerUid.empty()) return;
    rt_.clock().schedule(std::chrono::milliseconds(0), [this, ownerUid, policy] {
        for (const ResourceType* t : registry_.all()) {
            std::vector<ObjectKey> dependents;
            for (const Json* o : store_.list(typeKey(*t), "")) {
                for (const auto& ref : metaOf(*o).value("ownerReferences", Json::array())) {
                    if (ref.value("uid", "") == ownerUid)
                        dependents.push_back(ObjectKey::ofObject(*o));
                }
            }
            for (const auto& k : dependents) {
                const Json* o = store_.get(typeKey(*t), k);
                if (!o) continue;
                if (policy == "Orphan") {
                    Json copy = *o;
                    Json refs = Json::array();
                    for (const auto& ref : copy["metadata"]["ownerReferences"]) {
                        if (ref.value("uid", "") != ownerUid) refs.push_back(ref);
                    }
                    if (refs.empty()) {
                        copy["metadata"].erase("ownerReferences");
                    } else {
                        copy["metadata"]["ownerReferences"] = refs;
                    }
                    store_.put(typeKey(*t), std::move(copy));
                } else {
                    try {
                        remove(*t, t->storageVersion().name, k, Json::object(), WriteContext{});
                    } catch (const ApiException&) {
                    }
                }
            }
        }
    });
}

void Engine::afterWrite(const ResourceType& type, const Json& object, bool deleted) {
    if (afterWrite_) afterWrite_(type, object, deleted);
}

}  // namespace mcpsim::apiserver
