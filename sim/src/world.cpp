#include "world.hpp"

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
        gatewayApi = std::make_unique<gateway::GatewayApiController>(rt, api.client());
        controller = std::make_unique<gateway::McpController>(rt, api.client(), brokerStatus);
        gatewayApi->start();
        controller->start();
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
const WorldOptions& World::options() const {
    return impl_->options;
}
bool World::knownProfile(const std::string& name) {
    return name == "seed" || name == "bare";
}

}  // namespace mcpsim::sim
