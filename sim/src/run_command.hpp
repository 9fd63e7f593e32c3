#pragma once
// `mcpsim run`: flags to RunOptions.

namespace mcpsim::sim {

extern const char* kRunUsage;
int runRunCommand(int argc, char** argv);

}  // namespace mcpsim::sim
