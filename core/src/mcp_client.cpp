#include "mcpsim/core/mcp/client.hpp"

#include "mcpsim/core/go_json.hpp"

namespace mcpsim::core::mcp {

std::vector<std::string> SseParser::feed(const std::string& chunk) {
    std::vector<std::string> events;
    pending_ += chunk;
    std::size_t pos = 0;
    for (;;) {
        std::size_t nl = pending_.find('\n', pos);
        if (nl == std::string::npos) break;
        std::string line = pending_.substr(pos, nl - pos);
        pos = nl + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) {
            if (hasData_) events.push_back(data_);
            data_.clear();
            hasData_ = false;
            continue;
        }
        if (line[0] == ':') continue;  // comment
        const auto colon = line.find(':');
        const std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "data") {
            if (hasData_) data_ += "\n";
            data_ += value;
            hasData_ = true;
        }
    }
    pending_.erase(0, pos);
    return events;
}

std::shared_ptr<McpClient> McpClient::create(http::Network& network, McpClientOptions options) {
    return std::shared_ptr<McpClient>(new McpClient(network, std::move(options)));
}

McpClient::McpClient(http::Network& network, McpClientOptions options)
    : network_(network), options_(std::move(options)), sessionId_(options_.sessionId) {
    if (!sessionId_.empty()) negotiatedVersion_ = options_.protocolVersion;
}

http::Request McpClient::makeRequest(const std::string& method) const {
    http::Request req;
    req.method = method;
    req.target = options_.path;
    for (const auto& [k, v] : options_.headers.items()) req.headers.add(k, v);
    if (!options_.host.empty()) req.headers.set("Host", options_.host);
    if (!sessionId_.empty()) req.headers.set("Mcp-Session-Id", sessionId_);
    if (!negotiatedVersion_.empty()) req.headers.set("Mcp-Protocol-Version", negotiatedVersion_);
    return req;
}

void McpClient::handleMessage(const Json& message, const Json& waitingFor, Done* done) {
    switch (classify(message)) {
        case MessageKind::Response:
            if (done && *done && message["id"] == waitingFor) {
                Done d = std::move(*done);
                *done = nullptr;
                if (message.contains("error")) {
                    d(ClientError{message["error"].value("code", 0),
                                  message["error"].value("message", ""), 0, ""},
                      Json());
                } else {
                    d(std::nullopt, message["result"]);
                }
            }
            break;
        case MessageKind::Notification:
            if (onNotification) onNotification(message);
            break;
        case MessageKind::Request: {
            std::optional<Json> answer = onServerRequest ? onServerRequest(message) : std::nullopt;
            Json reply = answer
                             ? makeResult(message["id"], *answer)
                             : makeError(message["id"], codes::kMethodNotFound, "Method not found");
            http::Request req = makeRequest("POST");
            req.headers.set("Content-Type", "application/json");
            req.headers.set("Accept", "application/json, text/event-stream");
            req.body = reply.dump();
            network_.request(options_.endpoint, std::move(req),
                             [](std::error_code, http::Response) {});
            break;
        }
        case MessageKind::Invalid:
            break;
    }
}

void McpClient::request(const std::string& method, Json params, Done done) {
    const Json id = nextId_++;
    http::Request req = makeRequest("POST");
    req.headers.set("Content-Type", "application/json");
    req.headers.set("Accept", "application/json, text/event-stream");
    req.body = mcp::makeRequest(id, method, std::move(params)).dump();
    auto self = shared_from_this();
    network_.request(
        options_.endpoint, std::move(req),
        [self, id, done = std::move(done)](std::error_code ec, http::Response resp) mutable {
            if (ec) {
                done(ClientError{0, "transport error: " + ec.message(), 0, "", ec}, Json());
                return;
            }
            if (auto sid = resp.headers.get("Mcp-Session-Id"); sid && self->sessionId_.empty()) {
                self->sessionId_ = *sid;
            }
            // A 404 means the server no longer knows the session: forget it, as Go clients do.
            if (resp.status == 404) self->sessionId_.clear();
            if (resp.status < 200 || resp.status > 299) {
                std::string body = resp.body;
                if (resp.stream) {
                    for (auto& c : resp.stream->take()) body += c;
                }
                done(ClientError{0,
                                 "request failed with status " + std::to_string(resp.status) +
                                     ": " + body,
                                 resp.status, body},
                     Json());
                return;
            }
            const std::string type = resp.headers.value("Content-Type");
            if (type.rfind("text/event-stream", 0) == 0) {
                auto parser = std::make_shared<SseParser>();
                auto pending = std::make_shared<Done>(std::move(done));
                auto consume = [self, parser, pending, id](const std::string& chunk) {
                    for (const auto& data : parser->feed(chunk)) {
                        Json m = Json::parse(data, nullptr, false);
                        if (!m.is_discarded()) self->handleMessage(m, id, pending.get());
                    }
                };
                // A body cut short reads, in Go, as io.ErrUnexpectedEOF.
                auto finish = [pending](bool cut) {
                    if (*pending) {
                        Done d = std::move(*pending);
                        *pending = nullptr;
                        d(ClientError{0,
                                      cut ? "failed to read response: unexpected EOF"
                                          : "stream ended without a response",
                                      0, ""},
                          Json());
                    }
                };
                if (!resp.stream) {
                    consume(resp.body + "\n\n");
                    finish(false);
                    return;
                }
                // The stream owns its notify callback: a weak reference avoids a cycle.
                auto drain = [weakStream = std::weak_ptr<http::BodyStream>(resp.stream), consume,
                              finish] {
                    auto stream = weakStream.lock();
                    if (!stream) return;
                    for (auto& c : stream->take()) consume(c);
                    if (stream->closed()) finish(stream->aborted());
                };
                resp.stream->setNotify(drain);
                drain();
                return;
            }
            Json m = Json::parse(resp.body, nullptr, false);
            if (m.is_discarded()) {
                // Worded as Go clients word it, so broker conditions read as upstream's do.
                const std::string why =
                    goJsonSyntaxError(resp.body).value_or("unexpected end of JSON input");
                done(ClientError{0, "failed to decode response: " + why, resp.status, resp.body},
                     Json());
                return;
            }
            Done d = std::move(done);
            if (m.is_array()) {
                for (const auto& one : m) self->handleMessage(one, id, &d);
            } else {
                self->handleMessage(m, id, &d);
            }
            if (d)
                d(ClientError{0, "response did not answer the request", resp.status, resp.body},
                  Json());
        });
}

void McpClient::notify(const std::string& method, Json params, std::function<void()> answered) {
    http::Request req = makeRequest("POST");
    req.headers.set("Content-Type", "application/json");
    req.headers.set("Accept", "application/json, text/event-stream");
    req.body = makeNotification(method, std::move(params)).dump();
    network_.request(options_.endpoint, std::move(req),
                     [answered = std::move(answered)](std::error_code, http::Response) {
                         if (answered) answered();
                     });
}

void McpClient::initialize(Done done, std::function<void()> initializedSent) {
    Json params = {{"protocolVersion", options_.protocolVersion},
                   {"capabilities", options_.capabilities},
                   {"clientInfo", options_.clientInfo}};
    auto self = shared_from_this();
    request("initialize", params,
            [self, done = std::move(done), initializedSent = std::move(initializedSent)](
                std::optional<ClientError> err, const Json& result) {
                if (!err) {
                    self->serverInfo_ = result.value("serverInfo", Json::object());
                    self->negotiatedVersion_ = result.value("protocolVersion", "");
                    self->notify("notifications/initialized", nullptr, initializedSent);
                }
                done(std::move(err), result);
            });
}

void McpClient::listen(std::function<void(const ClientError&)> ended,
                       std::function<void()> opened) {
    http::Request req = makeRequest("GET");
    req.headers.set("Accept", "text/event-stream");
    auto self = shared_from_this();
    network_.request(
        options_.endpoint, std::move(req),
        [self, ended, opened](std::error_code ec, http::Response resp) {
            if (ec) {
                if (ended) ended(ClientError{0, "transport error: " + ec.message(), 0, "", ec});
                return;
            }
            if (resp.status != 200 || !resp.stream) {
                if (ended) {
                    ended(ClientError{0,
                                      "request failed with status " + std::to_string(resp.status) +
                                          ": " + resp.body,
                                      resp.status, resp.body});
                }
                return;
            }
            self->listening_ = resp.stream;
            if (opened) opened();
            auto parser = std::make_shared<SseParser>();
            std::weak_ptr<McpClient> weak = self;
            auto drain = [weak, parser, ended,
                          weakStream = std::weak_ptr<http::BodyStream>(resp.stream)] {
                auto me = weak.lock();
                auto stream = weakStream.lock();
                if (!me || !stream) return;
                for (auto& c : stream->take()) {
                    for (const auto& data : parser->feed(c)) {
                        Json m = Json::parse(data, nullptr, false);
                        if (!m.is_discarded()) me->handleMessage(m, Json(), nullptr);
                    }
                }
                if (stream->closed() && me->listening_ == stream) {
                    me->listening_.reset();
                    if (ended) ended(ClientError{0, "stream closed", 200, ""});
                }
            };
            resp.stream->setNotify(drain);
            drain();
        });
}

void McpClient::close(std::function<void()> done) {
    if (listening_) {
        listening_->cancel();
        listening_.reset();
    }
    if (sessionId_.empty()) {
        if (done) done();
        return;
    }
    http::Request req = makeRequest("DELETE");
    sessionId_.clear();
    network_.request(options_.endpoint, std::move(req), [done](std::error_code, http::Response) {
        if (done) done();
    });
}

}  // namespace mcpsim::core::mcp
