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
    "  --seeds N..M         run every test once per seed from N to M, with --perturb\n"
    "  --perturb            perturb the schedule from the seed: the order in which the world's\n"
    "                       messages and same-time timers run, and message latencies (0-5 ms)\n"
    "  --parallel N         run up to N tests at once, each world on its own thread; the\n"
    "                       report and transcript are those of a serial run (default 1)\n"
    "  --junit FILE         JUnit XML report: a testsuite per test folder, a testcase per test\n"
    "  --transcript FILE    every test's world transcript (real clients' requests and their\n"
    "                       statuses, log lines, Events, steps) at world times: the same bytes\n"
    "                       for the same seed and files\n"
    "  --real               run each world on real time, as mcpsim serve does (sleeps, timeouts\n"
    "                       and requeues take their real seconds; not reproducible)\n"
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
        } else if (arg == "--perturb") {
            options.perturb = true;
        } else if (arg == "--real") {
            options.realTime = true;
        } else if (arg == "--world" || arg == "--seed" || arg == "--seeds" || arg == "--junit" ||
                   arg == "--parallel" || arg == "--transcript") {
            const char* v = value();
            if (!v) return usage("flag " + arg + " needs a value");
            if (arg == "--world") {
                if (!WorldConfig::knownProfile(v)) return usage("unknown world " + std::string(v));
                options.world = v;
            } else if (arg == "--seeds") {
                const std::string range = v;
                const auto dots = range.find("..");
                char* end1 = nullptr;
                char* end2 = nullptr;
                const std::string from = range.substr(0, dots);
                const std::string to = dots == std::string::npos ? "" : range.substr(dots + 2);
                options.seed = std::strtoull(from.c_str(), &end1, 10);
                options.lastSeed = std::strtoull(to.c_str(), &end2, 10);
                if (dots == std::string::npos || from.empty() || to.empty() || *end1 != '\0' ||
                    *end2 != '\0' || options.lastSeed < options.seed) {
                    return usage("invalid --seeds " + range + " (N..M with N <= M)");
                }
                options.perturb = true;
            } else if (arg == "--parallel") {
                char* end = nullptr;
                const auto n = std::strtoull(v, &end, 10);
                if (*end != '\0' || *v == '\0' || n == 0 || n > 64) {
                    return usage("invalid --parallel " + std::string(v) + " (1 to 64)");
                }
                options.parallel = n;
            } else if (arg == "--seed") {
                char* end = nullptr;
                options.seed = std::strtoull(v, &end, 10);
                if (*end != '\0' || *v == '\0') return usage("invalid seed " + std::string(v));
            } else if (arg == "--transcript") {
                options.transcriptPath = v;
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
