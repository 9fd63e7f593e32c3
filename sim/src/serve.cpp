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
#include "world.hpp"

namespace mcpsim::sim {

std::string kubeconfigFor(const std::string& serverUrl) {
    return "apiVersion: v1\n"
           "kind: Config\n"
           "clusters:\n"
           "- name: mcpsim\n"
           "  cluster:\n"
           "    server: " +
           serverUrl +
           "\n"
           "contexts:\n"
           "- name: mcpsim\n"
           "  context:\n"
           "    cluster: mcpsim\n"
           "    user: mcpsim\n"
           "    namespace: default\n"
           "current-context: mcpsim\n"
           "users:\n"
           "- name: mcpsim\n"
           "  user: {}\n";
}

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

}  // namespace

int serve(const ServeOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    core::RuntimeOptions rtOptions;
    rtOptions.seed = options.seed;
    core::Runtime runtime(rtOptions);
    WorldOptions worldOptions{options.world, options.kubeMinor, ""};
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
        worldOptions.mockImages = text.str();
    }
    std::unique_ptr<World> world;
    try {
        world = std::make_unique<World>(runtime, worldOptions);
    } catch (const std::exception& e) {
        std::cerr << "mcpsim: cannot boot world \"" << options.world << "\": " << e.what() << "\n";
        return 1;
    }
    apiserver::ApiServer& api = world->api();
    auto network = core::http::makeLoopbackNetwork(runtime);
    core::http::Handler handler = api.handler();
    if (options.verbose) {
        handler = [inner = api.handler()](core::http::Request&& req, core::http::Reply reply) {
            std::string line = req.method + " " + req.target;
            inner(std::move(req), [line, reply](core::http::Response r) {
                std::cerr << "mcpsim: " << line << " -> " << r.status << "\n";
                reply(std::move(r));
            });
        };
    }
    std::unique_ptr<core::http::Listener> listener;
    try {
        listener = network->listen(core::http::Endpoint{options.address, options.port}, handler,
                                   api.limits());
    } catch (const std::exception& e) {
        std::cerr << "mcpsim: cannot listen on " << options.address << ":" << options.port << ": "
                  << e.what() << "\n";
        return 1;
    }
    // The Gateway listener: the guide's URLs name port 8001. Clients that cannot resolve the
    // public host use this listener as their HTTP proxy (it accepts absolute-form targets).
    std::unique_ptr<core::http::Listener> gatewayListener;
    std::string gatewayUrl;
    if (auto gw = world->gatewayHandler(); gw && options.gatewayPort >= 0) {
        try {
            gatewayListener = network->listen(
                core::http::Endpoint{options.address,
                                     static_cast<std::uint16_t>(options.gatewayPort)},
                gw);
        } catch (const std::exception& e) {
            std::cerr << "mcpsim: cannot listen for the gateway on " << options.address << ":"
                      << options.gatewayPort << ": " << e.what()
                      << " (choose another port with --gateway-port)\n";
            return 1;
        }
        gatewayUrl = "http://" + world->gatewayPublicHost() + ":" +
                     std::to_string(gatewayListener->endpoint().port) + "/mcp";
    }
    const std::string url = "http://" + listener->endpoint().str();
    const std::string kubeconfig =
        options.kubeconfig.empty() ? defaultKubeconfigPath() : options.kubeconfig;
    try {
        writeFileAtomically(kubeconfig, kubeconfigFor(url));
    } catch (const std::exception& e) {
        std::cerr << "mcpsim: " << e.what() << "\n";
        return 1;
    }
    boost::asio::signal_set signals(runtime.io(), SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        std::cerr << "mcpsim: shutting down\n";
        listener->stop();
        if (gatewayListener) gatewayListener->stop();
        runtime.stop();
    });
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    std::cout << "mcpsim: ready api=" << url << " kubeconfig=" << kubeconfig
              << " world=" << options.world << " kube-version=1." << options.kubeMinor
              << " startup=" << ms << "ms";
    if (gatewayListener) {
        std::cout << " gateway=" << gatewayUrl
                  << " gateway-listener=" << gatewayListener->endpoint().str();
    }
    std::cout << std::endl;
    std::cout << "export KUBECONFIG=" << kubeconfig << std::endl;
    if (gatewayListener) {
        std::cout << "# without DNS for " << world->gatewayPublicHost()
                  << ", route curl through the gateway listener:" << std::endl;
        std::cout << "export http_proxy=http://" << gatewayListener->endpoint().str()
                  << " no_proxy=127.0.0.1,localhost" << std::endl;
    }
    runtime.run();
    return 0;
}

}  // namespace mcpsim::sim
