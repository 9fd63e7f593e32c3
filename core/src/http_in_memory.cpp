// In-memory HTTP: requests go straight to the listening handler on the loop. No bytes, no sockets,
// fully deterministic; streamed bodies are handed over as the same BodyStream object. Requests and
// responses arrive through Runtime::deliver, so schedule perturbation reorders and delays them.
#include <map>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::core::http {

namespace {

struct Registry {
    // Shared, so a request holds its listener's handler (which may stop the listener) without
    // copying it.
    std::map<Endpoint, std::shared_ptr<const Handler>> handlers;
    std::uint16_t nextPort = 40000;
};

class InMemoryListener final : public Listener {
  public:
    InMemoryListener(std::shared_ptr<Registry> reg, Endpoint at) : reg_(std::move(reg)), at_(at) {}
    ~InMemoryListener() override { stop(); }
    Endpoint endpoint() const override { return at_; }
    void stop() override {
        if (reg_) reg_->handlers.erase(at_);
        reg_.reset();
    }

  private:
    std::shared_ptr<Registry> reg_;
    Endpoint at_;
};

// The handler listening at `to`, held (it may stop its own listener), with the request's Host
// defaulting to that address; null when nothing listens there.
std::shared_ptr<const Handler> arrive(const Registry& reg, const Endpoint& to, Request& request) {
    auto it = reg.handlers.find(to);
    if (it == reg.handlers.end()) return nullptr;
    if (!request.headers.has("Host")) request.headers.set("Host", to.str());
    return it->second;
}

class InMemoryNetwork final : public Network {
  public:
    explicit InMemoryNetwork(Runtime& rt) : rt_(rt), reg_(std::make_shared<Registry>()) {}

    std::unique_ptr<Listener> listen(const Endpoint& at, Handler handler,
                                     ServerLimits limits) override {
        Endpoint ep = at;
        if (ep.port == 0) {
            while (reg_->handlers.count(Endpoint{ep.host, reg_->nextPort})) ++reg_->nextPort;
            ep.port = reg_->nextPort++;
        }
        if (reg_->handlers.count(ep)) {
            throw std::system_error(std::make_error_code(std::errc::address_in_use), ep.str());
        }
        // Enforce the body limit here too, so both transports refuse the same requests.
        reg_->handlers[ep] = std::make_shared<const Handler>(
            [handler = std::move(handler), limits](Request&& req, Reply reply) {
                if (req.body.size() > limits.maxBodyBytes) {
                    reply(limits.tooLarge ? limits.tooLarge(limits.maxBodyBytes)
                                          : makeResponse(413, "text/plain", "request too large\n"));
                    return;
                }
                handler(std::move(req), std::move(reply));
            });
        return std::make_unique<InMemoryListener>(reg_, ep);
    }

    void request(const Endpoint& to, Request request, ResponseCallback done) override {
        rt_.deliver([reg = reg_, to, request = std::move(request), done = std::move(done),
                     &rt = rt_]() mutable {
            auto handler = arrive(*reg, to, request);
            if (!handler) return done(std::make_error_code(std::errc::connection_refused), {});
            auto once = std::make_shared<ResponseCallback>(std::move(done));
            (*handler)(std::move(request), [once, &rt](Response r) {
                if (!*once) return;  // replied twice: the first answer stands
                rt.deliver([done = std::move(*once), r = std::move(r)]() mutable {
                    done({}, std::move(r));
                });
                *once = nullptr;
            });
        });
    }

    void forward(const Endpoint& to, Request request, ResponseCallback done) override {
        auto handler = arrive(*reg_, to, request);
        if (!handler) return done(std::make_error_code(std::errc::connection_refused), {});
        (*handler)(std::move(request),
                   [done = std::move(done)](Response r) { done({}, std::move(r)); });
    }

  private:
    Runtime& rt_;
    std::shared_ptr<Registry> reg_;
};

}  // namespace

std::unique_ptr<Network> makeInMemoryNetwork(Runtime& runtime) {
    return std::make_unique<InMemoryNetwork>(runtime);
}

}  // namespace mcpsim::core::http
