#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace mcpsim::testing {

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string lastLine(const std::string& text) {
    std::string t = text;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    return t.substr(t.rfind('\n') + 1);
}

namespace {

void setEnv(const Env& env) {
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
}

pid_t spawnShell(const std::string& script, const Env& env, const std::string& workDir, int* outFd,
                 int* errFd) {
    int out[2], err[2];
    if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        setpgid(0, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]);
        close(out[1]);
        close(err[0]);
        close(err[1]);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        setEnv(env);
        if (!workDir.empty() && chdir(workDir.c_str()) != 0) _exit(127);
        execl("/bin/bash", "bash", "-c", script.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    *outFd = out[0];
    *errFd = err[0];
    return pid;
}

CommandResult collect(pid_t pid, int outFd, int errFd, std::chrono::milliseconds timeout) {
    CommandResult r;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool outOpen = true, errOpen = true;
    char buf[65536];
    while (outOpen || errOpen) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            r.timedOut = true;
            kill(-pid, SIGKILL);
            break;
        }
        pollfd fds[2] = {{outOpen ? outFd : -1, POLLIN, 0}, {errOpen ? errFd : -1, POLLIN, 0}};
        int n = poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t got = read(fds[i].fd, buf, sizeof buf);
            if (got <= 0) {
                (i == 0 ? outOpen : errOpen) = false;
            } else {
                (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(got));
            }
        }
    }
    close(outFd);
    close(errFd);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!r.timedOut) r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

}  // namespace

std::string mcpsimBinary() {
    if (const char* b = std::getenv("MCPSIM_BINARY")) return b;
    return MCPSIM_BINARY_PATH;
}

std::string makeTempDir(const std::string& prefix) {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    return buf.data();
}

CommandResult runShell(const std::string& script, const Env& env, std::chrono::milliseconds timeout,
                       const std::string& workDir) {
    int outFd, errFd;
    pid_t pid = spawnShell(script, env, workDir, &outFd, &errFd);
    return collect(pid, outFd, errFd, timeout);
}

BackgroundCommand::BackgroundCommand(const std::string& script, const Env& env) {
    pid_ = spawnShell(script, env, "", &outFd_, &errFd_);
}

BackgroundCommand::~BackgroundCommand() {
    if (pid_ > 0) finish(std::chrono::milliseconds(0));
}

bool BackgroundCommand::waitForOutput(const std::string& needle, std::chrono::milliseconds timeout,
                                      Stream stream) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string& seen = stream == Stream::Out ? out_ : err_;
    const int fd = stream == Stream::Out ? outFd_ : errFd_;
    char buf[65536];
    while (seen.find(needle) == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, POLLIN, 0};
        const int n = poll(&p, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        const ssize_t got = read(fd, buf, sizeof buf);
        if (got <= 0) return false;  // the command closed that stream (exited)
        seen.append(buf, static_cast<std::size_t>(got));
    }
    return true;
}

CommandResult BackgroundCommand::finish(std::chrono::milliseconds timeout) {
    CommandResult r = collect(pid_, outFd_, errFd_, timeout);
    r.out = out_ + r.out;
    r.err = err_ + r.err;
    pid_ = -1;
    return r;
}

namespace {

// Starts `command` under bash with its stdout on a pipe and waits (poll(2), up to 30 s) for the
// first complete line, which announces readiness. *pid is the child's, or -1 once it has exited;
// *stdoutFd stays open for the child's later lines (a few hundred bytes; the pipe holds 64 KiB).
std::string startAndReadReadyLine(const std::string& command, pid_t* pid, int* stdoutFd) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    *pid = fork();
    if (*pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execl("/bin/bash", "bash", "-c", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out[1]);
    *stdoutFd = out[0];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string text;
    for (;;) {
        if (auto nl = text.find('\n'); nl != std::string::npos) return text.substr(0, nl);
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return "";
        pollfd fd{out[0], POLLIN, 0};
        const int n = poll(&fd, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return "";
        char buf[4096];
        const ssize_t got = read(out[0], buf, sizeof buf);
        if (got <= 0) {  // the child exited before announcing readiness
            waitpid(*pid, nullptr, 0);
            *pid = -1;
            return "";
        }
        text.append(buf, static_cast<std::size_t>(got));
    }
}

}  // namespace

ServeProcess::ServeProcess(int kubeMinor, const std::string& extraArgs) {
    dir_ = makeTempDir("mcpsim-e2e");
    kubeconfig_ = dir_ + "/kubeconfig";
    const std::string line = startAndReadReadyLine(
        "exec '" + mcpsimBinary() + "' serve --port 0 --kubeconfig '" + kubeconfig_ +
            "' --kube-version 1." + std::to_string(kubeMinor) + " " +
            (extraArgs.empty() ? std::string("--world bare") : extraArgs) +
            // Tests run side by side: the gateway takes any free port unless a test names one.
            (extraArgs.find("--gateway-port") == std::string::npos ? " --gateway-port 0" : "") +
            " 2>'" + dir_ + "/serve.stderr'",
        &pid_, &stdoutFd_);
    readyLine_ = line;
    auto pos = line.find("api=");
    if (pos == std::string::npos) {
        throw std::runtime_error("mcpsim serve did not become ready: '" + line + "'");
    }
    url_ = line.substr(pos + 4, line.find(' ', pos) - pos - 4);
    if (auto gw = line.find("gateway-listener="); gw != std::string::npos) {
        gatewayListener_ = line.substr(gw + 17, line.find(' ', gw) - gw - 17);
    }
    std::filesystem::create_directories(dir_ + "/kubecache");
}

ServeProcess::~ServeProcess() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (stdoutFd_ >= 0) close(stdoutFd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

Env ServeProcess::env() const {
    Env e{{"KUBECONFIG", kubeconfig_}, {"KUBECACHEDIR", dir_ + "/kubecache"}, {"HOME", dir_}};
    // The guide's gateway URL reaches this server's gateway listener as curl's HTTP proxy.
    if (!gatewayListener_.empty()) {
        e["http_proxy"] = "http://" + gatewayListener_;
        e["no_proxy"] = "127.0.0.1,localhost";
    }
    return e;
}

CommandResult ServeProcess::sh(const std::string& script, std::chrono::milliseconds timeout) const {
    return runShell(script, env(), timeout, dir_);
}

bool ServeProcess::alive() const {
    return pid_ > 0 && kill(pid_, 0) == 0;
}

int ServeProcess::terminate() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

MockProcess::MockProcess(const std::string& name, const std::string& extraArgs) {
    dir_ = makeTempDir("mcpsim-mock");
    const std::string line =
        startAndReadReadyLine("exec '" + mcpsimBinary() + "' mock '" + name + "' --port 0 " +
                                  extraArgs + " 2>'" + dir_ + "/mock.stderr'",
                              &pid_, &stdoutFd_);
    readyLine_ = line;
    const auto pos = line.find(" ready url=");
    if (pos == std::string::npos) {
        throw std::runtime_error("mcpsim mock " + name + " did not become ready: '" + line + "' " +
                                 stderrText());
    }
    url_ = line.substr(pos + 11);
}

MockProcess::~MockProcess() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (stdoutFd_ >= 0) close(stdoutFd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string MockProcess::stderrText() const {
    std::ifstream in(dir_ + "/mock.stderr");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool MockProcess::alive() const {
    return pid_ > 0 && kill(pid_, 0) == 0;
}

int MockProcess::terminate() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char* const kGatewayExtensionYaml = R"(apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: mcp-gateway-extension, namespace: mcp-system}
spec:
  targetRef: {name: mcp-gateway, namespace: gateway-system}
)";

std::string mcpServerYaml(const std::string& name, const std::string& image,
                          const std::string& prefix, const std::string& failureMode) {
    const std::string env =
        failureMode.empty() ? "" : ", {name: FAILURE_MODE, value: " + failureMode + "}";
    const std::string prefixLine = prefix.empty() ? "" : "  toolPrefix: " + prefix + "\n";
    return "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name +
           ", namespace: mcp-test}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: " + name +
           "}}\n  template:\n    metadata: {labels: {app: " + name +
           "}}\n    spec:\n      containers:\n      - {name: server, image: " + image +
           ", ports: [{containerPort: 9090}], env: [{name: PORT, value: \"9090\"}" + env +
           "]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: " + name +
           ", namespace: mcp-test}\nspec:\n  selector: {app: " + name +
           "}\n  ports: [{port: 9090, targetPort: 9090}]\n---\napiVersion: "
           "gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " +
           name +
           ", namespace: mcp-test}\nspec:\n  parentRefs: [{name: mcp-gateway, namespace: "
           "gateway-system}]\n  hostnames: [" +
           name + ".mcp.local]\n  rules: [{backendRefs: [{name: " + name +
           ", port: 9090}]}]\n---\napiVersion: mcp.kagenti.com/v1alpha1\nkind: "
           "MCPServerRegistration\nmetadata: {name: " +
           name + ", namespace: mcp-test}\nspec:\n" + prefixLine + "  targetRef: {name: " + name +
           "}\n";
}

std::string applyAndWaitReadyScript(const std::string& yaml, const std::string& name) {
    return "kubectl apply -f - >/dev/null <<'EOF'\n" + yaml +
           "EOF\nkubectl wait --for=condition=Ready mcpsr/" + name +
           " -n mcp-test --timeout=60s >/dev/null\n";
}

std::string registerApiKeyServerScript(const std::string& prefix) {
    return applyAndWaitReadyScript(std::string(kGatewayExtensionYaml) + R"(---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [api-key-server.mcp.local]
  rules: [{backendRefs: [{name: mcp-api-key-server, port: 9090}]}]
---
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: srv, namespace: mcp-test}
spec:
  toolPrefix: )" + prefix + R"(
  targetRef: {name: route}
)",
                                   "srv");
}

}  // namespace mcpsim::testing
