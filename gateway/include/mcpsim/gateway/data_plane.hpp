#pragma once
// The Gateway's data plane (the role Envoy plays for the reference): one listener port of a
// Gateway, resolving each request's host and path through the Gateway's listeners and its
// accepted HTTPRoutes to a backend Service, then forwarding it on the cluster network. An
// external processor (the MCP router) may inspect and rewrite each request first, exactly where
// Envoy's ext_proc filter sits. The same handler serves real sockets and the in-memory network.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::gateway {

// What Envoy's ext_proc filter asks of its processor for one request (request headers, the
// buffered body, then the response headers; response bodies stream past it).
class ExtProcessor {
  public:
    virtual ~ExtProcessor() = default;
    // May rewrite the request (Host is :authority, target is :path). `done(response)` replies at
    // once without forwarding (an ImmediateResponse); `done(nullopt)` continues with the request
    // as rewritten, re-resolving the route.
    virtual void onRequest(core::http::Request& request,
                           std::function<void(std::optional<core::http::Response>)> done) = 0;
    // Response headers, with the request as the client sent it.
    virtual void onResponseHeaders(const core::http::Request& original,
                                   core::http::Response& response) = 0;
};

struct DataPlaneOptions {
    core::kube::ObjectKey gateway{"gateway-system", "mcp-gateway"};
    int port = 8080;  // the Gateway listener port this data plane serves
    // Envoy buffers a whole request body for the external processor (ext_proc BUFFERED mode) up
    // to its default per-connection buffer limit, and answers a larger one with a local 413.
    std::size_t extProcBodyLimit = 1024 * 1024;
};

// Envoy's local reply to a body over its buffer limit: 413, text/plain "Payload Too Large".
core::http::Response payloadTooLarge();

class DataPlane {
  public:
    DataPlane(core::Runtime& runtime, core::kube::Client& client, core::http::Network& cluster,
              DataPlaneOptions options = {});
    ~DataPlane();
    void start();
    void stop();
    bool idle() const;
    // Installs (or, with null, removes) the external processor.
    void setExtProcessor(ExtProcessor* processor);
    // Picks the external processor for each request, as Envoy opens each request's ext_proc
    // stream to one endpoint of the processor's cluster; the request holds what it was given
    // until its response headers have been processed. A picker that returns null (no endpoint)
    // fails the request with Envoy's 500, as with failure_mode_allow: false.
    using ExtProcessorPicker = std::function<std::shared_ptr<ExtProcessor>()>;
    void setExtProcessorPicker(ExtProcessorPicker pick);
    core::http::Handler handler();
    // Limits for a socket serving handler(): a body too large even to read gets Envoy's 413.
    static core::http::ServerLimits listenerLimits();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mcpsim::gateway
