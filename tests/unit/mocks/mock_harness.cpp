#include "mock_harness.hpp"

namespace mcpsim::mocks::testing {

namespace {

const core::http::Endpoint kAt{"mock.local", 9090};

// Complete SSE events in `body` from `from` on; returns where the unfinished tail starts.
std::size_t parseEvents(const std::string& body, std::size_t from, std::vector<Json>& events) {
    for (;;) {
        const auto end = body.find("\n\n", from);
        if (end == std::string::npos) return from;
        std::string data;
        std::size_t line = from;
        while (line < end) {
            auto eol = body.find('\n', line);
            if (eol == std::string::npos || eol > end) eol = end;
            const std::string text = body.substr(line, eol - line);
            if (text.rfind("data: ", 0) == 0) data += text.substr(6);
            line = eol + 1;
        }
        if (!data.empty()) events.push_back(Json::parse(data));
        from = end + 2;
    }
}

}  // namespace

Json Reply::message() const {
    if (sse()) return events.empty() ? Json() : events.back();
    return Json::parse(body, nullptr, false);
}

void Reply::drain() {
    if (stream) {
        for (auto& chunk : stream->take()) body += chunk;
    }
    events.clear();
    if (sse()) parseEvents(body, 0, events);
}

MockHarness::MockHarness(const std::string& mock, MockEnv env, core::http::ServerLimits limits) {
    const MockInfo* info = findMock(mock);
    if (!info) throw std::runtime_error("no mock " + mock);
    net_ = core::http::makeInMemoryNetwork(rt_);
    core::Logger log(rt_.clock(), rt_.logs(), "mock/" + mock);
    mock_ = info->create(rt_, env, log);
    listener_ = net_->listen(kAt, mock_->handler(), std::move(limits));
}

MockHarness::~MockHarness() {
    listener_.reset();
    mock_.reset();
}

Reply MockHarness::send(core::http::Request req) {
    Reply out;
    bool done = false;
    net_->request(kAt, std::move(req), [&](std::error_code ec, core::http::Response r) {
        EXPECT_FALSE(ec) << ec.message();
        done = true;
        out.status = r.status;
        out.headers = r.headers;
        out.body = r.body;
        out.stream = r.stream;
    });
    if (horizon) {
        rt_.runFor(*horizon);
    } else {
        rt_.runUntilIdle();
    }
    EXPECT_TRUE(done) << "no reply";
    out.drain();
    return out;
}

Reply MockHarness::postText(const std::string& body, Headers headers, const std::string& at) {
    core::http::Request req;
    req.method = "POST";
    req.target = at.empty() ? path : at;
    req.headers = std::move(headers);
    req.body = body;
    return send(std::move(req));
}

Reply MockHarness::post(const Json& body, const std::string& session, Headers extra) {
    Headers h = std::move(extra);
    if (!h.has("Content-Type")) h.set("Content-Type", "application/json");
    if (!h.has("Accept")) h.set("Accept", "application/json, text/event-stream");
    if (!session.empty()) h.set("Mcp-Session-Id", session);
    return postText(body.dump(), std::move(h));
}

Reply MockHarness::get(const std::string& session, Headers extra) {
    core::http::Request req;
    req.method = "GET";
    req.target = path;
    req.headers = std::move(extra);
    if (!req.headers.has("Accept")) req.headers.set("Accept", "text/event-stream");
    if (!session.empty()) req.headers.set("Mcp-Session-Id", session);
    return send(std::move(req));
}

Reply MockHarness::remove(const std::string& session) {
    core::http::Request req;
    req.method = "DELETE";
    req.target = path;
    if (!session.empty()) req.headers.set("Mcp-Session-Id", session);
    return send(std::move(req));
}

Reply MockHarness::request(const std::string& method, const Json& params,
                           const std::string& session, Headers extra) {
    Json msg = {{"jsonrpc", "2.0"}, {"id", nextId_++}, {"method", method}};
    if (!params.is_null()) msg["params"] = params;
    return post(msg, session, std::move(extra));
}

std::string MockHarness::initialize(Json capabilities, Headers extra, const std::string& version) {
    Reply r = request("initialize",
                      {{"protocolVersion", version},
                       {"capabilities", std::move(capabilities)},
                       {"clientInfo", {{"name", "mock-tests"}, {"version", "1.0.0"}}}},
                      "", std::move(extra));
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string session = r.headers.value("mcp-session-id");
    EXPECT_FALSE(session.empty()) << "no session id";
    Reply ack = post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, session);
    EXPECT_EQ(ack.status, 202);
    return session;
}

Json MockHarness::call(const std::string& session, const std::string& tool, Json args,
                       Headers extra) {
    Reply r = request("tools/call", {{"name", tool}, {"arguments", std::move(args)}}, session,
                      std::move(extra));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.message();
}

std::vector<std::string> MockHarness::toolNames(const std::string& session) {
    Json msg = request("tools/list", Json::object(), session).message();
    std::vector<std::string> names;
    for (const auto& t : msg["result"]["tools"]) names.push_back(t["name"].get<std::string>());
    return names;
}

std::vector<std::string> texts(const Json& result) {
    std::vector<std::string> out;
    if (!result.contains("content")) return out;
    for (const auto& c : result["content"]) {
        if (c.value("type", "") == "text") out.push_back(c["text"].get<std::string>());
    }
    return out;
}

}  // namespace mcpsim::mocks::testing
