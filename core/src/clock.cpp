#include "mcpsim/core/clock.hpp"

#include <cstdio>
#include <ctime>
#include <map>
#include <utility>

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
    struct Timer {
        std::shared_ptr<TimerHandle::State> state;
        std::function<void()> fn;
    };
    // Ordered by (deadline, sequence): equal deadlines fire in scheduling order.
    std::map<std::pair<SteadyTime, std::uint64_t>, Timer> timers;

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

WallTime VirtualClock::now() const { return impl_->epoch + steady().time_since_epoch(); }
SteadyTime VirtualClock::steady() const {
    impl_->catchUp();
    return impl_->now;
}

void VirtualClock::followRealTime() {
    impl_->follow = true;
}

bool VirtualClock::followsRealTime() const { return impl_->follow; }

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
    impl_->timers.emplace(std::make_pair(impl_->now + after, impl_->nextSeq++),
                          Impl::Timer{state, std::move(fn)});
    return TimerHandle(state);
}

std::optional<SteadyTime> VirtualClock::nextDeadline() const {
    impl_->dropCancelled();
    if (impl_->timers.empty()) return std::nullopt;
    return impl_->timers.begin()->first.first;
}

bool VirtualClock::fireNext() {
    impl_->dropCancelled();
    if (impl_->timers.empty()) return false;
    impl_->catchUp();
    auto node = impl_->timers.extract(impl_->timers.begin());
    if (node.key().first > impl_->now) impl_->now = node.key().first;
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

namespace {

std::tm toUtc(WallTime t, long long* nanos) {
    auto since = t.time_since_epoch();
    auto secs = std::chrono::floor<std::chrono::seconds>(since);
    *nanos = (since - secs).count();
    std::time_t tt = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return tm;
}

}  // namespace

std::string formatRfc3339(WallTime t) {
    long long nanos = 0;
    std::tm tm = toUtc(t, &nanos);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string formatRfc3339Nano(WallTime t) {
    long long nanos = 0;
    std::tm tm = toUtc(t, &nanos);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    std::string out = buf;
    if (nanos > 0) {
        char frac[32];
        std::snprintf(frac, sizeof frac, ".%09lld", nanos);
        std::string f = frac;
        while (f.back() == '0') f.pop_back();
        out += f;
    }
    return out + "Z";
}

std::optional<WallTime> parseRfc3339(const std::string& text) {
    int y, mo, d, h, mi, s;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s,
                    &consumed) != 6) {
        return std::nullopt;
    }
    std::size_t i = static_cast<std::size_t>(consumed);
    long long nanos = 0;
    if (i < text.size() && text[i] == '.') {
        ++i;
        int digits = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            if (digits < 9) {
                nanos = nanos * 10 + (text[i] - '0');
                ++digits;
            }
            ++i;
        }
        if (digits == 0) return std::nullopt;
        while (digits++ < 9) nanos *= 10;
    }
    long offset = 0;
    if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
        ++i;
    } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
        int oh = 0, om = 0;
        if (std::sscanf(text.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
        offset = (oh * 3600 + om * 60) * (text[i] == '+' ? 1 : -1);
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != text.size()) return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    std::time_t secs = timegm(&tm) - offset;
    return WallTime(std::chrono::seconds(secs) + std::chrono::nanoseconds(nanos));
}

std::string humanDuration(Duration d) {
    // Mirrors the apimachinery duration.HumanDuration thresholds.
    using namespace std::chrono;
    long long seconds = duration_cast<std::chrono::seconds>(d).count();
    if (seconds < -1) return "<invalid>";
    if (seconds < 0) return "0s";
    auto str = [](long long v) { return std::to_string(v); };
    if (seconds < 60 * 2) return str(seconds) + "s";
    long long minutes = seconds / 60;
    if (minutes < 10) {
        long long s = seconds % 60;
        return s == 0 ? str(minutes) + "m" : str(minutes) + "m" + str(s) + "s";
    }
    if (minutes < 60 * 3) return str(minutes) + "m";
    long long hours = seconds / 3600;
    if (hours < 8) {
        long long m = minutes % 60;
        return m == 0 ? str(hours) + "h" : str(hours) + "h" + str(m) + "m";
    }
    if (hours < 48) return str(hours) + "h";
    if (hours < 24 * 8) {
        long long h = hours % 24;
        return h == 0 ? str(hours / 24) + "d" : str(hours / 24) + "d" + str(h) + "h";
    }
    if (hours < 24 * 365 * 2) return str(hours / 24) + "d";
    if (hours < 24 * 365 * 8) {
        long long dy = (hours / 24) % 365;
        return dy == 0 ? str(hours / 24 / 365) + "y"
                       : str(hours / 24 / 365) + "y" + str(dy) + "d";
    }
    return str(hours / 24 / 365) + "y";
}

}  // namespace mcpsim::core
