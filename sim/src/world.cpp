#include "world.hpp"

#include "broker_mount.hpp"

#include "mcpsim/core/yaml.hpp"
#include "mcpsim/gateway/gateway_api.hpp"
#include "mcpsim/gateway/mcp_controller.hpp"
#include "mcpsim/mocks/workloads.hpp"

namespace mcpsim::embedded {
std::string_view seedWorld();
}

namespace mcpsim::sim {

struct World::Impl {
    Impl(core::Runtime& rt, WorldOptions opts)
        : options(std::move(opts)),
          network(core::http::makeInMemoryNetwork(rt)),
          api(rt,
              apiserver::ApiServerOptions{options.kubeMinor, true, 3 * 1024 * 1024, network.get()}),
          // The broker is not simulated yet: no broker endpoints answer /status.
          brokerStatus(api.client(), [](const std::string&) { return std::nullopt; }) {
        if (options.profile == "bare") return;
        applyProfile(embedded::seedWorld());
        mocks::WorkloadsOptions wl;
        if (!options.mockImages.empty()) wl.images.addYaml(options.mockImages);
        workloads = std::make_unique<mocks::Workloads>(rt, api.client(), *network, std::move(wl));
        workloads->start();
        startBroker(rt);
        gatewayApi = std::make_unique<gateway::GatewayApiController>(rt, api.client());
        controller = std::make_unique<gateway::McpController>(
            rt, api.client(), brokerMount ? brokerMount->statusSource() : brokerStatus);
        gatewayApi->start();
        controller->start();
    }

    // The Deployment annotated mcpsim.io/component=broker runs in-process, on its pod's address.
    void startBroker(core::Runtime& rt) {
        auto& client = api.client();
        auto deployments = client.list({"apps", "v1", "Deployment"});
        if (!deployments.ok()) return;
        for (const auto& d : deployments.value()["items"]) {
            if (d.value("/metadata/annotations/mcpsim.io~1component"_json_pointer, std::string()) !=
                "broker") {
                continue;
            }
            const std::string ns = d["metadata"].value("namespace", "");
            const Json selector =
                d.value("/spec/selector/matchLabels"_json_pointer, Json::object());
            std::string ip;
            auto pods = client.list({"", "v1", "Pod"}, {ns});
            for (const auto& p : pods.ok() ? pods.value()["items"] : Json::array()) {
                bool match = true;
                const Json labels = p.value("/metadata/labels"_json_pointer, Json::object());
                for (auto it = selector.begin(); it != selector.end(); ++it) {
                    match = match && labels.value(it.key(), std::string()) == it.value();
                }
                if (match) ip = p.value("/status/podIP"_json_pointer, std::string());
                if (!ip.empty()) break;
            }
            if (ip.empty()) continue;
            brokerMount = std::make_unique<BrokerMount>(rt, client, *network, d, ip);
            brokerMount->start();
            return;
        }
    }

    // Creates each document; a document's status is then written through the status subresource.
    void applyProfile(std::string_view yaml) {
        auto& client = api.client();
        for (Json doc : core::parseYamlDocuments(yaml)) {
            Json status = doc.value("status", Json());
            doc.erase("status");
            auto created = client.create(doc, {"mcpsim-world"});
            if (!created.ok()) throw core::kube::ApiException(created.error());
            if (!status.is_null()) {
                Json withStatus = created.value();
                withStatus["status"] = status;
                auto r = client.updateStatus(withStatus, {"mcpsim-world"});
                if (!r.ok()) throw core::kube::ApiException(r.error());
            }
        }
    }

    WorldOptions options;
    std::unique_ptr<core::http::Network> network;
    apiserver::ApiServer api;
    gateway::EndpointSliceBrokerStatus brokerStatus;
    std::unique_ptr<mocks::Workloads> workloads;
    std::unique_ptr<BrokerMount> brokerMount;
    std::unique_ptr<gateway::GatewayApiController> gatewayApi;
    std::unique_ptr<gateway::McpController> controller;
};

World::World(core::Runtime& runtime, WorldOptions options)
    : impl_(std::make_unique<Impl>(runtime, std::move(options))) {}

World::~World() = default;

apiserver::ApiServer& World::api() {
    return impl_->api;
}
core::http::Network& World::clusterNetwork() {
    return *impl_->network;
}
core::http::Handler World::gatewayHandler() {
    if (!impl_->brokerMount) return nullptr;
    return impl_->brokerMount->dataPlane().handler();
}
std::string World::gatewayPublicHost() const {
    return impl_->brokerMount ? impl_->brokerMount->broker().options().publicHost : "";
}
const WorldOptions& World::options() const {
    return impl_->options;
}
bool World::knownProfile(const std::string& name) {
    return name == "seed" || name == "bare";
}

}  // namespace mcpsim::sim
