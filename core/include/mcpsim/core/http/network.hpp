#pragma once
// Where HTTP servers listen and clients connect. LoopbackNetwork uses real TCP sockets on
// 127.0.0.1 (for kubectl, curl and any other real client); InMemoryNetwork hands requests to the
// handler directly on the loop, for in-process clients and deterministic tests.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "mcpsim/core/http/message.hpp"

namespace mcpsim::core {
class Runtime;
}

namespace mcpsim::core::http {

struct Endpoint {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string str() const { return host + ":" + std::to_string(port); }
    bool operator<(const Endpoint& o) const {
        return host < o.host || (host == o.host && port < o.port);
    }
    bool operator==(const Endpoint& o) const = default;
};

// Why a listener refused a request before any handler saw it.
enum class Unparsable { Malformed, HeadersTooLarge };

// Go net/http's raw answers to those requests, which kube-apiserver gives: "400 Bad Request" or
// "431 Request Header Fields Too Large", as text, with Connection: close.
std::string goUnparsableReply(Unparsable why);

struct ServerLimits {
    std::size_t maxBodyBytes = 8 * 1024 * 1024;  // CRD applies are large; 8 MiB is ample
    std::size_t maxHeaderBytes = 64 * 1024;
    std::chrono::seconds idleTimeout{120};
    // Builds the reply to a body over maxBodyBytes (the API server answers with a Status).
    std::function<Response(std::size_t limit)> tooLarge;
    // The bytes written back, before the connection closes, for a request that does not parse
    // or whose headers exceed maxHeaderBytes. Empty: goUnparsableReply.
    std::function<std::string(Unparsable)> unparsableReply;
};

class Listener {
  public:
    virtual ~Listener() = default;
    virtual Endpoint endpoint() const = 0;  // the bound address (port resolved when 0 was asked)
    virtual void stop() = 0;                // stops accepting and closes open connections
};

// Client result: an error (connection refused, reset, timeout, protocol) or a response.
using ResponseCallback = std::function<void(std::error_code, Response)>;

class Network {
  public:
    virtual ~Network() = default;
    // Throws std::system_error when the address cannot be bound.
    virtual std::unique_ptr<Listener> listen(const Endpoint& at, Handler handler,
                                             ServerLimits limits = {}) = 0;
    virtual void request(const Endpoint& to, Request request, ResponseCallback done) = 0;
    // Passes a request that has reached one listener on to another address, as a NAT rule
    // (kube-proxy's) does: in memory it is the same message, not a second one. Over sockets it
    // is a second request.
    virtual void forward(const Endpoint& to, Request request, ResponseCallback done) {
        this->request(to, std::move(request), std::move(done));
    }
};

std::unique_ptr<Network> makeLoopbackNetwork(Runtime& runtime);
std::unique_ptr<Network> makeInMemoryNetwork(Runtime& runtime);

}  // namespace mcpsim::core::http
