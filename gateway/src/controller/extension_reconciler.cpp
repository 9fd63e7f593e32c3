#include "extension_reconciler.hpp"

#include "../conditions.hpp"
#include "../kinds.hpp"

namespace mcpsim::gateway {

using core::kube::ObjectEvent;
using core::kube::ObjectKey;
using core::kube::ReconcileResult;

namespace {
constexpr const char* kReasonValid = "ValidMCPGatewayExtension";
constexpr const char* kReasonInvalid = "InvalidMCPGatewayExtension";
constexpr const char* kReasonGrant = "ReferenceGrantRequired";

std::string str(const Json& o, const char* pointer) {
    return o.value(Json::json_pointer(pointer), std::string());
}
}  // namespace

bool grantAllows(const Json& grant, const std::string& extNs, const std::string& gatewayName) {
    bool from = false;
    for (const auto& f : grant.value("/spec/from"_json_pointer, Json::array())) {
        from = from ||
               (f.value("group", "") == "mcp.kagenti.com" &&
                f.value("kind", "") == "MCPGatewayExtension" && f.value("namespace", "") == extNs);
    }
    if (!from) return false;
    for (const auto& t : grant.value("/spec/to"_json_pointer, Json::array())) {
        const std::string kind = t.value("kind", "");
        const std::string name = t.value("name", "");
        if (t.value("group", "") == kinds::kGatewayGroup && (kind.empty() || kind == "Gateway") &&
            (name.empty() || name == gatewayName)) {
            return true;
        }
    }
    return false;
}

std::vector<std::shared_ptr<const Json>> extensionsTargeting(ControllerContext& ctx,
                                                             const std::string& gatewayNs,
                                                             const std::string& gatewayName) {
    std::vector<std::shared_ptr<const Json>> out;
    auto list = ctx.cachedList(kinds::kExtension);
    if (!list.ok()) return out;
    for (const auto& ext : list.value()) {
        // Raw spec values: an omitted namespace is not defaulted (FN-1).
        if (str(*ext, "/spec/targetRef/name") == gatewayName &&
            str(*ext, "/spec/targetRef/namespace") == gatewayNs) {
            out.push_back(ext);
        }
    }
    return out;
}

ValidExtensions validExtensionsFor(ControllerContext& ctx, const std::string& gatewayNs,
                                   const std::string& gatewayName) {
    ValidExtensions result;
    for (const auto& shared : extensionsTargeting(ctx, gatewayNs, gatewayName)) {
        const Json& ext = *shared;
        if (beingDeleted(ext)) continue;
        const std::string extNs = ext["metadata"].value("namespace", "");
        if (extNs == gatewayNs) {
            // Same namespace counts without looking at Ready (FN-12).
            result.extensions.push_back(shared);
            continue;
        }
        auto grants = ctx.cachedList(kinds::kReferenceGrant, gatewayNs);
        if (!grants.ok()) {
            result.error =
                "failed to check if mcpgatewayextension is valid failed to list "
                "ReferenceGrants: " +
                grants.error().message;
            return result;
        }
        bool allowed = false;
        for (const auto& g : grants.value())
            allowed = allowed || grantAllows(*g, extNs, gatewayName);
        if (allowed &&
            conditionIsTrue(ext.value("/status/conditions"_json_pointer, Json::array()), "Ready")) {
            result.extensions.push_back(shared);
        }
    }
    return result;
}

ReconcileResult ExtensionReconciler::setReady(Json ext, bool ready, const std::string& reason,
                                              const std::string& message) {
    Json conditions = ext.value("/status/conditions"_json_pointer, Json::array());
    Json desired = {{"type", "Ready"},
                    {"status", ready ? "True" : "False"},
                    {"reason", reason},
                    {"message", message},
                    {"observedGeneration", ext["metadata"].value("generation", 0)}};
    if (!setCondition(conditions, desired, ctx_.now())) return ReconcileResult::done();
    ext["status"]["conditions"] = conditions;
    auto r = ctx_.client.updateStatus(ext, {"mcp-controller"});
    if (!r.ok()) return ReconcileResult::failed("failed to update status: " + r.error().message);
    return ReconcileResult::done();
}

ReconcileResult ExtensionReconciler::reconcile(const ObjectKey& key) {
    auto log = ctx_.reconcileLog("mcpgatewayextension", "MCPGatewayExtension", key);
    auto got = ctx_.client.get(kinds::kExtension, key);
    if (got.isNotFound()) return ReconcileResult::done();
    if (!got.ok()) return ReconcileResult::failed(got.error().message);
    Json ext = std::move(got).value();
    log.info("reconciling mcpgatewayextension", {{"name", key.name}});
    if (beingDeleted(ext)) {
        if (hasFinalizer(ext, kinds::kFinalizer)) {
            if (auto err = ctx_.config.writeEmpty(key.ns)) return ReconcileResult::failed(*err);
            removeFinalizer(ext, kinds::kFinalizer);
            auto r = ctx_.client.update(ext, {"mcp-controller"});
            if (!r.ok()) return ReconcileResult::failed(r.error().message);
        }
        return ReconcileResult::done();
    }
    if (addFinalizer(ext, kinds::kFinalizer)) {
        auto r = ctx_.client.update(ext, {"mcp-controller"});
        if (!r.ok()) return ReconcileResult::failed(r.error().message);
        return ReconcileResult::done();  // the update event brings us back
    }
    const std::string gwNs = str(ext, "/spec/targetRef/namespace");
    const std::string gwName = str(ext, "/spec/targetRef/name");
    auto gw = ctx_.client.get(kinds::kGateway, {gwNs, gwName});
    if (gw.isNotFound() || (!gw.ok() && gwNs.empty())) {
        return setReady(ext, false, kReasonInvalid, "invalid");
    }
    if (!gw.ok()) return ReconcileResult::failed(gw.error().message);
    if (gwNs != key.ns) {
        auto grants = ctx_.client.list(kinds::kReferenceGrant, {gwNs});
        if (!grants.ok()) return ReconcileResult::failed(grants.error().message);
        bool allowed = false;
        for (const auto& g : grants.value()["items"])
            allowed = allowed || grantAllows(g, key.ns, gwName);
        if (!allowed) {
            log.info(
                "no valid ReferenceGrant found for cross-namespace reference. Removing config "
                "and setting status");
            if (auto err = ctx_.config.writeEmpty(key.ns)) return ReconcileResult::failed(*err);
            return setReady(ext, false, kReasonGrant,
                            "ReferenceGrant required in namespace " + gwNs +
                                " to allow cross-namespace reference");
        }
    }
    // One extension per Gateway: the oldest (by second-resolution creationTimestamp) wins.
    const Json* owner = &ext;
    auto candidates = extensionsTargeting(ctx_, gwNs, gwName);
    for (const auto& c : candidates) {
        if ((*c)["metadata"].value("creationTimestamp", "") <
            owner->value("/metadata/creationTimestamp"_json_pointer, std::string())) {
            owner = c.get();
        }
    }
    if (owner->value("/metadata/uid"_json_pointer, std::string()) !=
        ext["metadata"].value("uid", "")) {
        return setReady(ext, false, kReasonInvalid,
                        "conflict. Gateway target already configured as MCP Gateway");
    }
    ReconcileResult result =
        setReady(ext, true, kReasonValid, "successfully verified and configured");
    if (result.error) return result;
    if (auto err = ctx_.config.ensureExists(key.ns)) return ReconcileResult::failed(*err);
    return result;
}

std::vector<ObjectKey> ExtensionReconciler::forGateway(const ObjectEvent& e) {
    std::vector<ObjectKey> keys;
    const std::string ns = e.object->value("/metadata/namespace"_json_pointer, std::string());
    const std::string name = e.object->value("/metadata/name"_json_pointer, std::string());
    for (const auto& ext : extensionsTargeting(ctx_, ns, name))
        keys.push_back(ObjectKey::ofObject(*ext));
    return keys;
}

std::vector<ObjectKey> ExtensionReconciler::forReferenceGrant(const ObjectEvent& e) {
    // Every extension of every `from` namespace (the reference maps only from[0], FN-5).
    std::vector<ObjectKey> keys;
    auto list = ctx_.client.list(kinds::kExtension);
    if (!list.ok()) return keys;
    for (const auto& f : e.object->value("/spec/from"_json_pointer, Json::array())) {
        if (f.value("group", "") != "mcp.kagenti.com" ||
            f.value("kind", "") != "MCPGatewayExtension")
            continue;
        for (const auto& ext : list.value()["items"]) {
            if (ext["metadata"].value("namespace", "") == f.value("namespace", "")) {
                keys.push_back(ObjectKey::ofObject(ext));
            }
        }
    }
    return keys;
}

std::vector<ObjectKey> ExtensionReconciler::forSiblings(const ObjectEvent& e) {
    std::vector<ObjectKey> keys;
    const ObjectKey self = ObjectKey::ofObject(*e.object);
    for (const auto& ext : extensionsTargeting(ctx_, str(*e.object, "/spec/targetRef/namespace"),
                                               str(*e.object, "/spec/targetRef/name"))) {
        ObjectKey k = ObjectKey::ofObject(*ext);
        if (!(k == self)) keys.push_back(k);
    }
    return keys;
}

}  // namespace mcpsim::gateway
