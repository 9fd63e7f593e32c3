#pragma once
// `mcpsim docs`: flags to DocsOptions.

namespace mcpsim::sim {

extern const char* kDocsUsage;
int runDocsCommand(int argc, char** argv);

}  // namespace mcpsim::sim
