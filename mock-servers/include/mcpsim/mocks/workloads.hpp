#pragma once
// Workloads: what a cluster's deployment controller, kubelet, endpoints controller and
// kube-proxy would do for the Deployments and Services users apply. A Deployment whose container
// image (or pod-template annotation mcpsim.io/mock) names a known mock gets a ReplicaSet and
// Running pods, each running that mock on the in-memory network at <podIP>:<port>; Services get
// Endpoints/EndpointSlices of their ready pods and are reachable at
// <name>.<namespace>.svc.cluster.local:<port>. Unknown images leave the pod in ImagePullBackOff
// with an event. A Deployment annotated mcpsim.io/component (the broker, the controller) is
// rolled out the same way, but its pods, which carry the annotation, only get an address and
// Running: the world runs their program. Everything goes through core::kube::Client.
#include <memory>
#include <string>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/mocks/catalog.hpp"

namespace mcpsim::mocks {

struct WorkloadsOptions {
    ImageTable images;
    std::string nodeName = "mcpsim-control-plane";
};

class Workloads {
  public:
    Workloads(core::Runtime& runtime, core::kube::Client& client, core::http::Network& network,
              WorkloadsOptions options = {});
    ~Workloads();
    void start();
    void stop();
    bool idle() const;
    // Number of mock instances currently serving.
    std::size_t runningMocks() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The DNS name a Service is reachable at on the in-memory network.
inline std::string serviceHost(const std::string& name, const std::string& ns) {
    return name + "." + ns + ".svc.cluster.local";
}

}  // namespace mcpsim::mocks
