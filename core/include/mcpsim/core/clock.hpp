#pragma once
// Time for the whole world goes through Clock: wall time for timestamps, steady time for
// durations, and timers. RealClock runs on the io_context; VirtualClock only moves when told to,
// so a 60 s requeue costs nothing and every run sees the same times.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace mcpsim::core {

class Random;

using Duration = std::chrono::nanoseconds;
using WallTime = std::chrono::time_point<std::chrono::system_clock, Duration>;
using SteadyTime = std::chrono::time_point<std::chrono::steady_clock, Duration>;

// A scheduled callback. Dropping the handle does not cancel the timer; cancel() does.
class TimerHandle {
  public:
    struct State {
        bool cancelled = false;
        bool fired = false;
        std::function<void()> onCancel;  // lets the clock release resources early
    };
    TimerHandle() = default;
    explicit TimerHandle(std::shared_ptr<State> state) : state_(std::move(state)) {}
    void cancel();
    bool pending() const { return state_ && !state_->cancelled && !state_->fired; }

  private:
    std::shared_ptr<State> state_;
};

class Clock {
  public:
    virtual ~Clock() = default;
    virtual WallTime now() const = 0;
    virtual SteadyTime steady() const = 0;
    virtual TimerHandle schedule(Duration after, std::function<void()> fn) = 0;
    virtual bool isVirtual() const = 0;
    // Drops every pending timer without firing it, so that its callback and what that holds go
    // now rather than with the clock (after the components it points into). A real clock's
    // callbacks go once the loop has run the cancelled waits.
    virtual void discardTimers() = 0;
};

class RealClock final : public Clock {
  public:
    explicit RealClock(boost::asio::io_context& io) : io_(io) {}
    WallTime now() const override;
    SteadyTime steady() const override;
    TimerHandle schedule(Duration after, std::function<void()> fn) override;
    bool isVirtual() const override { return false; }
    void discardTimers() override;

  private:
    boost::asio::io_context& io_;
    std::vector<std::weak_ptr<TimerHandle::State>> pending_;
};

// Timers fire in deadline order, only from advance()/fireNext(); equal deadlines in scheduling
// order unless orderTiesBy() was called.
class VirtualClock final : public Clock {
  public:
    explicit VirtualClock(WallTime epoch);
    ~VirtualClock() override;
    WallTime now() const override;
    SteadyTime steady() const override;
    TimerHandle schedule(Duration after, std::function<void()> fn) override;
    bool isVirtual() const override { return true; }

    // Deadline of the earliest pending timer, if any.
    std::optional<SteadyTime> nextDeadline() const;
    // Moves time to the earliest deadline and fires every timer due then. False if none pending.
    bool fireNext();
    // Moves time forward by d, firing due timers in order on the way.
    void advance(Duration d);
    std::size_t pendingTimers() const;
    // From now on timers that share a deadline fire in an order drawn from `rng` (schedule
    // perturbation, as Asio promises no order among equal deadlines either).
    void orderTiesBy(Random rng);
    void discardTimers() override;

    // From now on the clock never runs behind real time: it moves with the wall clock and still
    // jumps ahead when told to (fireNext, advance). `mcpsim serve --clock virtual` runs this way.
    void followRealTime();
    bool followsRealTime() const;
    // Fires every timer whose deadline has been reached. Returns how many fired.
    std::size_t fireDue();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Timestamps and durations as Go prints them are in go_format.hpp.

}  // namespace mcpsim::core
