#pragma once
// A line diff of two texts in unified style (" " same, "-" only in `from`, "+" only in `to`),
// for showing an expected object against the actual one.
#include <string>

namespace mcpsim::sim::scenario {

std::string lineDiff(const std::string& from, const std::string& to, const std::string& fromName,
                     const std::string& toName);

}  // namespace mcpsim::sim::scenario
