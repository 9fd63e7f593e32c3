#pragma once
// `mcpsim run`: Kyverno Chainsaw tests (chainsaw.kyverno.io/v1alpha1 `Test` documents) against a
// fresh world per test, on virtual time: waits, timeouts and sleeps cost nothing, assertions are
// re-checked each time the world settles, and the same seed gives the same run. Prints one line
// per operation in Chainsaw's columns, a mark per step with its world time, and a closing
// "N passed, N failed" line.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace mcpsim::sim::scenario {

struct RunOptions {
    // Test files, or folders searched (recursively) for chainsaw-test.yaml / chainsaw-test.yml.
    std::vector<std::string> paths;
    std::string world = "seed";
    std::uint64_t seed = 1;
    // With lastSeed > seed, every test runs once per seed in seed..lastSeed (--seeds N..M).
    std::uint64_t lastSeed = 0;
    // Schedule perturbation drawn from each seed (--perturb; --seeds turns it on): the order in
    // which the world's messages and same-time timers run, and message latencies.
    bool perturb = false;
    // Tests run at once, each world on its own thread (Chainsaw's --parallel). The report and
    // transcript are the same bytes as with 1: each test's lines are printed in turn.
    std::size_t parallel = 1;
    std::string junitPath;  // JUnit XML: a testsuite per test folder, a testcase per test
    bool quiet = false;     // only failing tests and the summary
    // --real: each world on the machine's clocks, as `mcpsim serve` runs; timeouts, sleeps and
    // requeues take the time they take on a cluster, and runs are not reproducible.
    bool realTime = false;
    // Every test's world transcript (see WorldConfig::transcript) and its steps, in run order:
    // the same bytes for the same seeds and files.
    std::string transcriptPath;
};

// 0: every test passed; 1: one failed; 2: a file could not be read or is not a valid Test.
int runScenarios(const RunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace mcpsim::sim::scenario
