#pragma once
// `mcpsim docs`: replays each page's shell blocks in one bash session against a fresh world
// (its API server and Gateway on loopback, kubectl and curl pointed at them), judges every block
// against its expectation and prints a report whose last line is "N passed, N failed, N skipped".
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace mcpsim::sim::docs {

struct DocsOptions {
    std::vector<std::string> pages;
    std::string expectFile;  // sidecar for the (single) page; default: PAGE.expect.yaml if present
    std::string world = "seed";
    std::uint64_t seed = 1;
    // Virtual time (the world settles after each API write, timestamps from the fixed epoch) and
    // `kubectl wait`s the world has proved cannot succeed reported at once.
    bool fast = false;
    std::chrono::milliseconds blockTimeout = std::chrono::seconds(90);
    std::string junitPath;
    std::string jsonPath;
    bool quiet = false;  // only failing blocks and the summary
    // The Gateway listener's port. Default: 8001 (the guide's URLs), or any free port when 8001
    // is taken (the session's http_proxy reaches it either way). 0: any free port.
    std::optional<int> gatewayPort;
};

// Returns the exit code: 0 when every block that ran met its expectation, 1 when one did not,
// 2 when a page or sidecar could not be read.
int runDocs(const DocsOptions& options, std::ostream& out, std::ostream& err);

}  // namespace mcpsim::sim::docs
