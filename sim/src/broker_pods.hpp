#pragma once
// The broker Deployment's pods and the Gateway data plane in front of them. Each Running pod of
// the Deployment annotated mcpsim.io/component=broker gets its own broker (BrokerMount), created
// when Workloads starts the pod and dropped with it: a deleted pod is a broker restart, and
// `replicas: 2` is two brokers behind the broker Service. The data plane (Envoy) is one per
// Gateway, and opens each request's ext_proc stream to the next live broker's router in turn, as
// Envoy balances over the ext_proc Service's endpoints.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "broker_mount.hpp"
#include "mcpsim/core/kube/controller.hpp"

namespace mcpsim::sim {

class BrokerPods {
  public:
    // Throws std::runtime_error when the broker Deployment's flags are rejected.
    BrokerPods(core::Runtime& runtime, core::kube::Client& client, core::http::Network& cluster);
    ~BrokerPods();
    // Whether the world has a broker Deployment (and so a Gateway data plane).
    bool present() const { return dataPlane_ != nullptr; }
    void start();
    gateway::DataPlane& dataPlane() { return *dataPlane_; }
    const std::string& publicHost() const { return publicHost_; }
    // Addresses of the brokers serving the config of namespace `ns`.
    std::vector<std::string> addressesServing(const std::string& ns) const;
    std::size_t running() const { return mounts_.size(); }

  private:
    core::kube::ReconcileResult reconcile(const core::kube::ObjectKey& pod);
    std::shared_ptr<gateway::ExtProcessor> pickRouter();

    core::Runtime& runtime_;
    core::kube::Client& client_;
    core::http::Network& cluster_;
    std::string publicHost_;
    std::unique_ptr<gateway::DataPlane> dataPlane_;
    std::unique_ptr<core::http::Listener> privateListener_;
    // Shared so that a request in a broker's router keeps it alive past its pod's deletion.
    std::map<core::kube::ObjectKey, std::shared_ptr<BrokerMount>> mounts_;
    std::size_t nextRouter_ = 0;
    core::kube::Controller pods_;
};

}  // namespace mcpsim::sim
