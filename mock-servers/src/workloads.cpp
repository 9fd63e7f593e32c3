#include "mcpsim/mocks/workloads.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "host_program.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/kube/controller.hpp"

namespace mcpsim::mocks {

using core::kube::Controller;
using core::kube::Gvk;
using core::kube::ObjectEvent;
using core::kube::ObjectKey;
using core::kube::ReconcileResult;
using namespace std::chrono_literals;

namespace {

const Gvk kDeployment{"apps", "v1", "Deployment"};
const Gvk kReplicaSet{"apps", "v1", "ReplicaSet"};
const Gvk kPod{"", "v1", "Pod"};
const Gvk kService{"", "v1", "Service"};
const Gvk kEndpoints{"", "v1", "Endpoints"};
const Gvk kEndpointSlice{"discovery.k8s.io", "v1", "EndpointSlice"};
const Gvk kEvent{"", "v1", "Event"};
const Gvk kSecret{"", "v1", "Secret"};
const Gvk kConfigMap{"", "v1", "ConfigMap"};

constexpr const char* kManager = "mcpsim-workloads";
constexpr const char* kComponent = "mcpsim.io/component";

std::string str(const Json& o, const char* pointer) {
    return o.value(Json::json_pointer(pointer), std::string());
}

// Kubernetes-style pod-template-hash: a short stable string of the template.
std::string templateHash(const Json& tmpl) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : tmpl.dump()) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    std::string out;
    for (int i = 0; i < 10; ++i) {
        out.push_back(alphabet[h % (sizeof(alphabet) - 1)]);
        h /= (sizeof(alphabet) - 1);
    }
    return out;
}

// A TCP port number, or nullopt for anything else ("abc", "0", "70000").
std::optional<std::uint16_t> parsePort(const std::string& text) {
    if (text.empty() || text.size() > 5 ||
        text.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    const int value = std::stoi(text);
    if (value < 1 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

// A pod whose only container cannot run: not ready, the container waiting for `reason`.
void markWaiting(Json& pod, const std::string& container, const std::string& image,
                 const std::string& phase, const std::string& reason, const std::string& message) {
    pod["status"] = {{"phase", phase},
                     {"conditions",
                      {{{"type", "Ready"},
                        {"status", "False"},
                        {"reason", "ContainersNotReady"},
                        {"message", "containers with unready status: [" + container + "]"}}}},
                     {"containerStatuses",
                      {{{"name", container},
                        {"ready", false},
                        {"restartCount", 0},
                        {"image", image},
                        {"imageID", ""},
                        {"started", false},
                        {"state", {{"waiting", {{"reason", reason}, {"message", message}}}}}}}}};
}

bool ownedBy(const Json& obj, const std::string& uid) {
    for (const auto& ref : obj.value("/metadata/ownerReferences"_json_pointer, Json::array())) {
        if (ref.value("uid", "") == uid) return true;
    }
    return false;
}

Json ownerRef(const Json& owner) {
    return {{"apiVersion", owner.value("apiVersion", "")},
            {"kind", owner.value("kind", "")},
            {"name", str(owner, "/metadata/name")},
            {"uid", str(owner, "/metadata/uid")},
            {"controller", true},
            {"blockOwnerDeletion", true}};
}

bool labelsMatch(const Json& selector, const Json& labels) {
    if (!selector.is_object() || selector.empty()) return false;
    for (auto it = selector.begin(); it != selector.end(); ++it) {
        if (!labels.is_object() || labels.value(it.key(), Json()) != it.value()) return false;
    }
    return true;
}

bool podReady(const Json& pod) {
    if (str(pod, "/status/phase") != "Running" || str(pod, "/status/podIP").empty()) return false;
    if (pod.contains("/metadata/deletionTimestamp"_json_pointer)) return false;
    for (const auto& c : pod.value("/status/conditions"_json_pointer, Json::array())) {
        if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
    }
    return false;
}

}  // namespace

struct Workloads::Impl {
    Impl(core::Runtime& r, core::kube::Client& c, core::http::Network& n, WorkloadsOptions o)
        : rt(r),
          client(c),
          network(n),
          options(std::move(o)),
          log(r.clock(), r.logs(), "kube-system/kube-controller-manager"),
          rng(r.rng().fork("workloads.names")),
          deployments(
              r, c, "deployment", [this](const ObjectKey& k) { return reconcileDeployment(k); },
              log),
          kubelet(
              r, c, "kubelet", [this](const ObjectKey& k) { return reconcilePod(k); }, log),
          endpoints(
              r, c, "endpoints", [this](const ObjectKey& k) { return reconcileService(k); }, log) {
        deployments.forKind(kDeployment)
            .watches(kReplicaSet,
                     [](const ObjectEvent& e) { return ownerKeys(*e.object, "Deployment"); })
            .watches(kPod, [this](const ObjectEvent& e) { return deploymentOfPod(*e.object); });
        kubelet.forKind(kPod);
        endpoints.forKind(kService).watches(
            kPod, [this](const ObjectEvent& e) { return servicesOfPod(*e.object); });
    }

    static std::vector<ObjectKey> ownerKeys(const Json& obj, const std::string& kind) {
        std::vector<ObjectKey> keys;
        for (const auto& ref : obj.value("/metadata/ownerReferences"_json_pointer, Json::array())) {
            if (ref.value("kind", "") == kind)
                keys.push_back({str(obj, "/metadata/namespace"), ref.value("name", "")});
        }
        return keys;
    }

    std::vector<ObjectKey> deploymentOfPod(const Json& pod) {
        std::vector<ObjectKey> keys;
        for (const auto& rsKey : ownerKeys(pod, "ReplicaSet")) {
            const auto& cache = deployments.cache(kReplicaSet);
            auto it = cache.find(rsKey);
            if (it == cache.end()) continue;
            for (const auto& k : ownerKeys(*it->second, "Deployment")) keys.push_back(k);
        }
        return keys;
    }

    std::vector<ObjectKey> servicesOfPod(const Json& pod) {
        std::vector<ObjectKey> keys;
        const std::string ns = str(pod, "/metadata/namespace");
        const Json labels = pod.value("/metadata/labels"_json_pointer, Json::object());
        const auto& cache = endpoints.cache(kService);
        for (auto it = cache.lower_bound(ObjectKey{ns, ""});
             it != cache.end() && it->first.ns == ns; ++it) {
            if (labelsMatch(it->second->value("/spec/selector"_json_pointer, Json::object()),
                            labels)) {
                keys.push_back(it->first);
            }
        }
        return keys;
    }

    std::string now() const { return core::formatRfc3339(rt.clock().now()); }

    void event(const Json& involved, const std::string& type, const std::string& reason,
               const std::string& message, const std::string& component) {
        const std::string ns = str(involved, "/metadata/namespace");
        const std::string name = str(involved, "/metadata/name") + "." + rng.hex(16);
        client.create({{"apiVersion", "v1"},
                       {"kind", "Event"},
                       {"metadata", {{"name", name}, {"namespace", ns}}},
                       {"involvedObject",
                        {{"apiVersion", involved.value("apiVersion", "v1")},
                         {"kind", involved.value("kind", "")},
                         {"name", str(involved, "/metadata/name")},
                         {"namespace", ns},
                         {"uid", str(involved, "/metadata/uid")}}},
                       {"reason", reason},
                       {"message", message},
                       {"type", type},
                       {"count", 1},
                       {"firstTimestamp", now()},
                       {"lastTimestamp", now()},
                       {"source", {{"component", component}}}},
                      {kManager});
    }

    // ---- deployment controller -------------------------------------------------------------

    ReconcileResult reconcileDeployment(const ObjectKey& key) {
        auto got = client.get(kDeployment, key);
        if (!got.ok()) return ReconcileResult::done();
        Json dep = std::move(got).value();
        if (dep.contains("/metadata/deletionTimestamp"_json_pointer))
            return ReconcileResult::done();
        Json tmpl = dep.value("/spec/template"_json_pointer, Json::object());
        const std::string hash = templateHash(tmpl);
        const std::string rsName = key.name + "-" + hash;
        const long long replicas = dep.value("/spec/replicas"_json_pointer, 1LL);
        // The current ReplicaSet, and older ones scaled away.
        Json rs;
        auto rsList = client.list(kReplicaSet, {key.ns});
        if (!rsList.ok()) return ReconcileResult::failed(rsList.error().message);
        for (const auto& r : rsList.value()["items"]) {
            if (!ownedBy(r, str(dep, "/metadata/uid"))) continue;
            if (str(r, "/metadata/name") == rsName) {
                rs = r;
            } else {
                client.remove(kReplicaSet, ObjectKey::ofObject(r));  // its pods are collected
            }
        }
        Json podLabels = tmpl.value("/metadata/labels"_json_pointer, Json::object());
        podLabels["pod-template-hash"] = hash;
        if (rs.is_null()) {
            Json rsTemplate = tmpl;
            rsTemplate["metadata"]["labels"] = podLabels;
            Json selector = dep.value("/spec/selector"_json_pointer, Json::object());
            selector["matchLabels"]["pod-template-hash"] = hash;
            auto created = client.create(
                {{"apiVersion", "apps/v1"},
                 {"kind", "ReplicaSet"},
                 {"metadata",
                  {{"name", rsName},
                   {"namespace", key.ns},
                   {"labels", podLabels},
                   {"ownerReferences", {ownerRef(dep)}}}},
                 {"spec",
                  {{"replicas", replicas}, {"selector", selector}, {"template", rsTemplate}}}},
                {kManager});
            if (!created.ok()) return ReconcileResult::failed(created.error().message);
            rs = std::move(created).value();
            event(dep, "Normal", "ScalingReplicaSet",
                  "Scaled up replica set " + rsName + " from 0 to " + std::to_string(replicas),
                  "deployment-controller");
        } else if (rs.value("/spec/replicas"_json_pointer, 0LL) != replicas) {
            const long long before = rs.value("/spec/replicas"_json_pointer, 0LL);
            rs["spec"]["replicas"] = replicas;
            auto updated = client.update(rs, {kManager});
            if (!updated.ok()) return ReconcileResult::failed(updated.error().message);
            rs = std::move(updated).value();
            event(dep, "Normal", "ScalingReplicaSet",
                  std::string(replicas > before ? "Scaled up" : "Scaled down") + " replica set " +
                      rsName + " from " + std::to_string(before) + " to " +
                      std::to_string(replicas),
                  "deployment-controller");
        }
        // Pods of the ReplicaSet.
        auto podList = client.list(kPod, {key.ns});
        if (!podList.ok()) return ReconcileResult::failed(podList.error().message);
        std::vector<Json> pods;
        for (const auto& p : podList.value()["items"]) {
            if (ownedBy(p, str(rs, "/metadata/uid")) &&
                !p.contains("/metadata/deletionTimestamp"_json_pointer)) {
                pods.push_back(p);
            }
        }
        for (long long i = static_cast<long long>(pods.size()); i < replicas; ++i) {
            Json podTmpl = rs["spec"]["template"];
            Json pod = {{"apiVersion", "v1"},
                        {"kind", "Pod"},
                        {"metadata",
                         {{"name", rsName + "-" + rng.nameSuffix(5)},
                          {"namespace", key.ns},
                          {"labels", podLabels},
                          {"ownerReferences", {ownerRef(rs)}}}},
                        {"spec", podTmpl.value("spec", Json::object())}};
            if (podTmpl.contains("/metadata/annotations"_json_pointer)) {
                pod["metadata"]["annotations"] = podTmpl["metadata"]["annotations"];
            }
            // A Deployment the world runs in-process (the broker, the controller): its pods say
            // so, and the kubelet leaves their program to the world.
            const std::string component = str(dep, "/metadata/annotations/mcpsim.io~1component");
            if (!component.empty()) pod["metadata"]["annotations"][kComponent] = component;
            pod["spec"]["nodeName"] = options.nodeName;
            auto created = client.create(pod, {kManager});
            if (!created.ok()) return ReconcileResult::failed(created.error().message);
            pods.push_back(created.value());
        }
        while (static_cast<long long>(pods.size()) > replicas) {
            client.remove(kPod, ObjectKey::ofObject(pods.back()));
            pods.pop_back();
        }
        long long ready = 0;
        for (const auto& p : pods) ready += podReady(p) ? 1 : 0;
        // ReplicaSet and Deployment status.
        Json rsStatus = {{"replicas", static_cast<long long>(pods.size())},
                         {"fullyLabeledReplicas", static_cast<long long>(pods.size())},
                         {"readyReplicas", ready},
                         {"availableReplicas", ready},
                         {"observedGeneration", rs["metadata"].value("generation", 1)}};
        if (ready == 0) {
            rsStatus.erase("readyReplicas");
            rsStatus.erase("availableReplicas");
        }
        if (rs.value("status", Json::object()) != rsStatus) {
            rs["status"] = rsStatus;
            client.updateStatus(rs, {kManager});
        }
        const bool available = ready >= replicas;
        Json status = {{"observedGeneration", dep["metadata"].value("generation", 1)},
                       {"replicas", static_cast<long long>(pods.size())},
                       {"updatedReplicas", static_cast<long long>(pods.size())},
                       {"readyReplicas", ready},
                       {"availableReplicas", ready}};
        if (available) {
            status["unavailableReplicas"] = nullptr;
            status.erase("unavailableReplicas");
        } else {
            status["unavailableReplicas"] = replicas - ready;
        }
        if (ready == 0) {
            status.erase("readyReplicas");
            status.erase("availableReplicas");
        }
        if (pods.empty()) {
            status.erase("replicas");
            status.erase("updatedReplicas");
        }
        Json conditions = dep.value("/status/conditions"_json_pointer, Json::array());
        auto setCond = [&](const std::string& type, bool ok, const std::string& reason,
                           const std::string& message) {
            for (auto& c : conditions) {
                if (c.value("type", "") != type) continue;
                if (c.value("status", "") != (ok ? "True" : "False"))
                    c["lastTransitionTime"] = now();
                c["status"] = ok ? "True" : "False";
                c["reason"] = reason;
                c["message"] = message;
                c["lastUpdateTime"] = c.value("lastUpdateTime", now());
                return;
            }
            conditions.push_back({{"type", type},
                                  {"status", ok ? "True" : "False"},
                                  {"reason", reason},
                                  {"message", message},
                                  {"lastTransitionTime", now()},
                                  {"lastUpdateTime", now()}});
        };
        setCond("Available", available,
                available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                available ? "Deployment has minimum availability."
                          : "Deployment does not have minimum availability.");
        setCond("Progressing", true, available ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                available ? "ReplicaSet \"" + rsName + "\" has successfully progressed."
                          : "ReplicaSet \"" + rsName + "\" is progressing.");
        status["conditions"] = conditions;
        if (dep.value("status", Json::object()) != status) {
            dep["status"] = status;
            auto r = client.updateStatus(dep, {kManager});
            if (r.isConflict()) return ReconcileResult::after(10ms);
        }
        return ReconcileResult::done();
    }

    // ---- kubelet ---------------------------------------------------------------------------

    struct Instance {
        std::unique_ptr<MockServer> server;
        std::unique_ptr<core::http::Listener> listener;
        // Or a program of this machine, and the pod address that reaches its socket.
        std::unique_ptr<HostProgram> program;
        std::unique_ptr<core::HostSockets::Binding> address;
    };

    std::string allocateIp() { return "10.244.0." + std::to_string(nextIp++); }

    std::map<std::string, std::string> containerEnv(const Json& container, const std::string& ns) {
        std::map<std::string, std::string> env;
        for (const auto& e : container.value("env", Json::array())) {
            const std::string name = e.value("name", "");
            if (e.contains("value")) {
                env[name] =
                    e["value"].is_string() ? e["value"].get<std::string>() : e["value"].dump();
            } else if (e.contains("/valueFrom/secretKeyRef"_json_pointer)) {
                auto s = client.get(kSecret, {ns, str(e, "/valueFrom/secretKeyRef/name")});
                if (s.ok()) {
                    auto data = s.value().value("data", Json::object());
                    auto v = data.value(str(e, "/valueFrom/secretKeyRef/key"), std::string());
                    env[name] = core::base64Decode(v).value_or("");
                }
            } else if (e.contains("/valueFrom/configMapKeyRef"_json_pointer)) {
                auto c = client.get(kConfigMap, {ns, str(e, "/valueFrom/configMapKeyRef/name")});
                if (c.ok())
                    env[name] = c.value()
                                    .value("data", Json::object())
                                    .value(str(e, "/valueFrom/configMapKeyRef/key"), std::string());
            }
        }
        return env;
    }

    ReconcileResult reconcilePod(const ObjectKey& key) {
        auto got = client.get(kPod, key);
        if (!got.ok() || got.value().contains("/metadata/deletionTimestamp"_json_pointer)) {
            instances.erase(key);  // stops the mock and its listener
            return ReconcileResult::done();
        }
        Json pod = std::move(got).value();
        if (instances.count(key)) return ReconcileResult::done();
        const std::string phase = str(pod, "/status/phase");
        // Pods someone else runs (the world's in-process components) or that already failed.
        if (phase == "Running" || phase == "Succeeded" || phase == "Failed")
            return ReconcileResult::done();
        const Json containers = pod.value("/spec/containers"_json_pointer, Json::array());
        if (containers.empty()) return ReconcileResult::done();
        const Json& container = containers[0];
        const std::string image = container.value("image", "");
        const std::string cname = container.value("name", "");
        const std::string component = str(pod, "/metadata/annotations/mcpsim.io~1component");
        if (!component.empty()) {
            markRunning(pod, cname, image, allocateIp(), "mcpsim://component/" + component);
            auto r = client.updateStatus(pod, {kManager});
            if (!r.ok()) return ReconcileResult::failed(r.error().message);
            event(pod, "Normal", "Started",
                  "Started container " + cname + " (mcpsim component " + component + ")",
                  "kubelet");
            return ReconcileResult::done();
        }
        std::string mockName = str(pod, "/metadata/annotations/mcpsim.io~1mock");
        const bool annotated = !mockName.empty();
        if (const HostProgramSpec* program =
                annotated ? nullptr : options.images.programFor(image)) {
            if (pod.contains("/status/containerStatuses"_json_pointer)) {
                return ReconcileResult::done();  // already failed once; nothing will change
            }
            return startProgram(key, container, *program);
        }
        if (!annotated) mockName = options.images.mockFor(image).value_or("");
        const MockInfo* info = mockName.empty() ? nullptr : findMock(mockName);
        if (pod.contains("/status/containerStatuses"_json_pointer)) {
            return ReconcileResult::done();  // already failed once; nothing will change
        }
        if (!info) {
            const std::string why = annotated
                                        ? "mcpsim has no mock named \"" + mockName +
                                              "\" (from the mcpsim.io/mock annotation)"
                                        : "mcpsim has no mock for this image (name one with the "
                                          "mcpsim.io/mock annotation or extend the image table)";
            markWaiting(pod, cname, image, "Pending", "ImagePullBackOff",
                        "Back-off pulling image \"" + image + "\"");
            client.updateStatus(pod, {kManager});
            event(pod, "Warning", "Failed", "Failed to pull image \"" + image + "\": " + why,
                  "kubelet");
            event(pod, "Warning", "BackOff", "Back-off pulling image \"" + image + "\"", "kubelet");
            return ReconcileResult::done();
        }
        MockEnv env;
        env.env = containerEnv(container, key.ns);
        for (const char* field : {"command", "args"}) {
            for (const auto& a : container.value(field, Json::array())) {
                if (a.is_string()) env.args.push_back(a.get<std::string>());
            }
        }
        core::Logger podLog(rt.clock(), rt.logs(), key.ns + "/" + key.name + "/" + cname);
        // The program exits at once (bad port, bad settings): the pod shows CrashLoopBackOff and
        // its log says why, as a crashing container's would.
        auto crashed = [&](const std::string& why) {
            podLog.error("server exited", {{"mock", info->name}, {"error", why}});
            crashLoop(pod, key, cname, image);
            return ReconcileResult::done();
        };
        // Where the program listens: its --http flag, else its PORT variable, else the image's
        // default. A containerPort is only a declaration, as in Kubernetes.
        std::uint16_t port = info->port;
        if (env.env.count("PORT")) {
            auto p = parsePort(env.env["PORT"]);
            if (!p) return crashed("invalid PORT \"" + env.env["PORT"] + "\"");
            port = *p;
        }
        for (std::size_t i = 0; i < env.args.size(); ++i) {
            std::string value;
            if (env.args[i] == "--http" && i + 1 < env.args.size()) value = env.args[i + 1];
            if (env.args[i].rfind("--http=", 0) == 0) value = env.args[i].substr(7);
            if (value.empty()) continue;
            const auto colon = value.rfind(':');
            auto p = parsePort(colon == std::string::npos ? value : value.substr(colon + 1));
            if (!p) return crashed("invalid --http address \"" + value + "\"");
            port = *p;
        }
        const std::string ip = allocateIp();
        Instance inst;
        // The container's first output line, so `kubectl logs` shows the server came up.
        podLog.info("starting MCP server",
                    {{"mock", info->name}, {"listen", ":" + std::to_string(port)}});
        try {
            inst.server = info->create(rt, env, podLog);
        } catch (const std::exception& e) {
            return crashed(e.what());
        }
        inst.listener = network.listen({ip, port}, inst.server->handler());
        instances[key] = std::move(inst);
        markRunning(pod, cname, image, ip, "mcpsim://mock/" + info->name);
        auto r = client.updateStatus(pod, {kManager});
        if (!r.ok()) {
            instances.erase(key);
            return ReconcileResult::failed(r.error().message);
        }
        event(pod, "Normal", "Started",
              "Started container " + cname + " (mcpsim mock " + info->name + ")", "kubelet");
        return ReconcileResult::done();
    }

    // A container that exited at once: the pod waits in CrashLoopBackOff, with its event.
    void crashLoop(Json& pod, const ObjectKey& key, const std::string& cname,
                   const std::string& image) {
        const std::string podRef = key.name + "_" + key.ns + "(" + str(pod, "/metadata/uid") + ")";
        markWaiting(pod, cname, image, "Running", "CrashLoopBackOff",
                    "back-off 10s restarting failed container=" + cname + " pod=" + podRef);
        client.updateStatus(pod, {kManager});
        event(pod, "Warning", "BackOff",
              "Back-off restarting failed container " + cname + " in pod " + podRef, "kubelet");
    }

    // A pod whose image runs as a program of this machine: Running once the program accepts
    // connections, CrashLoopBackOff if it cannot start or exits.
    ReconcileResult startProgram(const ObjectKey& key, const Json& container,
                                 const HostProgramSpec& spec) {
        const std::string cname = container.value("name", "");
        const std::string image = container.value("image", "");
        core::Logger podLog(rt.clock(), rt.logs(), key.ns + "/" + key.name + "/" + cname);
        std::vector<std::string> args;
        for (const auto& a : container.value("args", Json::array())) {
            if (a.is_string()) args.push_back(a.get<std::string>());
        }
        auto crashed = [this, key, cname, image, podLog](const std::string& why) {
            auto got = client.get(kPod, key);
            if (!got.ok()) return;
            Json pod = std::move(got).value();
            podLog.error("program exited", {{"error", why}});
            crashLoop(pod, key, cname, image);
        };
        Instance inst;
        try {
            inst.program = std::make_unique<HostProgram>(rt, spec, args);
        } catch (const std::exception& e) {
            crashed(e.what());
            return ReconcileResult::done();
        }
        const std::string ip = allocateIp();
        podLog.info("starting program",
                    {{"program", spec.command[0]}, {"listen", ":" + std::to_string(spec.port)}});
        HostProgram* program = inst.program.get();
        instances[key] = std::move(inst);
        program->whenReady([this, key, ip, cname, image, spec, crashed](const std::string& error) {
            auto it = instances.find(key);
            if (it == instances.end()) return;
            if (!error.empty()) {
                instances.erase(it);
                crashed(error);
                return;
            }
            auto got = client.get(kPod, key);
            if (!got.ok()) return;
            Json pod = std::move(got).value();
            it->second.address = rt.hostSockets().bind(ip, spec.port, it->second.program->socket());
            markRunning(pod, cname, image, ip, "mcpsim://program/" + spec.name);
            client.updateStatus(pod, {kManager});
            event(pod, "Normal", "Started",
                  "Started container " + cname + " (program " + spec.command[0] + ")", "kubelet");
        });
        return ReconcileResult::done();
    }

    void markRunning(Json& pod, const std::string& cname, const std::string& image,
                     const std::string& ip, const std::string& imageID) {
        const std::string started = now();
        pod["status"] = {
            {"phase", "Running"},
            {"podIP", ip},
            {"podIPs", {{{"ip", ip}}}},
            {"hostIP", "172.18.0.2"},
            {"startTime", started},
            {"conditions",
             {{{"type", "Initialized"}, {"status", "True"}, {"lastTransitionTime", started}},
              {{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", started}},
              {{"type", "ContainersReady"}, {"status", "True"}, {"lastTransitionTime", started}},
              {{"type", "PodScheduled"}, {"status", "True"}, {"lastTransitionTime", started}}}},
            {"containerStatuses",
             {{{"name", cname},
               {"ready", true},
               {"started", true},
               {"restartCount", 0},
               {"image", image},
               {"imageID", imageID},
               {"state", {{"running", {{"startedAt", started}}}}}}}}};
    }

    // ---- endpoints controller and kube-proxy -------------------------------------------------

    struct Proxy {
        std::vector<core::http::Endpoint> targets;
        std::size_t next = 0;
        std::unique_ptr<core::http::Listener> listener;
    };

    static int resolveTargetPort(const Json& svcPort, const Json& pod) {
        const Json target = svcPort.value("targetPort", svcPort.value("port", Json(0)));
        if (target.is_number_integer()) return target.get<int>();
        if (target.is_string()) {
            for (const auto& c : pod.value("/spec/containers"_json_pointer, Json::array())) {
                for (const auto& p : c.value("ports", Json::array())) {
                    if (p.value("name", "") == target.get<std::string>())
                        return p.value("containerPort", 0);
                }
            }
        }
        return svcPort.value("port", 0);
    }

    ReconcileResult reconcileService(const ObjectKey& key) {
        auto got = client.get(kService, key);
        if (!got.ok()) {
            for (auto it = proxies.begin(); it != proxies.end();) {
                it = it->first.first == key ? proxies.erase(it) : std::next(it);
            }
            client.remove(kEndpoints, key);
            return ReconcileResult::done();
        }
        const Json svc = std::move(got).value();
        const Json selector = svc.value("/spec/selector"_json_pointer, Json::object());
        if (selector.empty()) return ReconcileResult::done();  // endpoints are managed by hand
        auto podList = client.list(kPod, {key.ns});
        if (!podList.ok()) return ReconcileResult::failed(podList.error().message);
        std::vector<Json> ready;
        for (const auto& p : podList.value()["items"]) {
            if (labelsMatch(selector, p.value("/metadata/labels"_json_pointer, Json::object())) &&
                podReady(p)) {
                ready.push_back(p);
            }
        }
        const Json ports = svc.value("/spec/ports"_json_pointer, Json::array());
        // Endpoints (one subset per distinct resolved port set; one is enough here).
        Json subsets = Json::array();
        if (!ready.empty()) {
            Json addresses = Json::array(), epPorts = Json::array();
            for (const auto& p : ready) {
                addresses.push_back({{"ip", str(p, "/status/podIP")},
                                     {"nodeName", options.nodeName},
                                     {"targetRef",
                                      {{"kind", "Pod"},
                                       {"name", str(p, "/metadata/name")},
                                       {"namespace", key.ns},
                                       {"uid", str(p, "/metadata/uid")}}}});
            }
            for (const auto& sp : ports) {
                Json ep = {{"port", resolveTargetPort(sp, ready[0])},
                           {"protocol", sp.value("protocol", "TCP")}};
                if (sp.contains("name")) ep["name"] = sp["name"];
                epPorts.push_back(ep);
            }
            subsets.push_back({{"addresses", addresses}, {"ports", epPorts}});
        }
        Json endpointsObj = {
            {"apiVersion", "v1"},
            {"kind", "Endpoints"},
            {"metadata",
             {{"name", key.name},
              {"namespace", key.ns},
              {"labels", svc.value("/metadata/labels"_json_pointer, Json::object())}}}};
        if (!subsets.empty()) endpointsObj["subsets"] = subsets;
        upsert(kEndpoints, key, endpointsObj);
        // EndpointSlice: carries the Service's labels (the broker lookup depends on that).
        Json sliceLabels = svc.value("/metadata/labels"_json_pointer, Json::object());
        sliceLabels["kubernetes.io/service-name"] = key.name;
        sliceLabels["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io";
        Json sliceEndpoints = Json::array(), slicePorts = Json::array();
        for (const auto& p : ready) {
            sliceEndpoints.push_back(
                {{"addresses", {str(p, "/status/podIP")}},
                 {"conditions", {{"ready", true}, {"serving", true}, {"terminating", false}}},
                 {"nodeName", options.nodeName},
                 {"targetRef",
                  {{"kind", "Pod"},
                   {"name", str(p, "/metadata/name")},
                   {"namespace", key.ns},
                   {"uid", str(p, "/metadata/uid")}}}});
        }
        for (const auto& sp : ports) {
            Json port = {
                {"port", ready.empty() ? sp.value("port", 0) : resolveTargetPort(sp, ready[0])},
                {"protocol", sp.value("protocol", "TCP")}};
            port["name"] = sp.value("name", "");
            slicePorts.push_back(port);
        }
        const std::string sliceName =
            key.name + "-" + templateHash(Json(key.ns + "/" + key.name)).substr(0, 5);
        Json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                      {"kind", "EndpointSlice"},
                      {"metadata",
                       {{"name", sliceName},
                        {"namespace", key.ns},
                        {"labels", sliceLabels},
                        {"ownerReferences", {ownerRef(svc)}}}},
                      {"addressType", "IPv4"},
                      {"endpoints", sliceEndpoints},
                      {"ports", slicePorts}};
        upsert(kEndpointSlice, {key.ns, sliceName}, slice);
        // kube-proxy: the Service's DNS name forwards to its ready pods; without any, nothing
        // listens (connection refused, as a client of a Service with no endpoints sees).
        for (const auto& sp : ports) {
            const int svcPort = sp.value("port", 0);
            auto pkey = std::make_pair(key, svcPort);
            programAddresses.erase(pkey);
            if (ready.empty()) {
                proxies.erase(pkey);
                continue;
            }
            // A program's pod (not HTTP): the Service's address reaches its socket.
            for (const auto& p : ready) {
                auto socket = rt.hostSockets().find(
                    str(p, "/status/podIP"), static_cast<std::uint16_t>(resolveTargetPort(sp, p)));
                if (!socket) continue;
                programAddresses[pkey] = rt.hostSockets().bind(
                    serviceHost(key.name, key.ns), static_cast<std::uint16_t>(svcPort), *socket);
                break;
            }
            auto& proxy = proxies[pkey];
            proxy.targets.clear();
            for (const auto& p : ready) {
                proxy.targets.push_back({str(p, "/status/podIP"),
                                         static_cast<std::uint16_t>(resolveTargetPort(sp, p))});
            }
            if (!proxy.listener) {
                Proxy* raw = &proxy;
                proxy.listener = network.listen(
                    {serviceHost(key.name, key.ns), static_cast<std::uint16_t>(svcPort)},
                    [this, raw](core::http::Request&& req, core::http::Reply reply) {
                        if (raw->targets.empty()) {
                            reply(core::http::makeResponse(503, "text/plain", "no endpoints\n"));
                            return;
                        }
                        auto target = raw->targets[raw->next++ % raw->targets.size()];
                        network.forward(target, std::move(req),
                                        [reply](std::error_code ec, core::http::Response resp) {
                                            if (ec) {
                                                reply(core::http::makeResponse(
                                                    503, "text/plain", "connection refused\n"));
                                                return;
                                            }
                                            reply(std::move(resp));
                                        });
                    });
            }
        }
        return ReconcileResult::done();
    }

    void upsert(const Gvk& gvk, const ObjectKey& key, Json desired) {
        auto existing = client.get(gvk, key);
        if (!existing.ok()) {
            client.create(desired, {kManager});
            return;
        }
        Json updated = std::move(existing).value();
        for (auto it = desired.begin(); it != desired.end(); ++it) {
            if (it.key() != "metadata") updated[it.key()] = it.value();
        }
        if (!desired.contains("subsets")) updated.erase("subsets");
        updated["metadata"]["labels"] = desired["metadata"].value("labels", Json::object());
        if (updated != existing.value()) client.update(updated, {kManager});
    }

    core::Runtime& rt;
    core::kube::Client& client;
    core::http::Network& network;
    WorkloadsOptions options;
    core::Logger log;
    core::Random rng;
    int nextIp = 20;
    std::map<ObjectKey, Instance> instances;
    std::map<std::pair<ObjectKey, int>, Proxy> proxies;
    std::map<std::pair<ObjectKey, int>, std::unique_ptr<core::HostSockets::Binding>>
        programAddresses;
    Controller deployments;
    Controller kubelet;
    Controller endpoints;
};

Workloads::Workloads(core::Runtime& runtime, core::kube::Client& client,
                     core::http::Network& network, WorkloadsOptions options)
    : impl_(std::make_unique<Impl>(runtime, client, network, std::move(options))) {}

Workloads::~Workloads() = default;

void Workloads::start() {
    impl_->deployments.start();
    impl_->kubelet.start();
    impl_->endpoints.start();
}

void Workloads::stop() {
    impl_->deployments.stop();
    impl_->kubelet.stop();
    impl_->endpoints.stop();
    impl_->proxies.clear();
    impl_->instances.clear();
}

bool Workloads::idle() const {
    return impl_->deployments.idle() && impl_->kubelet.idle() && impl_->endpoints.idle();
}

std::size_t Workloads::runningMocks() const {
    return impl_->instances.size();
}

}  // namespace mcpsim::mocks
