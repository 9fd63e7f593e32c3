#pragma once
// One JSON type for the whole project. nlohmann::json keeps object keys sorted, which is also the
// order Go's encoding/json prints maps in, so our output is deterministic and familiar.
#include <nlohmann/json.hpp>

namespace mcpsim {
using Json = nlohmann::json;
}  // namespace mcpsim
