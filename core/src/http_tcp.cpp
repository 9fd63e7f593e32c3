// HTTP/1.1 over real TCP sockets (Boost.Beast, C++20 coroutines, one thread). The only translation
// unit that includes Beast: its headers are expensive to compile.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <list>
#include <optional>
#include <set>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::core::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

Request toRequest(bhttp::request<bhttp::string_body>&& in, const std::string& remote) {
    Request r;
    r.method = std::string(in.method_string());
    r.target = std::string(in.target());
    for (const auto& field : in) {
        r.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    r.body = std::move(in.body());
    r.remote = remote;
    return r;
}

void copyHeaders(const Headers& from, bhttp::fields& to) {
    for (const auto& [k, v] : from.items()) to.insert(k, v);
}

// Awaits a callback-style Handler: resumes the coroutine when reply() is called.
template <typename Token>
auto asyncHandle(const Handler& handler, Request req, Token&& token) {
    return asio::async_initiate<Token, void(Response)>(
        [&handler](auto completion, Request req) {
            using C = decltype(completion);
            auto shared = std::make_shared<std::optional<C>>(std::move(completion));
            auto reply = [shared](Response r) {
                if (!*shared) return;  // replied twice: ignore the second
                auto c = std::move(**shared);
                shared->reset();
                auto ex = asio::get_associated_executor(c);
                asio::post(ex, [c = std::move(c), r = std::move(r)]() mutable {
                    std::move(c)(std::move(r));
                });
            };
            try {
                handler(std::move(req), reply);
            } catch (const std::exception& e) {
                reply(makeResponse(500, "text/plain", std::string("internal error: ") + e.what()));
            }
        },
        token, std::move(req));
}

struct Connection {
    // Room for a whole request head (a long session token included) in one read; Go's server
    // reads through a 4 KiB buffer too.
    explicit Connection(tcp::socket s) : stream(std::move(s)) { buffer.reserve(4096); }
    void close() {
        boost::system::error_code ignored;
        stream.socket().close(ignored);
    }
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::string remote;
};

struct ServerState {
    Runtime* runtime;
    Handler handler;
    ServerLimits limits;
    std::set<std::shared_ptr<Connection>> connections;  // open ones, closed on stop()
    bool stopped = false;
};

Response tooLargeBody(const ServerState& state) {
    if (state.limits.tooLarge) return state.limits.tooLarge(state.limits.maxBodyBytes);
    return makeResponse(413, "text/plain", "request too large\n");
}

// Parse errors and oversized headers are answered (Go and Envoy both do); a peer that went away
// or a connection closed by stop()/idle timeout is not.
std::optional<Unparsable> unparsable(const boost::system::error_code& ec) {
    if (ec == bhttp::error::header_limit) return Unparsable::HeadersTooLarge;
    if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) return {};
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::body_limit) return {};
    return Unparsable::Malformed;
}

// Writes a streamed body as HTTP chunks until the producer closes it or the peer hangs up.
asio::awaitable<void> writeStreamed(std::shared_ptr<Connection> conn, Response& resp,
                                    unsigned version) {
    auto body = resp.stream;
    bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(resp.status), version};
    copyHeaders(resp.headers, head);
    head.chunked(true);
    head.keep_alive(false);
    bhttp::response_serializer<bhttp::empty_body> sr{head};
    auto [hec, hn] = co_await bhttp::async_write_header(conn->stream, sr, use_nothrow);
    if (hec) {
        body->cancel();
        co_return;
    }
    struct Watch {
        asio::steady_timer signal;
        bool peerGone = false;
    };
    auto watch =
        std::make_shared<Watch>(Watch{asio::steady_timer(conn->stream.get_executor()), false});
    watch->signal.expires_at(asio::steady_timer::time_point::max());
    body->setNotify([w = std::weak_ptr<Watch>(watch)] {
        if (auto s = w.lock()) s->signal.cancel();
    });
    // Clients end a watch or a log follow by hanging up, so watch the socket for EOF.
    asio::co_spawn(
        conn->stream.get_executor(),
        [conn, watch]() -> asio::awaitable<void> {
            char scratch[512];
            for (;;) {
                auto [ec, n] = co_await conn->stream.socket().async_read_some(asio::buffer(scratch),
                                                                              use_nothrow);
                if (ec) break;
            }
            watch->peerGone = true;
            watch->signal.cancel();
        },
        asio::detached);
    for (;;) {
        auto chunks = body->take();
        if (chunks.empty()) {
            if (watch->peerGone) {
                body->cancel();
                co_return;
            }
            if (body->closed()) break;
            watch->signal.expires_at(asio::steady_timer::time_point::max());
            co_await watch->signal.async_wait(use_nothrow);
            continue;
        }
        // Everything waiting goes out as chunks in one write: a watcher that fell behind costs
        // one system call per catch-up, not one per event.
        std::string framed;
        for (auto& chunk : chunks) {
            if (chunk.empty()) continue;
            char size[20];
            const int len = std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
            framed.append(size, static_cast<std::size_t>(len));
            framed += chunk;
            framed += "\r\n";
        }
        if (framed.empty()) continue;
        auto [ec, n] = co_await asio::async_write(conn->stream, asio::buffer(framed), use_nothrow);
        if (ec) {
            body->cancel();
            co_return;
        }
    }
    body->setNotify(nullptr);
    // A body that broke off ends without its last chunk: the connection closes after a streamed
    // response, and the client sees the transfer cut short.
    if (body->aborted()) co_return;
    co_await asio::async_write(conn->stream, bhttp::make_chunk_last(), use_nothrow);
}

asio::awaitable<void> serveConnection(std::shared_ptr<Connection> conn,
                                      std::shared_ptr<ServerState> state) {
    state->connections.insert(conn);
    for (;;) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(state->limits.maxBodyBytes);
        parser.header_limit(static_cast<std::uint32_t>(state->limits.maxHeaderBytes));
        // Idle/read timeout through the world clock, not Beast's own timers.
        TimerHandle idle = state->runtime->clock().schedule(state->limits.idleTimeout,
                                                            [w = std::weak_ptr<Connection>(conn)] {
                                                                if (auto c = w.lock()) c->close();
                                                            });
        auto [ec, n] = co_await bhttp::async_read(conn->stream, conn->buffer, parser, use_nothrow);
        idle.cancel();
        if (ec == bhttp::error::body_limit) {
            Response tooLarge = tooLargeBody(*state);
            bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(tooLarge.status),
                                                    11};
            copyHeaders(tooLarge.headers, res);
            res.body() = tooLarge.body;
            res.keep_alive(false);
            res.prepare_payload();
            co_await bhttp::async_write(conn->stream, res, use_nothrow);
            break;
        }
        if (auto why = unparsable(ec)) {
            const std::string raw = state->limits.unparsableReply
                                        ? state->limits.unparsableReply(*why)
                                        : goUnparsableReply(*why);
            co_await asio::async_write(conn->stream, asio::buffer(raw), use_nothrow);
            break;
        }
        if (ec) break;  // end_of_stream, reset, or closed by stop()/idle timeout
        auto msg = parser.release();
        const bool keepAlive = msg.keep_alive();
        const unsigned version = msg.version();
        const bool isHead = msg.method() == bhttp::verb::head;
        Response resp = co_await asyncHandle(
            state->handler, toRequest(std::move(msg), conn->remote), asio::use_awaitable);
        if (state->stopped) {
            if (resp.stream) resp.stream->cancel();
            break;
        }
        if (resp.stream) {
            co_await writeStreamed(conn, resp, version);
            break;
        }
        bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(resp.status), version};
        copyHeaders(resp.headers, res);
        res.body() = std::move(resp.body);
        res.keep_alive(keepAlive);
        res.prepare_payload();
        if (isHead) res.body().clear();
        auto [wec, wn] = co_await bhttp::async_write(conn->stream, res, use_nothrow);
        if (wec || !keepAlive) break;
    }
    boost::system::error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    conn->close();
    state->connections.erase(conn);
}

class TcpListener final : public Listener {
  public:
    TcpListener(Runtime& rt, const Endpoint& at, Handler handler, ServerLimits limits)
        : acceptor_(rt.io()), state_(std::make_shared<ServerState>()) {
        state_->runtime = &rt;
        state_->handler = std::move(handler);
        state_->limits = std::move(limits);
        tcp::endpoint ep(asio::ip::make_address(at.host), at.port);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(asio::socket_base::max_listen_connections);
        bound_ = Endpoint{at.host, acceptor_.local_endpoint().port()};
        asio::co_spawn(rt.io(), accept(), asio::detached);
    }
    ~TcpListener() override { stop(); }

    Endpoint endpoint() const override { return bound_; }

    void stop() override {
        if (state_->stopped) return;
        state_->stopped = true;
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        for (const auto& c : state_->connections) c->close();
    }

  private:
    asio::awaitable<void> accept() {
        auto state = state_;
        for (;;) {
            auto [ec, sock] = co_await acceptor_.async_accept(use_nothrow);
            if (state->stopped) co_return;
            if (ec) continue;  // a failed accept must not stop the listener
            sock.set_option(tcp::no_delay(true), ec);
            auto conn = std::make_shared<Connection>(std::move(sock));
            auto ep = conn->stream.socket().remote_endpoint(ec);
            if (!ec) conn->remote = ep.address().to_string() + ":" + std::to_string(ep.port());
            asio::co_spawn(acceptor_.get_executor(), serveConnection(conn, state), asio::detached);
        }
    }

    tcp::acceptor acceptor_;
    std::shared_ptr<ServerState> state_;
    Endpoint bound_;
};

asio::awaitable<void> doRequest(Runtime& rt, Endpoint to, Request req, ResponseCallback done) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    auto [rec, results] =
        co_await resolver.async_resolve(to.host, std::to_string(to.port), use_nothrow);
    if (rec) {
        done(std::error_code(rec.value(), std::system_category()), {});
        co_return;
    }
    beast::tcp_stream stream(ex);
    auto [cec, cep] = co_await stream.async_connect(results, use_nothrow);
    if (cec) {
        done(std::error_code(cec.value(), std::system_category()), {});
        co_return;
    }
    bhttp::request<bhttp::string_body> out{bhttp::string_to_verb(req.method), req.target, 11};
    copyHeaders(req.headers, out);
    if (!req.headers.has("Host"))
        out.set(bhttp::field::host, to.host + ":" + std::to_string(to.port));
    out.body() = std::move(req.body);
    out.keep_alive(false);
    out.prepare_payload();
    auto [wec, wn] = co_await bhttp::async_write(stream, out, use_nothrow);
    if (wec) {
        done(std::error_code(wec.value(), std::system_category()), {});
        co_return;
    }
    // Read the head first: event streams are handed over as they arrive, everything else is
    // delivered whole.
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, use_nothrow);
    if (hec) {
        done(std::error_code(hec.value(), std::system_category()), {});
        co_return;
    }
    Response resp;
    resp.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
        resp.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    const bool streaming =
        resp.headers.value("Content-Type").rfind("text/event-stream", 0) == 0 && !parser.is_done();
    std::shared_ptr<BodyStream> body;
    if (streaming) {
        body = std::make_shared<BodyStream>();
        // A consumer that stops reading closes the connection, which ends the read below.
        body->onCancel([&stream] {
            boost::system::error_code ignored;
            stream.socket().close(ignored);
        });
        resp.stream = body;
        done({}, std::move(resp));
    }
    char chunk[16384];
    std::string whole;
    while (!parser.is_done()) {
        if (body && body->cancelled()) break;  // the consumer hung up
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof chunk;
        // read_some: an event stream's events are handed on as they arrive, not once 16 KiB
        // of them have piled up (async_read only returns when the buffer is full).
        auto [rec2, rn2] = co_await bhttp::async_read_some(stream, buffer, parser, use_nothrow);
        const std::size_t got = sizeof chunk - parser.get().body().size;
        if (got > 0) {
            if (body) {
                body->write(std::string(chunk, got));
            } else {
                whole.append(chunk, got);
            }
        }
        if (rec2 == bhttp::error::need_buffer) continue;
        if (rec2) {
            if (body) {
                body->onCancel(nullptr);
                // The connection ended before the body did (or our consumer hung up).
                if (body->cancelled()) {
                    body->close();
                } else {
                    body->abort();
                }
            } else {
                done(std::error_code(rec2.value(), std::system_category()), {});
            }
            co_return;
        }
    }
    if (body) body->onCancel(nullptr);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    (void)rt;
    if (body) {
        body->close();
        co_return;
    }
    resp.body = std::move(whole);
    done({}, std::move(resp));
}

class LoopbackNetwork final : public Network {
  public:
    explicit LoopbackNetwork(Runtime& rt) : rt_(rt) {}
    std::unique_ptr<Listener> listen(const Endpoint& at, Handler handler,
                                     ServerLimits limits) override {
        return std::make_unique<TcpListener>(rt_, at, std::move(handler), std::move(limits));
    }
    void request(const Endpoint& to, Request request, ResponseCallback done) override {
        asio::co_spawn(rt_.io(), doRequest(rt_, to, std::move(request), std::move(done)),
                       asio::detached);
    }

  private:
    Runtime& rt_;
};

}  // namespace

std::string goUnparsableReply(Unparsable why) {
    const std::string text = why == Unparsable::HeadersTooLarge
                                 ? "431 Request Header Fields Too Large"
                                 : "400 Bad Request";
    return "HTTP/1.1 " + text +
           "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n" + text;
}

std::unique_ptr<Network> makeLoopbackNetwork(Runtime& runtime) {
    return std::make_unique<LoopbackNetwork>(runtime);
}

}  // namespace mcpsim::core::http
