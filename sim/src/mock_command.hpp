#pragma once
// `mcpsim mock NAME`: one mock MCP server alone on a loopback port, on real time, for real
// clients (SDKs, the conformance suite, curl) to talk to.
#include <string>

namespace mcpsim::sim {

extern const char* const kMockUsage;
// The mocks and what each is, one per line, names aligned.
std::string mockCatalogText();

// argv holds the words after "mock". Runs until SIGINT/SIGTERM; returns the exit code.
int runMockCommand(int argc, char** argv);

}  // namespace mcpsim::sim
