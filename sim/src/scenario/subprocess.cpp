#include "subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mcpsim/core/process.hpp"

namespace mcpsim::sim::scenario {

std::map<std::string, std::string> currentEnvironment() {
    std::map<std::string, std::string> env;
    for (const std::string& entry : core::currentEnvironmentEntries()) {
        const auto eq = entry.find('=');
        if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    return env;
}

ProcessResult runProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, const std::string& workDir,
                         std::chrono::milliseconds timeout) {
    ProcessResult r;
    int outPipe[2], errPipe[2];
    if (::pipe2(outPipe, O_CLOEXEC) != 0 || ::pipe2(errPipe, O_CLOEXEC) != 0) {
        r.goError = std::string("pipe: ") + std::strerror(errno);
        return r;
    }
    core::SpawnOptions spawn;
    spawn.argv = argv;
    for (const auto& [k, v] : env) spawn.env.push_back(k + "=" + v);
    spawn.workDir = workDir;
    spawn.stdoutFd = outPipe[1];
    spawn.stderrFd = errPipe[1];
    const auto started = core::spawnProcess(spawn);
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    if (const auto* why = std::get_if<std::string>(&started)) {
        ::close(outPipe[0]);
        ::close(errPipe[0]);
        r.goError = *why;
        return r;
    }
    const pid_t pid = std::get<pid_t>(started);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    int open = 2;
    char buf[65536];
    while (open > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            r.timedOut = true;
            ::kill(-pid, SIGKILL);
            break;
        }
        const int n = ::poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got > 0) {
                (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    for (auto& f : fds) {
        if (f.fd >= 0) ::close(f.fd);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    // The script's children may still hold the group: end them with it.
    ::kill(-pid, SIGKILL);
    if (WIFEXITED(status)) {
        r.exitCode = WEXITSTATUS(status);
        if (r.exitCode != 0) r.goError = "exit status " + std::to_string(r.exitCode);
    } else if (WIFSIGNALED(status)) {
        r.exitCode = 128 + WTERMSIG(status);
        r.goError = std::string("signal: ") +
                    (WTERMSIG(status) == SIGKILL ? "killed" : strsignal(WTERMSIG(status)));
    }
    return r;
}

}  // namespace mcpsim::sim::scenario
