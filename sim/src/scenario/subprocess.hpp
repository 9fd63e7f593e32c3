#pragma once
// One external command (a scenario's script or command, a collector's kubectl) with its output
// captured and a time limit; the whole process group is killed when the limit passes.
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace mcpsim::sim::scenario {

struct ProcessResult {
    int exitCode = -1;
    bool timedOut = false;
    std::string out, err;
    // Go's os/exec error text, as Chainsaw's `$error` holds it: "" on success, "exit status 1",
    // "signal: killed".
    std::string goError;
};

// `env` is the whole environment of the child. argv[0] is looked up on env's PATH.
ProcessResult runProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, const std::string& workDir,
                         std::chrono::milliseconds timeout);

// The environment of this process, for building a child's.
std::map<std::string, std::string> currentEnvironment();

}  // namespace mcpsim::sim::scenario
