#include "docs_command.hpp"

#include <cstdlib>
#include <iostream>
#include <string>

#include "mcpsim/sim/docs/runner.hpp"
#include "mcpsim/sim/world.hpp"

namespace mcpsim::sim {

const char* kDocsUsage =
    "docs flags (mcpsim docs [flags] FILE.md...):\n"
    "  --fast               virtual time: the world settles after each API write, and a\n"
    "                       kubectl wait the world proves cannot succeed is reported at once\n"
    "                       (default: literal replay on real time)\n"
    "  --expect FILE        expectations for the one page named (default: PAGE.expect.yaml\n"
    "                       beside the page, if present)\n"
    "  --world NAME         world profile for each page (default seed)\n"
    "  --seed N             seed for uids, session ids and keys (default 1)\n"
    "  --block-timeout SEC  stop a block after this many seconds (default 90)\n"
    "  --gateway-port N     Gateway listener port (default 8001, or any free port when 8001\n"
    "                       is taken; 0: any free port)\n"
    "  --junit FILE         JUnit XML report, one testcase per block\n"
    "  --json FILE          machine-readable report\n"
    "  --quiet              print only failing blocks and the summary\n";

int runDocsCommand(int argc, char** argv) {
    docs::DocsOptions options;
    auto usage = [](const std::string& msg) {
        std::cerr << "mcpsim docs: " << msg << "\n\n" << kDocsUsage;
        return 2;
    };
    for (int i = 0; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        if (arg == "--fast") {
            options.fast = true;
        } else if (arg == "--quiet") {
            options.quiet = true;
        } else if (arg == "--expect" || arg == "--world" || arg == "--seed" ||
                   arg == "--block-timeout" || arg == "--junit" || arg == "--json" ||
                   arg == "--gateway-port") {
            const char* v = value();
            if (!v) return usage("flag " + arg + " needs a value");
            if (arg == "--expect") {
                options.expectFile = v;
            } else if (arg == "--world") {
                if (!WorldConfig::knownProfile(v)) return usage("unknown world " + std::string(v));
                options.world = v;
            } else if (arg == "--seed") {
                char* end = nullptr;
                options.seed = std::strtoull(v, &end, 10);
                if (*end != '\0') return usage("invalid seed " + std::string(v));
            } else if (arg == "--block-timeout") {
                char* end = nullptr;
                const long s = std::strtol(v, &end, 10);
                if (*end != '\0' || s <= 0) return usage("invalid --block-timeout " + std::string(v));
                options.blockTimeout = std::chrono::seconds(s);
            } else if (arg == "--gateway-port") {
                char* end = nullptr;
                const long p = std::strtol(v, &end, 10);
                if (*end != '\0' || p < 0 || p > 65535) {
                    return usage("invalid --gateway-port " + std::string(v));
                }
                options.gatewayPort = static_cast<int>(p);
            } else if (arg == "--junit") {
                options.junitPath = v;
            } else {
                options.jsonPath = v;
            }
        } else if (!arg.empty() && arg[0] == '-') {
            return usage("unknown flag " + arg);
        } else {
            options.pages.push_back(arg);
        }
    }
    return docs::runDocs(options, std::cout, std::cerr);
}

}  // namespace mcpsim::sim
