#include "mcpsim/core/clock.hpp"

#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include "mcpsim/core/random.hpp"

namespace mcpsim::core {

void TimerHandle::cancel() {
    if (!state_ || state_->cancelled || state_->fired) return;
    state_->cancelled = true;
    if (state_->onCancel) {
        auto fn = std::move(state_->onCancel);
        state_->onCancel = nullptr;
        fn();
    }
}

struct VirtualClock::Impl {
    WallTime epoch;
    SteadyTime now{};
    // Following real time: `now` never maps to a wall time before the system clock's.
    bool follow = false;
    void catchUp() {
        if (!follow) return;
        const SteadyTime real(std::chrono::duration_cast<Duration>(
            std::chrono::system_clock::now().time_since_epoch() - epoch.time_since_epoch()));
        if (real > now) now = real;
    }
    std::uint64_t nextSeq = 0;
    // Schedule perturbation: a seeded rank orders timers that share a deadline.
    std::optional<Random> ties;
    struct Timer {
        std::shared_ptr<TimerHandle::State> state;
        std::function<void()> fn;
    };
    // Ordered by (deadline, tie rank, sequence): without perturbation the rank is 0, so equal
    // deadlines fire in scheduling order.
    std::map<std::tuple<SteadyTime, std::uint64_t, std::uint64_t>, Timer> timers;

    void dropCancelled() {
        while (!timers.empty() && timers.begin()->second.state->cancelled) {
            timers.erase(timers.begin());
        }
    }
};

VirtualClock::VirtualClock(WallTime epoch) : impl_(std::make_unique<Impl>()) {
    impl_->epoch = epoch;
}
VirtualClock::~VirtualClock() = default;

WallTime VirtualClock::now() const {
    return impl_->epoch + steady().time_since_epoch();
}
SteadyTime VirtualClock::steady() const {
    impl_->catchUp();
    return impl_->now;
}

void VirtualClock::discardTimers() {
    auto timers = std::move(impl_->timers);  // a callback's destructor may schedule again
    impl_->timers.clear();
    for (auto& [key, timer] : timers) timer.state->cancelled = true;
}

void VirtualClock::orderTiesBy(Random rng) {
    impl_->ties = rng;
}

void VirtualClock::followRealTime() {
    impl_->follow = true;
}

bool VirtualClock::followsRealTime() const {
    return impl_->follow;
}

std::size_t VirtualClock::fireDue() {
    std::size_t n = 0;
    for (;;) {
        auto next = nextDeadline();
        if (!next || *next > steady()) return n;
        fireNext();
        ++n;
    }
}

TimerHandle VirtualClock::schedule(Duration after, std::function<void()> fn) {
    if (after < Duration::zero()) after = Duration::zero();
    impl_->catchUp();
    auto state = std::make_shared<TimerHandle::State>();
    const std::uint64_t rank = impl_->ties ? impl_->ties->next() : 0;
    impl_->timers.emplace(std::make_tuple(impl_->now + after, rank, impl_->nextSeq++),
                          Impl::Timer{state, std::move(fn)});
    return TimerHandle(state);
}

std::optional<SteadyTime> VirtualClock::nextDeadline() const {
    impl_->dropCancelled();
    if (impl_->timers.empty()) return std::nullopt;
    return std::get<0>(impl_->timers.begin()->first);
}

bool VirtualClock::fireNext() {
    impl_->dropCancelled();
    if (impl_->timers.empty()) return false;
    impl_->catchUp();
    auto node = impl_->timers.extract(impl_->timers.begin());
    if (std::get<0>(node.key()) > impl_->now) impl_->now = std::get<0>(node.key());
    node.mapped().state->fired = true;
    node.mapped().fn();
    return true;
}

void VirtualClock::advance(Duration d) {
    const SteadyTime target = steady() + d;
    for (;;) {
        auto next = nextDeadline();
        if (!next || *next > target) break;
        fireNext();
    }
    if (impl_->now < target) impl_->now = target;
}

std::size_t VirtualClock::pendingTimers() const {
    std::size_t n = 0;
    for (const auto& [key, timer] : impl_->timers) {
        if (!timer.state->cancelled) ++n;
    }
    return n;
}

}  // namespace mcpsim::core
