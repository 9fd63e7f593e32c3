#include "mcpsim/core/mcp/server.hpp"
#include "mcpsim/core/go_json.hpp"

#include <algorithm>
#include <regex>

#include "mcpsim/core/runtime.hpp"

namespace mcpsim::core::mcp {

namespace {

// Bodies may echo client bytes (headers, arguments); invalid UTF-8 must not throw.
std::string dumpJson(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

http::Response jsonError(int status, int code, const std::string& message) {
    return http::makeResponse(status, "application/json",
                              dumpJson(makeError(nullptr, code, message)));
}

std::string sseEvent(const Json& message) {
    return "event: message\ndata: " + dumpJson(message) + "\n\n";
}

std::string mediaType(const std::string& contentType) {
    std::string t = contentType.substr(0, contentType.find(';'));
    while (!t.empty() && t.back() == ' ') t.pop_back();
    std::transform(t.begin(), t.end(), t.begin(), ::tolower);
    return t;
}

std::string stringField(const Json& object, const char* key) {
    if (!object.is_object()) return "";
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool hostAllowed(const std::vector<std::string>& allowed, const std::string& host) {
    if (allowed.empty()) return true;
    std::string name = host;
    if (!name.empty() && name[0] == '[') {
        name = name.substr(0, name.find(']') + 1);
    } else if (auto colon = name.find(':'); colon != std::string::npos) {
        name = name.substr(0, colon);
    }
    return std::find(allowed.begin(), allowed.end(), name) != allowed.end();
}

// {var} in a URI template matches one path segment.
bool templateMatches(const std::string& uriTemplate, const std::string& uri) {
    static const std::regex special(R"([.*+?^$()|\[\]\\])");
    static const std::regex variable(R"(\{[^}]*\})");
    std::string pattern = std::regex_replace(uriTemplate, special, R"(\$&)");
    pattern = std::regex_replace(pattern, variable, "([^/]+)");
    return std::regex_match(uri, std::regex(pattern));
}

// One POST: the replies and related messages of its requests go back on one response. In
// SSE mode the stream opens at once; in JSON-when-possible mode the choice waits until either
// a related message goes out (then SSE) or the last reply is ready (then plain JSON).
struct Exchange {
    std::vector<Json> buffered;
    std::shared_ptr<http::BodyStream> stream;
    int outstanding = 0;
    bool batch = false;
    bool jsonAllowed = false;
    http::Reply reply;    // set while the response has not been started
    http::Response head;  // status and headers of that response
    std::function<std::shared_ptr<http::BodyStream>()> makeStream;

    void send(const Json& message, bool related) {
        if (stream) {
            stream->write(sseEvent(message));
            return;
        }
        buffered.push_back(message);
        if (related && reply) startSse();
    }
    void finishOne() {
        if (--outstanding > 0) return;
        if (stream) {
            stream->close();
        } else if (reply && jsonAllowed) {
            replyJson();
        }
    }
    void startSse() {
        stream = makeStream();
        for (const auto& m : buffered) stream->write(sseEvent(m));
        buffered.clear();
        if (outstanding == 0) stream->close();
        head.headers.set("Content-Type", "text/event-stream");
        head.headers.set("Cache-Control", "no-cache");
        head.stream = stream;
        std::exchange(reply, nullptr)(std::move(head));
    }
    void replyJson() {
        head.headers.set("Content-Type", "application/json");
        head.body = dumpJson(batch ? Json(buffered) : buffered.front());
        std::exchange(reply, nullptr)(std::move(head));
    }
};

}  // namespace

class ContextImpl;

struct McpServer::Impl {
    Impl(Runtime& r, McpServerOptions o, Logger l)
        : rt(r),
          options(std::move(o)),
          log(std::move(l)),
          rng(r.rng().fork("mcp.sessions." + options.name)) {}
    ~Impl() {
        for (auto& t : timers) t.cancel();
        for (auto& weak : streams) {
            if (auto s = weak.lock()) s->close();
        }
        // Pending asks hold their requests, which hold the session: break the cycle.
        for (auto& [id, s] : sessions) s->pendingAsks_.clear();
    }

    Runtime& rt;
    McpServerOptions options;
    Logger log;
    Random rng;
    std::map<std::string, std::shared_ptr<Session>> sessions;
    std::map<std::string, MethodHandler> methods;
    std::vector<std::pair<Json, ToolHandler>> tools;
    std::vector<std::pair<Json, PromptHandler>> prompts;
    std::vector<std::pair<Json, ResourceHandler>> resources;
    std::vector<std::pair<Json, ResourceHandler>> templates;
    std::vector<TimerHandle> timers;
    // Every response stream handed out, closed when the server goes away.
    std::vector<std::weak_ptr<http::BodyStream>> streams;

    void handle(http::Request&& req, http::Reply reply);
    void post(http::Request&& req, http::Reply& reply);
    void get(const http::Request& req, http::Reply& reply);
    void remove(const http::Request& req, http::Reply& reply);
    std::shared_ptr<Session> sessionFor(const http::Request& req, http::Reply& reply);
    bool versionAccepted(const http::Request& req, http::Reply& reply);
    std::shared_ptr<http::BodyStream> openStream();
    void dispatch(const std::shared_ptr<ContextImpl>& ctx);
    void builtin(const std::shared_ptr<ContextImpl>& ctx);
    Json capabilities() const;
};

class ContextImpl final : public RequestContext {
  public:
    ContextImpl(std::shared_ptr<Session> session, std::shared_ptr<Exchange> exchange, Json message,
                const http::Headers& headers)
        : session_(std::move(session)),
          exchange_(std::move(exchange)),
          message_(std::move(message)),
          method_(message_["method"].get<std::string>()),
          headers_(headers) {
        if (!message_.contains("params")) message_["params"] = Json::object();
    }
    const std::string& method() const override { return method_; }
    const Json& params() const override { return message_["params"]; }
    const Json& id() const override { return message_.at("id"); }
    const http::Headers& headers() const override { return headers_; }
    Session& session() override { return *session_; }

    void notify(const std::string& method, Json params) override {
        if (answered_) return;
        exchange_->send(makeNotification(method, std::move(params)), true);
    }
    void ask(const std::string& method, Json params,
             std::function<void(bool, const Json&)> done) override {
        if (answered_) return;
        const Json askId = session_->nextAskId_++;
        session_->pendingAsks_[askId.dump()] = std::move(done);
        exchange_->send(makeRequest(askId, method, std::move(params)), true);
    }
    void reply(Json result) override { finish(makeResult(id(), std::move(result))); }
    void fail(int code, const std::string& message, Json data = nullptr) override {
        finish(makeError(id(), code, message, std::move(data)));
    }
    bool answered() const override { return answered_; }

  private:
    void finish(Json message) {
        if (answered_) return;
        answered_ = true;
        exchange_->send(message, false);
        exchange_->finishOne();
    }

    std::shared_ptr<Session> session_;
    std::shared_ptr<Exchange> exchange_;
    Json message_;
    std::string method_;
    http::Headers headers_;
    bool answered_ = false;
};

Json McpServer::Impl::capabilities() const {
    Json caps = Json::object();
    if (!tools.empty() || methods.count("tools/list")) caps["tools"] = {{"listChanged", true}};
    if (!prompts.empty()) caps["prompts"] = {{"listChanged", true}};
    if (!resources.empty() || !templates.empty()) {
        caps["resources"] = {{"subscribe", true}, {"listChanged", true}};
    }
    for (auto it = options.capabilities.begin(); it != options.capabilities.end(); ++it) {
        caps[it.key()] = it.value();
    }
    return caps;
}

std::shared_ptr<http::BodyStream> McpServer::Impl::openStream() {
    std::erase_if(streams, [](const auto& w) {
        auto s = w.lock();
        return !s || s->closed() || s->cancelled();
    });
    auto stream = std::make_shared<http::BodyStream>();
    streams.push_back(stream);
    return stream;
}

void McpServer::Impl::handle(http::Request&& req, http::Reply reply) {
    const std::string path = req.path();
    const auto& paths = options.paths;
    const bool anyPath = std::find(paths.begin(), paths.end(), "") != paths.end();
    if (!anyPath && std::find(paths.begin(), paths.end(), path) == paths.end()) {
        if (options.fallback) {
            options.fallback(std::move(req), std::move(reply));
        } else {
            reply(http::makeResponse(404, "text/plain; charset=utf-8", "404 page not found\n"));
        }
        return;
    }
    if (!hostAllowed(options.allowedHosts, req.headers.value("Host"))) {
        reply(jsonError(403, codes::kServerError, "Invalid Host: " + req.headers.value("Host")));
        return;
    }
    if (options.authorize) {
        if (auto refused = options.authorize(req)) {
            reply(std::move(*refused));
            return;
        }
    }
    if (req.method == "POST") {
        post(std::move(req), reply);
    } else if (req.method == "GET") {
        get(req, reply);
    } else if (req.method == "DELETE") {
        remove(req, reply);
    } else {
        http::Response r = jsonError(405, codes::kServerError, "Method not allowed.");
        r.headers.set("Allow", "GET, POST, DELETE");
        reply(std::move(r));
    }
}

std::shared_ptr<Session> McpServer::Impl::sessionFor(const http::Request& req, http::Reply& reply) {
    auto id = req.headers.get("Mcp-Session-Id");
    if (!id) {
        reply(
            jsonError(400, codes::kServerError, "Bad Request: Mcp-Session-Id header is required"));
        return nullptr;
    }
    auto it = sessions.find(*id);
    if (it == sessions.end()) {
        reply(jsonError(404, codes::kSessionNotFound, "Session not found"));
        return nullptr;
    }
    return it->second;
}

// An absent header means the client predates it (2025-03-26 and older): accepted.
bool McpServer::Impl::versionAccepted(const http::Request& req, http::Reply& reply) {
    auto v = req.headers.get("Mcp-Protocol-Version");
    if (!v || supportedVersion(*v)) return true;
    reply(jsonError(400, codes::kServerError,
                    "Bad Request: Unsupported protocol version: " + *v +
                        " (supported versions: " + supportedVersionsText() + ")"));
    return false;
}

void McpServer::Impl::post(http::Request&& req, http::Reply& reply) {
    const std::string accept = req.headers.value("Accept");
    if (accept.find("application/json") == std::string::npos ||
        accept.find("text/event-stream") == std::string::npos) {
        reply(jsonError(406, codes::kServerError,
                        "Not Acceptable: Client must accept both application/json and "
                        "text/event-stream"));
        return;
    }
    if (mediaType(req.headers.value("Content-Type")) != "application/json") {
        reply(jsonError(415, codes::kServerError,
                        "Unsupported Media Type: Content-Type must be application/json"));
        return;
    }
    Json body = goJsonDecode(req.body, false);
    if (body.is_discarded()) {
        reply(jsonError(400, codes::kParseError, "Parse error: Invalid JSON"));
        return;
    }
    const bool batch = body.is_array();
    std::vector<Json> messages;
    if (batch) {
        messages.reserve(body.size());
        for (auto& m : body) messages.push_back(std::move(m));
    } else {
        messages.push_back(std::move(body));
    }
    if (messages.empty()) {
        reply(jsonError(400, codes::kParseError, "Parse error: Invalid JSON-RPC message"));
        return;
    }
    bool hasInitialize = false;
    for (const auto& m : messages) {
        if (classify(m) == MessageKind::Invalid) {
            reply(jsonError(400, codes::kParseError, "Parse error: Invalid JSON-RPC message"));
            return;
        }
        hasInitialize = hasInitialize || stringField(m, "method") == "initialize";
    }
    std::shared_ptr<Session> session;
    std::string newSessionId;
    if (hasInitialize) {
        if (auto id = req.headers.get("Mcp-Session-Id"); id && sessions.count(*id)) {
            reply(jsonError(400, codes::kInvalidRequest,
                            "Invalid Request: Server already initialized"));
            return;
        }
        if (messages.size() > 1) {
            reply(jsonError(400, codes::kInvalidRequest,
                            "Invalid Request: Only one initialization request is allowed"));
            return;
        }
        session = std::make_shared<Session>();
        session->id_ = rng.uuid();
        session->initializeHeaders_ = req.headers;
        newSessionId = session->id_;
        sessions[newSessionId] = session;
    } else {
        session = sessionFor(req, reply);
        if (!session || !versionAccepted(req, reply)) return;
    }
    auto exchange = std::make_shared<Exchange>();
    exchange->batch = batch;
    exchange->jsonAllowed = options.jsonWhenPossible;
    exchange->makeStream = [this] { return openStream(); };
    std::vector<std::shared_ptr<ContextImpl>> contexts;
    for (auto& m : messages) {
        switch (classify(m)) {
            case MessageKind::Notification:
                if (m["method"] == "notifications/initialized") session->initialized_ = true;
                break;
            case MessageKind::Response: {
                auto it = session->pendingAsks_.find(m["id"].dump());
                if (it != session->pendingAsks_.end()) {
                    auto done = std::move(it->second);
                    session->pendingAsks_.erase(it);
                    const bool ok = m.contains("result");
                    try {
                        done(ok, ok ? m["result"] : m["error"]);
                    } catch (const std::exception& e) {
                        log.warn("handling a client reply failed", {{"error", e.what()}});
                    }
                }
                break;
            }
            case MessageKind::Request:
                ++exchange->outstanding;
                contexts.push_back(
                    std::make_shared<ContextImpl>(session, exchange, std::move(m), req.headers));
                break;
            case MessageKind::Invalid:
                break;
        }
    }
    if (contexts.empty()) {
        reply(http::makeResponse(202, "", ""));
        return;
    }
    exchange->head.status = 200;
    if (!newSessionId.empty()) exchange->head.headers.set("mcp-session-id", newSessionId);
    // The exchange answers once the handlers let it decide (see Exchange).
    exchange->reply = reply;
    for (auto& ctx : contexts) dispatch(ctx);
    if (exchange->reply && !exchange->jsonAllowed) exchange->startSse();
}

void McpServer::Impl::get(const http::Request& req, http::Reply& reply) {
    if (req.headers.value("Accept").find("text/event-stream") == std::string::npos) {
        reply(jsonError(406, codes::kServerError,
                        "Not Acceptable: Client must accept text/event-stream"));
        return;
    }
    auto session = sessionFor(req, reply);
    if (!session || !versionAccepted(req, reply)) return;
    if (session->standalone_ && !session->standalone_->cancelled() &&
        !session->standalone_->closed()) {
        reply(jsonError(409, codes::kServerError,
                        "Conflict: Only one SSE stream is allowed per session"));
        return;
    }
    auto stream = openStream();
    std::weak_ptr<Session> weak = session;
    stream->onCancel([weak] {
        if (auto s = weak.lock()) s->standalone_.reset();
    });
    session->standalone_ = stream;
    http::Response resp;
    resp.headers.set("Content-Type", "text/event-stream");
    resp.headers.set("Cache-Control", "no-cache");
    resp.headers.set("mcp-session-id", session->id_);
    resp.stream = stream;
    reply(std::move(resp));
}

void McpServer::Impl::remove(const http::Request& req, http::Reply& reply) {
    auto session = sessionFor(req, reply);
    if (!session || !versionAccepted(req, reply)) return;
    if (session->standalone_) session->standalone_->close();
    session->pendingAsks_.clear();
    sessions.erase(session->id_);
    reply(http::makeResponse(200, "", ""));
}

void McpServer::Impl::dispatch(const std::shared_ptr<ContextImpl>& ctx) {
    // Handlers read params and arguments of any shape a client sends; a type mismatch or a
    // failing handler answers this request only, never the whole server.
    try {
        if (!ctx->params().is_object()) {
            ctx->fail(codes::kInvalidParams, "Invalid params: params must be an object");
            return;
        }
        if (auto it = methods.find(ctx->method()); it != methods.end()) {
            auto handler = it->second;  // the handler may replace itself
            handler(ctx);
        } else {
            builtin(ctx);
        }
    } catch (const Json::exception& e) {
        ctx->fail(codes::kInvalidParams, std::string("Invalid params: ") + e.what());
    } catch (const std::exception& e) {
        ctx->fail(codes::kInternalError, std::string("Internal error: ") + e.what());
    }
}

void McpServer::Impl::builtin(const std::shared_ptr<ContextImpl>& ctx) {
    const std::string& method = ctx->method();
    const Json& p = ctx->params();
    if (method == "initialize") {
        const std::string asked = stringField(p, "protocolVersion");
        Session& s = ctx->session();
        s.protocolVersion_ = supportedVersion(asked) ? asked : options.latestProtocolVersion;
        s.clientInfo_ = p.value("clientInfo", Json::object());
        s.clientCapabilities_ = p.value("capabilities", Json::object());
        Json info = {{"name", options.name}, {"version", options.version}};
        if (!options.title.empty()) info["title"] = options.title;
        Json result = {{"protocolVersion", s.protocolVersion_},
                       {"capabilities", capabilities()},
                       {"serverInfo", info}};
        if (!options.instructions.empty()) result["instructions"] = options.instructions;
        ctx->reply(result);
    } else if (method == "ping") {
        ctx->reply(Json::object());
    } else if (method == "tools/list") {
        std::vector<Json> list;
        for (const auto& [def, h] : tools) list.push_back(def);
        if (options.sortToolsByName) {
            std::stable_sort(list.begin(), list.end(), [](const Json& a, const Json& b) {
                return stringField(a, "name") < stringField(b, "name");
            });
        }
        ctx->reply({{"tools", list}});
    } else if (method == "tools/call") {
        const std::string name = stringField(p, "name");
        for (const auto& [def, h] : tools) {
            if (stringField(def, "name") == name) {
                Json args = p.value("arguments", Json::object());
                if (args.is_null()) args = Json::object();
                if (!args.is_object()) {
                    ctx->fail(codes::kInvalidParams, "Invalid params: arguments must be an object");
                    return;
                }
                auto handler = h;  // the handler may remove tools
                handler(ctx, args);
                return;
            }
        }
        if (options.unknownTool) {
            options.unknownTool(ctx, name);
        } else {
            ctx->fail(codes::kInvalidParams, "Tool " + name + " not found");
        }
    } else if (method == "prompts/list") {
        Json list = Json::array();
        for (const auto& [def, h] : prompts) list.push_back(def);
        ctx->reply({{"prompts", list}});
    } else if (method == "prompts/get") {
        const std::string name = stringField(p, "name");
        for (const auto& [def, h] : prompts) {
            if (stringField(def, "name") == name) {
                Json args = p.value("arguments", Json::object());
                h(ctx, args.is_object() ? args : Json::object());
                return;
            }
        }
        ctx->fail(codes::kInvalidParams, "Prompt " + name + " not found");
    } else if (method == "resources/list") {
        Json list = Json::array();
        for (const auto& [def, h] : resources) list.push_back(def);
        ctx->reply({{"resources", list}});
    } else if (method == "resources/templates/list") {
        Json list = Json::array();
        for (const auto& [def, h] : templates) list.push_back(def);
        ctx->reply({{"resourceTemplates", list}});
    } else if (method == "resources/read") {
        const std::string uri = stringField(p, "uri");
        for (const auto& [def, h] : resources) {
            if (stringField(def, "uri") == uri) {
                h(ctx, uri);
                return;
            }
        }
        for (const auto& [def, h] : templates) {
            if (templateMatches(stringField(def, "uriTemplate"), uri)) {
                h(ctx, uri);
                return;
            }
        }
        ctx->fail(codes::kInvalidParams, "Resource " + uri + " not found");
    } else if (method == "resources/subscribe" || method == "resources/unsubscribe") {
        ctx->reply(Json::object());
    } else if (method == "logging/setLevel") {
        const std::string level = stringField(p, "level");
        if (!level.empty()) ctx->session().logLevel = level;
        ctx->reply(Json::object());
    } else if (method == "completion/complete") {
        ctx->reply({{"completion", {{"values", Json::array()}, {"total", 0}, {"hasMore", false}}}});
    } else {
        ctx->fail(codes::kMethodNotFound, "Method not found");
    }
}

McpServer::McpServer(Runtime& runtime, McpServerOptions options, Logger log)
    : impl_(std::make_unique<Impl>(runtime, std::move(options), std::move(log))) {}

McpServer::~McpServer() = default;

void McpServer::onMethod(const std::string& method, MethodHandler handler) {
    impl_->methods[method] = std::move(handler);
}

void McpServer::addTool(Json definition, ToolHandler handler) {
    const std::string name = stringField(definition, "name");
    removeTool(name);
    impl_->tools.emplace_back(std::move(definition), std::move(handler));
}

bool McpServer::removeTool(const std::string& name) {
    auto& t = impl_->tools;
    auto it = std::remove_if(t.begin(), t.end(),
                             [&](const auto& p) { return stringField(p.first, "name") == name; });
    if (it == t.end()) return false;
    t.erase(it, t.end());
    return true;
}

std::vector<Json> McpServer::tools() const {
    std::vector<Json> out;
    for (const auto& [def, h] : impl_->tools) out.push_back(def);
    return out;
}

void McpServer::addPrompt(Json definition, PromptHandler handler) {
    impl_->prompts.emplace_back(std::move(definition), std::move(handler));
}

void McpServer::addResource(Json definition, ResourceHandler handler) {
    impl_->resources.emplace_back(std::move(definition), std::move(handler));
}

void McpServer::addResourceTemplate(Json definition, ResourceHandler handler) {
    impl_->templates.emplace_back(std::move(definition), std::move(handler));
}

void McpServer::broadcast(const std::string& method, Json params) {
    const std::string event = sseEvent(makeNotification(method, std::move(params)));
    for (auto& [id, s] : impl_->sessions) {
        if (s->standalone_ && !s->standalone_->cancelled()) s->standalone_->write(event);
    }
}

bool McpServer::closeSession(const std::string& id) {
    auto it = impl_->sessions.find(id);
    if (it == impl_->sessions.end()) return false;
    if (it->second->standalone_) it->second->standalone_->close();
    it->second->pendingAsks_.clear();
    impl_->sessions.erase(it);
    return true;
}

TimerHandle McpServer::after(Duration delay, std::function<void()> fn) {
    auto& timers = impl_->timers;
    std::erase_if(timers, [](const TimerHandle& t) { return !t.pending(); });
    timers.push_back(impl_->rt.clock().schedule(delay, std::move(fn)));
    return timers.back();
}

http::Handler McpServer::handler() {
    return [this](http::Request&& req, http::Reply reply) {
        impl_->handle(std::move(req), std::move(reply));
    };
}

std::size_t McpServer::sessionCount() const {
    return impl_->sessions.size();
}
Runtime& McpServer::runtime() {
    return impl_->rt;
}

http::Handler withAllowedHosts(http::Handler inner, std::vector<std::string> hosts) {
    return [inner = std::move(inner), hosts = std::move(hosts)](http::Request&& req,
                                                                http::Reply reply) {
        const std::string host = req.headers.value("Host");
        if (!hostAllowed(hosts, host)) {
            reply(jsonError(403, codes::kServerError, "Invalid Host: " + host));
            return;
        }
        inner(std::move(req), std::move(reply));
    };
}

}  // namespace mcpsim::core::mcp
