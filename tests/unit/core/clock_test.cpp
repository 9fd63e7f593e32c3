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

}  // namespace
}  // namespace mcpsim::core
