// What `mcpsim run` costs, in process (no mcpsim start-up): one seed-world scenario that needs no
// real processes (e16: apply an extension, assert its status, clean up), the world boot it
// includes, and the whole catalogue in scenarios/ once, one test at a time and two at once
// (--parallel 2; most tests run real kubectl, curl and jq processes in their scripts, which
// dominate). Targets: the in-process scenario < 20 ms, the catalogue < 2 s of wall time. The
// `--real` comparison (the catalogue on real time) takes minutes, so it is a script, not a row:
// bench/catalogue_real.sh.
#include <benchmark/benchmark.h>

#include <chrono>
#include <sstream>

#include "mcpsim/sim/scenario/runner.hpp"
#include "mcpsim/sim/world.hpp"

namespace {

using namespace mcpsim;

const std::string kSource = MCPSIM_SOURCE_DIR;

int runQuiet(const std::vector<std::string>& paths, std::size_t parallel = 1) {
    sim::scenario::RunOptions o;
    o.paths = paths;
    o.quiet = true;
    o.parallel = parallel;
    std::ostringstream out, err;
    const int rc = sim::scenario::runScenarios(o, out, err);
    if (rc != 0) std::fprintf(stderr, "%s%s", out.str().c_str(), err.str().c_str());
    return rc;
}

void BM_SeedWorldBoot(benchmark::State& state) {
    for (auto _ : state) {
        sim::WorldConfig c;
        c.profile = "seed";
        sim::World w(c);
        w.settle();
        benchmark::DoNotOptimize(w.client());
    }
}
BENCHMARK(BM_SeedWorldBoot)->Unit(benchmark::kMillisecond);

void BM_InProcessSeedScenario(benchmark::State& state) {
    const std::string test = kSource + "/scenarios/e16-extension-invalid-gateway";
    for (auto _ : state) {
        if (runQuiet({test}) != 0) state.SkipWithError("e16 failed");
    }
}
BENCHMARK(BM_InProcessSeedScenario)->Unit(benchmark::kMillisecond);

void BM_WholeCatalogue(benchmark::State& state) {
    for (auto _ : state) {
        if (runQuiet({kSource + "/scenarios"}) != 0) state.SkipWithError("the catalogue failed");
    }
}
BENCHMARK(BM_WholeCatalogue)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void BM_WholeCatalogueTwoAtOnce(benchmark::State& state) {
    for (auto _ : state) {
        if (runQuiet({kSource + "/scenarios"}, 2) != 0) {
            state.SkipWithError("the catalogue failed");
        }
    }
}
BENCHMARK(BM_WholeCatalogueTwoAtOnce)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
