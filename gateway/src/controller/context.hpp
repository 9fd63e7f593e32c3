#pragma once
// What every reconciler of the MCP controller shares.
#include <memory>
#include <string>
#include <vector>

#include "config_secret.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/kube/controller.hpp"
#include "mcpsim/core/log.hpp"
#include "mcpsim/core/random.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/gateway/mcp_controller.hpp"

namespace mcpsim::gateway {

struct ControllerContext {
    ControllerContext(core::Runtime& runtime, core::kube::Client& c, BrokerStatusSource& b,
                      core::Logger l)
        : rt(runtime),
          client(c),
          broker(b),
          log(std::move(l)),
          config(c, log),
          rng(runtime.rng().fork("mcp-controller.reconcileID")) {}

    std::string now() const { return core::formatRfc3339(rt.clock().now()); }
    // The per-reconcile logger controller-runtime hands a reconciler.
    core::Logger reconcileLog(const std::string& controller, const std::string& kind,
                              const core::kube::ObjectKey& key) {
        return log.with({{"controller", controller},
                         {"controllerGroup", "mcp.kagenti.com"},
                         {"controllerKind", kind},
                         {kind, Json{{"name", key.name}, {"namespace", key.ns}}.dump()},
                         {"namespace", key.ns},
                         {"name", key.name},
                         {"reconcileID", rng.uuid()}});
    }

    // Reads served by the informer caches of the controllers in `informers`, as the reference's
    // cache-backed client serves them: the shared documents the watches delivered, no API
    // request and no copy. A kind no informer watches is read from the API. Objects a reconcile
    // then writes are still read from the API, so their resourceVersion is current.
    std::vector<const core::kube::Controller*> informers;
    // Null when the object does not exist; the API's error when it cannot be read.
    core::kube::Result<std::shared_ptr<const Json>> cachedGet(const core::kube::Gvk& kind,
                                                              const core::kube::ObjectKey& key);
    // The objects of a kind in a namespace ("" = every namespace), in key order.
    core::kube::Result<std::vector<std::shared_ptr<const Json>>> cachedList(
        const core::kube::Gvk& kind, const std::string& ns = "");

    core::Runtime& rt;
    core::kube::Client& client;
    BrokerStatusSource& broker;
    core::Logger log;
    ConfigSecret config;
    core::Random rng;
};

// Extensions that may receive server entries for a Gateway (reference "valid exts"): not being
// deleted, and either in the Gateway's namespace or allowed by a ReferenceGrant and Ready.
struct ValidExtensions {
    std::vector<std::shared_ptr<const Json>> extensions;
    std::optional<std::string> error;
};
ValidExtensions validExtensionsFor(ControllerContext& ctx, const std::string& gatewayNs,
                                   const std::string& gatewayName);
// Whether a ReferenceGrant in the Gateway's namespace lets an extension in extNs target it.
bool grantAllows(const Json& grant, const std::string& extNs, const std::string& gatewayName);
// Extensions targeting the Gateway (by the reference's index: targetRef name + namespace as
// written, no defaulting).
std::vector<std::shared_ptr<const Json>> extensionsTargeting(ControllerContext& ctx,
                                                             const std::string& gatewayNs,
                                                             const std::string& gatewayName);

}  // namespace mcpsim::gateway
