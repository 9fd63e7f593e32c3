#include "broker_pods.hpp"

#include <stdexcept>

namespace mcpsim::sim {

using core::kube::Gvk;
using core::kube::ObjectKey;
using core::kube::ReconcileResult;

namespace {

const Gvk kPod{"", "v1", "Pod"};
const Gvk kDeployment{"apps", "v1", "Deployment"};
constexpr const char* kComponentPointer = "/metadata/annotations/mcpsim.io~1component";

bool isBroker(const Json& obj) {
    return obj.value(Json::json_pointer(kComponentPointer), std::string()) == "broker";
}

bool selects(const Json& deployment, const Json& pod) {
    const Json selector =
        deployment.value("/spec/selector/matchLabels"_json_pointer, Json::object());
    const Json labels = pod.value("/metadata/labels"_json_pointer, Json::object());
    if (selector.empty()) return false;
    for (auto it = selector.begin(); it != selector.end(); ++it) {
        if (labels.value(it.key(), Json()) != it.value()) return false;
    }
    return true;
}

std::vector<Json> brokerDeployments(core::kube::Client& client, const std::string& ns = "") {
    std::vector<Json> found;
    auto list = ns.empty() ? client.list(kDeployment) : client.list(kDeployment, {ns});
    if (!list.ok()) return found;
    for (const auto& d : list.value()["items"]) {
        if (isBroker(d)) found.push_back(d);
    }
    return found;
}

}  // namespace

BrokerPods::BrokerPods(core::Runtime& runtime, core::kube::Client& client,
                       core::http::Network& cluster)
    : runtime_(runtime),
      client_(client),
      cluster_(cluster),
      pods_(
          runtime, client, "broker-pods", [this](const ObjectKey& k) { return reconcile(k); },
          core::Logger(runtime.clock(), runtime.logs(), "mcpsim/broker-pods")) {
    const auto deployments = brokerDeployments(client);
    if (deployments.empty()) return;
    const gateway::BrokerOptions options = brokerOptionsOf(client, deployments.front());
    publicHost_ = options.publicHost;
    dataPlane_ = std::make_unique<gateway::DataPlane>(
        runtime, client, cluster, gateway::DataPlaneOptions{gatewayFor(client, publicHost_)});
    dataPlane_->setExtProcessorPicker([this] { return pickRouter(); });
    // The Gateway's in-cluster address, where the router's hairpin initialize goes.
    const std::string& priv = options.privateHost;
    const auto colon = priv.rfind(':');
    const auto port = static_cast<std::uint16_t>(
        colon == std::string::npos ? 80 : std::stoi(priv.substr(colon + 1)));
    privateListener_ = cluster.listen({priv.substr(0, colon), port}, dataPlane_->handler());
    pods_.forKind(kPod, [](const core::kube::ObjectEvent& e) { return isBroker(*e.object); });
}

BrokerPods::~BrokerPods() = default;

void BrokerPods::start() {
    if (!present()) return;
    dataPlane_->start();
    pods_.start();
}

std::vector<std::string> BrokerPods::addressesServing(const std::string& ns) const {
    std::vector<std::string> out;
    for (const auto& [key, mount] : mounts_) {
        if (mount->configNamespace() == ns) out.push_back(mount->address());
    }
    return out;
}

std::shared_ptr<gateway::ExtProcessor> BrokerPods::pickRouter() {
    if (mounts_.empty()) return nullptr;
    auto it = mounts_.begin();
    std::advance(it, static_cast<long>(nextRouter_++ % mounts_.size()));
    const std::shared_ptr<BrokerMount>& mount = it->second;
    // Owned by the mount: the request keeps the whole broker alive, not just its router.
    return std::shared_ptr<gateway::ExtProcessor>(mount, &mount->broker().router());
}

ReconcileResult BrokerPods::reconcile(const ObjectKey& key) {
    const auto& cache = pods_.cache(kPod);
    auto it = cache.find(key);
    const bool serving =
        it != cache.end() && !it->second->contains("/metadata/deletionTimestamp"_json_pointer) &&
        it->second->value("/status/phase"_json_pointer, std::string()) == "Running" &&
        !it->second->value("/status/podIP"_json_pointer, std::string()).empty();
    if (!serving) {
        mounts_.erase(key);  // the broker process ends with its pod
        return ReconcileResult::done();
    }
    if (mounts_.count(key)) return ReconcileResult::done();
    const Json& pod = *it->second;
    for (const Json& deployment : brokerDeployments(client_, key.ns)) {
        if (!selects(deployment, pod)) continue;
        try {
            auto mount =
                std::make_shared<BrokerMount>(runtime_, client_, cluster_, deployment, pod);
            mount->start();
            mounts_[key] = std::move(mount);
        } catch (const std::runtime_error& e) {
            // The broker's panic: what its container would print before exiting.
            runtime_.logs().append(
                key.ns + "/" + key.name + "/" +
                    pod.value("/spec/containers/0/name"_json_pointer, std::string()),
                core::LogLine{runtime_.clock().now(), std::string("panic: ") + e.what()});
        }
        break;
    }
    return ReconcileResult::done();
}

}  // namespace mcpsim::sim
