#include "router.hpp"

#include "../broker/served_tool.hpp"
#include "mcpsim/core/go_json.hpp"
#include "mcpsim/gateway/broker.hpp"

namespace mcpsim::gateway::router {

using core::http::Request;
using core::http::Response;

std::string goJsonDump(const Json& value) {
    std::string dumped = value.dump();
    if (dumped.find_first_of("<>&") == std::string::npos) return dumped;
    std::string out;
    out.reserve(dumped.size() + 16);
    for (char c : dumped) {
        // Outside strings JSON has none of these, so replacing them all is safe.
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '>') {
            out += "\\u003e";
        } else if (c == '&') {
            out += "\\u0026";
        } else {
            out += c;
        }
    }
    return out;
}

Router::Router(RouterEnv env) : env_(std::move(env)), alive_(std::make_shared<bool>(true)) {}

Router::~Router() {
    *alive_ = false;
    for (auto& [k, h] : hairpins_) h.expiry.cancel();
}

Response Router::invalid(const std::string& body, int status) {
    return core::http::makeResponse(status, "text/plain", body);
}

void Router::onRequest(Request& req, Done done) {
    env_.log.info("Request Handler: HandleRequestHeaders called");
    // Every request first resolves to the broker's route.
    req.headers.set("Host", env_.options.publicHost);
    if (req.body.empty()) return done(std::nullopt);  // no body phase (GET, DELETE)
    Json msg = core::goJsonDecode(req.body, false);
    auto reject = [&](const std::string& body) {
        env_.log.error("Invalid MCPRequest", {{"error", body}});
        done(invalid(body));
    };
    if (msg.is_discarded() || !msg.is_object()) return reject("invalid mcp request");
    const std::string method =
        msg.contains("method") && msg["method"].is_string() ? msg["method"].get<std::string>() : "";
    const bool hasId = msg.contains("id") && !msg["id"].is_null();
    if (!msg.contains("jsonrpc") || msg["jsonrpc"] != "2.0" || method.empty() ||
        (!hasId && method.rfind("notifications", 0) != 0)) {
        return reject("invalid mcp request");
    }
    if (method == "tools/call") return toolsCall(req, std::move(msg), std::move(done));
    if ((method == "initialize" || method == "notifications/initialized") &&
        req.headers.has("mcp-init-host")) {
        if (req.headers.value("router-key") != env_.options.routerKey) {
            env_.log.warn("unexpected remote initialize request. Key does not match. Rejecting");
            return done(invalid("bad request"));
        }
        req.headers.set("x-mcp-method", method);
        req.headers.set("Host", req.headers.value("mcp-init-host"));
        req.headers.remove("mcp-init-host");
        req.headers.remove("router-key");
        return done(std::nullopt);
    }
    req.headers.set("x-mcp-method", method);
    req.headers.set("x-mcp-servername", "mcpBroker");
    done(std::nullopt);
}

void Router::toolsCall(Request& req, Json msg, Done done) {
    auto given = msg.find("params");
    Json params = given != msg.end() && given->is_object() ? std::move(*given) : Json::object();
    auto name = params.find("name");
    if (name == params.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
        return done(invalid("no tool name set"));
    }
    const std::string served = name->get<std::string>();
    const std::string* sessionHeader = req.headers.find("mcp-session-id");
    if (sessionHeader == nullptr || sessionHeader->empty()) {
        return done(invalid("no session ID found"));
    }
    const std::string session = *sessionHeader;
    if (env_.tokens.invalid(session)) return done(invalid("session no longer valid", 404));
    auto route = env_.findTool(served);
    if (!route) {
        Response r;
        r.status = 200;
        r.headers.set("mcp-session-id", session);
        r.headers.set("content-type", "text/event-stream");
        r.body =
            "\nevent: message\ndata: {\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"MCP "
            "error -32602: Tool not found\"}],\"isError\":true},\"jsonrpc\":\"2.0\"}";
        return done(std::move(r));
    }
    env_.hookLog("[EXT-PROC] Found matching server", {{"toolName", served},
                                                      {"serverPrefix", route->server.toolPrefix},
                                                      {"serverName", route->server.name}});
    req.headers.set("x-mcp-annotation-hints", route->annotationHints);
    req.headers.set("x-mcp-method", "tools/call");
    req.headers.set("x-mcp-toolname", route->upstreamName);
    req.headers.set("x-mcp-servername", route->server.name);
    *name = route->upstreamName;
    Json body = {{"jsonrpc", "2.0"}, {"method", "tools/call"}, {"params", std::move(params)}};
    body["id"] = std::move(msg["id"]);  // string ids are kept (F3 intent)
    std::weak_ptr<bool> alive = alive_;
    Request* target = &req;
    upstreamSession(session, route, req,
                    [alive, target, route, rewritten = goJsonDump(body), done = std::move(done)](
                        std::optional<std::string> id, std::optional<Response> error) mutable {
                        if (auto a = alive.lock(); !a || !*a) return;
                        if (error) return done(std::move(error));
                        target->headers.set("mcp-session-id", std::move(*id));
                        target->headers.set("Host", route->server.hostname);
                        target->target = broker::urlPath(route->server.url);
                        target->body = std::move(rewritten);
                        target->headers.remove("Content-Length");
                        done(std::nullopt);
                    });
}

void Router::upstreamSession(
    const std::string& gatewaySession, std::shared_ptr<const ToolRoute> route,
    const Request& request,
    std::function<void(std::optional<std::string>, std::optional<Response>)> done) {
    std::weak_ptr<bool> alive = alive_;
    // The request outlives the exchange (the data plane holds it until `done`), so it is not
    // copied for the rare first call that initializes the upstream session.
    const Request* pending = &request;
    env_.store.get(
        gatewaySession,
        [this, alive, gatewaySession, route = std::move(route), pending, done = std::move(done)](
            const std::string& error, const broker::SessionStore::Sessions& sessions) mutable {
            if (auto a = alive.lock(); !a || !*a) return;
            if (!error.empty()) {
                env_.log.error("failed to get sessions from cache", {{"error", error}});
                return done(std::nullopt,
                            core::http::makeResponse(500, "text/plain", "internal error"));
            }
            if (auto s = sessions.find(route->server.name); s != sessions.end()) {
                return done(s->second, std::nullopt);
            }
            initializeUpstream(gatewaySession, *route, *pending, std::move(done));
        });
}

void Router::initializeUpstream(
    const std::string& gatewaySession, const ToolRoute& route, const Request& request,
    std::function<void(std::optional<std::string>, std::optional<Response>)> done) {
    auto server = env_.findServer(route.server.name);
    if (!server) {
        return done(
            std::nullopt,
            core::http::makeResponse(500, "text/plain", "failed check for server: unknown server"));
    }
    const auto expiry = env_.tokens.expiry(gatewaySession);
    if (!expiry) return done(std::nullopt, invalid("invalid session", 404));
    core::mcp::McpClientOptions o;
    const std::string hostPort = env_.options.privateHost;
    const auto colon = hostPort.rfind(':');
    o.endpoint = {hostPort.substr(0, colon),
                  static_cast<std::uint16_t>(
                      colon == std::string::npos ? 80 : std::stoi(hostPort.substr(colon + 1)))};
    o.path = broker::urlPath(server->url);
    for (const auto& [k, v] : request.headers.items()) {
        std::string lk = k;
        for (auto& c : lk) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lk == "mcp-session-id" || lk == "host" || lk == "content-length" ||
            lk == "transfer-encoding" || lk == "connection" || lk == "accept" ||
            lk == "content-type") {
            continue;
        }
        o.headers.add(k, v);
    }
    o.headers.set("x-mcp-method", "tools/call");
    o.headers.set("x-mcp-servername", route.server.name);
    o.headers.set("x-mcp-toolname", route.upstreamName);
    o.headers.set("user-agent", "mcp-router");
    o.headers.set("router-key", env_.options.routerKey);
    o.headers.set("mcp-init-host", server->hostname);
    o.protocolVersion = "2025-06-18";
    o.capabilities = Json::object();
    o.clientInfo = {{"name", "mcp-gateway"}, {"version", "0.0.1"}};
    auto client = core::mcp::McpClient::create(env_.cluster, o);
    std::weak_ptr<bool> alive = alive_;
    const std::string serverName = route.server.name;
    client->initialize([this, alive, client, gatewaySession, serverName, expiry = *expiry, done](
                           std::optional<core::mcp::ClientError> err, const Json&) {
        if (auto a = alive.lock(); !a || !*a) return;
        if (err) {
            std::string why = err->message;
            if (err->httpStatus != 0) {
                why = "transport error: request failed with status " +
                      std::to_string(err->httpStatus) + ": " + err->body;
            }
            return done(
                std::nullopt,
                core::http::makeResponse(
                    500, "text/plain",
                    "failed to create session for mcp server: failed to create client: " + why));
        }
        auto& entry = hairpins_[gatewaySession];
        entry.clients.push_back(client);
        const auto wait = expiry - env_.runtime.clock().now();
        const auto lifetime = wait > core::Duration::zero() ? wait : core::Duration::zero();
        if (!entry.expiry.pending()) {
            entry.expiry = env_.runtime.clock().schedule(lifetime, [this, alive, gatewaySession] {
                if (auto a = alive.lock(); a && *a) release(gatewaySession);
            });
        }
        const std::string id = client->sessionId();
        env_.store.add(gatewaySession, serverName, id, lifetime,
                       [alive, id, done](const std::string&) {
                           if (auto a = alive.lock(); !a || !*a) return;
                           done(id, std::nullopt);
                       });
    });
}

void Router::release(const std::string& gatewaySession) {
    env_.store.drop(gatewaySession, nullptr);
    auto it = hairpins_.find(gatewaySession);
    if (it == hairpins_.end()) return;
    it->second.expiry.cancel();
    for (auto& c : it->second.clients) c->close();
    hairpins_.erase(it);
}

void Router::onResponseHeaders(const Request& original, Response& response) {
    const std::string session = original.headers.value("mcp-session-id");
    // The method decides what happens below, but most answers (a tools/call's) need no second
    // parse of the request: without the word "initialize" anywhere in the body, even \u-escaped,
    // the method is not initialize, and only a 404 needs more.
    const bool mayBeInitialize = original.body.find("initialize") != std::string::npos ||
                                 original.body.find("\\u") != std::string::npos;
    const bool parse = !original.body.empty() && (mayBeInitialize || response.status == 404);
    Json msg = parse ? core::goJsonDecode(original.body, false) : Json();
    const std::string method =
        msg.is_object() && msg.contains("method") && msg["method"].is_string()
            ? msg["method"].get<std::string>()
            : "";
    // A re-initialize keeps the broker's new session id (the reference overwrites it).
    if (!session.empty() && method != "initialize") response.headers.set("mcp-session-id", session);
    if (response.status == 404 && !original.body.empty()) {
        env_.log.info("received 404 from backend MCP ");
        if (method == "tools/call" && msg.contains("params") && msg["params"].is_object()) {
            const std::string served = msg["params"].value("name", "");
            if (auto route = env_.findTool(served)) {
                env_.store.remove(session, route->server.name, nullptr);
            }
        }
    }
}

}  // namespace mcpsim::gateway::router
