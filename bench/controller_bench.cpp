// N MCPServerRegistrations (each with its HTTPRoute) applied through the in-process client until
// every one is Ready: the controller's cost per object at several sizes, with a stand-in broker
// that reports every configured server ready. Then the settle cost per registration in the seed
// world (real broker, mock upstream): wall time per registration, and how far the world's clock
// jumped over the requeues.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "guide_objects.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/kube/apply.hpp"
#include "mcpsim/gateway/mcp_controller.hpp"
#include "mcpsim/sim/world.hpp"

namespace {

using namespace mcpsim;
using core::kube::Gvk;

// Reports every server of the namespace's config Secret as ready, answering on a later loop turn
// as a broker over the network would.
class EverythingReadyBroker final : public gateway::BrokerStatusSource {
  public:
    // Follows the config Secrets through a watch, as the broker does, so that answering a
    // status request costs no API read.
    void bind(core::Runtime& rt, core::kube::Client& c) {
        rt_ = &rt;
        auto w = c.watch({"", "v1", "Secret"}, {}, "", [this](const core::kube::WatchEvent& e) {
            if (e.object()["metadata"].value("name", "") != "mcp-gateway-config") return;
            const std::string ns = e.object()["metadata"].value("namespace", "");
            cache_.erase(ns);
            if (e.type == "DELETED") {
                text_.erase(ns);
                return;
            }
            text_[ns] = core::base64Decode(
                            e.object().value("/data/config.yaml"_json_pointer, std::string()))
                            .value_or("");
        });
        watch_ = std::move(w.value());
    }
    void unbind() { watch_.reset(); }
    void status(const std::string& ns, StatusCallback done) override {
        rt_->post(
            [done = std::move(done), answer = answer(ns)]() mutable { done(std::move(answer)); });
    }

  private:
    std::shared_ptr<const Json> answer(const std::string& ns) {
        if (auto it = cache_.find(ns); it != cache_.end()) return it->second;
        Json servers = Json::array();
        // The controller renders a fixed layout ("- " starts an entry, "  key: value" fields);
        // reading it directly keeps the stand-in's cost out of the measurement.
        const std::string& text = text_[ns];
        std::map<std::string, std::string> entry;
        auto flush = [&] {
            if (entry.empty()) return;
            servers.push_back(
                {{"id", entry["name"] + ":" + entry["toolPrefix"] + ":" + entry["hostname"]},
                 {"ready", true},
                 {"totalTools", 1},
                 {"message", "server added successfully. Total tools added 1"}});
            entry.clear();
        };
        std::size_t pos = 0;
        while (pos < text.size()) {
            std::size_t end = text.find('\n', pos);
            if (end == std::string::npos) end = text.size();
            std::string line = text.substr(pos, end - pos);
            pos = end + 1;
            if (line.rfind("- ", 0) == 0) {
                flush();
                line = "  " + line.substr(2);
            }
            if (line.rfind("  ", 0) != 0) continue;
            auto colon = line.find(": ");
            if (colon != std::string::npos)
                entry[line.substr(2, colon - 2)] = line.substr(colon + 2);
        }
        flush();
        auto body = std::make_shared<const Json>(Json{{"servers", std::move(servers)}});
        cache_[ns] = body;
        return body;
    }

    core::Runtime* rt_ = nullptr;
    std::unique_ptr<core::kube::WatchHandle> watch_;
    std::map<std::string, std::string> text_;  // namespace -> config.yaml
    std::map<std::string, std::shared_ptr<const Json>> cache_;
};

void BM_RegistrationsUntilReady(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    for (auto _ : state) {
        state.PauseTiming();
        EverythingReadyBroker broker;
        sim::WorldConfig config;
        config.profile = "bare";
        config.addModifier([&broker](sim::WorldBlueprint& bp) {
            bp.components.gatewayApi = true;
            bp.components.mcpController = true;
            bp.brokerStatus = &broker;
            bp.addObjects(R"(
apiVersion: v1
kind: Namespace
metadata: {name: gateway-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: mcp-test}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio}
spec: {controllerName: istio.io/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: mcp-gateway, namespace: gateway-system}
spec:
  gatewayClassName: istio
  listeners: [{name: mcps, hostname: "*.mcp.local", port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: ext, namespace: gateway-system}
spec:
  targetRef: {name: mcp-gateway, namespace: gateway-system}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: mcp-test}
spec: {ports: [{port: 9090}]}
)");
        });
        auto world = std::make_unique<sim::World>(config);
        auto& client = world->client();
        broker.bind(world->runtime(), client);
        world->settle();
        state.ResumeTiming();
        for (int i = 0; i < n; ++i) {
            const std::string id = std::to_string(i);
            client.create(
                {{"apiVersion", "gateway.networking.k8s.io/v1"},
                 {"kind", "HTTPRoute"},
                 {"metadata", {{"name", "r" + id}, {"namespace", "mcp-test"}}},
                 {"spec",
                  {{"parentRefs", {{{"name", "mcp-gateway"}, {"namespace", "gateway-system"}}}},
                   {"hostnames", {"s" + id + ".mcp.local"}},
                   {"rules", {{{"backendRefs", {{{"name", "s"}, {"port", 9090}}}}}}}}}});
            client.create(
                {{"apiVersion", "mcp.kagenti.com/v1alpha1"},
                 {"kind", "MCPServerRegistration"},
                 {"metadata", {{"name", "m" + id}, {"namespace", "mcp-test"}}},
                 {"spec", {{"targetRef", {{"name", "r" + id}}}, {"toolPrefix", "t" + id + "_"}}}});
        }
        const core::SettleResult settled = world->settle();
        state.PauseTiming();
        if (!settled.converged) state.SkipWithError(settled.describe().c_str());
        auto list =
            client.list({"mcp.kagenti.com", "v1alpha1", "MCPServerRegistration"}, {"mcp-test"});
        int ready = 0;
        for (const auto& m : list.value()["items"]) {
            for (const auto& c : m.value("/status/conditions"_json_pointer, Json::array())) {
                if (c.value("type", "") == "Ready" && c.value("status", "") == "True") ++ready;
            }
        }
        if (ready != n) state.SkipWithError(("only " + std::to_string(ready) + " ready").c_str());
        if (std::getenv("MCPSIM_BENCH_VERBOSE")) {
            std::map<std::string, int> counts;
            for (const auto& l :
                 world->runtime().logs().lines("mcp-system/mcp-gateway-controller")) {
                auto p = l.text.find("msg=");
                counts[l.text.substr(p, l.text.find(" controller", p) - p)]++;
            }
            for (auto& [k, v] : counts) std::fprintf(stderr, "%6d %s\n", v, k.c_str());
            std::fprintf(stderr, "api requests: %llu, rv: %s\n",
                         (unsigned long long)world->api().requestCount(),
                         list.value()["metadata"]["resourceVersion"].get<std::string>().c_str());
        }
        broker.unbind();
        world.reset();  // tearing the world down is not part of settling it
        state.ResumeTiming();
    }
    state.counters["per_object_us"] = benchmark::Counter(
        static_cast<double>(n),
        benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert,
        benchmark::Counter::OneK::kIs1000);
}
BENCHMARK(BM_RegistrationsUntilReady)
    ->Arg(100)
    ->Arg(300)
    ->Arg(1000)
    ->Arg(5000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// The seed world settling N registrations of the guide's api-key server: everything real (the
// broker connects to the mock and lists its tool). world_s is how far virtual time moved.
void BM_SeedWorldSettlePerRegistration(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    double worldSeconds = 0;
    for (auto _ : state) {
        state.PauseTiming();
        auto world = std::make_unique<sim::World>(sim::WorldConfig{});
        auto prereqs = world->apply(testing::guide::prerequisites());
        if (!prereqs.ok()) state.SkipWithError(prereqs.error().message.c_str());
        std::string yaml;
        for (int i = 0; i < n; ++i) {
            const std::string id = std::to_string(i);
            yaml += "---\n" + testing::guide::registration("m" + id, "t" + id + "_");
        }
        state.ResumeTiming();
        auto applied = core::kube::applyYaml(world->client(), yaml);
        const core::SettleResult settled = world->settle();
        state.PauseTiming();
        if (!applied.ok()) state.SkipWithError(applied.error().message.c_str());
        if (!settled.converged) state.SkipWithError(settled.describe().c_str());
        worldSeconds = std::chrono::duration<double>(settled.advanced).count();
        world.reset();
        state.ResumeTiming();
    }
    state.counters["per_registration_us"] = benchmark::Counter(
        static_cast<double>(n),
        benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert,
        benchmark::Counter::OneK::kIs1000);
    state.counters["world_s"] = worldSeconds;
}
BENCHMARK(BM_SeedWorldSettlePerRegistration)
    ->Arg(1)
    ->Arg(100)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
