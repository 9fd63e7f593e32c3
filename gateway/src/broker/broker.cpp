// The broker's HTTP surface, sessions, notifications, config reconcile and /status
// (spec/broker.md sections 1, 2, 5-8, 10, 11), plus the wiring of the router.
#include "mcpsim/gateway/broker.hpp"
#include "mcpsim/core/go_json.hpp"

#include <strings.h>

#include <algorithm>
#include <deque>
#include <set>

#include "../router/router.hpp"
#include "broker_config.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/http/go_http.hpp"
#include "mcpsim/core/jwt.hpp"
#include "served_tool.hpp"
#include "session_tokens.hpp"
#include "upstream_manager.hpp"

namespace mcpsim::gateway {

using broker::OrderedJson;
using core::http::Request;
using core::http::Response;

namespace {

Response jsonResponse(int status, const OrderedJson& body) {
    return core::http::makeResponse(status, "application/json", body.dump() + "\n");
}

OrderedJson rpcResult(const Json& id, OrderedJson result) {
    OrderedJson r = OrderedJson::object();
    r["jsonrpc"] = "2.0";
    r["id"] = OrderedJson::parse(id.dump());
    r["result"] = std::move(result);
    return r;
}

OrderedJson rpcError(const Json& id, int code, const std::string& message) {
    OrderedJson r = OrderedJson::object();
    r["jsonrpc"] = "2.0";
    r["id"] = OrderedJson::parse(id.dump());
    r["error"] = {{"code", code}, {"message", message}};
    return r;
}

std::string sseEvent(const std::string& json) {
    return "event: message\ndata: " + json + "\n\n";
}

std::vector<std::string> splitTrimmed(const std::string& s) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        auto comma = s.find(',', pos);
        std::string item =
            s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        const auto b = item.find_first_not_of(" \t\n\r");
        const auto e = item.find_last_not_of(" \t\n\r");
        out.push_back(b == std::string::npos ? "" : item.substr(b, e - b + 1));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

}  // namespace

std::variant<BrokerOptions, std::string> BrokerOptions::fromArgs(
    const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    BrokerOptions o;
    o.env = env;
    if (auto it = env.find("MCP_ROUTER_API_KEY"); it != env.end()) o.routerKey = it->second;
    if (auto it = env.find("JWT_SESSION_SIGNING_KEY"); it != env.end()) o.signingKey = it->second;
    if (auto it = env.find("CACHE_CONNECTION_STRING"); it != env.end()) {
        o.cacheConnectionString = it->second;
    }
    if (auto it = env.find("TRUSTED_HEADER_PUBLIC_KEY"); it != env.end()) {
        o.trustedHeaderPublicKey = it->second;
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        if (a.rfind("--", 0) != 0) continue;
        std::string value;
        const auto eq = a.find('=');
        if (eq != std::string::npos) {
            value = a.substr(eq + 1);
            a = a.substr(0, eq);
        } else if (a != "--enforce-tool-filtering" && i + 1 < args.size()) {
            value = args[++i];
        }
        try {
            if (a == "--mcp-gateway-public-host") o.publicHost = value;
            if (a == "--mcp-gateway-private-host") o.privateHost = value;
            if (a == "--mcp-router-key") o.routerKey = value;
            if (a == "--session-signing-key") o.signingKey = value;
            if (a == "--cache-connection-string") o.cacheConnectionString = value;
            if (a == "--session-length") {
                long m = std::stol(value);
                o.sessionLength = std::chrono::minutes(m == 0 ? 1440 : m);
            }
            if (a == "--mcp-check-interval") {
                long s = std::stol(value);
                if (s <= 0)
                    return std::string("flag mcp-check-interval cannot be 0 or less seconds");
                o.checkInterval = std::chrono::seconds(s);
            }
            if (a == "--enforce-tool-filtering")
                o.enforceToolFiltering = value.empty() || value == "true";
            if (a == "--log-level") o.logLevel = std::stoi(value);
            if (a == "--log-format") o.jsonLogs = value == "json";
        } catch (const std::exception&) {
            return "invalid value \"" + value + "\" for flag " + a;
        }
    }
    if (!o.cacheConnectionString.empty()) {
        auto url = core::redis::parseUrl(o.cacheConnectionString);
        if (auto* err = std::get_if<std::string>(&url)) return *err;
    }
    if (o.publicHost.empty()) {
        return std::string(
            "--mcp-gateway-public-host cannot be empty. The mcp gateway needs to "
            "be informed of what public host to expect requests from so it can "
            "ensure routing and session mgmt happens.");
    }
    return o;
}

struct Broker::Impl {
    struct Session {
        std::deque<std::string> queue;                   // notifications not yet delivered
        std::shared_ptr<core::http::BodyStream> stream;  // the GET stream, if open
        core::WallTime expires{};
        bool terminated = false;
    };

    Impl(core::Runtime& runtime, core::http::Network& net, BrokerOptions o)
        : rt(runtime),
          cluster(net),
          options(std::move(o)),
          log(runtime.clock(), runtime.logs(), options.logSource),
          brokerLog(log.with({{"component", "broker"}})),
          tokens(runtime.clock(), runtime.rng().fork("broker.jti" + instanceName(options)),
                 options.signingKey.empty() ? runtime.rng().fork("broker.signing-key").hex(64)
                                            : options.signingKey,
                 options.sessionLength),
          sessionIds(runtime.rng().fork("broker.get-session" + instanceName(options))) {
        openSessionStore();
        router = std::make_unique<router::Router>(router::RouterEnv{
            runtime, cluster, options, tokens, *store, log.with({{"component", "router"}}),
            [this](const std::string& m, const std::vector<core::LogAttr>& a) { hook(m, a); },
            [this](const std::string& served) { return findTool(served); },
            [this](const std::string& name) -> std::optional<broker::ServerConfig> {
                for (const auto& s : config.servers) {
                    if (s.name == name) return s;
                }
                return std::nullopt;
            }});
        log.info("jwt session manager configured");
        if (options.signingKey == "default-not-secure") {
            log.warn(
                "jwt session signing key is set to the default value. This is not "
                "recommended for production");
        }
        log.info("[grpc] starting MCP Router", {{"listening", "0.0.0.0:50051"}});
        log.info("[http] starting MCP Broker (public)", {{"listening", "0.0.0.0:8080"}});
        // Discovery in progress (a connect, ping or fetch, or a server not yet checked once).
        activity = runtime.activity().add("broker", [this]() -> std::optional<std::string> {
            if (store->pending() > 0) return "waiting for the session cache";
            for (const auto& [id, m] : managers) {
                if (m->busy()) return "managing " + m->config().name;
                if (!m->status().validated) return "first check of " + m->config().name;
            }
            return std::nullopt;
        });
    }

    ~Impl() {
        for (auto& [id, m] : managers) m->stop();
    }

    static std::string instanceName(const BrokerOptions& o) {
        return o.instance.empty() ? std::string() : "/" + o.instance;
    }

    // In memory, or the external store, pinged once at start as the reference does (it panics
    // when the ping fails; here the broker logs the panic and its cache calls keep failing).
    void openSessionStore() {
        if (options.cacheConnectionString.empty()) {
            store = broker::makeMemorySessionStore();
            return;
        }
        auto parsed = core::redis::parseUrl(options.cacheConnectionString);
        // fromArgs has refused URLs that do not parse.
        store = broker::makeRedisSessionStore(rt, std::get<core::redis::Address>(parsed));
        log.info("session cache using external store");
        store->ping([this](const std::string& error) {
            if (!error.empty()) log.error("panic: failed to connect to cache", {{"error", error}});
        });
    }

    bool debug() const { return options.logLevel != 0 && options.logLevel != 8; }

    // Go's standard log package: "2006/01/02 15:04:05 <text>", on stderr.
    void stdLog(const std::string& text) {
        const core::WallTime now = rt.clock().now();
        std::string line = core::formatGoLogTime(now);
        line.reserve(line.size() + 1 + text.size());
        line.append(" ").append(text);
        rt.logs().append(options.logSource, core::LogLine{now, std::move(line)});
    }

    // Go's default slog through the log package: "... INFO msg k=v" (the hook lines).
    void hook(const std::string& msg, const std::vector<core::LogAttr>& attrs) {
        std::string line;
        line.reserve(128);
        line.append("INFO ").append(msg);
        for (const auto& a : attrs) {
            line.append(" ")
                .append(core::slogQuote(a.key))
                .append("=")
                .append(core::slogQuote(a.value));
        }
        stdLog(line);
    }

    std::shared_ptr<const router::ToolRoute> findTool(const std::string& served) {
        for (const auto& [id, m] : managers) {
            if (auto route = m->routedTool(served)) return route;
        }
        return nullptr;
    }

    // ---- config -------------------------------------------------------------------------------

    void applyConfig(const std::string& text) {
        auto parsed = broker::parseBrokerConfig(text);
        if (auto* err = std::get_if<std::string>(&parsed)) {
            log.error("Error reading config file: " + *err + "; keeping the last good config");
            return;
        }
        if (loaded) {
            log.info("OnConfigChange mcp servers config changed ",
                     {{"config file", "/config/config.yaml"}});
            log.info("OnConfigChange: notifying observers of config change");
        }
        loaded = true;
        config = std::get<broker::BrokerConfig>(std::move(parsed));
        // Virtual servers mirror the config (the reference never removes any, F12).
        virtualServers.clear();
        for (const auto& [name, tools] : config.virtualServers) virtualServers[name] = tools;
        reconcileManagers();
    }

    void reconcileManagers() {
        std::map<std::string, const broker::ServerConfig*> wanted;
        for (const auto& s : config.servers) wanted[s.id()] = &s;
        for (auto it = managers.begin(); it != managers.end();) {
            if (!wanted.count(it->first)) {
                brokerLog.info("un-register upstream server", {{"id", it->first}});
                brokerLog.info("stopping manager for unregistered server", {{"id", it->first}});
                it->second->stop();
                it = managers.erase(it);
            } else {
                ++it;
            }
        }
        for (const auto& s : config.servers) {
            auto it = managers.find(s.id());
            if (it != managers.end()) {
                brokerLog.info("Server is registered", {{"mcpID", s.id()}});
                // The reference compares name, prefix, hostname and credential only (F8 a).
                if (it->second->config() == s) continue;
                brokerLog.info("Server Config Changed removing manager", {{"mcpID", s.id()}});
                it->second->stop();
                managers.erase(it);
            }
            brokerLog.info("starting new manager", {{"server id", s.id()}});
            broker::ManagerEnv env{rt,
                                   cluster,
                                   registry,
                                   brokerLog.with({{"sub-component", "mcp-manager"}}),
                                   options.checkInterval,
                                   options.upstreamTimeout,
                                   debug(),
                                   options.docCompatLogs,
                                   options.resolveHost,
                                   [this] { broadcastToolsChanged(); },
                                   [this](const std::string& text) { stdLog(text); }};
            auto m = std::make_shared<broker::UpstreamManager>(std::move(env), s);
            managers[s.id()] = m;
            m->start();
        }
    }

    // ---- notifications ------------------------------------------------------------------------

    void broadcastToolsChanged() {
        const std::string note =
            R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{}})";
        const core::WallTime now = rt.clock().now();
        for (auto it = sessions.begin(); it != sessions.end();) {
            Session& s = it->second;
            if (s.terminated || (s.expires != core::WallTime{} && now > s.expires && !s.stream)) {
                it = sessions.erase(it);  // ended or expired sessions get nothing
                continue;
            }
            if (s.stream && !s.stream->cancelled() && !s.stream->closed()) {
                s.stream->write(sseEvent(note));
            } else if (s.queue.size() >= 100) {
                hook("MCP server error",
                     {{"method", "notification"}, {"error", "notification channel full"}});
            } else {
                s.queue.push_back(note);
            }
            ++it;
        }
    }

    // ---- HTTP -----------------------------------------------------------------------------------

    void handle(Request&& req, core::http::Reply reply) {
        const std::string path = req.path();
        if (path == "/mcp") {
            if (req.method == "POST") return reply(post(req));
            if (req.method == "GET") return reply(get(req));
            if (req.method == "DELETE") return reply(remove(req));
            return reply(core::http::goHttpError(404, "404 page not found"));
        }
        if (path == "/status" || path.rfind("/status/", 0) == 0) return reply(statusEndpoint(req));
        if (path == "/.well-known/oauth-protected-resource") return reply(protectedResource(req));
        reply(core::http::makeResponse(200, "text/plain; charset=utf-8",
                                       "Hello, World!  BTW, the MCP server is on /mcp"));
    }

    Response protectedResource(const Request& req) {
        brokerLog.info("service protected resource endpoint");
        Response r;
        if (req.method == "OPTIONS") {
            r = core::http::makeResponse(200, "", "");
            r.headers.remove("Content-Type");
        } else {
            auto envOr = [this](const char* key) -> std::optional<std::string> {
                auto it = options.env.find(key);
                if (it == options.env.end() || it->second.empty()) return std::nullopt;
                return it->second;
            };
            OrderedJson doc = OrderedJson::object();
            doc["resource_name"] = envOr("OAUTH_RESOURCE_NAME").value_or("MCP Server");
            doc["resource"] = envOr("OAUTH_RESOURCE").value_or("/mcp");
            auto list = [&](const char* key, std::vector<std::string> fallback) {
                auto v = envOr(key);
                return OrderedJson(v ? splitTrimmed(*v) : fallback);
            };
            doc["authorization_servers"] = list("OAUTH_AUTHORIZATION_SERVERS", {});
            doc["bearer_methods_supported"] = list("OAUTH_BEARER_METHODS_SUPPORTED", {"header"});
            doc["scopes_supported"] = list("OAUTH_SCOPES_SUPPORTED", {"basic"});
            r = jsonResponse(200, doc);
        }
        r.headers.set("Access-Control-Allow-Origin", "*");
        r.headers.set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS, HEAD");
        r.headers.set("Access-Control-Allow-Headers",
                      "Content-Type, Authorization, Accept, Origin, X-Requested-With");
        r.headers.set("Access-Control-Max-Age", "3600");
        r.headers.set("Access-Control-Allow-Credentials", "true");
        return r;
    }

    OrderedJson serverJson(const broker::ServerStatus& s) const {
        OrderedJson o = OrderedJson::object();
        o["id"] = s.id;
        o["name"] = s.name;
        o["lastValidated"] =
            s.validated ? core::formatRfc3339Nano(s.lastValidated) : "0001-01-01T00:00:00Z";
        o["message"] = s.message;
        o["ready"] = s.ready;
        o["totalTools"] = s.totalTools;
        return o;
    }

    OrderedJson statusDocument() const {
        OrderedJson servers = OrderedJson::array();
        std::vector<broker::ServerStatus> all;
        for (const auto& [id, m] : managers) all.push_back(m->status());
        // Sorted by name, then id (the reference's map order is random, F6).
        std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
            return std::tie(a.name, a.id) < std::tie(b.name, b.id);
        });
        int healthy = 0;
        for (const auto& s : all) {
            servers.push_back(serverJson(s));
            healthy += s.ready ? 1 : 0;
        }
        OrderedJson doc = OrderedJson::object();
        doc["servers"] = servers;
        doc["overallValid"] = healthy == static_cast<int>(all.size());
        doc["totalServers"] = all.size();
        doc["healthyServers"] = healthy;
        doc["unHealthyServers"] = static_cast<int>(all.size()) - healthy;
        doc["toolConflicts"] = 0;
        doc["timestamp"] = core::formatRfc3339Nano(rt.clock().now());
        return doc;
    }

    Response statusEndpoint(const Request& req) {
        Response r;
        if (req.method != "GET") {
            r = jsonResponse(405,
                             OrderedJson{{"error", "Method not allowed. Supported methods: GET"}});
        } else {
            OrderedJson doc = statusDocument();
            brokerLog.info(
                "Server validation completed",
                {{"totalServers", std::to_string(doc["totalServers"].get<int>())},
                 {"healthyServers", std::to_string(doc["healthyServers"].get<int>())},
                 {"unhealthyServers", std::to_string(doc["unHealthyServers"].get<int>())},
                 {"overallValid", doc["overallValid"].get<bool>() ? "true" : "false"}});
            const std::string path = req.path();
            const std::string name = path.size() > 8 ? path.substr(8) : "";
            if (name.empty()) {
                r = jsonResponse(200, doc);
            } else {
                r = jsonResponse(404, OrderedJson{{"error", "Server '" + name +
                                                                "' not found. Use format "
                                                                "'namespace/route-name' or check "
                                                                "available servers at /status"}});
                for (const auto& s : doc["servers"]) {
                    if (s["name"] == name) {
                        r = jsonResponse(200, s);
                        break;
                    }
                }
            }
        }
        r.headers.set("Access-Control-Allow-Origin", "*");
        r.headers.set("Access-Control-Allow-Methods", "GET, OPTIONS");
        r.headers.set("Access-Control-Allow-Headers", "Content-Type");
        return r;
    }

    Response get(const Request& req) {
        std::string id = req.headers.value("Mcp-Session-Id");
        if (id.empty()) id = sessionIds.uuid();
        auto stream = std::make_shared<core::http::BodyStream>();
        auto it = sessions.find(id);
        const bool created = it == sessions.end();
        if (created) {
            it = sessions.emplace(id, Session{}).first;
            hook("Broker: Gateway client session connected with session",
                 {{"gatewaySessionID", id}});
        }
        Session& s = it->second;
        s.stream = stream;
        while (!s.queue.empty()) {
            stream->write(sseEvent(s.queue.front()));
            s.queue.pop_front();
        }
        std::weak_ptr<core::http::BodyStream> weak = stream;
        stream->onCancel([this, id, weak, created] {
            auto sit = sessions.find(id);
            if (sit == sessions.end() || sit->second.stream != weak.lock()) return;
            sit->second.stream.reset();
            if (created) {
                hook("Broker: Gateway client session unregister ", {{"gatewaySessionID", id}});
                sessions.erase(sit);
            }
        });
        Response r;
        r.status = 200;
        r.headers.set("Content-Type", "text/event-stream");
        r.headers.set("Cache-Control", "no-cache");
        r.headers.set("Connection", "keep-alive");
        r.stream = stream;
        return r;
    }

    Response remove(const Request& req) {
        const std::string id = req.headers.value("Mcp-Session-Id");
        brokerLog.info("terminate session id in jwt session manager");
        // DELETE ends the session and its upstream sessions (the reference only clears a
        // cache and keeps accepting the token, F9).
        if (auto it = sessions.find(id); it != sessions.end()) {
            if (it->second.stream) it->second.stream->close();
            it->second.stream.reset();
            it->second.queue.clear();
            it->second.terminated = true;
        } else if (!id.empty() && !tokens.invalid(id)) {
            sessions[id].terminated = true;
        }
        router->release(id);
        Response r = core::http::makeResponse(200, "", "");
        r.headers.remove("Content-Type");
        return r;
    }

    Response post(const Request& req) {
        const std::string type = req.headers.value("Content-Type");
        const std::string media = type.substr(0, type.find(';'));
        auto trim = [](std::string s) {
            const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
            return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
        };
        if (trim(media) != "application/json") {
            return core::http::goHttpError(400, "Invalid content type: must be 'application/json'");
        }
        Json msg = core::goJsonDecode(req.body, false);
        if (msg.is_discarded() || (!msg.is_object() && !msg.is_null())) {
            return jsonResponse(400, rpcError(nullptr, -32700, "request body is not valid json"));
        }
        if (msg.is_null()) msg = Json::object();
        const bool hasMethod = msg.contains("method") && msg["method"].is_string();
        if (msg.contains("id") && !hasMethod) {
            auto empty = [&](const char* k) {
                return !msg.contains(k) || msg[k].is_null() ||
                       (msg[k].is_object() && msg[k].empty());
            };
            if (empty("result") && empty("error")) return core::http::makeResponse(200, "", "");
            const std::string sid = req.headers.value("Mcp-Session-Id");
            if (sid.empty())
                return core::http::goHttpError(400, "Missing session ID for sampling response");
            if (tokens.invalid(sid)) return core::http::goHttpError(400, "Invalid session ID");
            if (!msg["id"].is_number_integer()) {
                return core::http::goHttpError(400, "Invalid request ID in sampling response");
            }
            return core::http::goHttpError(
                500, "Failed to handle sampling response: no pending request");
        }
        const std::string method = hasMethod ? msg["method"].get<std::string>() : "";
        const Json id = msg.contains("id") ? msg["id"] : Json();
        if (method == "initialize") return initialize(msg, id);
        const std::string sid = req.headers.value("Mcp-Session-Id");
        if (sid.empty() || tokens.invalid(sid)) {
            return core::http::goHttpError(400, "Invalid session ID");
        }
        auto sit = sessions.find(sid);
        if (sit != sessions.end() && sit->second.terminated) {
            return core::http::goHttpError(404, "Session terminated");
        }
        if (msg.value("jsonrpc", Json()) != "2.0") {
            return answer(sid, rpcError(id, -32600, "Invalid JSON-RPC version"));
        }
        const bool notification = !msg.contains("id");
        if (notification) {
            Response r = core::http::makeResponse(202, "", "");
            r.headers.remove("Content-Type");
            return r;
        }
        return answer(sid, dispatch(method, msg.value("params", Json::object()), id, req));
    }

    // A JSON reply, or SSE when notifications are waiting for this session (they go first).
    Response answer(const std::string& sid, const OrderedJson& body) {
        auto it = sessions.find(sid);
        if (it == sessions.end() || it->second.queue.empty()) return jsonResponse(200, body);
        std::string events;
        while (!it->second.queue.empty()) {
            events += sseEvent(it->second.queue.front());
            it->second.queue.pop_front();
        }
        events += sseEvent(body.dump());
        Response r = core::http::makeResponse(200, "text/event-stream", events);
        r.headers.set("Cache-Control", "no-cache");
        r.headers.set("Connection", "keep-alive");
        return r;
    }

    Response initialize(const Json& msg, const Json& id) {
        const std::string sid = tokens.mint();
        Session s;
        if (auto exp = tokens.expiry(sid)) s.expires = *exp;
        sessions[sid] = std::move(s);
        Response r;
        const Json params = msg.value("params", Json::object());
        if (!params.is_object()) {
            r = jsonResponse(200,
                             rpcError(id, -32600,
                                      "unparsable initialize request: json: cannot unmarshal " +
                                          std::string(params.type_name()) +
                                          " into Go struct field InitializeRequest.params of "
                                          "type mcp.InitializeParams"));
        } else {
            hook("Processing request", {{"method", "initialize"}});
            std::string version = params.value("protocolVersion", Json("")).is_string()
                                      ? params.value("protocolVersion", "")
                                      : "";
            if (version.empty()) {
                version = "2025-03-26";
            } else if (version != "2025-06-18" && version != "2025-03-26" &&
                       version != "2024-11-05") {
                version = "2025-06-18";
            }
            OrderedJson result = OrderedJson::object();
            result["protocolVersion"] = version;
            result["capabilities"] = {{"tools", {{"listChanged", true}}}};
            OrderedJson info = OrderedJson::object();
            info["name"] = "Kagenti MCP Broker";
            info["version"] = "0.0.1";
            result["serverInfo"] = info;
            r = jsonResponse(200, rpcResult(id, result));
        }
        r.headers.set("Mcp-Session-Id", sid);
        hook("Broker: Gateway client session connected with session", {{"gatewaySessionID", sid}});
        return r;
    }

    OrderedJson dispatch(const std::string& method, const Json& params, const Json& id,
                         const Request& req) {
        static const std::set<std::string> known = {"ping",
                                                    "tools/list",
                                                    "tools/call",
                                                    "prompts/list",
                                                    "prompts/get",
                                                    "resources/list",
                                                    "resources/templates/list",
                                                    "resources/read",
                                                    "logging/setLevel"};
        if (!known.count(method)) return rpcError(id, -32601, "Method " + method + " not found");
        hook("Processing request", {{"method", method}});
        if (method == "ping") return rpcResult(id, OrderedJson::object());
        if (method.rfind("prompts/", 0) == 0) return rpcError(id, -32601, "prompts not supported");
        if (method.rfind("resources/", 0) == 0)
            return rpcError(id, -32601, "resources not supported");
        if (method == "logging/setLevel") return rpcError(id, -32601, "logging not supported");
        if (method == "tools/call") {
            const std::string name = params.is_object() ? params.value("name", "") : "";
            if (registry.count(name)) {
                OrderedJson result = OrderedJson::object();
                result["content"] = OrderedJson::array(
                    {{{"type", "text"},
                      {"text", "Kagenti MCP Broker doesn't forward tool calls"}}});
                result["isError"] = true;
                return rpcResult(id, result);
            }
            return rpcError(id, -32602, "tool '" + name + "' not found: tool not found");
        }
        return toolsList(params, id, req);
    }

    OrderedJson toolsList(const Json& params, const Json& id, const Request& req) {
        std::string after;
        if (params.is_object() && params.contains("cursor") && params["cursor"].is_string()) {
            std::string error;
            auto decoded = core::base64Decode(params["cursor"].get<std::string>(), &error);
            if (!decoded) return rpcError(id, -32602, error);
            after = *decoded;
        }
        brokerLog.info("FilterTools called",
                       {{"input_tools_count", std::to_string(registry.size())}});
        std::vector<OrderedJson> tools;
        // 1. x-authorized-tools rebuilds the list from the signed claim.
        std::vector<std::string> authorized;
        for (const auto& [k, v] : req.headers.items()) {
            if (strcasecmp(k.c_str(), "x-authorized-tools") == 0) authorized.push_back(v);
        }
        if (!authorized.empty()) {
            tools = authorizedTools(authorized);
        } else if (!options.enforceToolFiltering) {
            for (const auto& [name, t] : registry) {
                if (name > after) tools.push_back(broker::servedTool(t.upstream, name, false));
            }
        }
        // 2. The virtual server's tool list, when exactly one header names a known one.
        std::vector<std::string> vsNames;
        for (const auto& [k, v] : req.headers.items()) {
            if (strcasecmp(k.c_str(), "x-mcp-virtualserver") == 0) vsNames.push_back(v);
        }
        if (vsNames.size() == 1) {
            auto vs = virtualServers.find(vsNames[0]);
            if (vs == virtualServers.end()) {
                brokerLog.error("failed to get virtual server", {{"name", vsNames[0]}});
            } else {
                std::set<std::string> allowed(vs->second.begin(), vs->second.end());
                std::vector<OrderedJson> kept;
                for (auto& t : tools) {
                    if (allowed.count(t["name"].get<std::string>())) kept.push_back(std::move(t));
                }
                tools = std::move(kept);
            }
        }
        OrderedJson result = OrderedJson::object();
        result["tools"] = OrderedJson::array();
        for (auto& t : tools) result["tools"].push_back(std::move(t));
        return rpcResult(id, result);
    }

    std::vector<OrderedJson> authorizedTools(const std::vector<std::string>& values) {
        auto failed = [this](const std::string& why) {
            brokerLog.error("failed to parse x-authorized-tools header", {{"error", why}});
            return std::vector<OrderedJson>{};
        };
        if (values.size() != 1 || values[0].empty()) return failed("expected exactly one value");
        if (options.trustedHeaderPublicKey.empty()) return failed("no trusted header public key");
        auto v =
            core::jwt::verifyEs256(values[0], options.trustedHeaderPublicKey, rt.clock().now());
        if (auto* why = std::get_if<std::string>(&v)) return failed(*why);
        const Json& claims = std::get<core::jwt::Token>(v).claims;
        if (!claims.contains("allowed-tools") || !claims["allowed-tools"].is_string()) {
            return failed("allowed-tools claim missing or not a string");
        }
        Json allowed = Json::parse(claims["allowed-tools"].get<std::string>(), nullptr, false);
        if (!allowed.is_object()) return failed("allowed-tools is not a JSON object");
        for (const auto& [server, list] : allowed.items()) {
            if (!list.is_array()) return failed("allowed-tools values must be lists");
            for (const auto& n : list) {
                if (!n.is_string()) return failed("allowed-tools values must be strings");
            }
        }
        std::map<std::string, OrderedJson> out;  // sorted by served name (F6 intent)
        for (const auto& [server, list] : allowed.items()) {
            const broker::UpstreamManager* owner = nullptr;
            for (const auto& [mid, m] : managers) {
                if (m->config().name == server) owner = m.get();
            }
            if (!owner) {
                brokerLog.info("upstream not found", {{"server", server}});
                continue;
            }
            for (const auto& n : list) {
                auto t = owner->upstreamTools().find(n.get<std::string>());
                if (t == owner->upstreamTools().end()) continue;
                const std::string served = owner->config().toolPrefix + t->first;
                out[served] = broker::servedTool(t->second, served, true);
            }
        }
        std::vector<OrderedJson> tools;
        for (auto& [k, t] : out) tools.push_back(std::move(t));
        return tools;
    }

    core::Runtime& rt;
    core::http::Network& cluster;
    BrokerOptions options;
    core::Logger log;
    core::Logger brokerLog;
    broker::SessionTokens tokens;
    core::Random sessionIds;
    std::unique_ptr<broker::SessionStore> store;
    std::unique_ptr<router::Router> router;
    broker::BrokerConfig config;
    bool loaded = false;
    std::map<std::string, std::vector<std::string>> virtualServers;
    std::map<std::string, std::shared_ptr<broker::UpstreamManager>> managers;  // by server ID
    broker::ToolRegistry registry;
    std::map<std::string, Session> sessions;
    core::ActivityRegistry::Registration activity;
};

Broker::Broker(core::Runtime& runtime, core::http::Network& cluster, BrokerOptions options)
    : impl_(std::make_unique<Impl>(runtime, cluster, std::move(options))) {}

Broker::~Broker() = default;

void Broker::applyConfig(const std::string& yaml) {
    impl_->applyConfig(yaml);
}

core::http::Handler Broker::handler() {
    return [impl = impl_.get()](Request&& req, core::http::Reply reply) {
        impl->handle(std::move(req), std::move(reply));
    };
}

ExtProcessor& Broker::router() {
    return *impl_->router;
}

Json Broker::status() const {
    return Json::parse(impl_->statusDocument().dump());
}

bool Broker::idle() const {
    for (const auto& [id, m] : impl_->managers) {
        if (m->busy()) return false;
    }
    return true;
}

const BrokerOptions& Broker::options() const {
    return impl_->options;
}

}  // namespace mcpsim::gateway
