#pragma once
// Starting a program of this machine, the one way the simulator does it (scenario scripts, a
// pod's host program): stdin from /dev/null, stdout and stderr onto the descriptors given,
// nothing else of ours open in the child (Asio's sockets are not close-on-exec), and a process
// group of its own, so that it and whatever it starts can be ended together.
#include <sys/types.h>

#include <string>
#include <variant>
#include <vector>

namespace mcpsim::core {

struct SpawnOptions {
    std::vector<std::string> argv;  // argv[0] is looked up on the child's PATH
    std::vector<std::string> env;   // "K=V" entries, the child's whole environment
    std::string workDir;            // empty: this process's
    int stdoutFd = -1;              // required
    int stderrFd = -1;              // required; may equal stdoutFd
};

// The child's pid, or why it could not start in Go's os/exec words
// (`exec: "x": executable file not found in $PATH`, `fork/exec /bin/x: <reason>`).
std::variant<pid_t, std::string> spawnProcess(const SpawnOptions& options);

// What Go's exec.LookPath finds: a name with a slash as it is, else the first executable regular
// file of that name on `path` (an empty entry is the working directory). "" if none.
std::string lookPath(const std::string& name, const std::string& path);

// This process's environment as "K=V" entries.
std::vector<std::string> currentEnvironmentEntries();

}  // namespace mcpsim::core
