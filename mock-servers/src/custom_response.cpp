// custom-response: the upstream hand-written JSON responder ("ExampleServer"). No session
// handling at all: initialize hands out the session id "my amazing session" (with spaces), and
// tools/call answers an empty body with the HTTP status the caller asks for in
// arguments.responseCode, so tests can make an upstream fail on demand.
#include "mcpsim/core/mcp/jsonrpc.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mock_support.hpp"
#include "mocks.hpp"

namespace mcpsim::mocks {

namespace {

using core::http::Reply;
using core::http::Request;
using core::http::Response;

Response jsonResponse(int status, const std::string& body) {
    return core::http::makeResponse(status, "application/json", body);
}

Json initializeResult() {
    return {{"protocolVersion", "2025-06-18"},
            {"capabilities",
             {{"logging", Json::object()},
              {"prompts", {{"listChanged", true}}},
              {"resources", {{"subscribe", true}, {"listChanged", true}}},
              {"tools", {{"listChanged", true}}}}},
            {"serverInfo",
             {{"name", "ExampleServer"},
              {"title", "Example Server Display Name"},
              {"version", "1.0.0"}}},
            {"instructions", ""}};
}

Json toolsListResult() {
    Json schema = {
        {"type", "object"},
        {"properties", {{"responseCode", {{"type", "int"}, {"description", "response code"}}}}},
        {"required", {"responseCode"}}};
    return {{"tools", Json::array({{{"name", "custom response code"},
                                    {"title", "Return a custom response"},
                                    {"description", "Return a custom respinse"},
                                    {"inputSchema", schema}}})}};
}

// Go decodes the body into {jsonrpc string, id int, method string, params map}: anything else
// is a decode error.
bool decodes(const Json& body) {
    if (!body.is_object()) return body.is_null();
    auto typed = [&](const char* key, auto check) {
        auto it = body.find(key);
        return it == body.end() || it->is_null() || check(*it);
    };
    return typed("jsonrpc", [](const Json& v) { return v.is_string(); }) &&
           typed("id", [](const Json& v) { return v.is_number_integer(); }) &&
           typed("method", [](const Json& v) { return v.is_string(); }) &&
           typed("params", [](const Json& v) { return v.is_object(); });
}

class CustomResponse final : public MockServer {
  public:
    explicit CustomResponse(core::Logger log) : log_(std::move(log)) {}

    core::http::Handler handler() override {
        return [this](Request&& req, Reply reply) { handle(req, reply); };
    }

  private:
    void handle(const Request& req, Reply& reply) {
        log_.info("custom response request", {{"method", req.method}, {"path", req.path()}});
        if (req.method == "GET") return reply(jsonResponse(405, ""));
        if (req.method != "POST")
            return reply(jsonResponse(404, R"({"status": "session invalid"})"));
        const Json body = Json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !decodes(body)) {
            return reply(jsonResponse(400, R"({"status": "bad request not json rpc"})"));
        }
        const std::string method = body.is_object() ? body.value("method", "") : "";
        // The upstream prints a fixed id 1; echoing the request's id keeps JSON-RPC clients
        // that do not start at 1 working and changes nothing for those that do.
        const Json id = body.is_object() ? body.value("id", Json(0)) : Json(0);
        if (method == "notifications/initialized") return reply(jsonResponse(200, ""));
        if (method == "initialize") {
            Response r = jsonResponse(200, core::mcp::makeResult(id, initializeResult()).dump());
            r.headers.set("mcp-session-id", "my amazing session");
            return reply(std::move(r));
        }
        if (method == "tools/list") {
            return reply(jsonResponse(200, core::mcp::makeResult(id, toolsListResult()).dump()));
        }
        if (method == "ping") {
            return reply(jsonResponse(200, core::mcp::makeResult(id, Json::object()).dump()));
        }
        if (method == "tools/call") return reply(callTool(body));
        reply(jsonResponse(404, R"({"status": "session invalid"})"));
    }

    // The status the caller asked for, with an empty body. Go panics (and the connection drops)
    // on a missing code or one it cannot write; the closest an HTTP reply gets is a 500.
    Response callTool(const Json& body) {
        const Json params = body.value("params", Json::object());
        const Json args = params.is_object() ? params.value("arguments", Json()) : Json();
        const Json code = args.is_object() ? args.value("responseCode", Json()) : Json();
        if (!code.is_number()) return jsonResponse(500, "");
        const int status = static_cast<int>(code.get<double>());
        if (status >= 100 && status < 200) return jsonResponse(200, "");  // informational first
        if (status < 200 || status > 599) return jsonResponse(500, "");
        return jsonResponse(status, "");
    }

    core::Logger log_;
};

}  // namespace

std::unique_ptr<MockServer> makeCustomResponse(core::Runtime&, const MockEnv&, core::Logger log) {
    return std::make_unique<CustomResponse>(std::move(log));
}

}  // namespace mcpsim::mocks
