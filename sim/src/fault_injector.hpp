#pragma once
// Faults a scenario asks for with an ordinary object, so that the same Chainsaw step is harmless
// on a real cluster: a ConfigMap named mcpsim-write-faults (any namespace) whose key `faults`
// lists API write faults, each {kind: Conflict|InternalError|Timeout, resource, verb,
// subresource, count} (see apiserver::WriteFault; resource is required). They are injected when the
// ConfigMap is created or its data changes; the annotation mcpsim.io/pending-write-faults then
// counts down the matching writes still to be refused, and a malformed list gets a Warning Event
// instead.
#include <map>
#include <memory>
#include <string>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::sim {

class FaultInjector {
  public:
    FaultInjector(core::Runtime& runtime, apiserver::ApiServer& api);
    ~FaultInjector();
    FaultInjector(const FaultInjector&) = delete;
    FaultInjector& operator=(const FaultInjector&) = delete;
    void start();

  private:
    void onConfigMap(const Json& cm);
    void reportPending();
    void warn(const Json& cm, const std::string& message);

    core::Runtime& runtime_;
    apiserver::ApiServer& api_;
    std::unique_ptr<core::kube::WatchHandle> watch_;
    std::map<std::string, Json> seen_;             // namespace/name -> data last injected
    std::map<std::string, std::string> reported_;  // namespace/name -> annotation written
    core::TimerHandle tick_;
};

}  // namespace mcpsim::sim
