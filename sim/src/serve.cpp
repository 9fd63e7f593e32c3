#include "serve.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/mocks/catalog.hpp"
#include "mcpsim/sim/world.hpp"

namespace mcpsim::sim {

namespace {

std::string defaultKubeconfigPath() {
    const char* home = std::getenv("HOME");
    return std::string(home ? home : ".") + "/.kube/mcpsim.kubeconfig";
}

void writeFileAtomically(const std::string& path, const std::string& content) {
    namespace fs = std::filesystem;
    fs::path p(path);
    if (p.has_parent_path()) fs::create_directories(p.parent_path());
    fs::path tmp = p;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << content;
        if (!out) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::rename(tmp, p);
}

// 127.0.0.0/8, ::1 and localhost: only this machine can connect.
bool isLoopback(const std::string& address) {
    return address.rfind("127.", 0) == 0 || address == "::1" || address == "[::1]" ||
           address == "localhost";
}

}  // namespace

int serve(const ServeOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    WorldConfig config;
    config.profile = options.world;
    config.seed = options.seed;
    config.kubeMinor = options.kubeMinor;
    config.clock = options.clock;
    config.listeners.enabled = true;
    config.listeners.address = options.address;
    config.listeners.apiPort = options.port;
    config.listeners.gatewayPort = options.gatewayPort;
    config.listeners.logRequests = options.verbose;
    if (!options.mockImagesFile.empty()) {
        std::ifstream in(options.mockImagesFile);
        std::stringstream text;
        text << in.rdbuf();
        if (!in) {
            std::cerr << "mcpsim: cannot read --mock-images " << options.mockImagesFile << "\n";
            return 1;
        }
        try {
            mocks::ImageTable().addYaml(text.str());  // reports a bad table before booting
        } catch (const std::exception& e) {
            std::cerr << "mcpsim: --mock-images " << options.mockImagesFile << ": " << e.what()
                      << "\n";
            return 1;
        }
        config.addModifier([images = text.str()](WorldBlueprint& bp) { bp.mockImages = images; });
    }
    std::unique_ptr<World> world;
    try {
        world = std::make_unique<World>(std::move(config));
    } catch (const ListenError& e) {
        std::cerr << "mcpsim: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "mcpsim: cannot boot world \"" << options.world << "\": " << e.what() << "\n";
        return 1;
    }
    if (!isLoopback(options.address)) {
        // The simulator has no authentication: see docs/security.md.
        std::cerr << "mcpsim: warning: listening on " << options.address
                  << ", not loopback: the API server and the gateway have no authentication, so "
                     "anyone who can reach this address can read and change the simulated "
                     "cluster, including its Secrets\n";
    }
    core::Runtime& runtime = world->runtime();
    const auto gatewayEndpoint = world->gatewayEndpoint();
    std::string gatewayUrl;
    if (gatewayEndpoint) {
        gatewayUrl = "http://" + world->gatewayPublicHost() + ":" +
                     std::to_string(gatewayEndpoint->port) + "/mcp";
    }
    const std::string url = "http://" + world->apiEndpoint().str();
    const std::string kubeconfig =
        options.kubeconfig.empty() ? defaultKubeconfigPath() : options.kubeconfig;
    try {
        writeFileAtomically(kubeconfig, world->kubeconfig());
    } catch (const std::exception& e) {
        std::cerr << "mcpsim: " << e.what() << "\n";
        return 1;
    }
    boost::asio::signal_set signals(runtime.io(), SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        std::cerr << "mcpsim: shutting down\n";
        world->closeListeners();
        runtime.stop();
    });
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    std::cout << "mcpsim: ready api=" << url << " kubeconfig=" << kubeconfig
              << " world=" << options.world << " kube-version=1." << options.kubeMinor
              << " clock=" << (options.clock == ClockKind::Virtual ? "virtual" : "real")
              << " startup=" << ms << "ms";
    if (gatewayEndpoint) {
        std::cout << " gateway=" << gatewayUrl << " gateway-listener=" << gatewayEndpoint->str();
    }
    std::cout << std::endl;
    std::cout << "export KUBECONFIG=" << kubeconfig << std::endl;
    if (gatewayEndpoint) {
        std::cout << "# without DNS for " << world->gatewayPublicHost()
                  << ", route curl through the gateway listener:" << std::endl;
        std::cout << "export http_proxy=http://" << gatewayEndpoint->str()
                  << " no_proxy=127.0.0.1,localhost" << std::endl;
    }
    runtime.run();
    return 0;
}

}  // namespace mcpsim::sim
