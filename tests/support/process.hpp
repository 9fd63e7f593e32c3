#pragma once
// Test helpers for driving real programs: run a shell script with a deadline and capture its
// output, and run `mcpsim serve` (or one `mcpsim mock`) as a child process for the length of a
// test.
#include <sys/types.h>
#include <chrono>
#include <map>
#include <string>

namespace mcpsim::testing {

struct CommandResult {
    int exitCode = -1;  // -1 when killed at the deadline
    std::string out;
    std::string err;
    bool timedOut = false;
};

using Env = std::map<std::string, std::string>;

// A file's whole content ("" when it cannot be read).
std::string readFile(const std::string& path);
// The last line of a command's output, without its newline.
std::string lastLine(const std::string& text);

// Runs `bash -c script` with extra environment variables, in `workDir` if not empty.
CommandResult runShell(const std::string& script, const Env& env = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(60),
                       const std::string& workDir = "");

// A shell command started in the background; finish() waits for it.
class BackgroundCommand {
  public:
    BackgroundCommand(const std::string& script, const Env& env);
    ~BackgroundCommand();
    enum class Stream { Out, Err };
    // Reads the command's output as it comes (poll(2)) until `needle` has appeared on that
    // stream: a bounded wait on something the command itself reports (kubectl -v=6 logging its
    // watch request, curl printing a response's status line). False at the deadline or EOF.
    bool waitForOutput(const std::string& needle, std::chrono::milliseconds timeout,
                       Stream stream = Stream::Out);
    // Waits for the command to exit; the result includes what waitForOutput already read.
    CommandResult finish(std::chrono::milliseconds timeout);

  private:
    pid_t pid_ = -1;
    int outFd_ = -1;
    int errFd_ = -1;
    std::string out_, err_;
};

// `mcpsim serve` on a free port with its own kubeconfig and kubectl cache directory.
class ServeProcess {
  public:
    explicit ServeProcess(int kubeMinor = 31, const std::string& extraArgs = "");
    ~ServeProcess();
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    const std::string& url() const { return url_; }
    const std::string& kubeconfig() const { return kubeconfig_; }
    const std::string& dir() const { return dir_; }
    const std::string& readyLine() const { return readyLine_; }
    // host:port of the Gateway listener ("" when the world has none).
    const std::string& gatewayListener() const { return gatewayListener_; }
    pid_t pid() const { return pid_; }
    // KUBECONFIG and a private KUBECACHEDIR, so the kubectl dispatcher asks this server's version.
    Env env() const;
    // Runs a shell script (kubectl, curl, jq, heredocs) against this server.
    CommandResult sh(const std::string& script,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
    bool alive() const;
    // Sends SIGTERM and returns the exit status (for shutdown tests).
    int terminate();

  private:
    pid_t pid_ = -1;
    int stdoutFd_ = -1;
    std::string dir_;
    std::string kubeconfig_;
    std::string url_;
    std::string readyLine_;
    std::string gatewayListener_;
};

// kubectl commands that register the seed world's api-key server with the broker (an extension
// in mcp-system, a route, a registration with `prefix`) and wait until it is Ready.
std::string registerApiKeyServerScript(const std::string& prefix);

// The MCPGatewayExtension that enables the seed world's Gateway, as one YAML document.
extern const char* const kGatewayExtensionYaml;

// YAML documents (each after `---`) for an MCP server NAME in mcp-test: a one-replica Deployment
// of `image` on port 9090 (env PORT=9090 and FAILURE_MODE when given), its Service, an HTTPRoute
// for NAME.mcp.local on the mcp-gateway, and a registration with `prefix` (none when empty).
std::string mcpServerYaml(const std::string& name, const std::string& image,
                          const std::string& prefix, const std::string& failureMode = "");

// `kubectl apply` of `yaml`, then a wait (60 s) until registration `name` in mcp-test is Ready.
std::string applyAndWaitReadyScript(const std::string& yaml, const std::string& name);

// `mcpsim mock NAME --port 0 ARGS` for the length of a test: a mock MCP server on loopback.
class MockProcess {
  public:
    explicit MockProcess(const std::string& name, const std::string& extraArgs = "");
    ~MockProcess();
    MockProcess(const MockProcess&) = delete;
    MockProcess& operator=(const MockProcess&) = delete;

    const std::string& url() const { return url_; }  // http://127.0.0.1:PORT/<mcp path>
    const std::string& readyLine() const { return readyLine_; }
    const std::string& dir() const { return dir_; }
    std::string stderrText() const;
    bool alive() const;
    // Sends SIGTERM and returns the exit status.
    int terminate();

  private:
    pid_t pid_ = -1;
    int stdoutFd_ = -1;
    std::string dir_;
    std::string url_;
    std::string readyLine_;
};

std::string mcpsimBinary();
std::string makeTempDir(const std::string& prefix);

}  // namespace mcpsim::testing
