#pragma once
#include "context.hpp"
#include "mcpsim/core/kube/controller.hpp"

namespace mcpsim::gateway {

// MCPVirtualServer: finalizer, and the virtualServers section of mcp-system's config
// (controller.md section 4).
class VirtualServerReconciler {
  public:
    explicit VirtualServerReconciler(ControllerContext& ctx) : ctx_(ctx) {}
    core::kube::ReconcileResult reconcile(const core::kube::ObjectKey& key);

  private:
    ControllerContext& ctx_;
};

}  // namespace mcpsim::gateway
