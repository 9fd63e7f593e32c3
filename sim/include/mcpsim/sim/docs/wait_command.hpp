#pragma once
// A block that is exactly one `kubectl wait --for=condition=...` on one named object, as fast
// mode needs to know it: what it waits for and for how long.
#include <chrono>
#include <optional>
#include <string>

#include "mcpsim/core/json.hpp"

namespace mcpsim::sim::docs {

struct WaitCommand {
    std::string resource;  // as typed: mcpgatewayextension, mcpsr, deployment.apps
    std::string name;
    std::string ns = "default";
    std::string condition;   // e.g. Ready
    std::string want = "True";
    std::chrono::milliseconds timeout = std::chrono::seconds(30);  // kubectl's default
    // Whether a status condition satisfies the wait (kubectl compares case-insensitively).
    bool matches(const Json& condition) const;
};

std::optional<WaitCommand> parseWaitCommand(const std::string& code);

}  // namespace mcpsim::sim::docs
