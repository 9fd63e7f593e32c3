// mcpsim command line.
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "docs_command.hpp"
#include "mcp_command.hpp"
#include "mcpsim/sim/world.hpp"
#include "mock_command.hpp"
#include "run_command.hpp"
#include "serve.hpp"

namespace {

const char* kUsage =
    "usage: mcpsim <command> [flags]\n"
    "\n"
    "commands:\n"
    "  serve   run a simulated cluster; kubectl talks to it through the written kubeconfig\n"
    "  mock    run one mock MCP server (server1, everything, ...) on a loopback port\n"
    "  docs    replay a markdown page's shell blocks against a fresh world and check them\n"
    "  run     run Chainsaw test files against a fresh world each, on virtual time\n"
    "  mcp     a small MCP client: init, list, call, listen, close (mcpsim mcp --help)\n"
    "\n"
    "serve flags:\n"
    "  --port N             API server port on 127.0.0.1 (default: any free port)\n"
    "  --address A          listen address (default 127.0.0.1)\n"
    "  --kubeconfig PATH    where to write the kubeconfig (default ~/.kube/mcpsim.kubeconfig)\n"
    "  --kube-version V     Kubernetes version to report, 1.27 to 1.33 (default 1.31)\n"
    "  --seed N             seed for uids and other random values (default 1)\n"
    "  --world NAME         world profile: seed (the registration guide's prerequisites, with the\n"
    "                       controllers running; default), e2e (what the upstream e2e suite runs\n"
    "                       against: the test servers, an extension, no routes), local (what\n"
    "                       the upstream make local-env-setup leaves: routes and a registration\n"
    "                       per test server) or bare (API server only)\n"
    "  --mock-images FILE   more image -> mock rows, in the format of\n"
    "                       mock-servers/data/images.yaml\n"
    "  --gateway-port N     port of the Gateway listener (default 8001; 0: any free port;\n"
    "                       -1: none)\n"
    "  --clock KIND         real (default): requeues and polls take the seconds they take on a\n"
    "                       cluster; virtual: after each API write the world settles, time\n"
    "                       jumping over requeues, before the next request is read\n"
    "  --verbose            log every API request to stderr\n"
    "\n";

int usageError(const std::string& msg) {
    std::cerr << "mcpsim: " << msg << "\n\n"
              << kUsage << mcpsim::sim::kMockUsage << "\n"
              << mcpsim::sim::kDocsUsage << "\n"
              << mcpsim::sim::kRunUsage;
    return 2;
}

bool parseMinor(const std::string& text, int* minor) {
    std::string v = text;
    if (!v.empty() && v[0] == 'v') v.erase(0, 1);
    if (v.rfind("1.", 0) != 0) return false;
    char* end = nullptr;
    long m = std::strtol(v.c_str() + 2, &end, 10);
    if (end == v.c_str() + 2 || (*end != '\0' && *end != '.') || m < 20 || m > 40) return false;
    *minor = static_cast<int>(m);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    // A closed stdout or peer must not kill the server; writes fail with EPIPE instead.
    std::signal(SIGPIPE, SIG_IGN);
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        std::cout << kUsage << mcpsim::sim::kMockUsage << "\n"
                  << mcpsim::sim::kDocsUsage << "\n"
                  << mcpsim::sim::kRunUsage << "\n"
                  << mcpsim::sim::mockCatalogText();
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    if (command == "mock") return mcpsim::sim::runMockCommand(argc - 2, argv + 2);
    if (command == "mcp") return mcpsim::sim::runMcpCommand(argc - 2, argv + 2);
    if (command == "docs") return mcpsim::sim::runDocsCommand(argc - 2, argv + 2);
    if (command == "run") return mcpsim::sim::runRunCommand(argc - 2, argv + 2);
    if (command != "serve") return usageError("unknown command \"" + command + "\"");
    mcpsim::sim::ServeOptions options;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&](const char* flag) -> const char* {
            if (i + 1 >= argc) return nullptr;
            (void)flag;
            return argv[++i];
        };
        if (arg == "--verbose") {
            options.verbose = true;
        } else if (arg == "--port" || arg == "--address" || arg == "--kubeconfig" ||
                   arg == "--kube-version" || arg == "--seed" || arg == "--world" ||
                   arg == "--mock-images" || arg == "--gateway-port" || arg == "--clock") {
            const char* v = value(arg.c_str());
            if (!v) return usageError("flag " + arg + " needs a value");
            if (arg == "--port") {
                char* end = nullptr;
                long p = std::strtol(v, &end, 10);
                if (*end != '\0' || p < 0 || p > 65535)
                    return usageError("invalid port " + std::string(v));
                options.port = static_cast<std::uint16_t>(p);
            } else if (arg == "--gateway-port") {
                char* end = nullptr;
                long p = std::strtol(v, &end, 10);
                if (*end != '\0' || p < -1 || p > 65535)
                    return usageError("invalid gateway port " + std::string(v));
                options.gatewayPort = static_cast<int>(p);
            } else if (arg == "--clock") {
                const std::string kind = v;
                if (kind == "virtual") {
                    options.clock = mcpsim::sim::ClockKind::Virtual;
                } else if (kind == "real") {
                    options.clock = mcpsim::sim::ClockKind::Real;
                } else {
                    return usageError("invalid --clock " + kind + " (want real or virtual)");
                }
            } else if (arg == "--address") {
                options.address = v;
            } else if (arg == "--world") {
                if (!mcpsim::sim::WorldConfig::knownProfile(v))
                    return usageError("unknown world " + std::string(v));
                options.world = v;
            } else if (arg == "--kubeconfig") {
                options.kubeconfig = v;
            } else if (arg == "--mock-images") {
                options.mockImagesFile = v;
            } else if (arg == "--kube-version") {
                if (!parseMinor(v, &options.kubeMinor)) {
                    return usageError("invalid --kube-version " + std::string(v) +
                                      " (want 1.27 to 1.33)");
                }
            } else {
                char* end = nullptr;
                options.seed = std::strtoull(v, &end, 10);
                if (*end != '\0') return usageError("invalid seed " + std::string(v));
            }
        } else {
            return usageError("unknown flag " + arg);
        }
    }
    return mcpsim::sim::serve(options);
}
