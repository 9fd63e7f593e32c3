#include "upstream_manager.hpp"

#include <algorithm>

namespace mcpsim::gateway::broker {

using core::mcp::ClientError;
using core::mcp::McpClient;

namespace {
bool knownVersion(const std::string& v) {
    return v == "2025-06-18" || v == "2025-03-26" || v == "2024-11-05";
}
}  // namespace

UpstreamManager::UpstreamManager(ManagerEnv env, ServerConfig config)
    : env_(std::move(env)), config_(std::move(config)) {}

UpstreamManager::~UpstreamManager() {
    tick_.cancel();
    listenRetry_.cancel();
}

void UpstreamManager::start() {
    env_.log.info("Starting manager for", {{"mcpID", config_.id()}});
    scheduleTick(core::Duration::zero());  // manage() now, then on every tick
}

void UpstreamManager::scheduleTick(core::Duration after) {
    std::weak_ptr<UpstreamManager> weak = weak_from_this();
    tick_ = env_.runtime.clock().schedule(after, [weak] {
        auto self = weak.lock();
        if (!self || self->stopped_) return;
        // The interval is fixed: no backoff.
        self->scheduleTick(self->env_.interval);
        self->manage(Trigger::Timer);
    });
}

void UpstreamManager::stop() {
    stopped_ = true;
    tick_.cancel();
    listenRetry_.cancel();
    removeTools();
    routes_.clear();
    disconnect();
}

std::shared_ptr<const RoutedTool> UpstreamManager::routedTool(const std::string& servedName) const {
    auto it = routes_.find(servedName);
    return it == routes_.end() ? nullptr : it->second;
}

std::string UpstreamManager::describe(const ClientError& e) const {
    if (e.transport) {
        const std::string hostPort = urlHostPort(config_.url);
        const auto colon = hostPort.rfind(':');
        std::string host = hostPort.substr(0, colon);
        if (env_.resolveHost) host = env_.resolveHost(host);
        const std::string post =
            "transport error: failed to send request: failed to send "
            "request: Post \"" +
            config_.url + "\": ";
        if (e.transport == std::errc::timed_out) return post + "context deadline exceeded";
        if (e.transport == std::errc::connection_refused) {
            return post + "dial tcp " + host + hostPort.substr(colon) +
                   ": connect: " + "connection refused";
        }
        return post + e.transport.message();
    }
    if (e.httpStatus == 404 && e.code == 0) {
        return "transport error: failed to send request: session terminated (404). need to "
               "re-initialize";
    }
    if (e.httpStatus != 0 && (e.httpStatus < 200 || e.httpStatus > 299)) {
        return "transport error: request failed with status " + std::to_string(e.httpStatus) +
               ": " + e.body;
    }
    // A 2xx reply that could not be used (undecodable, or not answering the request).
    if (e.httpStatus != 0) return "transport error: " + e.message;
    return e.message;
}

void UpstreamManager::withTimeout(std::function<void(McpClient::Done)> call, McpClient::Done done) {
    auto pending = std::make_shared<McpClient::Done>(std::move(done));
    auto timer = std::make_shared<core::TimerHandle>();
    *timer = env_.runtime.clock().schedule(env_.timeout, [pending] {
        if (!*pending) return;
        auto d = std::move(*pending);
        *pending = nullptr;
        d(ClientError{0, "context deadline exceeded", 0, "",
                      std::make_error_code(std::errc::timed_out)},
          Json());
    });
    call([pending, timer](std::optional<ClientError> err, const Json& result) {
        if (!*pending) return;  // timed out already
        timer->cancel();
        auto d = std::move(*pending);
        *pending = nullptr;
        d(std::move(err), result);
    });
}

void UpstreamManager::manage(Trigger trigger) {
    if (stopped_) return;
    if (running_) {
        if (!rerun_ || trigger == Trigger::Notification) rerun_ = trigger;
        return;
    }
    running_ = true;
    auto self = shared_from_this();
    auto afterConnect = [self, trigger](std::optional<std::string> err) {
        if (self->stopped_) return self->finish();
        if (err) {
            self->removeTools();
            self->disconnect();
            self->fail("failed to connect to upstream mcp " + self->config_.id() +
                       " removing tools : " + *err);
            return self->finish();
        }
        self->withTimeout(
            [self](McpClient::Done d) { self->client_->request("ping", Json::object(), d); },
            [self, trigger](std::optional<ClientError> perr, const Json&) {
                if (self->stopped_) return self->finish();
                if (perr) {
                    const std::string why = self->describe(*perr);
                    self->env_.log.error("ping failed", {{"error", why}});
                    self->removeTools();
                    self->disconnect();
                    self->fail("upstream mcp failed to ping server " + self->config_.id() +
                               " removing tools : " + why);
                    return self->finish();
                }
                const bool fetchNow = !self->listChanged_ || trigger == Trigger::Notification ||
                                      self->served_.empty();
                if (!fetchNow) {
                    // A healthy ping clears an earlier list failure (the reference never does).
                    if (!self->status_.ready) self->ready();
                    return self->finish();
                }
                if (self->env_.debug) self->env_.log.debug("fetching tools");
                self->fetch("", Json::array(), [self](std::optional<std::string> ferr) {
                    if (ferr && !self->stopped_) {
                        self->fail("upstream mcp failed to list tools server " +
                                   self->config_.id() + " : failed to get tools: " + *ferr);
                    }
                    self->finish();
                });
            });
    };
    if (client_) {
        afterConnect(std::nullopt);
    } else {
        connect(afterConnect);
    }
}

void UpstreamManager::connect(std::function<void(std::optional<std::string>)> done) {
    core::mcp::McpClientOptions o;
    const std::string hostPort = urlHostPort(config_.url);
    const auto colon = hostPort.rfind(':');
    o.endpoint = {hostPort.substr(0, colon),
                  static_cast<std::uint16_t>(std::stoi(hostPort.substr(colon + 1)))};
    o.path = urlPath(config_.url);
    o.headers.set("User-Agent", "mcp-broker");
    o.headers.set("Gateway-Server-Id", config_.id());
    if (!config_.credential.empty()) o.headers.set("Authorization", config_.credential);
    o.protocolVersion = "2025-06-18";
    o.capabilities = {{"roots", {{"listChanged", true}}}};
    o.clientInfo = {{"name", "mcp-broker"}, {"version", "0.0.1"}};
    client_ = McpClient::create(env_.network, o);
    std::weak_ptr<UpstreamManager> weak = weak_from_this();
    client_->onNotification = [weak](const Json& n) {
        auto self = weak.lock();
        if (self && n.value("method", "") == "notifications/tools/list_changed") {
            self->manage(Trigger::Notification);
        }
    };
    auto self = shared_from_this();
    auto client = client_;
    withTimeout([client](McpClient::Done d) { client->initialize(d); },
                [self, client, done](std::optional<ClientError> err, const Json& result) {
                    const std::string prefix =
                        "failed to initialize client for upstream " + self->config_.id() + " : ";
                    if (err) return done(prefix + self->describe(*err));
                    const std::string v = result.value("protocolVersion", "");
                    if (!knownVersion(v)) {
                        return done(prefix + "unsupported protocol version: \"" + v + "\"");
                    }
                    const Json caps = result.value("capabilities", Json::object());
                    // No tools capability: no listChanged, so tools are fetched every tick.
                    self->listChanged_ =
                        caps.is_object() && caps.value("/tools/listChanged"_json_pointer, false);
                    self->listen();
                    done(std::nullopt);
                });
}

void UpstreamManager::listen() {
    if (!client_) return;
    std::weak_ptr<UpstreamManager> weak = weak_from_this();
    // Weak references only: the client holds the stream that holds this callback.
    std::weak_ptr<McpClient> weakClient = client_;
    client_->listen([weak, weakClient](const ClientError& e) {
        auto self = weak.lock();
        if (!self || self->stopped_ || self->client_ != weakClient.lock()) return;
        if (e.httpStatus == 405) {
            self->printError("server does not support listening");
            return;
        }
        if (e.httpStatus == 200 || e.httpStatus == 0) {
            if (e.httpStatus == 200 && e.message != "stream closed") return;
            // Retried every second while the client exists.
            self->printError("failed to listen to server. retry in 1 second: " + self->describe(e));
            self->listenRetry_ =
                self->env_.runtime.clock().schedule(std::chrono::seconds(1), [weak] {
                    if (auto s = weak.lock()) s->listen();
                });
        }
    });
}

void UpstreamManager::fetch(std::string cursor, Json acc,
                            std::function<void(std::optional<std::string>)> done) {
    auto self = shared_from_this();
    Json params = Json::object();
    if (!cursor.empty()) params["cursor"] = cursor;
    withTimeout(
        [self, params](McpClient::Done d) { self->client_->request("tools/list", params, d); },
        [self, acc, done](std::optional<ClientError> err, const Json& result) mutable {
            if (self->stopped_) return done(std::nullopt);
            if (err) return done(self->describe(*err));
            for (const auto& t : result.value("tools", Json::array())) acc.push_back(t);
            const std::string next = result.value("nextCursor", "");
            if (!next.empty()) return self->fetch(next, std::move(acc), done);
            self->apply(acc);
            done(std::nullopt);
        });
}

void UpstreamManager::apply(const Json& tools) {
    std::map<std::string, Json> fresh;
    for (const auto& t : tools) {
        if (t.is_object() && t.contains("name") && t["name"].is_string()) {
            fresh[t["name"].get<std::string>()] = t;
        }
    }
    std::vector<std::string> added, removed, changed;
    for (const auto& [name, def] : fresh) {
        const std::string served = config_.toolPrefix + name;
        if (!served_.count(served)) {
            added.push_back(served);
        } else if (upstream_[name] != def) {
            changed.push_back(served);  // the reference keeps stale definitions (F8 b)
        }
    }
    for (const auto& served : served_) {
        if (!fresh.count(served.substr(config_.toolPrefix.size()))) removed.push_back(served);
    }
    // All or nothing: a served name another server already has fails the whole sync.
    std::vector<std::string> conflicts;
    for (const auto& name : added) {
        auto it = env_.registry.find(name);
        if (it != env_.registry.end() && it->second.serverId != config_.id()) {
            conflicts.push_back(name);
        }
    }
    if (!conflicts.empty()) {
        std::sort(conflicts.begin(), conflicts.end());
        std::string names;
        for (const auto& n : conflicts) names += (names.empty() ? "" : " ") + n;
        env_.log.error("tool conflict detected", {{"conflicting tools", names}});
        fail("upstream mcp failed to add tools to gateway " + config_.id() +
             " : conflicting tools discovered. conflicting tool names [" + names + "]");
        status_.totalTools = static_cast<long long>(fresh.size());
        return;
    }
    if (env_.debug) {
        env_.log.debug("updating gateway tools", {{"adding", std::to_string(added.size())},
                                                  {"removing", std::to_string(removed.size())}});
    }
    for (const auto& name : removed) {
        env_.registry.erase(name);
        served_.erase(name);
    }
    routes_.clear();
    for (const auto& [name, def] : fresh) {
        const std::string served = config_.toolPrefix + name;
        env_.registry[served] = RegisteredTool{config_.id(), config_.name, def};
        served_.insert(served);
        routes_[served] =
            std::make_shared<const RoutedTool>(RoutedTool{config_, name, annotationHints(def)});
    }
    upstream_ = std::move(fresh);
    if (!added.empty() || !removed.empty() || !changed.empty()) {
        if (env_.toolsChanged) env_.toolsChanged();
    }
    ready();
    if (env_.docCompatLogs) {
        env_.log.info("Discovered tools", {{"upstream mcp server", config_.id()},
                                           {"mcpURL", config_.url},
                                           {"#tools", std::to_string(upstream_.size())}});
    }
}

void UpstreamManager::ready() {
    status_.id = config_.id();
    status_.name = config_.name;
    status_.validated = true;
    status_.lastValidated = env_.runtime.clock().now();
    status_.ready = true;
    status_.totalTools = static_cast<long long>(upstream_.size());
    status_.message =
        "server added successfully. Total tools added " + std::to_string(served_.size());
}

// The client library's own complaints: log.Printf("ERROR: ..."), not the component logger.
void UpstreamManager::printError(const std::string& text) {
    if (env_.stdLog) {
        env_.stdLog("ERROR: " + text);
    } else {
        env_.log.error(text);
    }
}

void UpstreamManager::fail(const std::string& message) {
    status_.id = config_.id();
    status_.name = config_.name;
    status_.validated = true;
    status_.lastValidated = env_.runtime.clock().now();
    status_.ready = false;
    status_.message = message;  // totalTools keeps its previous value
}

void UpstreamManager::removeTools() {
    routes_.clear();    // the router finds no tool of a server whose tools were removed
    upstream_.clear();  // so a later fetch adds them all again
    if (served_.empty()) return;
    for (const auto& name : served_) env_.registry.erase(name);
    served_.clear();
    if (env_.toolsChanged) env_.toolsChanged();
}

void UpstreamManager::disconnect() {
    listenRetry_.cancel();
    if (!client_) return;
    auto client = std::move(client_);
    client_.reset();
    client->onNotification = nullptr;
    client->close();  // DELETE of the upstream session
}

void UpstreamManager::finish() {
    running_ = false;
    if (rerun_ && !stopped_) {
        const Trigger t = *rerun_;
        rerun_.reset();
        manage(t);
    }
}

}  // namespace mcpsim::gateway::broker
