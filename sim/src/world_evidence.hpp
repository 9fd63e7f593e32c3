#pragma once
// What a failure report shows of the world: the MCP objects' Ready conditions, the last
// controller and broker log lines and the latest events.
#include <string>

#include "mcpsim/sim/world.hpp"

namespace mcpsim::sim {

std::string worldEvidence(World& w);

}  // namespace mcpsim::sim
