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
    // Other extensions on the same Gateway, so a conflict loser is re-evaluated when the winner
    // goes away or moves (the reference does not do this, FN-9).
    std::vector<core::kube::ObjectKey> forSiblings(const core::kube::ObjectEvent& e);

  private:
    core::kube::ReconcileResult setReady(Json ext, bool ready, const std::string& reason,
                                         const std::string& message);
    ControllerContext& ctx_;
};

}  // namespace mcpsim::gateway
