#pragma once
// A gtest fixture around one sim::World, in the manner of Envoy's integration tests: adjust
// worldConfig() (profile, modifiers) in the constructor or SetUp, initialize(), then act through the
// public surfaces (the in-process client, HTTP on the cluster network, MCP) and wait with bounded,
// named waits that run the world on its clock and, on failure, say what was awaited and what the
// world looked like (the object's conditions, recent events, last log lines).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/sim/world.hpp"

namespace mcpsim::sim::testing {

using core::kube::Gvk;
using core::kube::ObjectKey;

// An object to wait on or report about.
struct ObjectRef {
    Gvk gvk;
    ObjectKey key;
};

class WorldTest : public ::testing::Test {
  protected:
    WorldTest();
    ~WorldTest() override;

    // Before initialize(): the world to build. Defaults: profile "bare", virtual time.
    WorldConfig& worldConfig();
    // Boots the world; a boot failure is a fatal test failure (check HasFatalFailure()).
    void initialize();
    bool initialized() const { return world_ != nullptr; }

    World& world();
    core::kube::Client& client();
    core::Runtime& runtime();

    // Applies a YAML stream and settles; an API error is a test failure. Returns what was written.
    std::vector<Json> apply(std::string_view yaml);
    // Settles the world; not converging is reported as a test failure unless allowed.
    core::SettleResult settle(bool allowBusy = false);
    // The object, or null when it does not exist.
    Json get(const Gvk& gvk, const ObjectKey& key);
    // The condition of that type, or an empty object.
    Json condition(const Gvk& gvk, const ObjectKey& key, const std::string& type);

    // Runs the world until the condition has the status (and, when given, the reason).
    [[nodiscard]] ::testing::AssertionResult waitForCondition(
        const Gvk& gvk, const ObjectKey& key, const std::string& type, const std::string& status,
        core::Duration timeout = std::chrono::seconds(30),
        const std::optional<std::string>& reason = std::nullopt);
    // Runs the world until `predicate` holds. `what` names the wait in the failure message;
    // `about`, when given, adds that object's state to the evidence.
    [[nodiscard]] ::testing::AssertionResult waitFor(
        const std::function<bool()>& predicate, const std::string& what,
        core::Duration timeout = std::chrono::seconds(30),
        const std::optional<ObjectRef>& about = std::nullopt);

    // What the world looks like: the object's conditions (if any), the namespace's last events,
    // the last lines of every log source.
    std::string evidence(const std::optional<ObjectRef>& about = std::nullopt);
    // The text of a log source, one line per entry.
    std::string logs(const std::string& source);

  private:
    WorldConfig config_;
    std::unique_ptr<World> world_;
};

}  // namespace mcpsim::sim::testing
