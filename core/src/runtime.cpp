#include "mcpsim/core/runtime.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace mcpsim::core {

namespace asio = boost::asio;

WallTime RealClock::now() const {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

SteadyTime RealClock::steady() const {
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

TimerHandle RealClock::schedule(Duration after, std::function<void()> fn) {
    auto state = std::make_shared<TimerHandle::State>();
    auto timer = std::make_shared<asio::steady_timer>(io_);
    timer->expires_after(after);
    // Cancelling releases the timer at once instead of waiting for the deadline.
    state->onCancel = [weak = std::weak_ptr<asio::steady_timer>(timer)] {
        if (auto t = weak.lock()) t->cancel();
    };
    timer->async_wait([timer, state, fn = std::move(fn)](const boost::system::error_code& ec) {
        if (ec || state->cancelled) return;
        state->fired = true;
        state->onCancel = nullptr;
        fn();
    });
    return TimerHandle(state);
}

Runtime::Runtime(RuntimeOptions options)
    : options_(options), io_(std::make_unique<asio::io_context>(1)), rng_(options.seed) {
    if (options_.virtualTime) {
        clock_ = std::make_unique<VirtualClock>(options_.epoch);
    } else {
        clock_ = std::make_unique<RealClock>(*io_);
    }
}

Runtime::~Runtime() = default;

asio::io_context& Runtime::io() { return *io_; }
Clock& Runtime::clock() { return *clock_; }
VirtualClock* Runtime::virtualClock() {
    return options_.virtualTime ? static_cast<VirtualClock*>(clock_.get()) : nullptr;
}

std::size_t Runtime::poll() {
    std::size_t total = 0;
    for (;;) {
        if (io_->stopped()) io_->restart();
        std::size_t n = io_->poll();
        total += n;
        if (n == 0) break;
    }
    return total;
}

bool Runtime::runUntilIdle(std::size_t maxTimerFirings) {
    poll();
    VirtualClock* vc = virtualClock();
    if (!vc) return true;
    for (std::size_t fired = 0; fired < maxTimerFirings; ++fired) {
        if (!vc->fireNext()) return true;
        poll();
    }
    return false;
}

void Runtime::runFor(Duration d) {
    poll();
    VirtualClock* vc = virtualClock();
    if (!vc) return;
    const SteadyTime target = vc->steady() + d;
    for (;;) {
        auto next = vc->nextDeadline();
        if (!next || *next > target) break;
        vc->fireNext();
        poll();
    }
    vc->advance(target - vc->steady());
    poll();
}

void Runtime::run() {
    auto guard = asio::make_work_guard(*io_);
    if (io_->stopped()) io_->restart();
    io_->run();
}

void Runtime::stop() { io_->stop(); }

}  // namespace mcpsim::core
