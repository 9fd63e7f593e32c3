// The Gateway's data plane: Envoy's listener, route table and ext_proc callouts in one handler.
#include "mcpsim/gateway/data_plane.hpp"

#include "../kinds.hpp"
#include "mcpsim/core/kube/controller.hpp"
#include "route_table.hpp"

namespace mcpsim::gateway {

using core::http::Request;
using core::http::Response;

Response payloadTooLarge() {
    return core::http::makeResponse(413, "text/plain", "Payload Too Large");
}

namespace {

// Envoy's HTTP/1 codec writes header names in lower case and names itself.
Response envoyFinish(Response resp) {
    resp.headers.lowercaseNames();
    resp.headers.set("server", "istio-envoy");
    return resp;
}

Response noRoute() {
    Response r;
    r.status = 404;
    return r;
}

// Absolute-form targets (a client using the listener as its HTTP proxy) become origin-form.
void toOriginForm(Request& req) {
    const std::string& t = req.target;
    if (t.rfind("http://", 0) != 0 && t.rfind("https://", 0) != 0) return;
    const auto start = t.find("://") + 3;
    const auto slash = t.find('/', start);
    req.headers.set(
        "Host", t.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    req.target = slash == std::string::npos ? "/" : t.substr(slash);
    req.headers.remove("Proxy-Connection");
}

}  // namespace

struct DataPlane::Impl {
    Impl(core::Runtime& runtime, core::kube::Client& c, core::http::Network& net,
         DataPlaneOptions o)
        : rt(runtime),
          client(c),
          cluster(net),
          options(std::move(o)),
          alive(std::make_shared<bool>(true)),
          watcher(
              runtime, c, "gateway-dataplane",
              [](const core::kube::ObjectKey&) { return core::kube::ReconcileResult::done(); },
              core::Logger(runtime.clock(), runtime.logs(), "istio-system/istiod")) {
        // Only the informer caches matter: any event invalidates the compiled table.
        auto invalidate = [this](const core::kube::ObjectEvent&) {
            dirty = true;
            return false;
        };
        auto none = [](const core::kube::ObjectEvent&) {
            return std::vector<core::kube::ObjectKey>{};
        };
        watcher.forKind(kinds::kHttpRoute, invalidate);
        watcher.watches(kinds::kGateway, none, invalidate);
        watcher.watches(kinds::kService, none, invalidate);
    }
    ~Impl() { *alive = false; }

    dataplane::RouteTable& table() {
        if (!dirty) return compiled;
        dirty = false;
        const auto& gateways = watcher.cache(kinds::kGateway);
        auto gw = gateways.find(options.gateway);
        if (gw == gateways.end()) {
            compiled = dataplane::RouteTable();
            return compiled;
        }
        std::vector<Json> routes;
        for (const auto& [k, r] : watcher.cache(kinds::kHttpRoute)) routes.push_back(*r);
        std::set<core::kube::ObjectKey> services;
        for (const auto& [k, s] : watcher.cache(kinds::kService)) services.insert(k);
        compiled = dataplane::RouteTable(*gw->second, options.port, routes, services);
        return compiled;
    }

    void handle(Request&& incoming, core::http::Reply reply) {
        toOriginForm(incoming);
        auto req = std::make_shared<Request>(std::move(incoming));
        auto original = std::make_shared<Request>(*req);
        if (!pick) {
            forward(req, original, nullptr, std::move(reply));
            return;
        }
        if (req->body.size() > options.extProcBodyLimit) {
            reply(envoyFinish(payloadTooLarge()));
            return;
        }
        std::shared_ptr<ExtProcessor> ext = pick();
        if (!ext) {
            reply(envoyFinish(core::http::makeResponse(500, "text/plain", "")));
            return;
        }
        std::weak_ptr<bool> weak = alive;
        ext->onRequest(*req, [this, weak, req, original, ext,
                              reply](std::optional<Response> immediate) mutable {
            if (auto a = weak.lock(); !a || !*a) return;
            if (immediate) {
                reply(envoyFinish(std::move(*immediate)));
                return;
            }
            forward(req, original, ext, std::move(reply));
        });
    }

    void forward(std::shared_ptr<Request> req, std::shared_ptr<Request> original,
                 std::shared_ptr<ExtProcessor> ext, core::http::Reply reply) {
        auto decision = table().resolve(*req);
        if (!decision) {
            reply(envoyFinish(noRoute()));
            return;
        }
        if (decision->localReply) {
            reply(envoyFinish(std::move(*decision->localReply)));
            return;
        }
        decision->requestHeaders.applyTo(req->headers);
        if (decision->rewriteHost) req->headers.set("Host", *decision->rewriteHost);
        if (decision->rewriteTarget) req->target = *decision->rewriteTarget;
        auto responseEdits = decision->responseHeaders;
        std::weak_ptr<bool> weak = alive;
        cluster.request(
            {decision->backendHost, decision->backendPort}, std::move(*req),
            [weak, original, ext, responseEdits, reply](std::error_code ec, Response resp) {
                if (auto a = weak.lock(); !a || !*a) return;
                if (ec) {
                    reply(envoyFinish(
                        core::http::makeResponse(503, "text/plain", "no healthy upstream")));
                    return;
                }
                if (ext) ext->onResponseHeaders(*original, resp);
                responseEdits.applyTo(resp.headers);
                reply(envoyFinish(std::move(resp)));
            });
    }

    core::Runtime& rt;
    core::kube::Client& client;
    core::http::Network& cluster;
    DataPlaneOptions options;
    std::shared_ptr<bool> alive;
    core::kube::Controller watcher;
    DataPlane::ExtProcessorPicker pick;
    bool dirty = true;
    dataplane::RouteTable compiled;
};

DataPlane::DataPlane(core::Runtime& runtime, core::kube::Client& client,
                     core::http::Network& cluster, DataPlaneOptions options)
    : impl_(std::make_unique<Impl>(runtime, client, cluster, std::move(options))) {}

DataPlane::~DataPlane() = default;

void DataPlane::start() {
    impl_->watcher.start();
}
void DataPlane::stop() {
    impl_->watcher.stop();
}
bool DataPlane::idle() const {
    return impl_->watcher.idle();
}
void DataPlane::setExtProcessor(ExtProcessor* processor) {
    if (processor == nullptr) {
        impl_->pick = nullptr;
        return;
    }
    // Not owned: the caller keeps it alive while installed.
    std::shared_ptr<ExtProcessor> unowned(std::shared_ptr<ExtProcessor>(), processor);
    impl_->pick = [unowned] { return unowned; };
}

void DataPlane::setExtProcessorPicker(ExtProcessorPicker pick) {
    impl_->pick = std::move(pick);
}

core::http::ServerLimits DataPlane::listenerLimits() {
    core::http::ServerLimits limits;
    limits.tooLarge = [](std::size_t) { return envoyFinish(payloadTooLarge()); };
    // Envoy's HTTP/1 codec answers what it cannot parse with a local reply whose body is the
    // reason phrase.
    limits.unparsableReply = [](core::http::Unparsable why) {
        const std::string reason = why == core::http::Unparsable::HeadersTooLarge
                                       ? "Request Header Fields Too Large"
                                       : "Bad Request";
        const std::string code = why == core::http::Unparsable::HeadersTooLarge ? "431 " : "400 ";
        return "HTTP/1.1 " + code + reason +
               "\r\ncontent-length: " + std::to_string(reason.size()) +
               "\r\ncontent-type: text/plain\r\nserver: istio-envoy\r\nconnection: "
               "close\r\n\r\n" +
               reason;
    };
    return limits;
}

core::http::Handler DataPlane::handler() {
    return [impl = impl_.get()](Request&& req, core::http::Reply reply) {
        impl->handle(std::move(req), std::move(reply));
    };
}

}  // namespace mcpsim::gateway
