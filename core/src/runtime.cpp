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
    // Forget the timers that are done, now and then, so the list stays as long as what is pending.
    if (pending_.size() >= 64 && pending_.size() % 64 == 0) {
        std::erase_if(pending_, [](const auto& w) {
            auto s = w.lock();
            return !s || s->fired || s->cancelled;
        });
    }
    pending_.push_back(state);
    timer->async_wait([timer, state, fn = std::move(fn)](const boost::system::error_code& ec) {
        if (ec || state->cancelled) return;
        state->fired = true;
        state->onCancel = nullptr;
        fn();
    });
    return TimerHandle(state);
}

// What schedule perturbation keeps: its own random stream (so perturbing shifts no component's
// values), the deliveries waiting for their turn, and how many are still on their way.
struct Runtime::Perturbation {
    explicit Perturbation(Random r) : rng(r) {}
    Random rng;
    std::vector<std::function<void()>> ready;
    std::size_t delayed = 0;
    ActivityRegistry::Registration probe;
};

struct Runtime::Advancing {
    explicit Advancing(int& n) : count(n) { ++count; }
    ~Advancing() { --count; }
    Advancing(const Advancing&) = delete;
    Advancing& operator=(const Advancing&) = delete;
    int& count;
};

void RealClock::discardTimers() {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& w : pending) {
        if (auto s = w.lock()) TimerHandle(s).cancel();
    }
}

Runtime::Runtime(RuntimeOptions options)
    : options_(options), io_(std::make_unique<asio::io_context>(1)), rng_(options.seed) {
    if (options_.virtualTime && options_.followRealTime) {
        auto vc = std::make_unique<VirtualClock>(
            std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
        vc->followRealTime();
        clock_ = std::move(vc);
    } else if (options_.virtualTime) {
        clock_ = std::make_unique<VirtualClock>(options_.epoch);
    } else {
        clock_ = std::make_unique<RealClock>(*io_);
    }
    if (options_.perturbSchedule) {
        if (VirtualClock* vc = virtualClock()) vc->orderTiesBy(rng_.fork("schedule/timer-ties"));
        perturbation_ = std::make_unique<Perturbation>(rng_.fork("schedule/deliveries"));
        perturbation_->probe = activity_.add("network", [p = perturbation_.get()] {
            return p->delayed == 0 ? std::nullopt
                                   : std::optional<std::string>(std::to_string(p->delayed) +
                                                                " message(s) in flight");
        });
    }
}

Runtime::~Runtime() = default;

void Runtime::deliver(std::function<void()> fn) {
    if (!perturbation_) return post(std::move(fn));
    VirtualClock* vc = virtualClock();
    if (vc && advancing_ > 0 && !vc->followsRealTime()) {
        const auto micros = perturbation_->rng.below(
            std::chrono::duration_cast<std::chrono::microseconds>(kMaxDeliveryLatency).count() + 1);
        ++perturbation_->delayed;
        vc->schedule(std::chrono::microseconds(micros), [this, fn = std::move(fn)]() mutable {
            --perturbation_->delayed;
            deliverShuffled(std::move(fn));
        });
        return;
    }
    deliverShuffled(std::move(fn));
}

std::size_t Runtime::pickReady(std::size_t n) {
    if (!perturbation_ || n <= 1) return 0;
    return perturbation_->rng.below(n);
}

Duration Runtime::deliverInFlight(Duration limit) {
    VirtualClock* vc = virtualClock();
    if (!perturbation_ || !vc) return Duration::zero();
    Advancing advancing(advancing_);
    const SteadyTime start = vc->steady();
    poll();
    while (perturbation_->delayed > 0) {
        auto next = vc->nextDeadline();
        if (!next || *next > start + limit) break;
        vc->fireNext();
        poll();
    }
    return vc->steady() - start;
}

// Each delivery posts one turn, and each turn runs a delivery picked at random from those
// waiting: all arrive, in a seeded order.
void Runtime::deliverShuffled(std::function<void()> fn) {
    perturbation_->ready.push_back(std::move(fn));
    post([p = perturbation_.get()] {
        const std::size_t i = p->rng.below(p->ready.size());
        std::swap(p->ready[i], p->ready.back());
        auto next = std::move(p->ready.back());
        p->ready.pop_back();
        next();
    });
}

asio::io_context& Runtime::io() {
    return *io_;
}
void Runtime::post(std::function<void()> fn) {
    asio::post(*io_, std::move(fn));
}
Clock& Runtime::clock() {
    return *clock_;
}
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

bool Runtime::awaitExternal() {
    if (external_ == 0) return true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto guard = asio::make_work_guard(*io_);
    while (external_ > 0 && std::chrono::steady_clock::now() < deadline) {
        if (io_->stopped()) io_->restart();
        io_->run_one_for(std::chrono::milliseconds(10));
    }
    return external_ == 0;
}

bool Runtime::runUntilIdle(std::size_t maxTimerFirings) {
    Advancing advancing(advancing_);
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
    Advancing advancing(advancing_);
    poll();
    VirtualClock* vc = virtualClock();
    if (!vc) return;
    const SteadyTime target = vc->steady() + d;
    for (;;) {
        awaitExternal();
        auto next = vc->nextDeadline();
        if (!next || *next > target) break;
        vc->fireNext();
        poll();
    }
    vc->advance(target - vc->steady());
    poll();
}

bool Runtime::step(SteadyTime until) {
    Advancing advancing(advancing_);
    poll();
    if (clock_->steady() >= until) return false;
    if (VirtualClock* vc = virtualClock()) {
        awaitExternal();
        auto next = vc->nextDeadline();
        if (next && *next <= until) {
            vc->fireNext();
        } else {
            vc->advance(until - vc->steady());
        }
        poll();
        return true;
    }
    auto guard = asio::make_work_guard(*io_);
    if (io_->stopped()) io_->restart();
    io_->run_one_for(std::min<Duration>(until - clock_->steady(), std::chrono::milliseconds(10)));
    return true;
}

SettleResult Runtime::settle(Duration horizon, std::size_t maxTimerFirings) {
    Advancing advancing(advancing_);
    SettleResult result;
    VirtualClock* vc = virtualClock();
    const SteadyTime start = clock_->steady();
    const SteadyTime limit = start + horizon;
    for (;;) {
        poll();
        if (vc && vc->fireDue() > 0) continue;
        if (external_ > 0 && awaitExternal()) continue;
        result.busy = activity_.busy();
        if (result.busy.empty()) {
            result.converged = true;
            break;
        }
        if (vc) {
            auto next = vc->nextDeadline();
            if (!next || *next > limit || result.timersFired >= maxTimerFirings) break;
            vc->fireNext();
            ++result.timersFired;
        } else {
            const SteadyTime now = clock_->steady();
            if (now >= limit) break;
            auto guard = asio::make_work_guard(*io_);
            if (io_->stopped()) io_->restart();
            io_->run_one_for(std::min<Duration>(limit - now, std::chrono::milliseconds(10)));
        }
    }
    result.advanced = clock_->steady() - start;
    return result;
}

std::string SettleResult::describe() const {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(advanced).count();
    std::string out = converged ? "settled" : "not settled";
    out += " after " + std::to_string(ms) + "ms (" + std::to_string(timersFired) + " timers)";
    if (!busy.empty()) {
        out += "; still busy:";
        for (const auto& b : busy) out += " [" + b + "]";
    }
    return out;
}

void Runtime::runBetweenHandlers(std::function<void()> fn) {
    {
        std::lock_guard<std::mutex> lock(betweenMutex_);
        between_.push_back(std::move(fn));
    }
    asio::post(*io_, [] {});  // wakes run() when it waits
}

void Runtime::runBetween() {
    for (;;) {
        std::function<void()> fn;
        {
            std::lock_guard<std::mutex> lock(betweenMutex_);
            if (between_.empty()) return;
            fn = std::move(between_.front());
            between_.pop_front();
        }
        fn();
    }
}

void Runtime::run() {
    auto guard = asio::make_work_guard(*io_);
    stopRequested_ = false;
    running_ = true;
    struct NotRunning {
        bool& flag;
        ~NotRunning() { flag = false; }
    } notRunning{running_};
    if (io_->stopped()) io_->restart();
    VirtualClock* vc = virtualClock();
    if (!vc) {
        while (!stopRequested_) {
            runBetween();
            if (stopRequested_) break;
            if (io_->stopped()) io_->restart();
            io_->run_one_for(std::chrono::hours(1));
        }
        return;
    }
    // Virtual time that follows real time: handlers as they come, timers when the (possibly
    // ahead) clock reaches them, sleeping in between until the next deadline or I/O. Pure
    // virtual time: handlers only; the clock moves when the world settles.
    while (!stopRequested_) {
        runBetween();
        if (stopRequested_) break;
        Duration wait = std::chrono::hours(1);
        if (vc->followsRealTime()) {
            while (vc->fireDue() > 0) {
            }
            if (auto next = vc->nextDeadline()) {
                wait = std::max<Duration>(Duration::zero(), *next - vc->steady());
            }
        }
        if (io_->stopped()) io_->restart();
        io_->run_one_for(wait);
    }
}

void Runtime::discardPendingWork() {
    poll();
    clock_->discardTimers();
    poll();  // a real clock's cancelled waits run here, and their callbacks go
}

void Runtime::stop() {
    stopRequested_ = true;
    io_->stop();
}

}  // namespace mcpsim::core
