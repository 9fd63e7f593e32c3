#include "registration_reconciler.hpp"

#include <algorithm>

#include "../conditions.hpp"
#include "../kinds.hpp"
#include "mcpsim/core/go_format.hpp"

namespace mcpsim::gateway {

using core::kube::ObjectEvent;
using core::kube::ObjectKey;
using core::kube::ReconcileDone;
using core::kube::ReconcileResult;
using namespace std::chrono_literals;

namespace {

std::string str(const Json& o, const char* pointer) {
    return o.value(Json::json_pointer(pointer), std::string());
}

// `<targetRef.namespace or own namespace>/<targetRef.name>`: the route index and the route the
// Programmed condition is written to.
std::string routeIndex(const Json& mcpsr) {
    std::string ns = str(mcpsr, "/spec/targetRef/namespace");
    if (ns.empty()) ns = str(mcpsr, "/metadata/namespace");
    return ns + "/" + str(mcpsr, "/spec/targetRef/name");
}

std::string joinHostPort(const std::string& host, const std::string& port) {
    return host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
}

// The reference's url.Parse("//"+name) check: valid when the host is the whole name.
bool bareHostPort(const std::string& name) {
    if (name.empty()) return false;
    return name.find_first_of("/?#@ ") == std::string::npos;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
}

}  // namespace

RegistrationReconciler::Entry RegistrationReconciler::buildEntry(const Json& mcpsr,
                                                                 const Json& route) {
    const std::string routeName =
        str(route, "/metadata/namespace") + "/" + str(route, "/metadata/name");
    const Json rules = route.value("/spec/rules"_json_pointer, Json::array());
    if (rules.empty() || rules[0].value("backendRefs", Json::array()).empty()) {
        return {{}, "HTTPRoute " + routeName + " has no backend references"};
    }
    if (rules.size() > 1) {
        return {{}, "HTTPRoute " + routeName + " has > 1 rule, which is unsupported"};
    }
    const Json backends = rules[0]["backendRefs"];
    if (backends.size() > 1) {
        return {{}, "HTTPRoute " + routeName + " has > 1 backend reference, which is unsupported"};
    }
    const Json hostnames = route.value("/spec/hostnames"_json_pointer, Json::array());
    if (hostnames.empty()) {
        return {{}, "HTTPRoute " + routeName + " must have at least one hostname"};
    }
    const Json& backend = backends[0];
    const std::string name = backend.value("name", "");
    if (name.empty()) return {{}, "HTTPRoute " + routeName + " backend reference has no name"};
    const std::string kind = backend.value("kind", "Service");
    const std::string group = backend.value("group", "");
    std::string backendNs = backend.value("namespace", "");
    if (backendNs.empty()) backendNs = str(route, "/metadata/namespace");
    const std::string path = mcpsr.value("/spec/path"_json_pointer, std::string());
    const bool hasPort = backend.contains("port");
    const std::string port = hasPort ? std::to_string(backend.value("port", 0)) : "";
    std::string routeHost = hostnames[0].get<std::string>();
    std::string url, hostname;
    if (kind == "Hostname" && group == "networking.istio.io") {
        if (!bareHostPort(name)) return {{}, "invalid hostname in backendRef: " + name};
        url = "https://" + joinHostPort(name, hasPort ? port : "443") + path;
        hostname = routeHost;
    } else if (kind == "Service") {
        auto svc = ctx_.client.get(kinds::kService, {backendNs, name});
        if (svc.isNotFound()) {
            return {{}, "failed to get service " + name + ": Service \"" + name + "\" not found"};
        }
        if (!svc.ok()) return {{}, "failed to get service " + name + ": " + svc.error().message};
        const Json& s = svc.value();
        if (str(s, "/spec/type") == "ExternalName") {
            std::string host = str(s, "/spec/externalName");
            if (hasPort) host += ":" + port;
            std::string scheme = "http";
            if (hasPort) {
                for (const auto& p : s.value("/spec/ports"_json_pointer, Json::array())) {
                    if (std::to_string(p.value("port", 0)) == port &&
                        lower(p.value("appProtocol", "")) == "https") {
                        scheme = "https";
                    }
                }
            }
            url = scheme + "://" + host + path;
            hostname = host.substr(
                0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
        } else {
            std::string host = name + "." + backendNs + ".svc.cluster.local";
            if (hasPort) host += ":" + port;
            std::string scheme = "http";
            for (const auto& p : route.value("/spec/parentRefs"_json_pointer, Json::array())) {
                if (p.value("sectionName", "").find("https") != std::string::npos) scheme = "https";
            }
            url = scheme + "://" + host + path;
            hostname = routeHost;
        }
    } else {
        return {{}, "unsupported backend reference kind: " + kind};
    }
    Json entry = {{"name", str(mcpsr, "/metadata/namespace") + "/" + str(mcpsr, "/metadata/name")},
                  {"url", url},
                  {"enabled", true}};
    if (!hostname.empty()) entry["hostname"] = hostname;
    const std::string prefix = str(mcpsr, "/spec/toolPrefix");
    if (!prefix.empty()) entry["toolPrefix"] = prefix;
    if (mcpsr.contains("/spec/credentialRef"_json_pointer)) {
        const std::string secretName = str(mcpsr, "/spec/credentialRef/name");
        const std::string key =
            mcpsr.value("/spec/credentialRef/key"_json_pointer, std::string("token"));
        auto secret =
            ctx_.client.get(kinds::kSecret, {str(mcpsr, "/metadata/namespace"), secretName});
        if (secret.isNotFound()) return {{}, "credential secret " + secretName + " not found"};
        if (!secret.ok()) return {{}, "failed to get credential secret: " + secret.error().message};
        if (secret.value().value("/metadata/labels/mcp.kagenti.com~1credential"_json_pointer,
                                 std::string()) != "true") {
            return {{},
                    "credential secret " + secretName +
                        " is missing required label mcp.kagenti.com/credential=true"};
        }
        const Json data = secret.value().value("data", Json::object());
        if (!data.contains(key)) {
            // The reference wraps a nil error here, hence the Go formatting residue (FN-17).
            return {{}, "the secret no credentialref key field " + key + " present %!w(<nil>)"};
        }
        std::string credential = core::base64Decode(data[key].get<std::string>()).value_or("");
        if (!credential.empty()) entry["credential"] = credential;
    }
    return {entry, ""};
}

std::optional<core::kube::ApiError> RegistrationReconciler::writeStatus(Json& mcpsr, bool ready,
                                                                        const std::string& message,
                                                                        long long tools) {
    Json conditions = mcpsr.value("/status/conditions"_json_pointer, Json::array());
    Json desired = {{"type", "Ready"},
                    {"status", ready ? "True" : "False"},
                    {"reason", ready ? "Ready" : "NotReady"},
                    {"message", message}};
    bool changed = setCondition(conditions, desired, ctx_.now());
    const long long before = mcpsr.value("/status/discoveredTools"_json_pointer, 0LL);
    changed = changed || before != tools;
    if (!changed) return std::nullopt;
    Json updated = mcpsr;
    updated["status"]["conditions"] = conditions;
    if (tools == 0) {
        updated["status"].erase("discoveredTools");  // omitempty
    } else {
        updated["status"]["discoveredTools"] = tools;
    }
    auto r = ctx_.client.updateStatus(updated, {"mcp-controller"});
    if (!r.ok()) return r.error();
    mcpsr = std::move(r).value();
    return std::nullopt;
}

ReconcileResult RegistrationReconciler::notReady(Json& mcpsr, const std::string& message,
                                                 ReconcileResult then) {
    auto err = writeStatus(mcpsr, false, message, 0);
    if (!err) return then;
    if (err->reason == "Conflict") return ReconcileResult::after(2s);
    return ReconcileResult::failed("failed to update status: " + err->message);
}

std::optional<std::string> RegistrationReconciler::setRouteProgrammed(const Json& mcpsr,
                                                                      bool present) {
    const std::string index = routeIndex(mcpsr);
    const auto slash = index.find('/');
    auto route =
        ctx_.client.get(kinds::kHttpRoute, {index.substr(0, slash), index.substr(slash + 1)});
    if (route.isNotFound()) return std::nullopt;
    if (!route.ok()) return "failed to get HTTPRoute: " + route.error().message;
    Json r = std::move(route).value();
    auto parentCount = [&r] {
        return r.value("/status/parents"_json_pointer, Json::array()).size();
    };
    // One status Update per parent whose conditions changed, as the reference does.
    for (std::size_t i = 0; i < parentCount(); ++i) {
        Json& parent = r["status"]["parents"][i];
        Json conds = parent.value("conditions", Json::array());
        const bool changed =
            present
                ? setCondition(
                      conds,
                      {{"type", "Programmed"},
                       {"status", "True"},
                       {"reason", "InUseByMCPServerRegistration"},
                       {"message", "HTTPRoute is referenced by at least one MCPServerRegistration"},
                       {"observedGeneration", r["metadata"].value("generation", 0)}},
                      ctx_.now())
                : removeCondition(conds, "Programmed");
        if (!changed) continue;
        parent["conditions"] = conds;
        auto w = ctx_.client.updateStatus(r, {"mcp-controller"});
        if (!w.ok()) return w.error().message;
        r = std::move(w).value();
    }
    return std::nullopt;
}

struct RegistrationReconciler::BrokerCheck {
    Json mcpsr;
    std::vector<std::string> namespaces;
    std::size_t next = 0;
    std::string id;  // the server ID the broker reports the entry under
    core::Logger log;
    ReconcileDone done;
};

void RegistrationReconciler::reconcile(const ObjectKey& key, ReconcileDone done) {
    auto prepared = prepare(key);
    if (auto* result = std::get_if<ReconcileResult>(&prepared)) {
        done(std::move(*result));
        return;
    }
    auto check = std::get<std::shared_ptr<BrokerCheck>>(std::move(prepared));
    check->done = std::move(done);
    checkNext(check);
}

std::variant<std::shared_ptr<RegistrationReconciler::BrokerCheck>, ReconcileResult>
RegistrationReconciler::prepare(const ObjectKey& key) {
    auto log = ctx_.reconcileLog("mcpserverregistration", "MCPServerRegistration", key);
    const std::string serverName = key.ns + "/" + key.name;
    // A staged entry is written on every path, as the reference wrote it on the first pass.
    if (ctx_.config.isStaged(serverName)) ctx_.config.flushStaged();
    // Deferred once already (or its batch failed): this time it writes alone.
    const bool writeNow = writeNow_.erase(key) > 0;
    auto got = ctx_.client.get(kinds::kRegistration, key);
    if (got.isNotFound()) return ReconcileResult::done();
    if (!got.ok()) return ReconcileResult::failed(got.error().message);
    Json mcpsr = std::move(got).value();
    if (beingDeleted(mcpsr)) {
        if (!hasFinalizer(mcpsr, kinds::kFinalizer)) return ReconcileResult::done();
        if (auto err = ctx_.config.remove(serverName)) return ReconcileResult::failed(*err);
        if (auto err = setRouteProgrammed(mcpsr, false)) return ReconcileResult::failed(*err);
        removeFinalizer(mcpsr, kinds::kFinalizer);
        auto r = ctx_.client.update(mcpsr, {"mcp-controller"});
        if (r.isConflict()) return ReconcileResult::after(2s);
        if (!r.ok()) return ReconcileResult::failed(r.error().message);
        return ReconcileResult::done();
    }
    if (addFinalizer(mcpsr, kinds::kFinalizer)) {
        auto r = ctx_.client.update(mcpsr, {"mcp-controller"});
        if (r.isConflict()) return ReconcileResult::after(2s);
        if (!r.ok()) return ReconcileResult::failed(r.error().message);
        // The finalizer-only update does not pass the generation predicate: come back.
        return ReconcileResult::after(2s);
    }
    log.info("main reconcile logic starting for", {{"mcpregistrationname", key.name}});
    const std::string routeName = str(mcpsr, "/spec/targetRef/name");
    // The route is looked up in the registration's own namespace (FN-10).
    auto cachedRoute = ctx_.cachedGet(kinds::kHttpRoute, {key.ns, routeName});
    if (!cachedRoute.ok() || !cachedRoute.value()) {
        const std::string why =
            cachedRoute.ok() ? "HTTPRoute.gateway.networking.k8s.io \"" + routeName + "\" not found"
                             : cachedRoute.error().message;
        return notReady(mcpsr, "failed to get targeted httproute " + why,
                        ReconcileResult::failed("failed to get targeted httproute " + why));
    }
    const Json& route = *cachedRoute.value();
    log.info("target route found ");
    std::vector<std::pair<std::string, std::string>> gateways;
    for (const auto& parent : route.value("/status/parents"_json_pointer, Json::array())) {
        // A parent without Accepted is treated as not accepted (the reference crashes, FN-13).
        if (!conditionIsTrue(parent.value("conditions", Json::array()), "Accepted")) continue;
        std::string ns = parent.value("/parentRef/namespace"_json_pointer, std::string());
        if (ns.empty()) ns = key.ns;
        const std::string name = parent.value("/parentRef/name"_json_pointer, std::string());
        auto gw = ctx_.cachedGet(kinds::kGateway, {ns, name});
        if (gw.ok() && !gw.value()) continue;
        if (!gw.ok()) {
            const std::string msg =
                "unexpected error getting gateway from httproute failed to get "
                "parent gateway for httproute: " +
                gw.error().message;
            return notReady(mcpsr, msg, ReconcileResult::failed(msg));
        }
        gateways.emplace_back(ns, name);
    }
    log.info("valid gateways discovered ", {{"total", std::to_string(gateways.size())}});
    if (gateways.empty()) {
        return notReady(mcpsr, "no valid gateways for httproute",
                        ReconcileResult::failed("no valid gateways for httproute"));
    }
    std::vector<std::string> configNamespaces;
    for (const auto& [ns, name] : gateways) {
        ValidExtensions valid = validExtensionsFor(ctx_, ns, name);
        if (valid.error) {
            // Reported, then carried on with what was found (FN-14) unless the write failed.
            ReconcileResult wrote = notReady(mcpsr, *valid.error, ReconcileResult::done());
            if (wrote.requeueAfter || wrote.error) return wrote;
        }
        if (valid.extensions.empty()) {
            return notReady(mcpsr, "no valid mcpgatewayextensions configured",
                            ReconcileResult::done());
        }
        for (const auto& ext : valid.extensions) {
            configNamespaces.push_back((*ext)["metadata"].value("namespace", ""));
        }
    }
    Entry entry = buildEntry(mcpsr, route);
    if (!entry.error.empty()) {
        return notReady(mcpsr, entry.error, ReconcileResult::failed(entry.error));
    }
    // In a burst (more registrations waiting at this instant) the entry is staged and the
    // registration comes back after the others: its next reconcile writes every staged entry at
    // once, and its broker check then sees them all.
    // An entry the config already holds has nothing to wait for (a route's status change
    // brings every registration back with an unchanged entry).
    const bool written =
        std::all_of(configNamespaces.begin(), configNamespaces.end(),
                    [&](const std::string& ns) { return ctx_.config.holds(ns, entry.value); });
    if (controller_ && controller_->queued() > 0 && !writeNow && !written) {
        for (const auto& ns : configNamespaces) ctx_.config.stage(ns, entry.value);
        writeNow_.insert(key);
        return ReconcileResult::after(0s);
    }
    if (ctx_.config.hasStaged()) {
        // The burst's last registration: its entry goes into the burst's one write.
        for (const auto& ns : configNamespaces) ctx_.config.stage(ns, entry.value);
        if (auto err = ctx_.config.flushStaged()) {
            return notReady(mcpsr, *err, ReconcileResult::failed(*err));
        }
    } else if (!written) {  // written: the reference's write would be a no-op update
        for (const auto& ns : configNamespaces) {
            if (auto err = ctx_.config.upsert(ns, entry.value)) {
                return notReady(mcpsr, *err, ReconcileResult::failed(*err));
            }
        }
    }
    auto check = std::make_shared<BrokerCheck>(
        BrokerCheck{std::move(mcpsr),
                    std::move(configNamespaces),
                    0,
                    serverName + ":" + entry.value.value("toolPrefix", "") + ":" +
                        entry.value.value("hostname", ""),
                    log,
                    {}});
    return check;
}

void RegistrationReconciler::checkNext(const std::shared_ptr<BrokerCheck>& check) {
    if (check->next == check->namespaces.size()) {
        // Ready everywhere. The reference stops here and never looks again, so a later outage
        // stays hidden behind Ready (FN-16); its evident intent, done here, is re-validation.
        check->done(ReconcileResult::recheckAfter(kReadyRecheck));
        return;
    }
    const std::string& ns = check->namespaces[check->next++];
    std::weak_ptr<bool> alive = alive_;
    ctx_.broker.status(ns, [this, alive, check](BrokerStatusSource::Status status) {
        if (alive.expired()) return;
        if (auto result = onStatus(*check, status)) {
            check->done(std::move(*result));
            return;
        }
        checkNext(check);
    });
}

std::optional<ReconcileResult> RegistrationReconciler::onStatus(
    BrokerCheck& check, const BrokerStatusSource::Status& status) {
    Json& mcpsr = check.mcpsr;
    const std::string& id = check.id;
    const core::Logger& log = check.log;
    // From here on any failed status write is error/backoff, conflicts included.
    if (const auto* err = std::get_if<std::string>(&status)) {
        const std::string msg = "Validation failed: " + *err;
        if (auto w = writeStatus(mcpsr, false, msg, 0)) {
            return ReconcileResult::failed("failed to update status: " + w->message);
        }
        return ReconcileResult::failed(msg);
    }
    const auto& shared = std::get<std::shared_ptr<const Json>>(status);
    const Json& body = *shared;
    // A source may answer many reconciles with one body (a large one, with many servers).
    if (shared != lastBody_) {
        lastBody_ = shared;
        lastBodyText_ = std::make_shared<const std::string>(core::slogQuote(body.dump()));
        lastBodyServers_.clear();
        if (auto servers = body.find("servers"); servers != body.end() && servers->is_array()) {
            for (const auto& s : *servers) {
                if (!s.is_object()) continue;
                auto sid = s.find("id");
                if (sid != s.end() && sid->is_string())
                    lastBodyServers_.emplace(sid->get_ref<const std::string&>(), &s);
            }
        }
    }
    log.info("server response ", {{"body", "", true, lastBodyText_}});
    auto found = lastBodyServers_.find(id);
    const Json* server = found == lastBodyServers_.end() ? nullptr : found->second;
    if (!server) {
        if (auto w = writeStatus(mcpsr, false, "mcp server is not present in gateway yet", 0)) {
            return ReconcileResult::failed("failed to update status: " + w->message);
        }
        return ReconcileResult::after(5s);
    }
    const bool ready = server->value("ready", false);
    log.info("server status ", {{"ready", ready ? "true" : "false"}});
    if (auto w = writeStatus(mcpsr, ready, server->value("message", ""),
                             server->value("totalTools", 0LL))) {
        return ReconcileResult::failed("failed to update status: " + w->message);
    }
    // Only logged: the verdict is already in the registration's status.
    if (auto err = setRouteProgrammed(mcpsr, true)) {
        log.error("failed to set httproute programmed condition", {{"error", *err}});
    }
    if (!ready) return ReconcileResult::after(5s);
    return std::nullopt;
}

namespace {
// Index names: the route a registration targets, the credential Secret it names.
constexpr const char* kByRoute = "spec.targetRef.httproute";
constexpr const char* kByCredential = "spec.credentialRef.name";
}  // namespace

void RegistrationReconciler::indexOn(core::kube::Controller& controller) {
    controller_ = &controller;
    // A batch that could not be written is retried one registration at a time, so each one's
    // status reports its own write error as in the reference.
    ctx_.config.onStagedWriteFailed = [this](const std::vector<std::string>& names) {
        for (const auto& name : names) {
            const auto slash = name.find('/');
            const ObjectKey key{name.substr(0, slash), name.substr(slash + 1)};
            writeNow_.insert(key);
            controller_->enqueue(key);
        }
    };
    controller
        .index(kinds::kRegistration, kByRoute,
               [](const Json& m) {
                   if (str(m, "/spec/targetRef/kind") != "HTTPRoute") {
                       return std::vector<std::string>{};
                   }
                   return std::vector<std::string>{routeIndex(m)};
               })
        .index(kinds::kRegistration, kByCredential, [](const Json& m) {
            const std::string name = str(m, "/spec/credentialRef/name");
            if (name.empty()) return std::vector<std::string>{};
            return std::vector<std::string>{str(m, "/metadata/namespace") + "/" + name};
        });
}

std::vector<ObjectKey> RegistrationReconciler::forRoute(const ObjectEvent& e) {
    if (!controller_) return {};
    return controller_->lookup(
        kinds::kRegistration, kByRoute,
        str(*e.object, "/metadata/namespace") + "/" + str(*e.object, "/metadata/name"));
}

std::vector<ObjectKey> RegistrationReconciler::forCredentialSecret(const ObjectEvent& e) {
    if (!controller_) return {};
    return controller_->lookup(
        kinds::kRegistration, kByCredential,
        str(*e.object, "/metadata/namespace") + "/" + str(*e.object, "/metadata/name"));
}

std::vector<ObjectKey> RegistrationReconciler::forExtension(const ObjectEvent& e) {
    std::vector<ObjectKey> keys;
    if (!controller_) return keys;
    std::string gwNs = str(*e.object, "/spec/targetRef/namespace");
    if (gwNs.empty()) gwNs = str(*e.object, "/metadata/namespace");  // defaulted here only
    const std::string gwName = str(*e.object, "/spec/targetRef/name");
    auto gw = ctx_.cachedGet(kinds::kGateway, {gwNs, gwName});
    if (!gw.ok() || !gw.value()) return keys;
    auto routes = ctx_.cachedList(kinds::kHttpRoute);
    if (!routes.ok()) return keys;
    for (const auto& cached : routes.value()) {
        const Json& route = *cached;
        const std::string routeNs = str(route, "/metadata/namespace");
        bool attached = false;
        for (const auto& p : route.value("/spec/parentRefs"_json_pointer, Json::array())) {
            std::string pns = p.value("namespace", "");
            if (pns.empty()) pns = routeNs;
            attached = attached || (p.value("name", "") == gwName && pns == gwNs);
        }
        if (!attached) continue;
        for (auto& k : controller_->lookup(kinds::kRegistration, kByRoute,
                                           routeNs + "/" + str(route, "/metadata/name"))) {
            keys.push_back(std::move(k));
        }
    }
    return keys;
}

}  // namespace mcpsim::gateway
