#include "virtual_server_reconciler.hpp"

#include "../conditions.hpp"
#include "../kinds.hpp"

namespace mcpsim::gateway {

using core::kube::ObjectKey;
using core::kube::ReconcileResult;
using namespace std::chrono_literals;

ReconcileResult VirtualServerReconciler::reconcile(const ObjectKey& key) {
    auto log = ctx_.reconcileLog("mcpvirtualserver", "MCPVirtualServer", key);
    auto got = ctx_.client.get(kinds::kVirtualServer, key);
    if (got.isNotFound()) return ReconcileResult::done();
    if (!got.ok()) return ReconcileResult::failed(got.error().message);
    Json vs = std::move(got).value();
    if (beingDeleted(vs)) {
        // The config is not rewritten on deletion (FN-20).
        if (removeFinalizer(vs, kinds::kFinalizer)) {
            auto r = ctx_.client.update(vs, {"mcp-controller"});
            if (!r.ok()) return ReconcileResult::failed(r.error().message);
        }
        return ReconcileResult::done();
    }
    if (addFinalizer(vs, kinds::kFinalizer)) {
        auto r = ctx_.client.update(vs, {"mcp-controller"});
        if (!r.ok()) return ReconcileResult::failed(r.error().message);
    }
    auto list = ctx_.client.list(kinds::kVirtualServer);
    if (!list.ok()) return ReconcileResult::failed(list.error().message);
    // Sorted by namespace/name (the reference's order is unspecified map order).
    Json servers = Json::array();
    for (const auto& item : list.value()["items"]) {
        if (beingDeleted(item)) continue;
        servers.push_back({{"name", item["metadata"].value("namespace", "") + "/" +
                                        item["metadata"].value("name", "")},
                           {"tools", item.value("/spec/tools"_json_pointer, Json::array())}});
    }
    if (auto err = ctx_.config.writeVirtualServers(servers)) {
        if (err->find("conflict") != std::string::npos) return ReconcileResult::after(2s);
        return ReconcileResult::failed(*err);
    }
    return ReconcileResult::done();
}

}  // namespace mcpsim::gateway
