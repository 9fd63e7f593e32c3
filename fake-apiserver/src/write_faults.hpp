#pragma once
// Pending injected write failures (ApiServer::injectWriteFault), checked by the client-facing
// write paths (HTTP routes and the in-process client) before they call the engine, so the
// server's own writes (garbage collection, namespace defaults) are never refused.
#include <string>
#include <string_view>
#include <vector>

#include "mcpsim/apiserver/api_server.hpp"
#include "type_registry.hpp"

namespace mcpsim::apiserver {

class WriteFaults {
  public:
    void add(WriteFault fault);
    // Throws core::kube::ApiException when a pending fault matches, and counts it down.
    void check(const ResourceType& type, std::string_view verb, bool statusWrite,
               const std::string& name);
    int pending() const;

  private:
    std::vector<WriteFault> faults_;
};

}  // namespace mcpsim::apiserver
