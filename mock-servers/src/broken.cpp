// broken: the upstream broken-server, failing in the way FAILURE_MODE (or --failure-mode) says:
//   protocol (default)  every POST gets an initialize result for protocol "2021-11-05"
//   no-tools            a valid MCP server with zero tools
//   tool-conflicts      tools time, slow and headers, named like other servers' tools
// and two mcpsim adds for fault tests (the upstream image has neither):
//   hang                accepts every request and never answers it
//   garbage             answers every POST with 200 application/json that is not JSON
//   midstream           a valid MCP server with one tool, `cut`, whose tools/call answer is an
//                       event stream that breaks off after its first bytes (the connection
//                       drops mid-response)
//   midstream-initialize, midstream-list
//                       the same cut in the answer to initialize, or to tools/list: the
//                       broker's own discovery calls break off
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mock_support.hpp"
#include "mocks.hpp"

namespace mcpsim::mocks {

namespace {

// The environment wins over the flag, as in the upstream main().
std::string failureMode(const MockEnv& env) {
    std::string mode = env.get("FAILURE_MODE");
    if (!mode.empty()) return mode;
    for (std::size_t i = 0; i < env.args.size(); ++i) {
        const std::string& a = env.args[i];
        for (const char* flag : {"--failure-mode", "-failure-mode"}) {
            const std::string f = flag;
            if (a == f && i + 1 < env.args.size()) return env.args[i + 1];
            if (a.rfind(f + "=", 0) == 0) return a.substr(f.size() + 1);
        }
    }
    return "protocol";
}

class WrongProtocol final : public MockServer {
  public:
    core::http::Handler handler() override {
        return [](core::http::Request&& req, core::http::Reply reply) {
            if (req.method == "POST") {
                // The body is never read: every POST, whatever it asks, gets this.
                reply(core::http::makeResponse(
                    200, "application/json",
                    R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2021-11-05",)"
                    R"("capabilities":{"tools":{}},"serverInfo":{"name":"bad-test-Broken-server",)"
                    R"("version":"1.0.0"}}})"));
                return;
            }
            reply(core::http::makeResponse(200, "application/json",
                                           R"({"status": "bad-Broken-server-running"})"));
        };
    }
};

// Holds every reply without calling it, as a process that stopped answering would.
class Hang final : public MockServer {
  public:
    core::http::Handler handler() override {
        return [this](core::http::Request&&, core::http::Reply reply) {
            held_.push_back(std::move(reply));
        };
    }

  private:
    std::vector<core::http::Reply> held_;
};

class Garbage final : public MockServer {
  public:
    core::http::Handler handler() override {
        return [](core::http::Request&& req, core::http::Reply reply) {
            if (req.method != "POST") {
                return reply(core::http::makeResponse(405, "text/plain", "method not allowed"));
            }
            reply(core::http::makeResponse(200, "application/json", "<html>this is not json"));
        };
    }
};

// An MCP server like any other, except that requests for one method get their 200 and the start
// of an event, then the body breaks off.
class MidStream final : public MockServer {
  public:
    MidStream(core::Runtime& runtime, core::Logger log, std::string cutMethod)
        : mcp_(runtime, goSdkOptions("bad-test-Broken-server-midstream", "1.0.0"), std::move(log)),
          cutMethod_(std::move(cutMethod)) {
        mcp_.server.addTool(
            {{"name", "cut"},
             {"description", "Answers with a stream that breaks off"},
             {"inputSchema", goStructSchema()}},
            [](Context ctx, const Json&) { ctx->reply(textResult("unreachable")); });
        inner_ = mcp_.handler();
    }
    core::http::Handler handler() override {
        return [this](core::http::Request&& req, core::http::Reply reply) {
            const Json msg = Json::parse(req.body, nullptr, false);
            if (req.method != "POST" || !msg.is_object() || msg.value("method", "") != cutMethod_) {
                return inner_(std::move(req), std::move(reply));
            }
            core::http::Response resp;
            resp.status = 200;
            resp.headers.set("Content-Type", "text/event-stream");
            if (const std::string session = req.headers.value("mcp-session-id"); !session.empty())
                resp.headers.set("Mcp-Session-Id", session);
            resp.stream = std::make_shared<core::http::BodyStream>();
            resp.stream->write("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":");
            resp.stream->abort();
            reply(std::move(resp));
        };
    }

  private:
    McpMock mcp_;
    std::string cutMethod_;
    core::http::Handler inner_;
};

std::unique_ptr<MockServer> conflictingTools(core::Runtime& runtime, core::Logger log) {
    McpServerOptions options = goSdkOptions("conflicting-test-Broken-server", "1.0.0");
    options.paths = {""};
    options.sortToolsByName = true;
    auto mock = std::make_unique<McpMock>(runtime, std::move(options), std::move(log));
    McpServer& server = mock->server;
    server.addTool({{"name", "time"},
                    {"description", "Get current time - CONFLICTING VERSION"},
                    {"inputSchema", goStructSchema()}},
                   [&runtime](Context ctx, const Json&) {
                       ctx->reply(textResult("Broken-server conflicting time: " +
                                             core::formatRfc3339(runtime.clock().now())));
                   });
    server.addTool({{"name", "slow"},
                    {"description", "Slow operation - CONFLICTING VERSION"},
                    {"inputSchema", goStructSchema()}},
                   [](Context ctx, const Json&) {
                       ctx->reply(textResult("Broken-server slow tool (for conflict testing)"));
                   });
    server.addTool({{"name", "headers"},
                    {"description", "Get headers - CONFLICTING VERSION"},
                    {"inputSchema", goStructSchema()}},
                   [](Context ctx, const Json&) {
                       ctx->reply(textResult("Broken-server headers tool (for conflict testing)"));
                   });
    return mock;
}

}  // namespace

std::unique_ptr<MockServer> makeBroken(core::Runtime& runtime, const MockEnv& env,
                                       core::Logger log) {
    const std::string mode = failureMode(env);
    log.info("Broken-server starting", {{"failureMode", mode}});
    if (mode == "no-tools") {
        McpServerOptions options = goSdkOptions("bad-test-Broken-server-no-tools", "1.0.0");
        options.paths = {""};
        return std::make_unique<McpMock>(runtime, std::move(options), std::move(log));
    }
    if (mode == "tool-conflicts") return conflictingTools(runtime, std::move(log));
    if (mode == "hang") return std::make_unique<Hang>();
    if (mode == "garbage") return std::make_unique<Garbage>();
    if (mode == "midstream") {
        return std::make_unique<MidStream>(runtime, std::move(log), "tools/call");
    }
    if (mode == "midstream-initialize") {
        return std::make_unique<MidStream>(runtime, std::move(log), "initialize");
    }
    if (mode == "midstream-list") {
        return std::make_unique<MidStream>(runtime, std::move(log), "tools/list");
    }
    return std::make_unique<WrongProtocol>();
}

}  // namespace mcpsim::mocks
