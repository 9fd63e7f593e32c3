#pragma once
// Everything a component needs from the world, passed by reference to constructors (no globals):
// the one event loop, the clock, the seeded randomness and the log store.
#include <cstdint>
#include <memory>

#include "mcpsim/core/clock.hpp"
#include "mcpsim/core/log.hpp"
#include "mcpsim/core/random.hpp"

namespace mcpsim::core {

struct RuntimeOptions {
    std::uint64_t seed = 1;
    bool virtualTime = false;
    // Wall time at which a virtual clock starts. Real clocks ignore it.
    WallTime epoch = WallTime(std::chrono::seconds(1767225600));  // 2026-01-01T00:00:00Z
};

class Runtime {
public:
    explicit Runtime(RuntimeOptions options = {});
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    boost::asio::io_context& io();
    Clock& clock();
    VirtualClock* virtualClock();  // null when time is real
    Random& rng() { return rng_; }
    LogStore& logs() { return logs_; }
    const RuntimeOptions& options() const { return options_; }

    // Runs every ready handler; with virtual time, also fires due timers, advancing the clock
    // while nothing else can run. Stops when no work is left or after maxSteps timer firings.
    // Returns false if the step limit was hit.
    bool runUntilIdle(std::size_t maxTimerFirings = 100000);
    // Virtual time: runs everything due within the next `d` (handlers, and timers in deadline
    // order), then leaves the clock at now + d. Real time: runs ready handlers only.
    void runFor(Duration d);
    // Runs ready handlers only (never advances virtual time).
    std::size_t poll();
    // Runs the loop until stop() (real time); used by `mcpsim serve`.
    void run();
    void stop();

private:
    RuntimeOptions options_;
    std::unique_ptr<boost::asio::io_context> io_;
    std::unique_ptr<Clock> clock_;
    Random rng_;
    LogStore logs_;
};

}  // namespace mcpsim::core
