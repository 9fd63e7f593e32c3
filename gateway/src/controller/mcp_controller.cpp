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

// One status() call: the candidate endpoints in order and how far it got.
struct EndpointSliceBrokerStatus::Lookup {
    struct Target {
        core::http::Endpoint endpoint;
        std::string authority;  // the URL's host:port, as Go sends it in the Host header
    };
    std::vector<Target> targets;
    std::size_t next = 0;
    StatusCallback done;
};

EndpointSliceBrokerStatus::EndpointSliceBrokerStatus(core::Runtime& runtime,
                                                     core::kube::Client& client,
                                                     core::http::Network& network,
                                                     EndpointSliceBrokerStatusOptions options)
    : rt_(runtime), client_(client), network_(network), options_(std::move(options)) {}

void EndpointSliceBrokerStatus::status(const std::string& ns, StatusCallback done) {
    auto slices =
        client_.list(kinds::kEndpointSlice, {ns, "app.kubernetes.io/component=mcp-broker", ""});
    if (!slices.ok()) {
        done("failed to get endpoint slices: " + slices.error().message);
        return;
    }
    auto lookup = std::make_shared<Lookup>();
    lookup->done = std::move(done);
    auto add = [&lookup](const std::string& address) {
        // The port is fixed at 8080 whatever the slice says; IPv6 is bracketed in the URL.
        const std::string host =
            address.find(':') != std::string::npos ? "[" + address + "]" : address;
        lookup->targets.push_back({{address, 8080}, host + ":8080"});
    };
    for (const auto& slice : slices.value()["items"]) {
        for (const auto& ep : slice.value("endpoints", Json::array())) {
            // Unset (or null) counts as not ready.
            const Json ready = ep.value("/conditions/ready"_json_pointer, Json(false));
            if (!ready.is_boolean() || !ready.get<bool>()) continue;
            for (const auto& addr : ep.value("addresses", Json::array())) {
                add(addr.get<std::string>());
            }
        }
    }
    if (options_.extraAddresses) {
        for (const auto& address : options_.extraAddresses(ns)) add(address);
    }
    if (lookup->targets.empty()) {
        lookup->done(std::string("no broker endpoints available"));
        return;
    }
    tryNext(lookup);
}

void EndpointSliceBrokerStatus::tryNext(const std::shared_ptr<Lookup>& lookup) {
    if (lookup->next == lookup->targets.size()) {
        lookup->done(std::string("failed to get status from any broker endpoint"));
        return;
    }
    const Lookup::Target& target = lookup->targets[lookup->next++];
    // Whichever comes first, the answer or the timeout, moves the lookup on; the other is
    // then ignored.
    auto settled = std::make_shared<bool>(false);
    std::weak_ptr<bool> alive = alive_;
    core::TimerHandle timeout = rt_.clock().schedule(kTimeout, [this, alive, lookup, settled] {
        if (*settled || alive.expired()) return;
        *settled = true;
        tryNext(lookup);
    });
    core::http::Request request;
    request.method = "GET";
    request.target = "/status";
    request.headers.set("Host", target.authority);
    request.headers.set("User-Agent", "Go-http-client/1.1");
    network_.request(target.endpoint, std::move(request),
                     [this, alive, lookup, settled, timeout](
                         std::error_code ec, core::http::Response response) mutable {
                         if (*settled || alive.expired()) return;
                         *settled = true;
                         timeout.cancel();
                         if (!ec && response.status == 200) {
                             if (auto decoded = decodeStatus(response.body)) {
                                 lookup->done(std::make_shared<const Json>(std::move(*decoded)));
                                 return;
                             }
                         }
                         tryNext(lookup);
                     });
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
          regController(rt, client, "mcpserverregistration",
                        core::kube::AsyncReconciler(
                            [this](const core::kube::ObjectKey& k, core::kube::ReconcileDone done) {
                                registrations.reconcile(k, std::move(done));
                            }),
                        ctx.log),
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
                [this](const ObjectEvent& e) {
                    // Every Secret passes here: a changed config Secret invalidates the
                    // writer's idea of what it holds.
                    ctx.config.observe(*e.object, e.type == "DELETED");
                    return e.object->value(
                               "/metadata/labels/mcp.kagenti.com~1credential"_json_pointer,
                               std::string()) == "true";
                })
            .watches(
                kinds::kExtension,
                [this](const ObjectEvent& e) { return registrations.forExtension(e); },
                core::kube::predicates::resourceVersionChanged);
        vsController.forKind(kinds::kVirtualServer);
        registrations.indexOn(regController);
        ctx.informers = {&regController, &extController, &vsController};
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
