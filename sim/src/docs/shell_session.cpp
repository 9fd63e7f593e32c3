#include "shell_session.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace mcpsim::sim::docs {

namespace {

std::string readCapture(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string shellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

}  // namespace

ShellSession::ShellSession(std::map<std::string, std::string> env, std::string workDir)
    : env_(std::move(env)), workDir_(std::move(workDir)) {
    start();
}

ShellSession::~ShellSession() {
    stop();
}

void ShellSession::start() {
    // Everything the child needs is prepared before fork(): this process has other threads (the
    // world's loop), so between fork and exec the child may only make async-signal-safe calls
    // (no malloc, so no setenv: another thread may have held the allocator's lock).
    std::map<std::string, std::string> merged;
    for (char** e = environ; *e; ++e) {
        const std::string entry = *e;
        const auto eq = entry.find('=');
        if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [k, v] : env_) merged[k] = v;
    std::vector<std::string> entries;
    for (const auto& [k, v] : merged) entries.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : entries) envp.push_back(e.data());
    envp.push_back(nullptr);
    char bash[] = "/bin/bash";
    char noProfile[] = "--noprofile";
    char noRc[] = "--norc";
    char* argv[] = {bash, noProfile, noRc, nullptr};
    const std::string dir = workDir_;

    int cmd[2], status[2];
    if (pipe(cmd) != 0 || pipe(status) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        setpgid(0, 0);  // the block's children die with the session on a timeout
        dup2(cmd[0], 0);
        dup2(status[1], 3);
        const int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        for (int fd : {cmd[0], cmd[1], status[0], status[1]}) {
            if (fd > 3) close(fd);
        }
        if (chdir(dir.c_str()) != 0) _exit(127);
        execve(bash, argv, envp.data());
        _exit(127);
    }
    close(cmd[0]);
    close(status[1]);
    commandFd_ = cmd[1];
    statusFd_ = status[0];
    fcntl(commandFd_, F_SETFD, FD_CLOEXEC);
    fcntl(statusFd_, F_SETFD, FD_CLOEXEC);
}

void ShellSession::stop() {
    if (commandFd_ >= 0) close(commandFd_);
    if (statusFd_ >= 0) close(statusFd_);
    commandFd_ = statusFd_ = -1;
    if (pid_ > 0) {
        kill(-pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
}

ShellSession::Result ShellSession::run(const std::string& code, std::chrono::milliseconds limit) {
    Result r;
    const auto started = std::chrono::steady_clock::now();
    const std::string base = workDir_ + "/.mcpsim-block-" + std::to_string(++blocks_);
    {
        std::ofstream script(base + ".sh");
        script << code;
    }
    // Sourced, so the block runs in the session itself; stdin is not the session's command pipe.
    const std::string line = ". " + shellQuote(base + ".sh") + " >" + shellQuote(base + ".out") +
                             " 2>" + shellQuote(base + ".err") + " </dev/null; echo $? >&3\n";
    if (write(commandFd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        r.sessionEnded = true;
    }
    std::string status;
    const auto deadline = started + limit;
    while (!r.sessionEnded && status.find('\n') == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            r.timedOut = true;
            break;
        }
        pollfd p{statusFd_, POLLIN, 0};
        const int n = poll(&p, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) continue;
        char buf[64];
        const ssize_t got = read(statusFd_, buf, sizeof buf);
        if (got <= 0) {
            r.sessionEnded = true;
            break;
        }
        status.append(buf, static_cast<std::size_t>(got));
    }
    if (r.timedOut || r.sessionEnded) {
        int st = 0;
        if (r.sessionEnded && pid_ > 0 && waitpid(pid_, &st, 0) == pid_) {
            r.exitCode = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            pid_ = -1;
        }
        stop();
        start();
    } else {
        r.exitCode = std::atoi(status.c_str());
    }
    r.out = readCapture(base + ".out");
    r.err = readCapture(base + ".err");
    for (const char* ext : {".sh", ".out", ".err"}) std::remove((base + ext).c_str());
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return r;
}

}  // namespace mcpsim::sim::docs
