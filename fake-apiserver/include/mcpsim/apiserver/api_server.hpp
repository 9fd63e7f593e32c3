#pragma once
// A fake Kubernetes API server faithful to what kubectl and controllers rely on. Serve handler()
// on any core::http::Network; components in the same world use client(), which has the same
// semantics without HTTP.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcpsim/core/http/message.hpp"
#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::apiserver {

struct ApiServerOptions {
    // Minor version reported by /version. kubectl's dispatcher picks its binary from it:
    // 27..31 and 33 run that kubectl, anything else runs its built-in 1.32.
    int kubeMinor = 31;
    // Creates default, kube-system, kube-public, kube-node-lease, the kubernetes Service and a
    // node, as a fresh cluster has.
    bool seedCluster = true;
    // The real apiserver refuses request bodies over 3 MiB.
    std::size_t maxBodyBytes = 3 * 1024 * 1024;
    // Where services/NAME/proxy and pods/NAME/proxy requests go (the cluster network); null:
    // the proxy subresources answer 400 like other upgrade-style subresources.
    core::http::Network* clusterNetwork = nullptr;
};

// A failure the server injects into client writes, for testing how controllers recover. The next
// `count` writes that match are refused before anything is stored, with the error a real
// apiserver gives in that case; other writes are unaffected.
struct WriteFault {
    enum class Kind {
        Conflict,       // 409 Conflict: "the object has been modified; ..."
        InternalError,  // 500 InternalError
        Timeout,        // 504 Timeout: "request did not complete within requested timeout"
    };
    Kind kind = Kind::Conflict;
    std::string resource;     // "plural" (core group) or "plural.group"; "" matches every kind
    std::string verb;         // create, update, patch or delete; "" matches every write
    std::string subresource;  // "status": only status writes; "": main and status writes
    int count = 1;
};

// A resource as kubectl names it on the command line, resolved.
struct ResourceName {
    core::kube::Gvk gvk;  // storage version
    std::string plural;   // as in kubectl's messages ("mcpgatewayextensions")
    bool namespaced = true;
};

class ApiServer {
  public:
    ApiServer(core::Runtime& runtime, ApiServerOptions options = {});
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    void handle(core::http::Request&& request, core::http::Reply reply);
    core::http::Handler handler();
    core::http::ServerLimits limits() const;

    // In-process client: same semantics as HTTP, events delivered on the loop.
    core::kube::Client& client();

    // Applies every document of a YAML stream through server-side semantics (create, or update
    // if it exists), as a bootstrap step. Throws core::kube::ApiException on the first failure.
    void applyManifests(std::string_view yaml, const std::string& fieldManager = "mcpsim");

    // Pod logs: `kubectl logs` for container C of pod P in namespace N reads the log source named
    // by the pod's annotation mcpsim.io/log-source (a core::LogStore source), or "N/P/C".
    static std::string defaultLogSource(const std::string& ns, const std::string& pod,
                                        const std::string& container);

    // Resolves a plural, singular, short name or kind (case-insensitive), optionally qualified
    // with ".group", as kubectl's RESTMapper does.
    std::optional<ResourceName> resolveResource(std::string_view name) const;

    // Client writes (HTTP and in-process) check the pending faults in the order they were added.
    void injectWriteFault(WriteFault fault);
    // Matching writes still to be refused, over every injected fault.
    int pendingWriteFaults() const;

    // Ends every open watch, HTTP and in-process, as a restarted apiserver over a compacted
    // etcd does: each gets an ERROR event with a 410 Expired Status and then nothing; resuming
    // from a resourceVersion older than now is 410 too, so clients re-list. Returns how many.
    std::size_t restartWatches();

    int kubeMinor() const;
    // Number of requests served over HTTP (for benchmarks).
    std::uint64_t requestCount() const;

    struct Impl;  // internal; public so the server's own translation units can name it

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace mcpsim::apiserver
