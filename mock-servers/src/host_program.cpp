#include "host_program.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace mcpsim::mocks {

namespace {

std::string substitute(std::string arg, const std::string& socket, const std::string& dir) {
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"{socket}", socket},
                                   std::pair<std::string, std::string>{"{dir}", dir}}) {
        for (auto at = arg.find(from); at != std::string::npos;
             at = arg.find(from, at + to.size())) {
            arg.replace(at, from.size(), to);
        }
    }
    return arg;
}

bool accepts(const std::string& socketPath) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socketPath.c_str(), sizeof addr.sun_path - 1);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

// The last line the program wrote, for a crash report.
std::string lastLine(const std::string& file) {
    std::ifstream in(file);
    std::string line, last;
    while (std::getline(in, line)) {
        if (!line.empty()) last = line;
    }
    return last;
}

}  // namespace

struct HostProgram::State {
    core::Runtime& rt;
    std::string name;
    std::string dir, socket, output;
    pid_t pid = -1;
    bool exited = false;
    boost::asio::steady_timer timer;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(const std::string&)> done;
    bool waiting = false;  // counted as the world's external work

    State(core::Runtime& r) : rt(r), timer(r.io()) {}

    void finish(const std::string& error) {
        if (!waiting) return;
        waiting = false;
        rt.externalWorkFinished();
        auto callback = std::move(done);
        if (callback) callback(error);
    }

    static void poll(const std::weak_ptr<State>& weak) {
        auto self = weak.lock();
        if (!self || !self->waiting) return;
        int status = 0;
        if (!self->exited && ::waitpid(self->pid, &status, WNOHANG) == self->pid) {
            self->exited = true;
            std::string why = self->name + " exited";
            if (WIFEXITED(status)) why += " with status " + std::to_string(WEXITSTATUS(status));
            if (WIFSIGNALED(status)) why += " on signal " + std::to_string(WTERMSIG(status));
            const std::string last = lastLine(self->output);
            self->finish(last.empty() ? why : why + ": " + last);
            return;
        }
        if (accepts(self->socket)) {
            self->finish("");
            return;
        }
        if (std::chrono::steady_clock::now() >= self->deadline) {
            self->finish(self->name + " did not accept connections within " +
                         std::to_string(kStartLimit.count()) + "s");
            return;
        }
        self->timer.expires_after(std::chrono::milliseconds(2));
        self->timer.async_wait([weak](const boost::system::error_code& ec) {
            if (!ec) poll(weak);
        });
    }
};

HostProgram::HostProgram(core::Runtime& runtime, const HostProgramSpec& spec,
                         const std::vector<std::string>& args)
    : state_(std::make_shared<State>(runtime)) {
    State& s = *state_;
    s.name = spec.command.empty() ? spec.name : spec.command[0];
    std::string templ = (std::filesystem::temp_directory_path() / "mcpsim-pod-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
        throw std::runtime_error(std::string("cannot create the container's directory: ") +
                                 std::strerror(errno));
    }
    s.dir = templ;
    s.socket = s.dir + "/" + spec.name + ".sock";
    s.output = s.dir + "/output";
    std::vector<std::string> argv;
    for (const auto& a : spec.command) argv.push_back(substitute(a, s.socket, s.dir));
    for (const auto& a : args) argv.push_back(a);
    std::vector<char*> argp;
    for (auto& a : argv) argp.push_back(a.data());
    argp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, s.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // nothing of the world's
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    const int rc = ::posix_spawnp(&s.pid, argp[0], &actions, &attributes, argp.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (rc != 0) {
        std::error_code ignored;
        std::filesystem::remove_all(s.dir, ignored);
        throw std::runtime_error(rc == ENOENT ? "exec: \"" + argv[0] +
                                                    "\": executable file not found in $PATH"
                                              : "exec " + argv[0] + ": " + std::strerror(rc));
    }
}

HostProgram::~HostProgram() {
    State& s = *state_;
    s.timer.cancel();
    if (s.waiting) {
        s.waiting = false;
        s.done = nullptr;
        s.rt.externalWorkFinished();
    }
    if (!s.exited) {
        ::kill(-s.pid, SIGKILL);  // its process group: whatever it started goes too
        while (::waitpid(s.pid, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
    std::error_code ignored;
    std::filesystem::remove_all(s.dir, ignored);
}

const std::string& HostProgram::socket() const {
    return state_->socket;
}

void HostProgram::whenReady(std::function<void(const std::string& error)> done) {
    State& s = *state_;
    s.done = std::move(done);
    s.waiting = true;
    s.rt.externalWorkStarted();
    s.deadline = std::chrono::steady_clock::now() + kStartLimit;
    std::weak_ptr<State> weak = state_;
    s.rt.post([weak] { State::poll(weak); });
}

}  // namespace mcpsim::mocks
