// Server-side cost of the requests kubectl makes, measured in-process (no client, no socket):
// what a `kubectl get` costs the server, and the cost of creates.
#include <benchmark/benchmark.h>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/runtime.hpp"

namespace {

using mcpsim::Json;
using namespace mcpsim;

const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/"
    "json;as=Table;v=v1beta1;g=meta.k8s.io,"
    "application/json";

core::http::Response call(apiserver::ApiServer& api, const std::string& method,
                          const std::string& target, const std::string& accept = "application/json",
                          std::string body = "") {
    core::http::Request req;
    req.method = method;
    req.target = target;
    req.headers.set("Accept", accept);
    req.headers.set("Content-Type", "application/json");
    req.body = std::move(body);
    core::http::Response out;
    api.handle(std::move(req), [&out](core::http::Response r) { out = std::move(r); });
    return out;
}

void seedRegistrations(apiserver::ApiServer& api, int n) {
    for (int i = 0; i < n; ++i) {
        Json o = {
            {"apiVersion", "mcp.kagenti.com/v1alpha1"},
            {"kind", "MCPServerRegistration"},
            {"metadata", {{"name", "srv-" + std::to_string(i)}, {"namespace", "default"}}},
            {"spec",
             {{"toolPrefix", "t" + std::to_string(i) + "_"}, {"targetRef", {{"name", "route"}}}}}};
        api.client().create(o);
    }
}

void BM_GetNamespacesAsTable(benchmark::State& state) {
    core::Runtime rt;
    apiserver::ApiServer api(rt);
    for (auto _ : state) {
        auto r = call(api, "GET", "/api/v1/namespaces?limit=500", kTableAccept);
        benchmark::DoNotOptimize(r.body);
        if (r.status != 200) state.SkipWithError("unexpected status");
    }
}
BENCHMARK(BM_GetNamespacesAsTable)->Unit(benchmark::kMicrosecond);

void BM_GetMcpsrListAsTable(benchmark::State& state) {
    core::Runtime rt;
    apiserver::ApiServer api(rt);
    seedRegistrations(api, static_cast<int>(state.range(0)));
    for (auto _ : state) {
        auto r = call(api, "GET", "/apis/mcp.kagenti.com/v1alpha1/mcpserverregistrations?limit=500",
                      kTableAccept);
        benchmark::DoNotOptimize(r.body);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_GetMcpsrListAsTable)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_GetOneObjectJson(benchmark::State& state) {
    core::Runtime rt;
    apiserver::ApiServer api(rt);
    seedRegistrations(api, 100);
    for (auto _ : state) {
        auto r =
            call(api, "GET",
                 "/apis/mcp.kagenti.com/v1alpha1/namespaces/default/mcpserverregistrations/srv-50");
        benchmark::DoNotOptimize(r.body);
    }
}
BENCHMARK(BM_GetOneObjectJson)->Unit(benchmark::kMicrosecond);

// 1000 creates through the HTTP handler (JSON decode, validation, defaults, store, encode).
void BM_Create1000ViaHttpHandler(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        core::Runtime rt;
        apiserver::ApiServer api(rt);
        state.ResumeTiming();
        for (int i = 0; i < 1000; ++i) {
            Json o = {{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata", {{"name", "cm-" + std::to_string(i)}}},
                      {"data", {{"k", "v"}}}};
            auto r = call(api, "POST",
                          "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create",
                          "application/json", o.dump());
            if (r.status != 201) state.SkipWithError("create failed");
        }
    }
    state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_Create1000ViaHttpHandler)->Unit(benchmark::kMillisecond);

void BM_Create1000CustomResourcesInProcess(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        core::Runtime rt;
        apiserver::ApiServer api(rt);
        state.ResumeTiming();
        seedRegistrations(api, 1000);
    }
    state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_Create1000CustomResourcesInProcess)->Unit(benchmark::kMillisecond);

void BM_ServerStartup(benchmark::State& state) {
    for (auto _ : state) {
        core::Runtime rt;
        apiserver::ApiServer api(rt);
        benchmark::DoNotOptimize(&api);
    }
}
BENCHMARK(BM_ServerStartup)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
