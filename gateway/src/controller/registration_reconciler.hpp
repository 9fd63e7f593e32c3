#pragma once
#include "context.hpp"
#include "mcpsim/core/kube/controller.hpp"

namespace mcpsim::gateway {

// MCPServerRegistration: HTTPRoute and backend resolution, the server's config entry in every
// valid extension's namespace, and Ready from the broker's /status (controller.md section 3).
class RegistrationReconciler {
public:
    explicit RegistrationReconciler(ControllerContext& ctx) : ctx_(ctx) {}
    core::kube::ReconcileResult reconcile(const core::kube::ObjectKey& key);
    // Event mappers.
    std::vector<core::kube::ObjectKey> forRoute(const core::kube::ObjectEvent& e);
    std::vector<core::kube::ObjectKey> forCredentialSecret(const core::kube::ObjectEvent& e);
    std::vector<core::kube::ObjectKey> forExtension(const core::kube::ObjectEvent& e);

    // The config entry for a registration and its route, or the reference's failure message.
    struct Entry {
        Json value;
        std::string error;
    };
    Entry buildEntry(const Json& mcpsr, const Json& route);

private:
    // Writes the Ready condition and discoveredTools if they changed; false on conflict.
    core::kube::ReconcileResult writeStatus(const Json& mcpsr, bool ready, const std::string& message,
                                            long long tools, core::kube::ReconcileResult onSuccess);
    // NotReady for steps 4-8: a status-write conflict becomes "requeue in 2 s".
    core::kube::ReconcileResult notReady(const Json& mcpsr, const std::string& message,
                                         core::kube::ReconcileResult then);
    void setRouteProgrammed(const Json& mcpsr, bool present);
    ControllerContext& ctx_;
};

}  // namespace mcpsim::gateway
