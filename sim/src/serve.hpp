#pragma once
// `mcpsim serve`: one world on real time, its API server on a loopback port for kubectl.
#include <cstdint>
#include <string>

namespace mcpsim::sim {

struct ServeOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: any free port
    std::string kubeconfig;  // default: $HOME/.kube/mcpsim.kubeconfig
    int kubeMinor = 31;
    std::uint64_t seed = 1;
    bool verbose = false;
    std::string world = "seed";  // world profile: seed or bare
    std::string mockImagesFile;  // extra image -> mock rows (YAML), if any
    // Loopback port of the Gateway listener (kind maps host 8001 to the Gateway's port 8080).
    int gatewayPort = 8001;  // 0: any free port; -1: none
};

// Runs until SIGINT/SIGTERM. Returns the process exit code.
int serve(const ServeOptions& options);

// The kubeconfig kubectl needs for a plain-HTTP server with no credentials.
std::string kubeconfigFor(const std::string& serverUrl);

}  // namespace mcpsim::sim
