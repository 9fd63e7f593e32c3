#include "run_command.hpp"

#include <cstdlib>
#include <iostream>
#include <string>

#include "mcpsim/sim/scenario/runner.hpp"
#include "mcpsim/sim/world.hpp"

namespace mcpsim::sim {

const char* kRunUsage =
    "run flags (mcpsim run [flags] PATH...; PATH is a Chainsaw test file or a folder searched for\n"
    "chainsaw-test.yaml):\n"
    "  --world NAME         world profile each test starts from (default seed)\n"
    "  --seed N             seed for uids, session ids, keys and namespaces (default 1)\n"
    "  --junit FILE         JUnit XML report: a testsuite per test folder, a testcase per test\n"
    "  --quiet              print only failing operations and the summary\n";

int runRunCommand(int argc, char** argv) {
    scenario::RunOptions options;
    auto usage = [](const std::string& msg) {
        std::cerr << "mcpsim run: " << msg << "\n\n" << kRunUsage;
        return 2;
    };
    for (int i = 0; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        if (arg == "--quiet") {
            options.quiet = true;
        } else if (arg == "--world" || arg == "--seed" || arg == "--junit") {
            const char* v = value();
            if (!v) return usage("flag " + arg + " needs a value");
            if (arg == "--world") {
                if (!WorldConfig::knownProfile(v)) return usage("unknown world " + std::string(v));
                options.world = v;
            } else if (arg == "--seed") {
                char* end = nullptr;
                options.seed = std::strtoull(v, &end, 10);
                if (*end != '\0' || *v == '\0') return usage("invalid seed " + std::string(v));
            } else {
                options.junitPath = v;
            }
        } else if (!arg.empty() && arg[0] == '-') {
            return usage("unknown flag " + arg);
        } else {
            options.paths.push_back(arg);
        }
    }
    if (options.paths.empty()) return usage("no test file or folder given");
    return scenario::runScenarios(options, std::cout, std::cerr);
}

}  // namespace mcpsim::sim
