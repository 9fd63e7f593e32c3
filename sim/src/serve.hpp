#pragma once
// `mcpsim serve`: one world, its API server on a loopback port for kubectl and its Gateway
// listener for curl.
#include <cstdint>
#include <string>

#include "mcpsim/sim/world.hpp"

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
    // Real: requeues take the seconds they take on a cluster. Virtual: each API write is answered,
    // then the world settles (time jumps over requeues) before the next request is read.
    ClockKind clock = ClockKind::Real;
};

// Runs until SIGINT/SIGTERM. Returns the process exit code.
int serve(const ServeOptions& options);

}  // namespace mcpsim::sim
