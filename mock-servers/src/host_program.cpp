#include "host_program.hpp"

#include <fcntl.h>
#include <signal.h>
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
#include <variant>

#include "mcpsim/core/process.hpp"

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
    const int output = ::open(s.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    std::variant<pid_t, std::string> started =
        std::string("cannot create its output file: ") + std::strerror(errno);
    if (output >= 0) {
        core::SpawnOptions spawn;
        spawn.argv = argv;
        spawn.env = core::currentEnvironmentEntries();
        spawn.stdoutFd = spawn.stderrFd = output;
        started = core::spawnProcess(spawn);
        ::close(output);
    }
    if (const auto* why = std::get_if<std::string>(&started)) {
        std::error_code ignored;
        std::filesystem::remove_all(s.dir, ignored);
        throw std::runtime_error(*why);
    }
    s.pid = std::get<pid_t>(started);
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
