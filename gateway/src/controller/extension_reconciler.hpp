#pragma once
#include "context.hpp"
#include "mcpsim/core/kube/controller.hpp"

namespace mcpsim::gateway {

// MCPGatewayExtension: Gateway lookup, cross-namespace ReferenceGrant rule, one extension per
// Gateway, finalizer, and the config Secret of its namespace (controller.md section 2).
class ExtensionReconciler {
public:
    explicit ExtensionReconciler(ControllerContext& ctx) : ctx_(ctx) {}
    core::kube::ReconcileResult reconcile(const core::kube::ObjectKey& key);
    // Event mappers.
    std::vector<core::kube::ObjectKey> forGateway(const core::kube::ObjectEvent& e);
    std::vector<core::kube::ObjectKey> forReferenceGrant(const core::kube::ObjectEvent& e);

private:
    core::kube::ReconcileResult setReady(Json ext, bool ready, const std::string& reason,
                                         const std::string& message);
    ControllerContext& ctx_;
};

}  // namespace mcpsim::gateway
