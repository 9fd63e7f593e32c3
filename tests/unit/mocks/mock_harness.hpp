#pragma once
// One mock on the in-memory network with a hand-written Streamable HTTP client, so the tests
// see every status, header and SSE event exactly as a real client would receive them. Time is
// virtual: slow tools and paced notifications finish instantly, in order.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/mocks/catalog.hpp"

namespace mcpsim::mocks::testing {

using core::http::Headers;

// A response as the client saw it. For SSE bodies, `events` holds each `data:` payload parsed,
// and `stream` stays available for reading later events (the GET stream).
struct Reply {
    int status = 0;
    Headers headers;
    std::string body;  // the whole body (SSE: everything received so far)
    std::vector<Json> events;
    std::shared_ptr<core::http::BodyStream> stream;
    bool sse() const { return headers.value("Content-Type") == "text/event-stream"; }
    // The JSON-RPC message answering a request: the JSON body, or the last SSE event.
    Json message() const;
    // Reads what arrived on the stream since the last call into body/events.
    void drain();
};

class MockHarness {
  public:
    explicit MockHarness(const std::string& mock, MockEnv env = {},
                         core::http::ServerLimits limits = {});
    ~MockHarness();

    // Sends one request and runs the world until nothing is left to do.
    Reply send(core::http::Request req);
    Reply post(const Json& body, const std::string& session = "", Headers extra = {});
    Reply postText(const std::string& body, Headers headers, const std::string& path = "");
    Reply get(const std::string& session, Headers extra = {});
    Reply remove(const std::string& session);
    Reply request(const std::string& method, const Json& params, const std::string& session,
                  Headers extra = {});

    // initialize + notifications/initialized; returns the session id.
    std::string initialize(Json capabilities = Json::object(), Headers extra = {},
                           const std::string& version = "2025-06-18");
    // tools/call on a fresh or given session; the JSON-RPC result (or error) message.
    Json call(const std::string& session, const std::string& tool, Json args = Json::object(),
              Headers extra = {});
    std::vector<std::string> toolNames(const std::string& session);

    core::Runtime& runtime() { return rt_; }
    // How far send() lets time run: unset, until nothing is left (timers included); set, only
    // that long (to answer a server's request before its timeout fires).
    std::optional<core::Duration> horizon;
    core::WallTime now() { return rt_.clock().now(); }
    std::string path = "/mcp";

  private:
    int nextId_ = 1;
    core::Runtime rt_{core::RuntimeOptions{1, true}};
    std::unique_ptr<core::http::Network> net_;
    std::unique_ptr<MockServer> mock_;
    std::unique_ptr<core::http::Listener> listener_;
};

// Texts of a CallToolResult's text items.
std::vector<std::string> texts(const Json& result);

}  // namespace mcpsim::mocks::testing
