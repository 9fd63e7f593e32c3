#pragma once
// Sends MCP requests to an endpoint on an in-memory network on virtual time and collects the
// whole answer, streamed (SSE) bodies included.
#include <string>

#include "fuzz_support.hpp"
#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::fuzz {

class McpEndpoint {
  public:
    McpEndpoint(core::Runtime& rt, core::http::Network& net, core::http::Endpoint at,
                std::string host = "", std::string path = "/mcp")
        : rt_(rt), net_(net), at_(std::move(at)), host_(std::move(host)), path_(std::move(path)) {}

    core::http::Response send(core::http::Request req) {
        if (!host_.empty() && !req.headers.has("Host")) req.headers.set("Host", host_);
        bool done = false;
        core::http::Response out;
        net_.request(at_, std::move(req), [&](std::error_code ec, core::http::Response r) {
            FUZZ_CHECK(!ec, "transport error: " + ec.message());
            done = true;
            out = std::move(r);
        });
        const core::SteadyTime until = rt_.clock().steady() + std::chrono::seconds(60);
        while (!done && rt_.step(until)) {
        }
        FUZZ_CHECK(done, "no answer within 60 s of virtual time");
        rt_.runFor(std::chrono::milliseconds(50));  // what the stream sends right away
        if (out.stream) {
            for (auto& chunk : out.stream->take()) out.body += chunk;
            out.stream->cancel();
            out.stream.reset();
        }
        return out;
    }

    core::http::Response post(std::string body, const std::string& session,
                              const std::string& accept = "application/json, text/event-stream",
                              const std::string& contentType = "application/json") {
        core::http::Request req;
        req.method = "POST";
        req.target = path_;
        req.body = std::move(body);
        if (!accept.empty()) req.headers.set("Accept", accept);
        if (!contentType.empty()) req.headers.set("Content-Type", contentType);
        if (!session.empty()) req.headers.set("Mcp-Session-Id", session);
        return send(std::move(req));
    }

    // initialize + notifications/initialized; the session id.
    std::string openSession() {
        auto r = post(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
            "protocolVersion":"2025-06-18","capabilities":{"sampling":{},"elicitation":{}},
            "clientInfo":{"name":"fuzz","version":"1"}}})",
                      "");
        const std::string session = r.headers.value("Mcp-Session-Id");
        FUZZ_CHECK(r.status == 200 && !session.empty(), "initialize failed: " + r.body);
        auto ack = post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session);
        FUZZ_CHECK(ack.status == 202, "notifications/initialized answered " + ack.body);
        return session;
    }

  private:
    core::Runtime& rt_;
    core::http::Network& net_;
    core::http::Endpoint at_;
    std::string host_;
    std::string path_;
};

// mode bit 0: without the session header; bit 1: Accept only application/json; bit 2: a
// text/plain Content-Type. What varies the transport checks of a POST.
inline core::http::Response postFuzzed(McpEndpoint& ep, std::uint8_t mode, std::string body,
                                       const std::string& session) {
    const std::string accept =
        (mode & 2) ? "application/json" : "application/json, text/event-stream";
    const std::string type = (mode & 4) ? "text/plain" : "application/json";
    return ep.post(std::move(body), (mode & 1) ? "" : session, accept, type);
}

}  // namespace mcpsim::fuzz

#include "mcp_checks.hpp"

namespace mcpsim::fuzz {

// One input of an MCP target: the mode byte varies the transport, the rest is the POST body.
inline void fuzzMcpPost(McpEndpoint& ep, const std::string& session, const std::uint8_t* data,
                        std::size_t size, const std::string& what) {
    plantedBug(asText(data, size));
    auto in = frame(data, size);
    const std::string body(in.rest);
    checkMcpAnswer(body, postFuzzed(ep, in.mode, body, session), what);
}

}  // namespace mcpsim::fuzz
