#include "mcpsim/sim/world.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <iostream>
#include <stdexcept>

#include "broker_pods.hpp"
#include "fault_injector.hpp"
#include "mcpsim/core/kube/apply.hpp"
#include "mcpsim/core/yaml.hpp"
#include "mcpsim/gateway/gateway_api.hpp"
#include "mcpsim/gateway/mcp_controller.hpp"
#include "mcpsim/mocks/workloads.hpp"
#include "world_transcript.hpp"

namespace mcpsim::embedded {
std::string_view seedWorld();
std::string_view e2eWorld();
std::string_view localWorld();
}  // namespace mcpsim::embedded

namespace mcpsim::sim {

WorldBlueprint& WorldBlueprint::addObjects(std::string_view yaml) {
    for (Json& doc : core::parseYamlDocuments(yaml)) {
        if (doc.is_object()) objects.push_back(std::move(doc));
    }
    return *this;
}

WorldConfig& WorldConfig::addModifier(Modifier m) {
    modifiers.push_back(std::move(m));
    return *this;
}

bool WorldConfig::knownProfile(const std::string& name) {
    return name == "seed" || name == "e2e" || name == "local" || name == "bare";
}

namespace {

// A profile is part of the program: parsed once per process, copied into each blueprint.
void addProfileObjects(WorldBlueprint& bp, std::string_view yaml) {
    for (const Json& doc : core::parseYamlDocumentsOnce(yaml)) {
        if (doc.is_object()) bp.objects.push_back(doc);
    }
}

WorldBlueprint loadProfile(const std::string& profile) {
    WorldBlueprint bp;
    if (profile == "bare") return bp;
    if (profile == "seed") {
        addProfileObjects(bp, embedded::seedWorld());
    } else if (profile == "e2e") {
        addProfileObjects(bp, embedded::e2eWorld());
    } else if (profile == "local") {
        addProfileObjects(bp, embedded::localWorld());
    } else {
        throw std::runtime_error("unknown world profile \"" + profile + "\"");
    }
    bp.components = {true, true, true, true};
    return bp;
}

core::RuntimeOptions runtimeOptions(const WorldConfig& c) {
    core::RuntimeOptions o;
    o.seed = c.seed;
    o.virtualTime = c.clock == ClockKind::Virtual;
    o.perturbSchedule = c.perturbSchedule;
    // Real clients read the world's timestamps against their own clocks.
    o.followRealTime = o.virtualTime && c.listeners.enabled && c.virtualClockFollowsRealTime;
    return o;
}

std::string kubeconfigFor(const std::string& serverUrl) {
    return "apiVersion: v1\n"
           "kind: Config\n"
           "clusters:\n"
           "- name: mcpsim\n"
           "  cluster:\n"
           "    server: " +
           serverUrl +
           "\n"
           "contexts:\n"
           "- name: mcpsim\n"
           "  context:\n"
           "    cluster: mcpsim\n"
           "    user: mcpsim\n"
           "    namespace: default\n"
           "current-context: mcpsim\n"
           "users:\n"
           "- name: mcpsim\n"
           "  user: {}\n";
}

bool isWrite(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

}  // namespace

struct World::Impl {
    explicit Impl(WorldConfig c)
        : config(std::move(c)),
          blueprint(loadProfile(config.profile)),
          runtime(runtimeOptions(config)),
          network(core::http::makeInMemoryNetwork(runtime)),
          api(runtime,
              apiserver::ApiServerOptions{config.kubeMinor, true, 3 * 1024 * 1024, network.get()}),
          // The controller GETs broker /status over the cluster network, as the reference does.
          brokerStatus(runtime, api.client(), *network, brokerStatusOptions()) {
        for (const auto& m : config.modifiers) m(blueprint);
        auto applied =
            core::kube::applyDocuments(api.client(), blueprint.objects, {"mcpsim-world"});
        if (!applied.ok()) throw core::kube::ApiException(applied.error());
        if (config.transcript) {
            transcript =
                std::make_unique<WorldTranscript>(runtime, api.client(), config.transcript);
            transcript->start();
        }
        faults = std::make_unique<FaultInjector>(runtime, api);
        faults->start();
        const auto& parts = blueprint.components;
        if (parts.workloads) {
            mocks::WorkloadsOptions wl;
            if (!blueprint.mockImages.empty()) wl.images.addYaml(blueprint.mockImages);
            workloads =
                std::make_unique<mocks::Workloads>(runtime, api.client(), *network, std::move(wl));
            workloads->start();
        }
        if (parts.broker) {
            brokerPods = std::make_unique<BrokerPods>(runtime, api.client(), *network);
            brokerPods->start();
            if (!brokerPods->present()) brokerPods.reset();
        }
        if (parts.gatewayApi) {
            gatewayApi = std::make_unique<gateway::GatewayApiController>(runtime, api.client());
        }
        if (parts.mcpController) {
            gateway::BrokerStatusSource* status = blueprint.brokerStatus;
            if (!status) status = &brokerStatus;
            controller = std::make_unique<gateway::McpController>(runtime, api.client(), *status);
        }
        if (gatewayApi) gatewayApi->start();
        if (controller) controller->start();
        if (config.listeners.enabled) {
            // Real clients may call at once: the broker pods are up before anything listens.
            if (brokerPods) runtime.settle(config.settleHorizon);
            listen();
        }
    }

    ~Impl() {
        closeListeners();
        // A request still waiting (a slow tool when its script timed out) is held by a timer;
        // it must go before the components it points into.
        runtime.discardPendingWork();
    }

    // Real clients change the world through the API: on virtual time, each write is answered,
    // then the world settles before the loop reads the next request.
    core::http::Handler apiHandler() {
        core::http::Handler h = api.handler();
        const bool settleWrites = config.clock == ClockKind::Virtual;
        const bool logRequests = config.listeners.logRequests;
        return [this, h, settleWrites, logRequests](core::http::Request&& req,
                                                    core::http::Reply reply) {
            std::string line = req.method + " " + req.target;
            const bool write = settleWrites && isWrite(req.method);
            h(std::move(req), [this, reply, line, write, logRequests](core::http::Response r) {
                if (logRequests) std::cerr << "mcpsim: " << line << " -> " << r.status << "\n";
                reply(std::move(r));
                if (write) requestSettle();
            });
        };
    }

    // A real client waiting for the Gateway's answer is activity: on virtual time the world
    // settles, jumping to its next timers, until the answer is on its way. A cluster's clock runs
    // on while curl waits for a slow tool or a timeout; a world's moves only when it settles.
    // Counted until the reply is called or dropped (a stream counts as answered once it opens).
    core::http::Handler awaited(core::http::Handler h) {
        if (config.clock != ClockKind::Virtual) return h;
        if (!clientsWaiting) {
            clientsWaiting = std::make_shared<std::size_t>(0);
            clientsProbe = runtime.activity().add(
                "gateway", [waiting = clientsWaiting]() -> std::optional<std::string> {
                    if (*waiting == 0) return std::nullopt;
                    return std::to_string(*waiting) + " real client request(s) awaiting answers";
                });
        }
        struct Waiting {
            explicit Waiting(std::shared_ptr<std::size_t> c) : count(std::move(c)) { ++*count; }
            ~Waiting() { finish(); }
            void finish() {
                if (!done) --*count;
                done = true;
            }
            std::shared_ptr<std::size_t> count;
            bool done = false;
        };
        return [this, h, waiting = clientsWaiting](core::http::Request&& req,
                                                   core::http::Reply reply) {
            auto w = std::make_shared<Waiting>(waiting);
            h(std::move(req), [w, reply](core::http::Response r) {
                w->finish();
                reply(std::move(r));
            });
            if (!w->done) requestSettle();
        };
    }

    core::http::Handler observed(const std::string& name, core::http::Handler h) {
        return transcript ? transcript->observe(name, std::move(h)) : h;
    }

    void requestSettle() {
        if (settleQueued) return;
        settleQueued = true;
        auto settleNow = [this] {
            settleQueued = false;
            if (settling) return;
            settling = true;
            runtime.settle(config.settleHorizon);
            settling = false;
        };
        // After this handler, never nested in it (see Runtime::runBetweenHandlers).
        if (runtime.running()) {
            runtime.runBetweenHandlers(settleNow);
        } else {
            boost::asio::post(runtime.io(), settleNow);
        }
    }

    void listen() {
        loopback = core::http::makeLoopbackNetwork(runtime);
        const auto& l = config.listeners;
        const core::http::Endpoint apiAt{l.address, l.apiPort};
        try {
            apiListener = loopback->listen(apiAt, observed("api", apiHandler()), api.limits());
        } catch (const std::system_error& e) {
            throw ListenError("cannot listen on " + apiAt.str() + ": " + e.what());
        }
        if (brokerPods && l.gatewayPort >= 0) {
            // The Gateway listener: the guide's URLs name port 8001 (kind maps it to 8080).
            const core::http::Endpoint gwAt{l.address, static_cast<std::uint16_t>(l.gatewayPort)};
            try {
                gatewayListener = loopback->listen(
                    gwAt, observed("gateway", awaited(brokerPods->dataPlane().handler())),
                    gateway::DataPlane::listenerLimits());
            } catch (const std::system_error& e) {
                throw ListenError("cannot listen for the gateway on " + gwAt.str() + ": " +
                                  e.what() + " (choose another port with --gateway-port)");
            }
        }
    }

    // The docs spec's broker binding (section 1.4 e): each broker serves the namespace whose
    // config it mounted, with or without a labelled EndpointSlice there.
    gateway::EndpointSliceBrokerStatusOptions brokerStatusOptions() {
        gateway::EndpointSliceBrokerStatusOptions o;
        o.extraAddresses = [this](const std::string& ns) -> std::vector<std::string> {
            return brokerPods ? brokerPods->addressesServing(ns) : std::vector<std::string>{};
        };
        return o;
    }

    void closeListeners() {
        if (apiListener) apiListener->stop();
        if (gatewayListener) gatewayListener->stop();
    }

    WorldConfig config;
    WorldBlueprint blueprint;
    core::Runtime runtime;
    std::unique_ptr<core::http::Network> network;
    apiserver::ApiServer api;
    std::unique_ptr<WorldTranscript> transcript;  // outlives the components, which log
    std::unique_ptr<FaultInjector> faults;
    gateway::EndpointSliceBrokerStatus brokerStatus;
    std::unique_ptr<mocks::Workloads> workloads;
    std::unique_ptr<BrokerPods> brokerPods;
    std::unique_ptr<gateway::GatewayApiController> gatewayApi;
    std::unique_ptr<gateway::McpController> controller;
    std::unique_ptr<core::http::Network> loopback;
    std::unique_ptr<core::http::Listener> apiListener;
    std::unique_ptr<core::http::Listener> gatewayListener;
    std::shared_ptr<std::size_t> clientsWaiting;  // see awaited()
    core::ActivityRegistry::Registration clientsProbe;
    bool settleQueued = false;
    bool settling = false;
};

World::World(WorldConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

World::~World() = default;

core::Runtime& World::runtime() {
    return impl_->runtime;
}
apiserver::ApiServer& World::api() {
    return impl_->api;
}
core::kube::Client& World::client() {
    return impl_->api.client();
}
core::http::Network& World::clusterNetwork() {
    return *impl_->network;
}
const WorldConfig& World::config() const {
    return impl_->config;
}
const WorldBlueprint& World::blueprint() const {
    return impl_->blueprint;
}

core::SettleResult World::settle() {
    return settle(impl_->config.settleHorizon);
}

core::SettleResult World::settle(core::Duration horizon) {
    return impl_->runtime.settle(horizon);
}

core::kube::Result<std::vector<Json>> World::apply(std::string_view yaml) {
    auto r = core::kube::applyYaml(client(), yaml);
    settle();
    return r;
}

gateway::GatewayApiController* World::gatewayApi() {
    return impl_->gatewayApi.get();
}
gateway::McpController* World::mcpController() {
    return impl_->controller.get();
}
mocks::Workloads* World::workloads() {
    return impl_->workloads.get();
}

core::http::Handler World::gatewayHandler() {
    if (!impl_->brokerPods) return nullptr;
    return impl_->brokerPods->dataPlane().handler();
}

std::string World::gatewayPublicHost() const {
    return impl_->brokerPods ? impl_->brokerPods->publicHost() : "";
}

core::http::Endpoint World::apiEndpoint() const {
    return impl_->apiListener ? impl_->apiListener->endpoint() : core::http::Endpoint{};
}

std::optional<core::http::Endpoint> World::gatewayEndpoint() const {
    if (!impl_->gatewayListener) return std::nullopt;
    return impl_->gatewayListener->endpoint();
}

void World::transcribe(const std::string& line) {
    if (impl_->transcript) impl_->transcript->write(line);
}
void World::closeListeners() {
    impl_->closeListeners();
}

std::string World::kubeconfig() const {
    return kubeconfigFor("http://" + apiEndpoint().str());
}

}  // namespace mcpsim::sim
