// The scenario runner's external processes: the child's environment (and its PATH) is exactly
// the one given, its output is captured, its process group is its own, and a program that is
// not there fails the way Go's os/exec says it, as Chainsaw's `$error` would hold it.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include "scenario/subprocess.hpp"

namespace mcpsim::sim::scenario {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> withPath(const std::string& path) {
    return {{"PATH", path}, {"GREETING", "hello"}};
}

TEST(Subprocess, RunsWithTheGivenEnvironmentInItsOwnProcessGroup) {
    const ProcessResult r = runProcess(
        {"sh", "-c", "echo \"$GREETING\"; echo oops >&2; ps -o pgid= -p $$ | tr -d ' '; exit 3"},
        withPath("/usr/bin:/bin"), "/tmp", 10s);
    EXPECT_EQ(r.exitCode, 3);
    EXPECT_EQ(r.goError, "exit status 3");
    EXPECT_EQ(r.err, "oops\n");
    ASSERT_EQ(r.out.substr(0, 6), "hello\n");
    EXPECT_NE(r.out.substr(6), std::to_string(::getpgrp()) + "\n");  // a group of its own
}

TEST(Subprocess, RunsInTheWorkingDirectoryWithNothingOfOursOpen) {
    // Inheritable, as Asio's sockets are: the child must not get it.
    const int ours = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(ours, 3);
    const ProcessResult r =
        runProcess({"sh", "-c", "pwd; ls /proc/self/fd | sort -n | tr '\\n' ' '"},
                   withPath("/usr/bin:/bin"), "/", 10s);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    // stdin, stdout, stderr, and the descriptor ls reads /proc/self/fd with.
    EXPECT_EQ(r.out, "/\n0 1 2 3 ");
    ::close(ours);
}

TEST(Subprocess, LooksTheProgramUpOnTheChildsPath) {
    ProcessResult r = runProcess({"sh", "-c", "true"}, withPath("/nonexistent"), ".", 10s);
    EXPECT_EQ(r.exitCode, -1);
    EXPECT_EQ(r.goError, "exec: \"sh\": executable file not found in $PATH");
    r = runProcess({"/bin/sh", "-c", "echo $PATH"}, withPath("/nonexistent"), ".", 10s);
    EXPECT_EQ(r.out, "/nonexistent\n");
}

TEST(Subprocess, ATimeLimitKillsTheGroup) {
    const ProcessResult r =
        runProcess({"sh", "-c", "sleep 30 & sleep 30"}, withPath("/usr/bin:/bin"), ".", 200ms);
    EXPECT_TRUE(r.timedOut);
    EXPECT_EQ(r.goError, "signal: killed");
}

}  // namespace
}  // namespace mcpsim::sim::scenario
