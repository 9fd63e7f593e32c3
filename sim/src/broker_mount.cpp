#include "broker_mount.hpp"

#include <stdexcept>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/kube/controller.hpp"

namespace mcpsim::sim {

using core::kube::Gvk;
using core::kube::ObjectKey;

namespace {

const Gvk kSecret{"", "v1", "Secret"};
const Gvk kService{"", "v1", "Service"};
const Gvk kGateway{"gateway.networking.k8s.io", "v1", "Gateway"};
const Gvk kExtension{"mcp.kagenti.com", "v1alpha1", "MCPGatewayExtension"};
constexpr const char* kConfigSecret = "mcp-gateway-config";

std::string str(const Json& o, const char* pointer) {
    return o.value(Json::json_pointer(pointer), std::string());
}

bool readyTrue(const Json& obj) {
    for (const auto& c : obj.value("/status/conditions"_json_pointer, Json::array())) {
        if (c.value("type", "") == "Ready" && c.value("status", "") == "True") return true;
    }
    return false;
}

}  // namespace

gateway::BrokerOptions brokerOptionsOf(core::kube::Client& client, const Json& deployment) {
    const std::string ns = str(deployment, "/metadata/namespace");
    const Json containers =
        deployment.value("/spec/template/spec/containers"_json_pointer, Json::array());
    const Json container = containers.empty() ? Json::object() : containers[0];
    std::vector<std::string> args;
    for (const char* f : {"command", "args"}) {
        for (const auto& a : container.value(f, Json::array())) {
            if (a.is_string()) args.push_back(a.get<std::string>());
        }
    }
    std::map<std::string, std::string> env;
    for (const auto& e : container.value("env", Json::array())) {
        if (e.contains("value")) {
            env[e.value("name", "")] = e.value("value", "");
        } else if (e.contains("/valueFrom/secretKeyRef"_json_pointer)) {
            const Json ref = e["valueFrom"]["secretKeyRef"];
            auto s = client.get(kSecret, {ns, ref.value("name", "")});
            if (s.ok()) {
                const std::string data = s.value().value(
                    Json::json_pointer("/data/" + ref.value("key", "")), std::string());
                env[e.value("name", "")] = core::base64Decode(data).value_or("");
            }
        }
    }
    auto parsed = gateway::BrokerOptions::fromArgs(args, env);
    if (auto* err = std::get_if<std::string>(&parsed)) throw std::runtime_error(*err);
    return std::get<gateway::BrokerOptions>(std::move(parsed));
}

ObjectKey gatewayFor(core::kube::Client& client, const std::string& publicHost) {
    auto list = client.list(kGateway);
    if (list.ok()) {
        for (const auto& gw : list.value()["items"]) {
            for (const auto& l : gw.value("/spec/listeners"_json_pointer, Json::array())) {
                if (l.value("hostname", "") == publicHost) return ObjectKey::ofObject(gw);
            }
        }
    }
    return {"gateway-system", "mcp-gateway"};
}

struct BrokerMount::Impl {
    Impl(core::Runtime& runtime, core::kube::Client& c, core::http::Network& net,
         const Json& deployment, const Json& pod)
        : rt(runtime),
          client(c),
          cluster(net),
          podIp(str(pod, "/status/podIP")),
          ownNamespace(str(deployment, "/metadata/namespace")),
          mount(
              runtime, c, "broker-config-mount", [this](const ObjectKey&) { return remount(); },
              core::Logger(runtime.clock(), runtime.logs(), "mcpsim/broker-mount")) {
        gateway::BrokerOptions options = brokerOptionsOf(client, deployment);
        // What `kubectl logs` of this pod shows.
        options.logSource = str(pod, "/metadata/annotations/mcpsim.io~1log-source");
        if (options.logSource.empty()) {
            const Json containers = pod.value("/spec/containers"_json_pointer, Json::array());
            options.logSource = apiserver::ApiServer::defaultLogSource(
                ownNamespace, str(pod, "/metadata/name"),
                containers.empty() ? std::string() : containers[0].value("name", ""));
        }
        options.instance = str(pod, "/metadata/name");
        // Service DNS names dial their ClusterIP, as in "dial tcp 10.96.x.y:9090".
        options.resolveHost = [this](const std::string& host) {
            const auto dot = host.find('.');
            const auto dot2 = host.find('.', dot + 1);
            if (dot == std::string::npos || dot2 == std::string::npos) return host;
            auto svc =
                client.get(kService, {host.substr(dot + 1, dot2 - dot - 1), host.substr(0, dot)});
            return svc.ok() ? str(svc.value(), "/spec/clusterIP") : host;
        };
        broker = std::make_unique<gateway::Broker>(runtime, cluster, std::move(options));
        gatewayKey = gatewayFor(client, broker->options().publicHost);
        brokerListener = cluster.listen({podIp, 8080}, broker->handler());
        // Any change to a config Secret or an extension re-evaluates the mount.
        auto secretsOnly = [](const core::kube::ObjectEvent& e) {
            return e.object->value("/metadata/name"_json_pointer, std::string()) == kConfigSecret;
        };
        auto toMount = [](const core::kube::ObjectEvent&) {
            return std::vector<ObjectKey>{{"", "mount"}};
        };
        mount.forKind(kSecret, secretsOnly);
        mount.watches(kExtension, toMount);
    }

    core::kube::ReconcileResult remount() {
        std::string ns = ownNamespace;
        std::pair<std::string, std::string> oldest;
        for (const auto& [key, cached] : mount.cache(kExtension)) {
            const Json& ext = *cached;
            std::string tns = str(ext, "/spec/targetRef/namespace");
            if (tns.empty()) tns = key.ns;
            if (tns != gatewayKey.ns || str(ext, "/spec/targetRef/name") != gatewayKey.name ||
                !readyTrue(ext) || ext["metadata"].contains("deletionTimestamp")) {
                continue;
            }
            std::pair<std::string, std::string> rank{str(ext, "/metadata/creationTimestamp"),
                                                     key.str()};
            if (oldest.second.empty() || rank < oldest) {
                oldest = rank;
                ns = key.ns;
            }
        }
        configNs = ns;
        std::string text;
        auto secret = client.get(kSecret, {ns, kConfigSecret});
        if (secret.ok()) {
            text = core::base64Decode(str(secret.value(), "/data/config.yaml")).value_or("");
        }
        if (!mounted || text != mountedText) {
            mounted = true;
            mountedText = text;
            broker->applyConfig(text);
        }
        return core::kube::ReconcileResult::done();
    }

    core::Runtime& rt;
    core::kube::Client& client;
    core::http::Network& cluster;
    std::string podIp;
    std::string ownNamespace;
    core::kube::Controller mount;
    std::unique_ptr<gateway::Broker> broker;
    ObjectKey gatewayKey;
    std::unique_ptr<core::http::Listener> brokerListener;
    std::string configNs;
    bool mounted = false;
    std::string mountedText;
};

BrokerMount::BrokerMount(core::Runtime& runtime, core::kube::Client& client,
                         core::http::Network& cluster, const Json& deployment, const Json& pod)
    : impl_(std::make_unique<Impl>(runtime, client, cluster, deployment, pod)) {}

BrokerMount::~BrokerMount() = default;

void BrokerMount::start() {
    impl_->mount.start();
    impl_->mount.enqueue({"", "mount"});
}

gateway::Broker& BrokerMount::broker() {
    return *impl_->broker;
}
const std::string& BrokerMount::configNamespace() const {
    return impl_->configNs;
}
const std::string& BrokerMount::address() const {
    return impl_->podIp;
}

}  // namespace mcpsim::sim
