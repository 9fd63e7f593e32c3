#pragma once
// `mcpsim mcp`: a small MCP client for scripts and scenario steps, talking to the gateway URL (or
// any Streamable HTTP MCP endpoint) the way curl would, through $http_proxy when it is set.
// Each invocation is one process: `init` prints a session id that later commands take.
#include <string>

namespace mcpsim::sim {

extern const char* const kMcpUsage;

// argv holds the words after "mcp". Returns the exit code: 0, 1 when the server refused (the
// reason on stderr), 2 on bad usage.
int runMcpCommand(int argc, char** argv);

}  // namespace mcpsim::sim
