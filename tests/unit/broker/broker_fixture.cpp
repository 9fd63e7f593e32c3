#include "broker_fixture.hpp"

#include "mcpsim/core/log.hpp"

namespace mcpsim::broker_testing {

namespace {

void parseEvents(const std::string& body, std::vector<Json>& events) {
    std::size_t from = 0;
    for (;;) {
        const auto end = body.find("\n\n", from);
        if (end == std::string::npos) return;
        std::string data;
        std::size_t line = from;
        while (line < end) {
            auto eol = body.find('\n', line);
            if (eol == std::string::npos || eol > end) eol = end;
            const std::string text = body.substr(line, eol - line);
            if (text.rfind("data: ", 0) == 0) data += text.substr(6);
            line = eol + 1;
        }
        if (!data.empty()) events.push_back(Json::parse(data, nullptr, false));
        from = end + 2;
    }
}

}  // namespace

bool Reply::sse() const {
    return headers.value("Content-Type").rfind("text/event-stream", 0) == 0;
}

Json Reply::message() const {
    if (sse()) return events.empty() ? Json() : events.back();
    return Json::parse(body, nullptr, false);
}

void Reply::drain() {
    if (stream) {
        for (auto& chunk : stream->take()) body += chunk;
    }
    events.clear();
    if (sse()) parseEvents(body, events);
}

BrokerFixture::~BrokerFixture() {
    extraListeners_.clear();
    brokerListener_.reset();
    broker_.reset();
    mocks_.clear();
}

sim::WorldConfig BrokerFixture::worldConfig() {
    sim::WorldConfig c;
    c.profile = "bare";
    c.addModifier([](sim::WorldBlueprint& bp) { bp.components.gatewayApi = true; });
    return c;
}

gateway::BrokerOptions BrokerFixture::defaultOptions() {
    gateway::BrokerOptions o;
    o.publicHost = "mcp.127-0-0-1.sslip.io";
    o.checkInterval = std::chrono::seconds(60);
    o.signingKey = "test-signing-key";
    return o;
}

gateway::Broker& BrokerFixture::broker() {
    if (!broker_) {
        broker_ = std::make_unique<gateway::Broker>(runtime, *network, options);
        brokerListener_ = network->listen(kBrokerAt, broker_->handler());
    }
    return *broker_;
}

namespace {

// Copies each request into `log` before `inner` handles it.
core::http::Handler recording(core::http::Handler inner, std::vector<Request>& log) {
    return [inner = std::move(inner), &log](Request&& req, core::http::Reply reply) {
        log.push_back(req);
        inner(std::move(req), std::move(reply));
    };
}

}  // namespace

void BrokerFixture::listenBrokerAt(const core::http::Endpoint& at) {
    extraListeners_.push_back(network->listen(at, recording(broker().handler(), brokerRequests)));
}

void BrokerFixture::startMock(const std::string& svc, const std::string& mock,
                              std::map<std::string, std::string> env) {
    const mocks::MockInfo* info = mocks::findMock(mock);
    ASSERT_NE(info, nullptr) << "no mock " << mock;
    Mock& m = mocks_[svc];
    m.listener.reset();
    m.server = info->create(runtime, mocks::MockEnv{std::move(env), {}},
                            core::Logger(runtime.clock(), runtime.logs(), "mock/" + svc));
    m.listener = network->listen({svc + ".mcp-test.svc.cluster.local", 9090},
                                 recording(m.server->handler(), m.seen));
}

const std::vector<Request>& BrokerFixture::requestsTo(const std::string& svc) {
    return mocks_[svc].seen;
}

void BrokerFixture::stopMock(const std::string& svc) {
    auto it = mocks_.find(svc);
    if (it != mocks_.end()) it->second.listener.reset();
}

void BrokerFixture::applyConfig(const std::string& yaml) {
    broker().applyConfig(yaml);
    settle();
}

void BrokerFixture::settle(core::Duration atLeast) {
    runtime.runFor(atLeast);
    for (int i = 0; i < 300 && !broker().idle(); ++i)
        runtime.runFor(std::chrono::milliseconds(100));
    EXPECT_TRUE(broker().idle()) << "broker managers still busy after 30 s virtual";
}

Reply BrokerFixture::send(Request req, const core::http::Endpoint& to) {
    broker();
    auto out = std::make_shared<Reply>();
    auto done = std::make_shared<bool>(false);
    network->request(to, std::move(req), [out, done](std::error_code ec, core::http::Response r) {
        EXPECT_FALSE(ec) << ec.message();
        *done = true;
        out->status = r.status;
        out->headers = r.headers;
        out->body = r.body;
        out->stream = r.stream;
    });
    const core::SteadyTime until = runtime.clock().steady() + std::chrono::seconds(30);
    while (!*done && runtime.step(until)) {
    }
    EXPECT_TRUE(*done) << "no reply within 30 s of virtual time";
    runtime.runFor(std::chrono::milliseconds(10));
    out->drain();
    return *out;
}

Reply BrokerFixture::get(const std::string& path, Headers h) {
    Request req;
    req.method = "GET";
    req.target = path;
    req.headers = std::move(h);
    return send(std::move(req));
}

Reply BrokerFixture::postText(const std::string& body, Headers h, const std::string& path) {
    Request req;
    req.method = "POST";
    req.target = path;
    req.headers = std::move(h);
    req.body = body;
    return send(std::move(req));
}

Reply BrokerFixture::post(const Json& body, const std::string& session, Headers extra) {
    Headers h = std::move(extra);
    if (!h.has("Content-Type")) h.set("Content-Type", "application/json");
    if (!h.has("Accept")) h.set("Accept", "application/json, text/event-stream");
    if (!session.empty()) h.set("Mcp-Session-Id", session);
    return postText(body.dump(), std::move(h));
}

Reply BrokerFixture::rpc(const std::string& method, const Json& params, const std::string& session,
                         Headers extra) {
    Json msg = {{"jsonrpc", "2.0"}, {"id", nextId_++}, {"method", method}};
    if (!params.is_null()) msg["params"] = params;
    return post(msg, session, std::move(extra));
}

std::string BrokerFixture::initialize(const std::string& version) {
    Json params = {{"capabilities", Json::object()},
                   {"clientInfo", {{"name", "c"}, {"version", "1"}}}};
    if (!version.empty()) params["protocolVersion"] = version;
    Reply r = rpc("initialize", params, "");
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string session = r.headers.value("Mcp-Session-Id");
    EXPECT_FALSE(session.empty()) << "no session id";
    return session;
}

std::vector<std::string> BrokerFixture::toolNames(const std::string& session, Headers extra) {
    Reply r = rpc("tools/list", Json::object(), session, std::move(extra));
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> names;
    Json msg = r.message();
    EXPECT_TRUE(msg.contains("/result/tools"_json_pointer)) << r.body;
    if (!msg.contains("/result/tools"_json_pointer)) return names;
    for (const auto& t : msg["result"]["tools"]) names.push_back(t.value("name", ""));
    return names;
}

std::string server2Entry(const std::string& prefix) {
    return "  - name: mcp-test/s2\n"
           "    url: http://mcp-test-server2.mcp-test.svc.cluster.local:9090/mcp\n"
           "    hostname: server2.mcp.local\n"
           "    toolPrefix: \"" +
           prefix + "\"\n";
}

}  // namespace mcpsim::broker_testing
