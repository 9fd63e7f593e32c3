#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <cstdio>

#include "api_server_impl.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/yaml.hpp"

namespace mcpsim::embedded {
std::string_view builtinTypes();
std::string_view bootstrapCrds();
}  // namespace mcpsim::embedded

namespace mcpsim::apiserver {

using core::kube::ApiException;

const char* const kApiServerPod = "kube-apiserver-mcpsim-control-plane";

ApiServer::Impl::Impl(core::Runtime& runtime, ApiServerOptions opts)
    : rt(runtime), options(opts), engine(runtime, registry, store) {
    registry.loadBuiltins(embedded::builtinTypes());
    engine.setKubeMinor(options.kubeMinor);
    engine.setAfterWrite([this](const ResourceType& type, const Json& object, bool deleted) {
        if (type.group == "apiextensions.k8s.io" && type.kind == "CustomResourceDefinition") {
            registerCrd(object, deleted);
        }
        if (type.group.empty() && type.kind == "Namespace" && !deleted &&
            object["metadata"].value("resourceVersion", "") != "" &&
            !object["metadata"].contains("deletionTimestamp")) {
            // What the service-account and root-CA publishers do in a real cluster.
            const std::string ns = object["metadata"]["name"];
            const ResourceType* sa = registry.byResource("", "serviceaccounts");
            const ResourceType* cm = registry.byResource("", "configmaps");
            auto ensure = [&](const ResourceType* t, Json obj) {
                if (!t || store.get(Engine::typeKey(*t), ObjectKey{ns, obj["metadata"]["name"]}))
                    return;
                try {
                    engine.create(*t, "v1", ns, std::move(obj),
                                  WriteContext{"kube-controller-manager"});
                } catch (const ApiException&) {
                }
            };
            ensure(sa, {{"apiVersion", "v1"},
                        {"kind", "ServiceAccount"},
                        {"metadata", {{"name", "default"}}}});
            ensure(cm, {{"apiVersion", "v1"},
                        {"kind", "ConfigMap"},
                        {"metadata",
                         {{"name", "kube-root-ca.crt"},
                          {"annotations",
                           {{"kubernetes.io/description",
                             "Contains a CA bundle that can be used to verify the "
                             "kube-apiserver when using internal endpoints such "
                             "as the internal service IP or "
                             "kubernetes.default.svc. No other usage is "
                             "guaranteed across distributions of Kubernetes "
                             "clusters."}}}}},
                        {"data",
                         {{"ca.crt",
                           "-----BEGIN CERTIFICATE-----\nmcpsim\n-----END CERTIFICATE-----\n"}}}});
        }
    });
    client = makeInProcessClient(*this);
}

void ApiServer::Impl::registerCrd(const Json& crd, bool deleted) {
    lastWatchLine = {};  // a changed type may render the same object differently
    const Json spec = crd.value("spec", Json::object());
    const std::string group = spec.value("group", "");
    const std::string plural = spec.value("/names/plural"_json_pointer, std::string());
    if (deleted) {
        if (const ResourceType* t = registry.byResource(group, plural)) {
            // The instances go first (watchers see each DELETED), then HTTP watches of the type
            // end; in-process watches stay registered and see the type again if it comes back.
            const std::string key = Engine::typeKey(*t);
            std::vector<ObjectKey> keys;
            for (const Json* o : store.list(key, "")) keys.push_back(ObjectKey::ofObject(*o));
            for (const auto& k : keys) store.erase(key, k);
            store.closeWatches(key);
        }
        registry.remove(group, plural);
        return;
    }
    registry.put(TypeRegistry::fromCrd(crd));
    // The apiextensions controllers accept the names and mark the CRD Established.
    Json status = crd.value("status", Json::object());
    Json names = spec.value("names", Json::object());
    if (!names.contains("singular")) {
        std::string s = names.value("kind", "");
        std::transform(s.begin(), s.end(), s.begin(), ::tolower);
        names["singular"] = s;
    }
    if (!names.contains("listKind")) names["listKind"] = names.value("kind", "") + "List";
    const std::string now = core::formatRfc3339(rt.clock().now());
    auto condition = [&](const std::string& type, const std::string& reason,
                         const std::string& message) {
        for (const auto& c : status.value("conditions", Json::array())) {
            if (c.value("type", "") == type && c.value("status", "") == "True") return c;
        }
        return Json{{"type", type},
                    {"status", "True"},
                    {"reason", reason},
                    {"message", message},
                    {"lastTransitionTime", now}};
    };
    Json storedVersions = Json::array();
    for (const auto& v : spec.value("versions", Json::array())) {
        if (v.value("storage", false)) storedVersions.push_back(v.value("name", ""));
    }
    Json desired = {{"acceptedNames", names},
                    {"conditions",
                     {condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                      condition("Established", "InitialNamesAccepted",
                                "the initial names have been accepted")}},
                    {"storedVersions", storedVersions}};
    if (status == desired) return;
    const ResourceType* crdType =
        registry.byResource("apiextensions.k8s.io", "customresourcedefinitions");
    const Json* current = store.get(Engine::typeKey(*crdType), ObjectKey::ofObject(crd));
    if (!current) return;
    Json updated = *current;
    updated["status"] = desired;
    engine.update(*crdType, "v1", ObjectKey::ofObject(crd), updated, WriteContext{"kube-apiserver"},
                  true);
}

void ApiServer::Impl::seedCluster() {
    const ResourceType* ns = registry.byResource("", "namespaces");
    for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
        engine.create(*ns, "v1", "", {{"metadata", {{"name", name}}}},
                      WriteContext{"kube-apiserver"});
    }
    const ResourceType* svc = registry.byResource("", "services");
    engine.create(
        *svc, "v1", "default",
        {{"metadata",
          {{"name", "kubernetes"},
           {"labels", {{"component", "apiserver"}, {"provider", "kubernetes"}}}}},
         {"spec",
          {{"clusterIP", "10.96.0.1"},
           {"ports",
            {{{"name", "https"}, {"port", 443}, {"protocol", "TCP"}, {"targetPort", 6443}}}}}}},
        WriteContext{"kube-apiserver"});
    const ResourceType* node = registry.byResource("", "nodes");
    const std::string version = "v1." + std::to_string(options.kubeMinor) + ".0";
    WriteResult n = engine.create(*node, "v1", "",
                                  {{"metadata",
                                    {{"name", "mcpsim-control-plane"},
                                     {"labels",
                                      {{"kubernetes.io/hostname", "mcpsim-control-plane"},
                                       {"kubernetes.io/os", "linux"},
                                       {"node-role.kubernetes.io/control-plane", ""}}}}},
                                   {"spec", {{"podCIDR", "10.244.0.0/24"}}}},
                                  WriteContext{"kubelet"});
    Json status = n.object;
    status["status"] = {{"conditions",
                         {{{"type", "Ready"},
                           {"status", "True"},
                           {"reason", "KubeletReady"},
                           {"message", "kubelet is posting ready status"},
                           {"lastHeartbeatTime", n.object["metadata"]["creationTimestamp"]},
                           {"lastTransitionTime", n.object["metadata"]["creationTimestamp"]}}}},
                        {"addresses",
                         {{{"type", "InternalIP"}, {"address", "172.18.0.2"}},
                          {{"type", "Hostname"}, {"address", "mcpsim-control-plane"}}}},
                        {"nodeInfo",
                         {{"kubeletVersion", version},
                          {"osImage", "mcpsim"},
                          {"kernelVersion", "simulated"},
                          {"containerRuntimeVersion", "mcpsim://1.0"},
                          {"operatingSystem", "linux"},
                          {"architecture", "amd64"}}}};
    engine.update(*node, "v1", ObjectKey{"", "mcpsim-control-plane"}, status,
                  WriteContext{"kubelet"}, true);
    // The control plane's own pod, whose log is this server's request log.
    const ResourceType* pod = registry.byResource("", "pods");
    const std::string image = "registry.k8s.io/kube-apiserver:" + version;
    WriteResult p =
        engine.create(*pod, "v1", "kube-system",
                      {{"metadata",
                        {{"name", kApiServerPod},
                         {"labels", {{"component", "kube-apiserver"}, {"tier", "control-plane"}}}}},
                       {"spec",
                        {{"nodeName", "mcpsim-control-plane"},
                         {"priorityClassName", "system-node-critical"},
                         {"containers", {{{"name", "kube-apiserver"}, {"image", image}}}}}}},
                      WriteContext{"kubelet"});
    Json running = p.object;
    const Json started = p.object["metadata"]["creationTimestamp"];
    running["status"] = {
        {"phase", "Running"},
        {"podIP", "172.18.0.2"},
        {"hostIP", "172.18.0.2"},
        {"startTime", started},
        {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", started}}}},
        {"containerStatuses",
         {{{"name", "kube-apiserver"},
           {"ready", true},
           {"started", true},
           {"restartCount", 0},
           {"image", image},
           {"imageID", ""},
           {"state", {{"running", {{"startedAt", started}}}}}}}}};
    engine.update(*pod, "v1", ObjectKey{"kube-system", kApiServerPod}, running,
                  WriteContext{"kubelet"}, true);
}

ApiServer::ApiServer(core::Runtime& runtime, ApiServerOptions options)
    : impl_(std::make_unique<Impl>(runtime, options)) {
    if (options.seedCluster) impl_->seedCluster();
    impl_->applyDocuments(core::parseYamlDocumentsOnce(embedded::bootstrapCrds()), "mcpsim");
}

ApiServer::~ApiServer() = default;

void ApiServer::injectWriteFault(WriteFault fault) {
    impl_->faults.add(std::move(fault));
}

int ApiServer::pendingWriteFaults() const {
    return impl_->faults.pending();
}

std::size_t ApiServer::restartWatches() {
    return impl_->store.expireWatches();
}

void ApiServer::handle(core::http::Request&& request, core::http::Reply reply) {
    // Log each request in kube-apiserver's klog style; the log backs `kubectl logs` of the
    // control plane pod.
    core::Runtime& rt = impl_->rt;
    const auto start = rt.clock().steady();
    std::string line = "\"HTTP\" verb=\"" + request.method + "\" URI=\"" + request.target + "\"";
    std::string tail = " userAgent=\"" + request.headers.value("User-Agent") + "\" srcIP=\"" +
                       request.remote + "\"";
    const std::string source = defaultLogSource("kube-system", kApiServerPod, "kube-apiserver");
    impl_->handle(std::move(request), [reply = std::move(reply), &rt, start, line, tail,
                                       source](core::http::Response r) {
        const auto now = rt.clock().now();
        const auto micros =
            std::chrono::duration_cast<std::chrono::microseconds>(rt.clock().steady() - start)
                .count();
        const std::string stamp = core::formatRfc3339Nano(now);  // 2026-01-01T00:00:00.123Z
        char latency[32];
        std::snprintf(latency, sizeof latency, "%lld.%03lldms",
                      static_cast<long long>(micros / 1000), static_cast<long long>(micros % 1000));
        // klog header: Lmmdd hh:mm:ss.uuuuuu threadid file:line]
        const std::string header = "I" + stamp.substr(5, 2) + stamp.substr(8, 2) + " " +
                                   stamp.substr(11, 8) + ".000000       1 httplog.go:134] ";
        rt.logs().append(source,
                         core::LogLine{now, header + line + " latency=\"" + latency + "\"" + tail +
                                                " resp=" + std::to_string(r.status)});
        reply(std::move(r));
    });
}

core::http::Handler ApiServer::handler() {
    return [this](core::http::Request&& req, core::http::Reply reply) {
        handle(std::move(req), std::move(reply));
    };
}

core::http::ServerLimits ApiServer::limits() const {
    core::http::ServerLimits l;
    l.maxBodyBytes = impl_->options.maxBodyBytes;
    l.tooLarge = [](std::size_t limit) {
        auto e = core::kube::requestEntityTooLarge("limit is " + std::to_string(limit));
        return core::http::makeResponse(e.code, "application/json", e.toStatus().dump());
    };
    return l;
}

core::kube::Client& ApiServer::client() {
    return *impl_->client;
}

std::optional<ResourceName> ApiServer::resolveResource(std::string_view name) const {
    auto lower = [](std::string_view in) {
        std::string out(in);
        for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
    };
    std::string n = lower(name);
    std::string group;
    bool qualified = false;
    if (auto dot = n.find('.'); dot != std::string::npos) {
        group = n.substr(dot + 1);
        n = n.substr(0, dot);
        qualified = true;
    }
    for (const ResourceType* t : impl_->registry.all()) {
        if (qualified && lower(t->group) != group) continue;
        bool match = lower(t->plural) == n || lower(t->singular) == n || lower(t->kind) == n;
        for (const auto& s : t->shortNames) match = match || lower(s) == n;
        if (!match) continue;
        return ResourceName{
            {t->group, t->storageVersion().name, t->kind}, t->plural, t->namespaced};
    }
    return std::nullopt;
}

void ApiServer::applyManifests(std::string_view yaml, const std::string& fieldManager) {
    impl_->applyDocuments(core::parseYamlDocuments(yaml), fieldManager);
}

void ApiServer::Impl::applyDocuments(const std::vector<Json>& docs,
                                     const std::string& fieldManager) {
    for (Json doc : docs) {
        if (!doc.is_object()) continue;
        auto gvk = core::kube::Gvk::ofObject(doc);
        const ResourceType* t = registry.byKind(gvk.group, gvk.kind);
        if (!t || !t->version(gvk.version)) {
            throw ApiException(core::kube::badRequest("no kind \"" + gvk.kind +
                                                      "\" is registered for version \"" +
                                                      gvk.apiVersion() + "\""));
        }
        const std::string ns = t->namespaced ? doc["metadata"].value("namespace", "default") : "";
        ObjectKey key{ns, doc["metadata"].value("name", "")};
        WriteContext ctx{fieldManager};
        if (store.get(Engine::typeKey(*t), key)) {
            Json current = engine.get(*t, gvk.version, key);
            doc["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"];
            engine.update(*t, gvk.version, key, doc, ctx, false);
        } else {
            engine.create(*t, gvk.version, ns, doc, ctx);
        }
    }
}

std::string ApiServer::defaultLogSource(const std::string& ns, const std::string& pod,
                                        const std::string& container) {
    return ns + "/" + pod + "/" + container;
}

int ApiServer::kubeMinor() const {
    return impl_->options.kubeMinor;
}
std::uint64_t ApiServer::requestCount() const {
    return impl_->requests;
}

}  // namespace mcpsim::apiserver
