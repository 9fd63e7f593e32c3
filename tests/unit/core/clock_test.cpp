#include <gtest/gtest.h>

#include "mcpsim/core/clock.hpp"

namespace mcpsim::core {
namespace {

using namespace std::chrono_literals;

TEST(VirtualClock, FiresTimersInDeadlineThenSchedulingOrder) {
    VirtualClock clock(WallTime(std::chrono::seconds(1000)));
    std::vector<std::string> fired;
    clock.schedule(5s, [&] { fired.push_back("b"); });
    clock.schedule(1s, [&] { fired.push_back("a"); });
    clock.schedule(5s, [&] { fired.push_back("c"); });
    clock.advance(4s);
    EXPECT_EQ(fired, (std::vector<std::string>{"a"}));
    clock.advance(1s);
    EXPECT_EQ(fired, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(clock.now(), WallTime(std::chrono::seconds(1005)));
}

TEST(VirtualClock, CancelledTimerNeverFires) {
    VirtualClock clock(WallTime{});
    bool fired = false;
    TimerHandle h = clock.schedule(1s, [&] { fired = true; });
    EXPECT_TRUE(h.pending());
    h.cancel();
    EXPECT_FALSE(h.pending());
    EXPECT_FALSE(clock.fireNext());
    EXPECT_FALSE(fired);
}

TEST(TimeFormat, Rfc3339RoundTripsAndHumanDurationsMatchKubectl) {
    auto t = parseRfc3339("2026-11-25T14:46:12Z");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(formatRfc3339(*t), "2026-11-25T14:46:12Z");
    EXPECT_EQ(formatRfc3339Nano(*t + std::chrono::milliseconds(120)), "2026-11-25T14:46:12.12Z");
    EXPECT_FALSE(parseRfc3339("yesterday").has_value());
    EXPECT_EQ(humanDuration(5s), "5s");
    EXPECT_EQ(humanDuration(182s), "3m2s");
    EXPECT_EQ(humanDuration(3h + 20min), "3h20m");
    EXPECT_EQ(humanDuration(51h), "2d3h");
}

}  // namespace
}  // namespace mcpsim::core
