#pragma once
// Everything a component needs from the world, passed by reference to constructors (no globals):
// the one event loop, the clock, the seeded randomness and the log store.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "mcpsim/core/activity.hpp"
#include "mcpsim/core/clock.hpp"
#include "mcpsim/core/host_sockets.hpp"
#include "mcpsim/core/log.hpp"
#include "mcpsim/core/random.hpp"

namespace mcpsim::core {

struct RuntimeOptions {
    std::uint64_t seed = 1;
    bool virtualTime = false;
    // Wall time at which a virtual clock starts. Real clocks ignore it.
    WallTime epoch = WallTime(std::chrono::seconds(1767225600));  // 2026-01-01T00:00:00Z
    // Virtual time for a world that real clients talk to: the clock starts at the wall clock's
    // time, moves with it, and jumps ahead only when the world settles (never behind real time).
    bool followRealTime = false;
    // FoundationDB-style schedule perturbation, drawn from the seed: timers that share a deadline
    // fire in a seeded order, what goes through deliver() arrives in a seeded order among what
    // is pending with it and, while virtual time is being driven, after a seeded latency, and
    // pickReady() picks at random.
    // The same seed still gives the same run; other seeds give other interleavings.
    bool perturbSchedule = false;
};

// The outcome of Runtime::settle.
struct SettleResult {
    bool converged = false;  // every probe idle and nothing ready
    Duration advanced{};     // how far the clock moved
    std::size_t timersFired = 0;
    std::vector<std::string> busy;  // when not converged: what was still pending
    std::string describe() const;   // one line for logs and test failures
};

class Runtime {
  public:
    explicit Runtime(RuntimeOptions options = {});
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    boost::asio::io_context& io();
    // Runs `fn` on a later turn of the loop (what an answer from the network looks like),
    // without the caller including Asio.
    void post(std::function<void()> fn);
    // Runs `fn` on the loop's thread between two handlers, never inside one: the way to settle or
    // run the world from another thread, or after the current handler. (Asio counts the work of
    // a handler's thread apart, so a poll() nested in a handler can see no work, stop, and leave
    // ready handlers unrun while a virtual clock runs ahead.) Thread-safe; picked up by run(),
    // which must be running.
    void runBetweenHandlers(std::function<void()> fn);
    // Runs `fn` on a later turn, as a message arriving from elsewhere does (the in-memory
    // network's requests and responses). Without perturbation the same as post(). With it: in a
    // seeded order among the deliveries pending together and, while settle, runFor or step drive
    // a virtual clock, after a seeded latency of up to kMaxDeliveryLatency (such messages are
    // activity, so settle waits for them).
    void deliver(std::function<void()> fn);
    static constexpr Duration kMaxDeliveryLatency = std::chrono::milliseconds(5);
    // Which of `n` ready items (n > 0) a component takes next: the first without perturbation,
    // a seeded one with it (a controller's work queue: events for different objects arrive in
    // no fixed order on a cluster).
    std::size_t pickReady(std::size_t n);
    // With perturbation on virtual time: moves the clock on (at most `limit`) until no delivery
    // is on its way, as a moment of real time would. A driver calls it before real processes
    // talk to a world whose clock then stands still, so no message waits in flight meanwhile.
    // Returns how far the clock moved.
    Duration deliverInFlight(Duration limit = std::chrono::milliseconds(100));
    bool running() const { return running_; }  // inside run(), on the loop thread
    // Real I/O the world waits for (a command to a real redis-server). While any is
    // outstanding a virtual clock does not move: settle, runFor and step first wait for it in
    // real time (at most 5 s), so what a real process answers lands at the same world time on
    // every run.
    void externalWorkStarted() { ++external_; }
    void externalWorkFinished() {
        if (external_ > 0) --external_;
    }
    std::size_t externalWork() const { return external_; }
    Clock& clock();
    VirtualClock* virtualClock();  // null when time is real
    Random& rng() { return rng_; }
    LogStore& logs() { return logs_; }
    ActivityRegistry& activity() { return activity_; }
    HostSockets& hostSockets() { return hostSockets_; }
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
    // One step towards `until` for bounded waits: runs ready handlers, then with virtual time
    // fires the next timer due by `until` (or moves the clock to `until` when none is), with real
    // time waits for the next event (at most 10 ms). False once the clock has reached `until`.
    bool step(SteadyTime until);
    // Runs until every activity probe is idle and nothing is ready. With virtual time, jumps the
    // clock to the next timer while something is still busy, but not beyond now + horizon; with
    // real time, waits (at most horizon) for the work to finish. Timers already due always run.
    SettleResult settle(Duration horizon, std::size_t maxTimerFirings = 100000);
    // Runs the loop until stop(); used by `mcpsim serve` and `mcpsim docs`. With virtual time
    // that does not follow real time, timers fire only through settle()/runFor().
    void run();
    void stop();
    // For an owner about to destroy its components: runs the handlers that are ready, then
    // drops the clock's pending timers (see Clock::discardTimers), so that what they hold (a
    // request waiting for a slow answer, and the components it keeps alive) goes while
    // everything is still there.
    void discardPendingWork();

  private:
    RuntimeOptions options_;
    std::unique_ptr<boost::asio::io_context> io_;
    std::unique_ptr<Clock> clock_;
    Random rng_;
    LogStore logs_;
    ActivityRegistry activity_;
    HostSockets hostSockets_;
    std::size_t external_ = 0;
    // Inside settle, runFor, step or runUntilIdle: the clock moves to due timers.
    int advancing_ = 0;
    struct Advancing;
    struct Perturbation;
    std::unique_ptr<Perturbation> perturbation_;
    void deliverShuffled(std::function<void()> fn);
    // Waits for outstanding external work; true once there is none.
    bool awaitExternal();
    bool stopRequested_ = false;
    bool running_ = false;
    std::mutex betweenMutex_;
    std::deque<std::function<void()>> between_;
    void runBetween();
};

}  // namespace mcpsim::core
