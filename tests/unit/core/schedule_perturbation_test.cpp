// Schedule perturbation (RuntimeOptions::perturbSchedule): other seeds give other interleavings of
// same-time timers and network messages, the same seed gives the same one, and nothing is lost.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::core {
namespace {

using namespace std::chrono_literals;

RuntimeOptions perturbed(std::uint64_t seed, bool perturb = true) {
    RuntimeOptions o;
    o.seed = seed;
    o.virtualTime = true;
    o.perturbSchedule = perturb;
    return o;
}

std::vector<int> identity(int n) {
    std::vector<int> v(n);
    for (int i = 0; i < n; ++i) v[i] = i;
    return v;
}

std::vector<int> timerOrder(const RuntimeOptions& options) {
    Runtime rt(options);
    std::vector<int> fired;
    for (int i = 0; i < 8; ++i) rt.clock().schedule(1s, [&fired, i] { fired.push_back(i); });
    rt.runUntilIdle();
    return fired;
}

TEST(SchedulePerturbation, TimersSharingADeadlineFireInASeededOrder) {
    EXPECT_EQ(timerOrder(perturbed(3, false)), identity(8)) << "unperturbed: scheduling order";
    std::set<std::vector<int>> orders;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const auto order = timerOrder(perturbed(seed));
        EXPECT_EQ(order, timerOrder(perturbed(seed))) << "seed " << seed << " is one order";
        auto sorted = order;
        std::sort(sorted.begin(), sorted.end());
        EXPECT_EQ(sorted, identity(8)) << "seed " << seed << ": every timer fires once";
        orders.insert(order);
    }
    EXPECT_GT(orders.size(), 10u) << "20 seeds, mostly different orders";
}

// What a handler of the in-memory network sees: the order requests arrive in and the world time
// (in microseconds after they were sent) each arrives and each answer is back.
struct Arrivals {
    std::vector<int> order;
    std::vector<std::int64_t> arrivedAfterUs;
    std::vector<std::int64_t> answeredAfterUs;
    bool settled = false;
    bool operator==(const Arrivals& o) const {
        return order == o.order && arrivedAfterUs == o.arrivedAfterUs &&
               answeredAfterUs == o.answeredAfterUs;
    }
};

std::int64_t microsSince(Runtime& rt, SteadyTime start) {
    return std::chrono::duration_cast<std::chrono::microseconds>(rt.clock().steady() - start)
        .count();
}

Arrivals sendEightAtOnce(const RuntimeOptions& options) {
    Runtime rt(options);
    auto net = http::makeInMemoryNetwork(rt);
    Arrivals a;
    const SteadyTime start = rt.clock().steady();
    auto listener = net->listen(
        {"upstream.local", 80},
        [&](http::Request&& req, http::Reply reply) {
            a.order.push_back(std::stoi(req.body));
            a.arrivedAfterUs.push_back(microsSince(rt, start));
            reply(http::makeResponse(200, "text/plain", req.body));
        },
        http::ServerLimits{});
    for (int i = 0; i < 8; ++i) {
        http::Request req;
        req.method = "POST";
        req.target = "/";
        req.body = std::to_string(i);
        net->request({"upstream.local", 80}, req, [&](std::error_code ec, http::Response r) {
            EXPECT_FALSE(ec);
            EXPECT_EQ(r.status, 200);
            a.answeredAfterUs.push_back(microsSince(rt, start));
        });
    }
    a.settled = rt.settle(1s).converged;
    return a;
}

TEST(SchedulePerturbation, NetworkMessagesArriveInASeededOrderAfterSeededLatencies) {
    const Arrivals plain = sendEightAtOnce(perturbed(5, false));
    EXPECT_EQ(plain.order, identity(8));
    EXPECT_EQ(plain.answeredAfterUs, std::vector<std::int64_t>(8, 0)) << "no latency unperturbed";
    std::set<std::vector<int>> orders;
    bool someLatency = false;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const Arrivals a = sendEightAtOnce(perturbed(seed));
        EXPECT_TRUE(a.settled) << "settle waits for messages in flight (seed " << seed << ")";
        ASSERT_EQ(a.answeredAfterUs.size(), 8u) << "every request answered (seed " << seed << ")";
        EXPECT_EQ(a, sendEightAtOnce(perturbed(seed))) << "seed " << seed << " is one run";
        for (std::size_t i = 0; i < 8; ++i) {
            // A request and its answer each take up to the maximum latency.
            EXPECT_LE(a.arrivedAfterUs[i], 5000);
            EXPECT_LE(a.answeredAfterUs[i], 10000);
            someLatency = someLatency || a.answeredAfterUs[i] > 0;
        }
        orders.insert(a.order);
    }
    EXPECT_TRUE(someLatency);
    EXPECT_GT(orders.size(), 10u);
}

// upstream.local:80 answers every request with 204.
std::unique_ptr<http::Listener> listenNoContent(http::Network& net) {
    return net.listen(
        {"upstream.local", 80},
        [](http::Request&&, http::Reply reply) { reply(http::makeResponse(204, "", "")); },
        http::ServerLimits{});
}

// Four requests to upstream.local:80; `answered` counts the 204s that come back.
void sendFour(http::Network& net, int& answered) {
    for (int i = 0; i < 4; ++i) {
        net.request(
            {"upstream.local", 80}, http::Request{},
            [&answered](std::error_code, http::Response r) { answered += r.status == 204; });
    }
}

// A message sent while nothing drives the clock (a real client's request during a script step,
// handled by Runtime::run) is reordered but never waits for virtual time that will not pass.
TEST(SchedulePerturbation, MessagesSentOutsideSettleAreNotDelayed) {
    Runtime rt(perturbed(9));
    auto net = http::makeInMemoryNetwork(rt);
    auto listener = listenNoContent(*net);
    int answered = 0;
    sendFour(*net, answered);
    const SteadyTime start = rt.clock().steady();
    rt.poll();
    EXPECT_EQ(answered, 4);
    EXPECT_EQ(rt.clock().steady(), start);
    EXPECT_TRUE(rt.activity().busy().empty());
}

// Messages sent while the clock is driven wait out their latency; deliverInFlight lets them all
// arrive (and the answers they cause) before real processes talk to a world whose clock stops.
TEST(SchedulePerturbation, DeliverInFlightLetsEveryMessageArrive) {
    bool sawOneInFlight = false;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        Runtime rt(perturbed(seed));
        auto net = http::makeInMemoryNetwork(rt);
        auto listener = listenNoContent(*net);
        int answered = 0;
        rt.clock().schedule(0s, [&] { sendFour(*net, answered); });
        rt.runFor(0s);
        sawOneInFlight = sawOneInFlight || !rt.activity().busy().empty();
        const Duration moved = rt.deliverInFlight();
        EXPECT_EQ(answered, 4) << "seed " << seed;
        EXPECT_TRUE(rt.activity().busy().empty()) << "seed " << seed;
        EXPECT_LE(moved, 2 * Runtime::kMaxDeliveryLatency) << "seed " << seed;
    }
    EXPECT_TRUE(sawOneInFlight);
    Runtime plain(perturbed(1, false));
    EXPECT_EQ(plain.deliverInFlight(), Duration::zero());
}

}  // namespace
}  // namespace mcpsim::core
