#include <algorithm>

#include "../conditions.hpp"
#include "../kinds.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/kube/controller.hpp"
#include "mcpsim/gateway/gateway_api.hpp"

namespace mcpsim::gateway {

using core::kube::Controller;
using core::kube::ObjectEvent;
using core::kube::ObjectKey;
using core::kube::ReconcileResult;

bool hostnamesIntersect(const std::string& listener, const std::string& route) {
    if (listener.empty() || route.empty()) return true;
    auto wild = [](const std::string& h) { return h.rfind("*.", 0) == 0; };
    auto suffixMatch = [](const std::string& pattern, const std::string& host) {
        // "*.example.com" matches hosts with one or more labels before ".example.com".
        const std::string suffix = pattern.substr(1);
        return host.size() > suffix.size() &&
               host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (listener == route) return true;
    if (wild(listener) && !wild(route)) return suffixMatch(listener, route);
    if (wild(route) && !wild(listener)) return suffixMatch(route, listener);
    if (wild(listener) && wild(route)) {
        return suffixMatch(listener, "x" + route.substr(1)) ||
               suffixMatch(route, "x" + listener.substr(1));
    }
    return false;
}

namespace {

const Json kNoObject = Json::object();

std::string str(const Json& o, const char* pointer) {
    return o.value(Json::json_pointer(pointer), std::string());
}

struct Verdict {
    bool accepted = false;
    std::string reason;
    std::string message;
};

}  // namespace

struct GatewayApiController::Impl {
    Impl(core::Runtime& runtime, core::kube::Client& c, GatewayApiOptions o)
        : rt(runtime),
          client(c),
          options(std::move(o)),
          log(runtime.clock(), runtime.logs(), options.logSource),
          classes(
              rt, client, "gatewayclass", [this](const ObjectKey& k) { return reconcileClass(k); },
              log),
          gateways(
              rt, client, "gateway", [this](const ObjectKey& k) { return reconcileGateway(k); },
              log),
          routes(
              rt, client, "httproute", [this](const ObjectKey& k) { return reconcileRoute(k); },
              log) {
        classes.forKind(kinds::kGatewayClass);
        gateways.forKind(kinds::kGateway)
            .watches(kinds::kGatewayClass,
                     [this](const ObjectEvent& e) { return gatewaysOfClass(e); })
            // Route status writes do not change attachment: only spec changes (and creates and
            // deletes) are counted again.
            .watches(
                kinds::kHttpRoute, [this](const ObjectEvent& e) { return parentGateways(e); },
                core::kube::predicates::generationChanged);
        routes.forKind(kinds::kHttpRoute)
            .watches(kinds::kGateway, [this](const ObjectEvent& e) { return routesOfGateway(e); })
            .watches(kinds::kService, [this](const ObjectEvent&) { return allRoutes(); })
            .watches(kinds::kReferenceGrant, [this](const ObjectEvent&) { return allRoutes(); })
            .watches(
                kinds::kNamespace, [this](const ObjectEvent&) { return allRoutes(); },
                core::kube::predicates::resourceVersionChanged);
    }

    std::string now() const { return core::formatRfc3339(rt.clock().now()); }

    bool ownsClass(const std::string& className, std::string* controllerName = nullptr) {
        auto cls = gateways.cached(kinds::kGatewayClass, {"", className});
        if (!cls) return false;
        const std::string name = str(*cls, "/spec/controllerName");
        if (controllerName) *controllerName = name;
        return std::find(options.controllerNames.begin(), options.controllerNames.end(), name) !=
               options.controllerNames.end();
    }

    ReconcileResult reconcileClass(const ObjectKey& key) {
        auto got = client.get(kinds::kGatewayClass, key);
        if (!got.ok()) return ReconcileResult::done();
        Json cls = std::move(got).value();
        const std::string ctrl = str(cls, "/spec/controllerName");
        if (std::find(options.controllerNames.begin(), options.controllerNames.end(), ctrl) ==
            options.controllerNames.end()) {
            return ReconcileResult::done();
        }
        Json conds = cls.value("/status/conditions"_json_pointer, Json::array());
        bool changed =
            setCondition(conds,
                         {{"type", "Accepted"},
                          {"status", "True"},
                          {"reason", "Accepted"},
                          {"message", "Handled by Istio controller"},
                          {"observedGeneration", cls["metadata"].value("generation", 0)}},
                         now());
        if (!changed) return ReconcileResult::done();
        cls["status"]["conditions"] = conds;
        auto r = client.updateStatus(cls, {"istio.io/gateway-controller"});
        return r.ok() ? ReconcileResult::done() : ReconcileResult::failed(r.error().message);
    }

    std::string addressFor(const ObjectKey& key) {
        auto it = addresses.find(key);
        if (it != addresses.end()) return it->second;
        const std::string base =
            options.firstAddress.substr(0, options.firstAddress.rfind('.') + 1);
        const int first =
            std::stoi(options.firstAddress.substr(options.firstAddress.rfind('.') + 1));
        std::string addr = base + std::to_string(first + static_cast<int>(addresses.size()));
        addresses[key] = addr;
        return addr;
    }

    // Which listeners of the Gateway a route's parentRef attaches to, and why not if none.
    Verdict attach(const Json& route, const Json& parentRef, const Json& gw, const Json& routeNsObj,
                   std::vector<std::string>* listenersOut) {
        const std::string section = parentRef.value("sectionName", "");
        const bool hasPort = parentRef.contains("port");
        const long port = parentRef.value("port", 0L);
        const std::string routeNs = str(route, "/metadata/namespace");
        const std::string gwNs = str(gw, "/metadata/namespace");
        bool parentMatched = false, allowed = false, hostMatched = false;
        for (const auto& l : gw.value("/spec/listeners"_json_pointer, Json::array())) {
            if (!section.empty() && l.value("name", "") != section) continue;
            if (hasPort && l.value("port", 0L) != port) continue;
            parentMatched = true;
            const std::string from =
                l.value("/allowedRoutes/namespaces/from"_json_pointer, std::string("Same"));
            bool nsOk = from == "All" || (from == "Same" && routeNs == gwNs);
            if (from == "Selector") {
                const Json want = l.value(
                    "/allowedRoutes/namespaces/selector/matchLabels"_json_pointer, Json::object());
                const Json have = routeNsObj.value("/metadata/labels"_json_pointer, Json::object());
                nsOk = true;
                for (auto it = want.begin(); it != want.end(); ++it) {
                    nsOk = nsOk && have.value(it.key(), Json()) == it.value();
                }
            }
            const Json kindsAllowed = l.value("/allowedRoutes/kinds"_json_pointer, Json::array());
            bool kindOk = false;
            if (kindsAllowed.empty()) {
                const std::string proto = l.value("protocol", "");
                kindOk = proto == "HTTP" || proto == "HTTPS";
            }
            for (const auto& k : kindsAllowed)
                kindOk = kindOk || k.value("kind", "") == "HTTPRoute";
            if (!nsOk || !kindOk) continue;
            allowed = true;
            const Json hosts = route.value("/spec/hostnames"_json_pointer, Json::array());
            bool hostOk = hosts.empty();
            for (const auto& h : hosts)
                hostOk =
                    hostOk || hostnamesIntersect(l.value("hostname", ""), h.get<std::string>());
            if (!hostOk) continue;
            hostMatched = true;
            if (listenersOut) listenersOut->push_back(l.value("name", ""));
        }
        if (hostMatched) return {true, "Accepted", "Route was valid"};
        if (!parentMatched) {
            return {false, "NoMatchingParent",
                    section.empty() ? "no listener matched"
                                    : "sectionName " + Json(section).dump() + " not found"};
        }
        if (!allowed)
            return {false, "NotAllowedByListeners",
                    "hostnames matched parent hostname, but route is not allowed by the listeners"};
        return {false, "NoMatchingListenerHostname", "no hostnames matched parent hostname"};
    }

    Verdict resolveRefs(const Json& route) {
        const std::string routeNs = str(route, "/metadata/namespace");
        for (const auto& rule : route.value("/spec/rules"_json_pointer, Json::array())) {
            for (const auto& b : rule.value("backendRefs", Json::array())) {
                const std::string kind = b.value("kind", "Service");
                const std::string group = b.value("group", "");
                const std::string name = b.value("name", "");
                std::string ns = b.value("namespace", "");
                if (ns.empty()) ns = routeNs;
                if (kind == "Hostname" && group == "networking.istio.io") continue;
                if (kind != "Service" || !group.empty()) {
                    return {false, "InvalidKind",
                            "referencing unsupported backendRef: group \"" + group + "\" kind \"" +
                                kind + "\""};
                }
                if (ns != routeNs && !serviceGranted(routeNs, ns, name)) {
                    return {false, "RefNotPermitted",
                            "backendRef " + name + "/" + ns +
                                " not accessible to a HTTPRoute in namespace \"" + routeNs +
                                "\" (missing a ReferenceGrant?)"};
                }
                if (!routes.cached(kinds::kService, {ns, name})) {
                    return {false, "BackendNotFound",
                            "backend(" + name + "." + ns + ".svc.cluster.local) not found"};
                }
            }
        }
        return {true, "ResolvedRefs", "All references resolved"};
    }

    bool serviceGranted(const std::string& fromNs, const std::string& toNs,
                        const std::string& name) {
        for (const auto& cached : routes.cachedIn(kinds::kReferenceGrant, toNs)) {
            const Json& g = *cached;
            bool from = false, to = false;
            for (const auto& f : g.value("/spec/from"_json_pointer, Json::array())) {
                from = from ||
                       (f.value("group", "") == kinds::kGatewayGroup &&
                        f.value("kind", "") == "HTTPRoute" && f.value("namespace", "") == fromNs);
            }
            for (const auto& t : g.value("/spec/to"_json_pointer, Json::array())) {
                to = to || (t.value("group", "").empty() && t.value("kind", "") == "Service" &&
                            (t.value("name", "").empty() || t.value("name", "") == name));
            }
            if (from && to) return true;
        }
        return false;
    }

    // What the route refers to is read from the informer caches, as Istio's controller reads
    // its informers (shared documents, no API request); the route it writes, from the API.
    ReconcileResult reconcileRoute(const ObjectKey& key) {
        auto got = client.get(kinds::kHttpRoute, key);
        if (!got.ok()) return ReconcileResult::done();
        Json route = std::move(got).value();
        const auto nsObj = routes.cached(kinds::kNamespace, {"", key.ns});
        const Json& routeNsObj = nsObj ? *nsObj : kNoObject;
        const Verdict refs = resolveRefs(route);
        Json parents = route.value("/status/parents"_json_pointer, Json::array());
        Json result = Json::array();
        // Entries of other controllers stay as they are.
        for (const auto& p : parents) {
            const std::string ctrl = p.value("controllerName", "");
            if (std::find(options.controllerNames.begin(), options.controllerNames.end(), ctrl) ==
                options.controllerNames.end()) {
                result.push_back(p);
            }
        }
        for (const auto& ref : route.value("/spec/parentRefs"_json_pointer, Json::array())) {
            const std::string group = ref.value("group", kinds::kGatewayGroup);
            const std::string kind = ref.value("kind", "Gateway");
            if (group != kinds::kGatewayGroup || kind != "Gateway") continue;
            std::string gwNs = ref.value("namespace", "");
            if (gwNs.empty()) gwNs = key.ns;
            const auto gw = routes.cached(kinds::kGateway, {gwNs, ref.value("name", "")});
            if (!gw) continue;
            std::string controllerName;
            if (!ownsClass(str(*gw, "/spec/gatewayClassName"), &controllerName)) continue;
            Json parentRef = {{"group", group}, {"kind", kind}, {"name", ref.value("name", "")}};
            if (ref.contains("namespace")) parentRef["namespace"] = ref["namespace"];
            if (ref.contains("sectionName")) parentRef["sectionName"] = ref["sectionName"];
            if (ref.contains("port")) parentRef["port"] = ref["port"];
            Json conds = Json::array();
            for (const auto& p : parents) {
                if (p.value("parentRef", Json()) == parentRef &&
                    p.value("controllerName", "") == controllerName) {
                    conds = p.value("conditions", Json::array());
                }
            }
            const Verdict v = attach(route, ref, *gw, routeNsObj, nullptr);
            const long long generation = route["metadata"].value("generation", 0LL);
            setCondition(conds,
                         {{"type", "Accepted"},
                          {"status", v.accepted ? "True" : "False"},
                          {"reason", v.reason},
                          {"message", v.message},
                          {"observedGeneration", generation}},
                         now());
            setCondition(conds,
                         {{"type", "ResolvedRefs"},
                          {"status", refs.accepted ? "True" : "False"},
                          {"reason", refs.reason},
                          {"message", refs.message},
                          {"observedGeneration", generation}},
                         now());
            result.push_back({{"parentRef", parentRef},
                              {"controllerName", controllerName},
                              {"conditions", conds}});
        }
        if (result == parents) return ReconcileResult::done();
        if (result.empty() && !route.contains("status")) return ReconcileResult::done();
        route["status"]["parents"] = result;
        auto r = client.updateStatus(route, {"istio.io/gateway-controller"});
        if (r.isConflict()) return ReconcileResult::after(std::chrono::milliseconds(100));
        return r.ok() ? ReconcileResult::done() : ReconcileResult::failed(r.error().message);
    }

    ReconcileResult reconcileGateway(const ObjectKey& key) {
        auto got = client.get(kinds::kGateway, key);
        if (!got.ok()) {
            addresses.erase(key);
            return ReconcileResult::done();
        }
        Json gw = std::move(got).value();
        if (!ownsClass(str(gw, "/spec/gatewayClassName"))) return ReconcileResult::done();
        const long long generation = gw["metadata"].value("generation", 0LL);
        // attachedRoutes per listener, from every route that names this Gateway (read from this
        // controller's route cache: a Gateway reconcile must not copy every route).
        std::map<std::string, int> attached;
        std::map<std::string, Json> namespaces;
        for (const auto& [routeKey, cached] : gateways.cache(kinds::kHttpRoute)) {
            const Json& route = *cached;
            const std::string& routeNs = routeKey.ns;
            for (const auto& ref : route.value("/spec/parentRefs"_json_pointer, Json::array())) {
                std::string gwNs = ref.value("namespace", "");
                if (gwNs.empty()) gwNs = routeNs;
                if (ref.value("name", "") != key.name || gwNs != key.ns) continue;
                auto nsIt = namespaces.find(routeNs);
                if (nsIt == namespaces.end()) {
                    auto nsObj = client.get(kinds::kNamespace, {"", routeNs});
                    nsIt = namespaces.emplace(routeNs, nsObj.ok() ? nsObj.value() : Json::object())
                               .first;
                }
                std::vector<std::string> listeners;
                attach(route, ref, gw, nsIt->second, &listeners);
                for (const auto& l : listeners) attached[l]++;
            }
        }
        Json status = gw.value("status", Json::object());
        Json conds = status.value("conditions", Json::array());
        // The CRD's placeholder conditions are replaced by the controller's own.
        const std::string service = key.name + "-istio." + key.ns + ".svc.cluster.local";
        setCondition(conds,
                     {{"type", "Accepted"},
                      {"status", "True"},
                      {"reason", "Accepted"},
                      {"message", "Resource accepted"},
                      {"observedGeneration", generation}},
                     now());
        setCondition(conds,
                     {{"type", "Programmed"},
                      {"status", "True"},
                      {"reason", "Programmed"},
                      {"message", "Resource programmed, assigned to service(s) " + service},
                      {"observedGeneration", generation}},
                     now());
        Json listeners = Json::array();
        const Json oldListeners = status.value("listeners", Json::array());
        for (const auto& l : gw.value("/spec/listeners"_json_pointer, Json::array())) {
            const std::string name = l.value("name", "");
            Json lconds = Json::array();
            for (const auto& ol : oldListeners) {
                if (ol.value("name", "") == name) lconds = ol.value("conditions", Json::array());
            }
            for (const auto& [type, status2, reason, message] :
                 std::vector<std::tuple<const char*, const char*, const char*, const char*>>{
                     {"Accepted", "True", "Accepted", "No errors found"},
                     {"Conflicted", "False", "NoConflicts", "No errors found"},
                     {"Programmed", "True", "Programmed", "No errors found"},
                     {"ResolvedRefs", "True", "ResolvedRefs", "No errors found"}}) {
                setCondition(lconds,
                             {{"type", type},
                              {"status", status2},
                              {"reason", reason},
                              {"message", message},
                              {"observedGeneration", generation}},
                             now());
            }
            listeners.push_back({{"name", name},
                                 {"attachedRoutes", attached[name]},
                                 {"supportedKinds",
                                  {{{"group", kinds::kGatewayGroup}, {"kind", "HTTPRoute"}},
                                   {{"group", kinds::kGatewayGroup}, {"kind", "GRPCRoute"}}}},
                                 {"conditions", lconds}});
        }
        status["conditions"] = conds;
        status["listeners"] = listeners;
        status["addresses"] = {{{"type", "IPAddress"}, {"value", addressFor(key)}}};
        if (status == gw.value("status", Json::object())) return ReconcileResult::done();
        gw["status"] = status;
        auto r = client.updateStatus(gw, {"istio.io/gateway-controller"});
        if (r.isConflict()) return ReconcileResult::after(std::chrono::milliseconds(100));
        return r.ok() ? ReconcileResult::done() : ReconcileResult::failed(r.error().message);
    }

    std::vector<ObjectKey> gatewaysOfClass(const ObjectEvent& e) {
        std::vector<ObjectKey> keys;
        auto list = client.list(kinds::kGateway);
        if (!list.ok()) return keys;
        for (const auto& gw : list.value()["items"]) {
            if (str(gw, "/spec/gatewayClassName") == str(*e.object, "/metadata/name"))
                keys.push_back(ObjectKey::ofObject(gw));
        }
        return keys;
    }

    std::vector<ObjectKey> parentGateways(const ObjectEvent& e) {
        std::vector<ObjectKey> keys;
        const std::string routeNs = str(*e.object, "/metadata/namespace");
        for (const auto& ref : e.object->value("/spec/parentRefs"_json_pointer, Json::array())) {
            std::string ns = ref.value("namespace", "");
            keys.push_back({ns.empty() ? routeNs : ns, ref.value("name", "")});
        }
        return keys;
    }

    std::vector<ObjectKey> routesOfGateway(const ObjectEvent& e) {
        std::vector<ObjectKey> keys;
        const ObjectKey gw = ObjectKey::ofObject(*e.object);
        auto list = client.list(kinds::kHttpRoute);
        if (!list.ok()) return keys;
        for (const auto& route : list.value()["items"]) {
            const std::string routeNs = str(route, "/metadata/namespace");
            for (const auto& ref : route.value("/spec/parentRefs"_json_pointer, Json::array())) {
                std::string ns = ref.value("namespace", "");
                if (ref.value("name", "") == gw.name && (ns.empty() ? routeNs : ns) == gw.ns) {
                    keys.push_back(ObjectKey::ofObject(route));
                }
            }
        }
        return keys;
    }

    std::vector<ObjectKey> allRoutes() {
        std::vector<ObjectKey> keys;
        for (const auto& [k, v] : routes.cache(kinds::kHttpRoute)) keys.push_back(k);
        return keys;
    }

    core::Runtime& rt;
    core::kube::Client& client;
    GatewayApiOptions options;
    core::Logger log;
    std::map<ObjectKey, std::string> addresses;
    Controller classes;
    Controller gateways;
    Controller routes;
};

GatewayApiController::GatewayApiController(core::Runtime& runtime, core::kube::Client& client,
                                           GatewayApiOptions options)
    : impl_(std::make_unique<Impl>(runtime, client, std::move(options))) {}

GatewayApiController::~GatewayApiController() = default;

void GatewayApiController::start() {
    impl_->classes.start();
    impl_->gateways.start();
    impl_->routes.start();
}

void GatewayApiController::stop() {
    impl_->classes.stop();
    impl_->gateways.stop();
    impl_->routes.stop();
}

bool GatewayApiController::idle() const {
    return impl_->classes.idle() && impl_->gateways.idle() && impl_->routes.idle();
}

}  // namespace mcpsim::gateway
