#include "mcpsim/core/process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace mcpsim::core {

std::string lookPath(const std::string& name, const std::string& path) {
    auto executable = [](const std::string& file) {
        struct stat st {};
        return ::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
               ::access(file.c_str(), X_OK) == 0;
    };
    if (name.empty()) return "";
    if (name.find('/') != std::string::npos) return name;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        if (dir.empty()) dir = ".";
        const std::string file = dir + "/" + name;
        if (executable(file)) return file;
        start = end + 1;
    }
    return "";
}

std::vector<std::string> currentEnvironmentEntries() {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    return env;
}

std::variant<pid_t, std::string> spawnProcess(const SpawnOptions& options) {
    const std::string name = options.argv.empty() ? "" : options.argv[0];
    std::string path;
    for (const auto& e : options.env) {
        if (e.compare(0, 5, "PATH=") == 0) path.assign(e, 5, std::string::npos);
    }
    const std::string program = lookPath(name, path);
    if (program.empty()) {
        std::string why = "exec: \"";
        why.append(name).append("\": executable file not found in $PATH");
        return why;
    }
    std::vector<std::string> args = options.argv, env = options.env;
    std::vector<char*> argp, envp;
    for (auto& a : args) argp.push_back(a.data());
    argp.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);

    // posix_spawn rather than fork: glibc spawns with CLONE_VM | CLONE_VFORK, so starting a
    // child costs neither a copy of this large, multi-threaded process's page tables nor the
    // copy-on-write faults its threads would take afterwards.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, options.stdoutFd, 1);
    posix_spawn_file_actions_adddup2(&actions, options.stderrFd, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    // Nothing else of ours: not the pipes of a process another thread starts at this moment,
    // nor a world's sockets. A background child holding a world's accepted connection would
    // keep it open after the world closed it.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (!options.workDir.empty()) {
        posix_spawn_file_actions_addchdir_np(&actions, options.workDir.c_str());
    }
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    pid_t pid = -1;
    const int rc =
        ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argp.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (rc != 0) {
        std::string why = "fork/exec ";
        why.append(program).append(": ").append(std::strerror(rc));
        return why;
    }
    return pid;
}

}  // namespace mcpsim::core
