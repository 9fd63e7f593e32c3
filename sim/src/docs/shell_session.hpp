#pragma once
// One bash session for a whole page, as a reader pastes block after block into one terminal:
// variables, functions and the working directory carry over. Each block is sourced from a file
// (heredocs and $(...) work as typed) with its stdout and stderr captured, and reports its exit
// status on a private pipe. A block that outlives its limit is killed with the whole session; the
// next block starts a fresh one.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>

namespace mcpsim::sim::docs {

class ShellSession {
  public:
    ShellSession(std::map<std::string, std::string> env, std::string workDir);
    ~ShellSession();
    ShellSession(const ShellSession&) = delete;
    ShellSession& operator=(const ShellSession&) = delete;

    struct Result {
        int exitCode = -1;
        std::string out, err;
        bool timedOut = false;
        bool sessionEnded = false;  // the block exited the shell (exit, set -e); restarted
        std::chrono::milliseconds took{};
    };
    Result run(const std::string& code, std::chrono::milliseconds limit);

  private:
    void start();
    void stop();

    std::map<std::string, std::string> env_;
    std::string workDir_;
    pid_t pid_ = -1;
    int commandFd_ = -1;  // bash's stdin
    int statusFd_ = -1;   // bash's fd 3
    int blocks_ = 0;
};

}  // namespace mcpsim::sim::docs
