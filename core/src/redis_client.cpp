// hiredis's async context, driven by the world's Asio loop: hiredis asks for read and write
// readiness through its ev hooks, and we answer with async_wait on its socket.
#include "mcpsim/core/redis/client.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <deque>
#include <optional>

namespace mcpsim::core::redis {

namespace asio = boost::asio;

std::string Address::str() const {
    return unixSocket.empty() ? host + ":" + std::to_string(port) : unixSocket;
}

namespace {

// A cluster DNS name (<service>.<namespace>.svc.cluster.local), which only the world resolves.
bool inWorldName(const std::string& host) {
    const std::string suffix = ".cluster.local";
    return host.size() > suffix.size() &&
           host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// user[:password]@ at the start of `rest`, removed from it.
void takeUserInfo(std::string& rest, Address& a) {
    const auto at = rest.find('@');
    const auto slash = rest.find('/');
    if (at == std::string::npos || (slash != std::string::npos && slash < at)) return;
    const std::string info = rest.substr(0, at);
    rest.erase(0, at + 1);
    const auto colon = info.find(':');
    a.user = info.substr(0, colon);
    if (colon != std::string::npos) a.password = info.substr(colon + 1);
}

std::optional<int> number(const std::string& s) {
    if (s.empty() || s.size() > 9) return std::nullopt;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    return std::stoi(s);
}

Reply convert(const redisReply* r) {
    Reply out;
    if (r == nullptr) return out;
    switch (r->type) {
        case REDIS_REPLY_STATUS:
            out.type = Reply::Type::Status;
            out.text.assign(r->str, r->len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = Reply::Type::Error;
            out.text.assign(r->str, r->len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = Reply::Type::Integer;
            out.integer = r->integer;
            break;
        case REDIS_REPLY_STRING:
            out.type = Reply::Type::String;
            out.text.assign(r->str, r->len);
            break;
        case REDIS_REPLY_ARRAY:
            out.type = Reply::Type::Array;
            for (std::size_t i = 0; i < r->elements; ++i)
                out.elements.push_back(convert(r->element[i]));
            break;
        default:
            break;
    }
    return out;
}

}  // namespace

std::variant<Address, std::string> parseUrl(const std::string& url) {
    Address a;
    std::string rest;
    if (url.rfind("redis://", 0) == 0) {
        rest = url.substr(8);
    } else if (url.rfind("unix://", 0) == 0) {
        rest = url.substr(7);
        takeUserInfo(rest, a);
        const auto q = rest.find('?');
        a.unixSocket = rest.substr(0, q);
        if (q != std::string::npos && rest.compare(q + 1, 3, "db=") == 0) {
            auto db = number(rest.substr(q + 4));
            if (!db) return "redis: invalid database number: " + rest.substr(q + 4);
            a.db = *db;
        }
        if (a.unixSocket.empty()) return "redis: empty unix socket path";
        return a;
    } else {
        return "redis: invalid URL scheme: " + url.substr(0, url.find(':'));
    }
    takeUserInfo(rest, a);
    const auto slash = rest.find('/');
    std::string hostPort = rest.substr(0, slash);
    if (slash != std::string::npos && slash + 1 < rest.size()) {
        auto db = number(rest.substr(slash + 1));
        if (!db) return "redis: invalid database number: \"" + rest.substr(slash + 1) + "\"";
        a.db = *db;
    }
    const auto colon = hostPort.rfind(':');
    a.host = hostPort.substr(0, colon);
    if (colon != std::string::npos) {
        auto port = number(hostPort.substr(colon + 1));
        if (!port || *port > 65535)
            return "redis: invalid port \"" + hostPort.substr(colon + 1) + "\"";
        a.port = *port;
    }
    if (a.host.empty()) a.host = "localhost";
    return a;
}

struct Client::Impl : std::enable_shared_from_this<Impl> {
    Impl(Runtime& r, Address a) : rt(r), address(std::move(a)) {}

    struct Pending {
        std::vector<std::string> argv;
        Done done;
    };

    Runtime& rt;
    Address address;
    redisAsyncContext* ctx = nullptr;
    std::unique_ptr<asio::posix::stream_descriptor> socket;
    bool wantRead = false, wantWrite = false;
    bool reading = false, writing = false;
    std::size_t inFlight = 0;
    bool closing = false;  // the client is being destroyed: no callbacks into its user

    // ---- hiredis's event hooks -------------------------------------------------------------

    static Impl* of(void* data) { return static_cast<Impl*>(data); }
    static void addRead(void* d) {
        of(d)->wantRead = true;
        of(d)->armRead();
    }
    static void delRead(void* d) { of(d)->wantRead = false; }
    static void addWrite(void* d) {
        of(d)->wantWrite = true;
        of(d)->armWrite();
    }
    static void delWrite(void* d) { of(d)->wantWrite = false; }
    static void cleanup(void* d) {
        of(d)->wantRead = of(d)->wantWrite = false;
        of(d)->dropSocket();
    }

    // hiredis owns the descriptor and closes it: ours is only let go of.
    void dropSocket() {
        if (!socket) return;
        socket->cancel();
        socket->release();
        socket.reset();
    }

    void armRead() {
        if (reading || !socket) return;
        reading = true;
        std::weak_ptr<Impl> weak = weak_from_this();
        socket->async_wait(asio::posix::descriptor_base::wait_read,
                           [weak](const boost::system::error_code& ec) {
                               auto self = weak.lock();
                               if (!self) return;
                               self->reading = false;
                               if (ec || !self->ctx || !self->wantRead) return;
                               redisAsyncHandleRead(self->ctx);
                               if (self->wantRead) self->armRead();
                           });
    }
    void armWrite() {
        if (writing || !socket) return;
        writing = true;
        std::weak_ptr<Impl> weak = weak_from_this();
        socket->async_wait(asio::posix::descriptor_base::wait_write,
                           [weak](const boost::system::error_code& ec) {
                               auto self = weak.lock();
                               if (!self) return;
                               self->writing = false;
                               if (ec || !self->ctx || !self->wantWrite) return;
                               redisAsyncHandleWrite(self->ctx);
                               if (self->wantWrite) self->armWrite();
                           });
    }

    // ---- connection --------------------------------------------------------------------------

    // Opens a connection; false (with `error`) when it cannot even start.
    bool connect(std::string& error) {
        std::string unixSocket = address.unixSocket;
        if (unixSocket.empty()) {
            // An in-world address (a pod's, a Service's) served by a program of this machine.
            auto served =
                rt.hostSockets().find(address.host, static_cast<std::uint16_t>(address.port));
            if (served) {
                unixSocket = *served;
            } else if (inWorldName(address.host)) {
                // Not looked up on the machine's resolver, which would block the loop.
                error = "tcp: lookup " + address.host + ": no such host";
                return false;
            }
        }
        ctx = unixSocket.empty() ? redisAsyncConnect(address.host.c_str(), address.port)
                                 : redisAsyncConnectUnix(unixSocket.c_str());
        if (ctx == nullptr || ctx->err) {
            error = ctx ? std::string(ctx->errstr) : std::string("cannot allocate redis context");
            if (ctx) redisAsyncFree(ctx);
            ctx = nullptr;
            return false;
        }
        ctx->data = this;
        socket = std::make_unique<asio::posix::stream_descriptor>(rt.io(), ctx->c.fd);
        ctx->ev.data = this;
        ctx->ev.addRead = &Impl::addRead;
        ctx->ev.delRead = &Impl::delRead;
        ctx->ev.addWrite = &Impl::addWrite;
        ctx->ev.delWrite = &Impl::delWrite;
        ctx->ev.cleanup = &Impl::cleanup;
        redisAsyncSetConnectCallback(ctx, [](const redisAsyncContext* c, int status) {
            if (status != REDIS_OK) of(c->data)->lost();
        });
        redisAsyncSetDisconnectCallback(
            ctx, [](const redisAsyncContext* c, int) { of(c->data)->lost(); });
        if (!address.password.empty()) {
            std::vector<std::string> auth = {"AUTH"};
            if (!address.user.empty()) auth.push_back(address.user);
            auth.push_back(address.password);
            send(std::move(auth), [](const std::string&, const Reply&) {});
        }
        if (address.db != 0) {
            send({"SELECT", std::to_string(address.db)}, [](const std::string&, const Reply&) {});
        }
        return true;
    }

    // hiredis frees the context after this; pending callbacks have been called with no reply.
    void lost() {
        ctx = nullptr;
        dropSocket();
    }

    struct Call {
        std::weak_ptr<Impl> owner;
        Done done;
    };

    void send(std::vector<std::string> argv, Done done) {
        std::vector<const char*> args;
        std::vector<std::size_t> lengths;
        for (const auto& a : argv) {
            args.push_back(a.data());
            lengths.push_back(a.size());
        }
        auto* call = new Call{weak_from_this(), std::move(done)};
        ++inFlight;
        rt.externalWorkStarted();
        const int rc = redisAsyncCommandArgv(
            ctx,
            [](redisAsyncContext* c, void* r, void* priv) {
                std::unique_ptr<Call> call(static_cast<Call*>(priv));
                auto self = call->owner.lock();
                if (self) {
                    --self->inFlight;
                    self->rt.externalWorkFinished();
                }
                auto* reply = static_cast<redisReply*>(r);
                std::string error;
                if (reply == nullptr) {
                    error =
                        c && c->errstr[0] ? std::string(c->errstr) : std::string("connection lost");
                }
                if (call->done && self && !self->closing) call->done(error, convert(reply));
            },
            call, static_cast<int>(args.size()), args.data(), lengths.data());
        if (rc != REDIS_OK) {
            std::unique_ptr<Call> owned(call);
            --inFlight;
            rt.externalWorkFinished();
            rt.post(
                [done = std::move(owned->done)] { done("redis: cannot send command", Reply{}); });
        }
    }
};

Client::Client(Runtime& runtime, Address address)
    : impl_(std::make_shared<Impl>(runtime, std::move(address))) {}

Client::~Client() {
    impl_->closing = true;
    if (redisAsyncContext* ctx = impl_->ctx) {
        // Pending callbacks run now, with no reply, and only count themselves finished.
        impl_->ctx = nullptr;
        redisAsyncFree(ctx);
    }
    impl_->dropSocket();
}

void Client::command(std::vector<std::string> argv, Done done) {
    if (!impl_->ctx) {
        std::string error;
        if (!impl_->connect(error)) {
            impl_->rt.post([done = std::move(done), error] { done("dial " + error, Reply{}); });
            return;
        }
    }
    impl_->send(std::move(argv), std::move(done));
}

std::size_t Client::inFlight() const {
    return impl_->inFlight;
}

}  // namespace mcpsim::core::redis
