#include "mcpsim/sim/testing/world_test.hpp"

#include <algorithm>

#include "mcpsim/core/kube/apply.hpp"

namespace mcpsim::sim::testing {

namespace {

constexpr std::size_t kEvidenceLogLines = 5;
constexpr std::size_t kEvidenceEvents = 5;

}  // namespace

WorldTest::WorldTest() { config_.profile = "bare"; }

WorldTest::~WorldTest() = default;

WorldConfig& WorldTest::worldConfig() {
    EXPECT_FALSE(world_) << "worldConfig() changes after initialize() have no effect";
    return config_;
}

void WorldTest::initialize() {
    ASSERT_FALSE(world_) << "initialize() called twice";
    try {
        world_ = std::make_unique<World>(config_);
    } catch (const std::exception& e) {
        FAIL() << "world \"" << config_.profile << "\" did not boot: " << e.what();
    }
}

World& WorldTest::world() {
    if (!world_) throw std::logic_error("WorldTest: initialize() first");
    return *world_;
}

core::kube::Client& WorldTest::client() { return world().client(); }
core::Runtime& WorldTest::runtime() { return world().runtime(); }

std::vector<Json> WorldTest::apply(std::string_view yaml) {
    auto r = core::kube::applyYaml(client(), yaml);
    settle(true);
    if (!r.ok()) {
        ADD_FAILURE() << "apply failed: " << r.error().message;
        return {};
    }
    return r.value();
}

core::SettleResult WorldTest::settle(bool allowBusy) {
    core::SettleResult r = world().settle();
    if (!allowBusy && !r.converged) ADD_FAILURE() << r.describe() << "\n" << evidence();
    return r;
}

Json WorldTest::get(const Gvk& gvk, const ObjectKey& key) {
    auto r = client().get(gvk, key);
    return r.ok() ? r.value() : Json();
}

Json WorldTest::condition(const Gvk& gvk, const ObjectKey& key, const std::string& type) {
    for (const auto& c :
         get(gvk, key).value("/status/conditions"_json_pointer, Json::array())) {
        if (c.value("type", "") == type) return c;
    }
    return Json::object();
}

::testing::AssertionResult WorldTest::waitForCondition(const Gvk& gvk, const ObjectKey& key,
                                                       const std::string& type,
                                                       const std::string& status,
                                                       core::Duration timeout,
                                                       const std::optional<std::string>& reason) {
    std::string what = gvk.kind + " " + key.str() + " condition " + type + "=" + status;
    if (reason) what += " reason " + *reason;
    return waitFor(
        [&] {
            Json c = condition(gvk, key, type);
            return c.value("status", "") == status && (!reason || c.value("reason", "") == *reason);
        },
        what, timeout, ObjectRef{gvk, key});
}

::testing::AssertionResult WorldTest::waitFor(const std::function<bool()>& predicate,
                                              const std::string& what, core::Duration timeout,
                                              const std::optional<ObjectRef>& about) {
    core::Runtime& rt = runtime();
    const core::SteadyTime start = rt.clock().steady();
    const core::SteadyTime until = start + timeout;
    for (;;) {
        rt.poll();
        if (predicate()) return ::testing::AssertionSuccess();
        if (!rt.step(until)) break;
    }
    if (predicate()) return ::testing::AssertionSuccess();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(rt.clock().steady() - start).count();
    return ::testing::AssertionFailure() << "timed out after " << ms << "ms waiting for " << what
                                         << "\n"
                                         << evidence(about);
}

std::string WorldTest::evidence(const std::optional<ObjectRef>& about) {
    if (!world_) return "(no world)";
    std::string out;
    std::string ns;
    if (about) {
        ns = about->key.ns;
        Json obj = get(about->gvk, about->key);
        if (obj.is_null()) {
            out += about->gvk.kind + " " + about->key.str() + ": not found\n";
        } else {
            out += about->gvk.kind + " " + about->key.str() + " conditions: " +
                   obj.value("/status/conditions"_json_pointer, Json::array()).dump() + "\n";
        }
    }
    auto events = client().list({"", "v1", "Event"}, {ns});
    if (events.ok()) {
        const auto& items = events.value()["items"];
        const std::size_t n = items.size();
        const std::size_t from = n > kEvidenceEvents ? n - kEvidenceEvents : 0;
        for (std::size_t i = from; i < n; ++i) {
            const auto& e = items[i];
            out += "event " + e.value("/involvedObject/name"_json_pointer, std::string()) + " " +
                   e.value("reason", "") + ": " + e.value("message", "") + "\n";
        }
    }
    core::LogStore& store = runtime().logs();
    for (const auto& source : store.sources()) {
        const auto& lines = store.lines(source);
        const std::size_t from = lines.size() > kEvidenceLogLines ? lines.size() - kEvidenceLogLines : 0;
        for (std::size_t i = from; i < lines.size(); ++i) {
            out += "log " + source + ": " + lines[i].text + "\n";
        }
    }
    return out;
}

std::string WorldTest::logs(const std::string& source) {
    std::string out;
    for (const auto& l : runtime().logs().lines(source)) out += l.text + "\n";
    return out;
}

}  // namespace mcpsim::sim::testing
