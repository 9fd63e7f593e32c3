#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <variant>

#include "context.hpp"
#include "mcpsim/core/kube/controller.hpp"

namespace mcpsim::gateway {

// MCPServerRegistration: HTTPRoute and backend resolution, the server's config entry in every
// valid extension's namespace, and Ready from the broker's /status (controller.md section 3).
class RegistrationReconciler {
  public:
    explicit RegistrationReconciler(ControllerContext& ctx) : ctx_(ctx) {}
    // How often a Ready registration asks the broker again (FN-16's intent): the broker's
    // default health tick, so an outage the broker has seen shows within about two ticks.
    static constexpr std::chrono::seconds kReadyRecheck{60};
    // Registers the field indexes the mappers use (the reference's targetRef and credential
    // indexes) on the controller that watches registrations, and reads them from then on:
    // an event finds its registrations without a scan of every registration.
    void indexOn(core::kube::Controller& controller);
    // Ends by calling `done`: at once, or after the broker's /status answer (step 9).
    void reconcile(const core::kube::ObjectKey& key, core::kube::ReconcileDone done);
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
    // Steps 1-8; the state step 9 needs, or the result when the reconcile ends before it.
    struct BrokerCheck;
    std::variant<std::shared_ptr<BrokerCheck>, core::kube::ReconcileResult> prepare(
        const core::kube::ObjectKey& key);
    // Step 9, one config namespace after the other, each continuing in the broker's answer.
    void checkNext(const std::shared_ptr<BrokerCheck>& check);
    // The verdict for one namespace's answer: nullopt when the broker says ready (go on).
    std::optional<core::kube::ReconcileResult> onStatus(BrokerCheck& check,
                                                        const BrokerStatusSource::Status& status);
    // Writes the Ready condition and discoveredTools if they changed, refreshing `mcpsr` from
    // the response (as the reference's in-place Status().Update does). The failed write, if any.
    std::optional<core::kube::ApiError> writeStatus(Json& mcpsr, bool ready,
                                                    const std::string& message, long long tools);
    // NotReady for steps 4-8: `then` on success, "requeue in 2 s" on a status-write conflict,
    // error/backoff on any other status-write failure.
    core::kube::ReconcileResult notReady(Json& mcpsr, const std::string& message,
                                         core::kube::ReconcileResult then);
    // Sets (or removes) Programmed on every parent of the target route. The error of a failed
    // read or write; a missing route is not an error.
    std::optional<std::string> setRouteProgrammed(const Json& mcpsr, bool present);
    ControllerContext& ctx_;
    core::kube::Controller* controller_ = nullptr;
    // Registrations whose next reconcile writes its entry itself: it was staged once already,
    // or the batch it was staged in failed to be written.
    std::set<core::kube::ObjectKey> writeNow_;
    // The last broker body logged, its text as logged, and its servers by id (the first of
    // each): one body answers many reconciles, so it is quoted and indexed once.
    std::shared_ptr<const Json> lastBody_;
    std::shared_ptr<const std::string> lastBodyText_;
    std::unordered_map<std::string, const Json*> lastBodyServers_;
    // Broker answers arriving after this reconciler is gone find it expired.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mcpsim::gateway
