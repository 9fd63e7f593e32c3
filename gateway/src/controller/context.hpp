#pragma once
// What every reconciler of the MCP controller shares.
#include <string>

#include "config_secret.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/kube/client.hpp"
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
    std::vector<Json> extensions;
    std::optional<std::string> error;
};
ValidExtensions validExtensionsFor(ControllerContext& ctx, const std::string& gatewayNs,
                                   const std::string& gatewayName);
// Whether a ReferenceGrant in the Gateway's namespace lets an extension in extNs target it.
bool grantAllows(const Json& grant, const std::string& extNs, const std::string& gatewayName);
// Extensions targeting the Gateway (by the reference's index: targetRef name + namespace as
// written, no defaulting).
std::vector<Json> extensionsTargeting(ControllerContext& ctx, const std::string& gatewayNs,
                                      const std::string& gatewayName);

}  // namespace mcpsim::gateway
