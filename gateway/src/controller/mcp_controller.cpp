#include "mcpsim/gateway/mcp_controller.hpp"

#include "../kinds.hpp"
#include "extension_reconciler.hpp"
#include "mcpsim/core/kube/controller.hpp"
#include "registration_reconciler.hpp"
#include "virtual_server_reconciler.hpp"

namespace mcpsim::gateway {

using core::kube::Controller;
using core::kube::ObjectEvent;

namespace {

// The body decoded as the reference decodes it into its status struct: an object (JSON null
// decodes to the zero value) whose `servers` entries have a string id and message, a bool ready
// and an integer totalTools. Anything else fails Go's json.Unmarshal, so the next endpoint is
// tried. Null members are dropped (Go leaves the zero value).
std::optional<Json> decodeStatus(const std::string& body) {
    Json parsed = Json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !(parsed.is_object() || parsed.is_null())) return std::nullopt;
    if (parsed.is_null()) parsed = Json::object();
    auto servers = parsed.find("servers");
    if (servers == parsed.end() || servers->is_null()) {
        parsed["servers"] = Json::array();
        return parsed;
    }
    if (!servers->is_array()) return std::nullopt;
    for (auto& server : *servers) {
        if (server.is_null()) server = Json::object();
        if (!server.is_object()) return std::nullopt;
        for (auto it = server.begin(); it != server.end();) {
            it = it->is_null() ? server.erase(it) : std::next(it);
        }
        auto bad = [&server](const char* key, bool (Json::*is)() const noexcept) {
            auto f = server.find(key);
            return f != server.end() && !((*f).*is)();
        };
        if (bad("id", &Json::is_string) || bad("message", &Json::is_string) ||
            bad("ready", &Json::is_boolean) || bad("totalTools", &Json::is_number_integer)) {
            return std::nullopt;
        }
    }
    return parsed;
}

}  // namespace

EndpointSliceBrokerStatus::EndpointSliceBrokerStatus(core::kube::Client& client, Fetch fetch)
    : client_(client), fetch_(std::move(fetch)) {}

std::variant<Json, std::string> EndpointSliceBrokerStatus::status(const std::string& ns) {
    auto slices =
        client_.list(kinds::kEndpointSlice, {ns, "app.kubernetes.io/component=mcp-broker", ""});
    if (!slices.ok()) return "failed to get endpoint slices: " + slices.error().message;
    std::vector<std::string> urls;
    for (const auto& slice : slices.value()["items"]) {
        for (const auto& ep : slice.value("endpoints", Json::array())) {
            // Unset (or null) counts as not ready.
            const Json ready = ep.value("/conditions/ready"_json_pointer, Json(false));
            if (!ready.is_boolean() || !ready.get<bool>()) continue;
            for (const auto& addr : ep.value("addresses", Json::array())) {
                std::string a = addr.get<std::string>();
                if (a.find(':') != std::string::npos) a = "[" + a + "]";
                urls.push_back("http://" + a + ":8080/status");
            }
        }
    }
    if (urls.empty()) return std::string("no broker endpoints available");
    for (const auto& url : urls) {
        auto body = fetch_ ? fetch_(url) : std::nullopt;
        if (!body) continue;
        if (auto decoded = decodeStatus(*body)) return *decoded;
    }
    return std::string("failed to get status from any broker endpoint");
}

struct McpController::Impl {
    Impl(core::Runtime& rt, core::kube::Client& client, BrokerStatusSource& broker,
         McpControllerOptions opts)
        : ctx(rt, client, broker, core::Logger(rt.clock(), rt.logs(), opts.logSource)),
          extensions(ctx),
          registrations(ctx),
          virtualServers(ctx),
          extController(
              rt, client, "mcpgatewayextension",
              [this](const auto& k) { return extensions.reconcile(k); }, ctx.log),
          regController(
              rt, client, "mcpserverregistration",
              [this](const auto& k) { return registrations.reconcile(k); }, ctx.log),
          vsController(
              rt, client, "mcpvirtualserver",
              [this](const auto& k) { return virtualServers.reconcile(k); }, ctx.log) {
        extController.forKind(kinds::kExtension)
            .watches(kinds::kGateway,
                     [this](const ObjectEvent& e) { return extensions.forGateway(e); })
            .watches(kinds::kReferenceGrant,
                     [this](const ObjectEvent& e) { return extensions.forReferenceGrant(e); })
            .watches(kinds::kExtension,
                     [this](const ObjectEvent& e) { return extensions.forSiblings(e); });
        regController.forKind(kinds::kRegistration, core::kube::predicates::generationChanged)
            .watches(
                kinds::kHttpRoute,
                [this](const ObjectEvent& e) { return registrations.forRoute(e); },
                core::kube::predicates::resourceVersionChanged)
            .watches(
                kinds::kSecret,
                [this](const ObjectEvent& e) { return registrations.forCredentialSecret(e); },
                [](const ObjectEvent& e) {
                    return e.object->value(
                               "/metadata/labels/mcp.kagenti.com~1credential"_json_pointer,
                               std::string()) == "true";
                })
            .watches(
                kinds::kExtension,
                [this](const ObjectEvent& e) { return registrations.forExtension(e); },
                core::kube::predicates::resourceVersionChanged);
        vsController.forKind(kinds::kVirtualServer);
        registrations.useCache(&regController.cache(kinds::kRegistration));
    }

    ControllerContext ctx;
    ExtensionReconciler extensions;
    RegistrationReconciler registrations;
    VirtualServerReconciler virtualServers;
    Controller extController;
    Controller regController;
    Controller vsController;
};

McpController::McpController(core::Runtime& runtime, core::kube::Client& client,
                             BrokerStatusSource& broker, McpControllerOptions options)
    : impl_(std::make_unique<Impl>(runtime, client, broker, std::move(options))) {}

McpController::~McpController() = default;

void McpController::start() {
    impl_->ctx.log.info("Controller starting (health: :8081, metrics: :8082)...");
    impl_->extController.start();
    impl_->regController.start();
    impl_->vsController.start();
}

void McpController::stop() {
    impl_->extController.stop();
    impl_->regController.stop();
    impl_->vsController.stop();
}

bool McpController::idle() const {
    return impl_->extController.idle() && impl_->regController.idle() && impl_->vsController.idle();
}

}  // namespace mcpsim::gateway
