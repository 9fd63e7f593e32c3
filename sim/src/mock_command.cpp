#include "mock_command.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/mcp/jsonrpc.hpp"
#include "mcpsim/core/mcp/server.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/mocks/catalog.hpp"

namespace mcpsim::sim {

const char* const kMockUsage =
    "mock NAME flags:\n"
    "  --port N             port on 127.0.0.1 (0: any free port; default: the image's port)\n"
    "  --env K=V            environment the mock reads, as a container would (repeatable),\n"
    "                       e.g. --env EXPECTED_AUTH='Bearer x' or --env FAILURE_MODE=no-tools\n"
    "  --seed N             seed for session ids (default: random)\n";

std::string mockCatalogText() {
    std::size_t width = 0;
    for (const auto& m : mocks::catalog()) width = std::max(width, m.name.size());
    std::string out = "mocks:\n";
    for (const auto& m : mocks::catalog()) {
        out += "  " + m.name + std::string(width - m.name.size() + 2, ' ') + m.description + "\n";
    }
    return out;
}

namespace {

// Standalone mocks answer only to loopback names (DNS-rebinding protection, as the TypeScript
// SDK sets it up for a localhost server).
const std::vector<std::string> kLoopbackHosts = {"localhost", "127.0.0.1", "[::1]"};

// The TypeScript SDK's limit for one message.
constexpr std::size_t kMaxBodyBytes = 4 * 1024 * 1024;

std::string mcpPath(const std::string& mock) {
    return mock == "custom-path" ? "/v1/special/mcp" : "/mcp";
}

int usageError(const std::string& msg) {
    std::cerr << "mcpsim: " << msg << "\n\nusage: mcpsim mock NAME [flags]\n\n" << kMockUsage;
    std::cerr << "\n" << mockCatalogText();
    return 2;
}

bool parseNumber(const std::string& text, unsigned long long max, unsigned long long* out) {
    if (text.empty()) return false;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (*end != '\0' || v > max) return false;
    *out = v;
    return true;
}

core::http::ServerLimits limits() {
    core::http::ServerLimits l;
    l.maxBodyBytes = kMaxBodyBytes;
    l.tooLarge = [](std::size_t) {
        return core::http::makeResponse(
            413, "application/json",
            core::mcp::makeError(nullptr, core::mcp::codes::kServerError, "Payload Too Large")
                .dump());
    };
    return l;
}

}  // namespace

int runMockCommand(int argc, char** argv) {
    if (argc < 1) return usageError("mock needs a NAME");
    const std::string name = argv[0];
    const mocks::MockInfo* info = mocks::findMock(name);
    if (!info) return usageError("unknown mock \"" + name + "\"");
    unsigned long long port = info->port;
    unsigned long long seed = std::random_device{}();
    mocks::MockEnv env;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg != "--port" && arg != "--env" && arg != "--seed") {
            return usageError("unknown flag " + arg);
        }
        if (i + 1 >= argc) return usageError("flag " + arg + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--port") {
            if (!parseNumber(value, 65535, &port)) return usageError("invalid port " + value);
        } else if (arg == "--seed") {
            if (!parseNumber(value, ~0ULL, &seed)) return usageError("invalid seed " + value);
        } else {
            const auto eq = value.find('=');
            if (eq == std::string::npos || eq == 0)
                return usageError("--env wants K=V, got " + value);
            env.env[value.substr(0, eq)] = value.substr(eq + 1);
        }
    }

    core::RuntimeOptions rtOptions;
    rtOptions.seed = seed;
    core::Runtime runtime(rtOptions);
    // The mock's own log lines go to stderr, as a container's would to its log.
    runtime.logs().setEcho(
        [](const std::string&, const core::LogLine& line) { std::cerr << line.text << "\n"; });
    core::Logger log(runtime.clock(), runtime.logs(), "mock/" + name);
    std::unique_ptr<mocks::MockServer> mock = info->create(runtime, env, log);
    auto network = core::http::makeLoopbackNetwork(runtime);
    std::unique_ptr<core::http::Listener> listener;
    try {
        listener =
            network->listen({"127.0.0.1", static_cast<std::uint16_t>(port)},
                            core::mcp::withAllowedHosts(mock->handler(), kLoopbackHosts), limits());
    } catch (const std::exception& e) {
        std::cerr << "mcpsim: cannot listen on 127.0.0.1:" << port << ": " << e.what() << "\n";
        return 1;
    }
    boost::asio::signal_set signals(runtime.io(), SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        listener->stop();
        runtime.stop();
    });
    std::cout << "mcpsim: mock " << name << " ready url=http://" << listener->endpoint().str()
              << mcpPath(name) << std::endl;
    runtime.run();
    listener.reset();
    mock.reset();
    return 0;
}

}  // namespace mcpsim::sim
