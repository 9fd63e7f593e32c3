// The gateway path's speed and memory. One seed world on the real clock, with listeners, runs on
// its own thread; server2 is registered behind the gateway (prefix bench_) and a second server2
// instance, on the same loop, listens on its own loopback port for the direct path. Clients are
// threads with plain-socket keep-alive HTTP/1.1 connections (one request in flight each, as in
// mock_bench), so the load generator costs little of the two cores.
//
// BM_ToolsCall: K clients, each with its own MCP session, do N tools/call hello_world directly
// and then through the gateway (alternating, R rounds); throughput, p50/p99, the ratio and the
// added p99, and the world thread's CPU per call. Every reply is checked (status, id, text).
// BM_SessionsHeld: S gateway sessions initialized and held; RSS before, held and after DELETE.
//
// Overrides: GATEWAY_BENCH_CLIENTS (4), GATEWAY_BENCH_CALLS per client per round (2500),
// GATEWAY_BENCH_ROUNDS (2), GATEWAY_BENCH_SESSIONS (10000). GATEWAY_BENCH_ENFORCE=1 also fails
// the run when a target is missed; errors in replies always fail it.
#include <malloc.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "guide_objects.hpp"
#include "http_client.hpp"
#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/mocks/catalog.hpp"
#include "mcpsim/sim/world.hpp"
#include "server2_objects.hpp"

using namespace mcpsim;
using bench::Connection;
using bench::envInt;
using bench::headerValue;
using bench::lower;
using bench::mcpMessage;
using bench::percentileUs;
using bench::Reply;

namespace {

const int kClients = envInt("GATEWAY_BENCH_CLIENTS", 4);
const int kCalls = envInt("GATEWAY_BENCH_CALLS", 2500);
const int kRounds = envInt("GATEWAY_BENCH_ROUNDS", 2);
const int kSessions = envInt("GATEWAY_BENCH_SESSIONS", 10000);
const bool kEnforce = std::getenv("GATEWAY_BENCH_ENFORCE") != nullptr;

constexpr double kTargetRatio = 0.7;
constexpr double kTargetAddedP99Us = 500;

const char* const kPublicHost = "mcp.127-0-0-1.sslip.io";
const char* const kExpectedText = "Hello, bench!";

std::vector<std::string> gSummary;
bool gFailed = false;

std::string request(const char* method, const std::string& host, const std::string& body,
                    const std::string& session) {
    std::string r = std::string(method) + " /mcp HTTP/1.1\r\nHost: " + host +
                    "\r\nContent-Type: application/json\r\n"
                    "Accept: application/json, text/event-stream\r\n"
                    "Mcp-Protocol-Version: 2025-06-18\r\n";
    if (!session.empty()) r += "Mcp-Session-Id: " + session + "\r\n";
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return r;
}

// initialize + notifications/initialized; the session id, or "" on any unexpected reply.
std::string openSession(Connection& c, const std::string& host) {
    const Reply init = c.roundTrip(request(
        "POST", host,
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"gateway_bench","version":"1"}}})",
        ""));
    const std::string session = headerValue(init.headers, "mcp-session-id");
    const Json m = mcpMessage(init);
    if (init.status != 200 || session.empty() || !m.is_object() || !m.contains("result")) {
        return "";
    }
    const Reply note = c.roundTrip(request(
        "POST", host, R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session));
    return note.status == 202 || note.status == 200 ? session : "";
}

bool isExpectedCall(const Reply& r, long id) {
    if (r.status != 200) return false;
    const Json m = mcpMessage(r);
    if (!m.is_object() || m.value("id", -1L) != id || !m.contains("result")) return false;
    const Json& result = m["result"];
    if (result.value("isError", false) || !result.contains("content")) return false;
    const Json& content = result["content"];
    return content.is_array() && content.size() == 1 &&
           content[0].value("text", "") == kExpectedText;
}

// Resident set size of this process (world and clients together).
long rssBytes() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * sysconf(_SC_PAGESIZE);
}

// RSS after glibc gives back what it can, so freed memory is not counted as held.
long trimmedRss() {
    malloc_trim(0);
    return rssBytes();
}

bool registrationReady(sim::World& world) {
    auto got = world.client().get({"mcp.kagenti.com", "v1alpha1", "MCPServerRegistration"},
                                  {"mcp-test", "bench-server2"});
    if (!got.ok()) return false;
    for (const auto& c : got.value().value("/status/conditions"_json_pointer, Json::array())) {
        if (c.value("type", "") == "Ready" && c.value("status", "") == "True") return true;
    }
    return false;
}

// The world and the direct mock; after the constructor only the world's thread touches them.
class Harness {
  public:
    Harness() {
        sim::WorldConfig config;
        config.clock = sim::ClockKind::Real;
        config.listeners.enabled = true;
        config.listeners.gatewayPort = 0;
        world_ = std::make_unique<sim::World>(std::move(config));
        auto applied = world_->apply(std::string(testing::guide::kExtension) + "---" +
                                     testing::guide::kGrant + "---" + bench::kServer2Objects);
        if (!applied.ok()) throw std::runtime_error("apply: " + applied.error().message);
        // Real time: the controller's requeues take seconds.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!registrationReady(*world_)) {
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("registration bench-server2 not Ready after 30 s");
            }
            world_->runtime().step(world_->runtime().clock().steady() +
                                   std::chrono::milliseconds(50));
        }
        core::Runtime& rt = world_->runtime();
        directMock_ = mocks::findMock("server2")->create(
            rt, {}, core::Logger(rt.clock(), rt.logs(), "bench/direct-server2"));
        directNet_ = core::http::makeLoopbackNetwork(rt);
        directListener_ = directNet_->listen({"127.0.0.1", 0}, directMock_->handler());
        directPort = directListener_->endpoint().port;
        gatewayPort = world_->gatewayEndpoint()->port;
        loop_ = std::thread([&rt] { rt.run(); });
    }
    // Runs `fn` on the world's thread and waits for its result.
    template <typename Fn>
    auto onWorld(Fn fn) {
        std::promise<decltype(fn())> done;
        auto result = done.get_future();
        boost::asio::post(world_->runtime().io(), [&] { done.set_value(fn()); });
        return result.get();
    }

    ~Harness() {
        onWorld([this] {
            world_->closeListeners();
            directListener_->stop();
            world_->runtime().stop();
            return 0;
        });
        loop_.join();
    }

    // CPU time the world's thread has used.
    double worldCpuSeconds() {
        clockid_t id;
        timespec ts{};
        if (pthread_getcpuclockid(loop_.native_handle(), &id) != 0) return 0;
        clock_gettime(id, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    }

    // Bytes of text the world's log store holds (capped per source, so not per session).
    long logBytes() {
        return onWorld([this] {
            long bytes = 0;
            auto& logs = world_->runtime().logs();
            for (const auto& s : logs.sources()) {
                for (const auto& l : logs.lines(s)) bytes += static_cast<long>(l.text.size());
            }
            return bytes;
        });
    }

    int directPort = 0;
    int gatewayPort = 0;

  private:
    std::unique_ptr<sim::World> world_;
    std::unique_ptr<mocks::MockServer> directMock_;
    std::unique_ptr<core::http::Network> directNet_;
    std::unique_ptr<core::http::Listener> directListener_;
    std::thread loop_;
};

Harness* gHarness = nullptr;

struct PhaseResult {
    std::vector<std::uint32_t> latencyNs;
    long ok = 0;
    long errors = 0;
    double seconds = 0;
    double worldCpu = 0;
    std::string firstError;
};

// K clients, each with a fresh session, doing N calls; accumulated into `out`.
void runPhase(int port, const std::string& host, PhaseResult& out) {
    struct Client {
        std::vector<std::uint32_t> latencyNs;
        long ok = 0, errors = 0;
        std::string firstError;
    };
    std::vector<Client> clients(static_cast<size_t>(kClients));
    std::vector<std::unique_ptr<Connection>> conns;
    std::vector<std::string> sessions;
    // Sessions open (and the gateway's upstream session is made by a first call) before timing.
    for (int i = 0; i < kClients; ++i) {
        conns.push_back(std::make_unique<Connection>(port));
        sessions.push_back(openSession(*conns.back(), host));
        if (sessions.back().empty()) {
            ++out.errors;
            if (out.firstError.empty()) out.firstError = "initialize failed on " + host;
            return;
        }
        const Reply warm = conns.back()->roundTrip(
            request("POST", host,
                    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" +
                        std::string(host == kPublicHost ? "bench_" : "") +
                        R"(hello_world","arguments":{"name":"bench"}}})",
                    sessions.back()));
        if (!isExpectedCall(warm, 1)) {
            ++out.errors;
            if (out.firstError.empty()) out.firstError = "warm-up call: " + warm.body;
            return;
        }
    }
    const std::string tool = host == kPublicHost ? "bench_hello_world" : "hello_world";
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
        threads.emplace_back([&, i] {
            Client& me = clients[static_cast<size_t>(i)];
            Connection& c = *conns[static_cast<size_t>(i)];
            me.latencyNs.reserve(static_cast<size_t>(kCalls));
            ++ready;
            while (!go) std::this_thread::yield();
            for (long id = 2; id < kCalls + 2; ++id) {
                const std::string req = request("POST", host,
                                                R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
                                                    R"(,"method":"tools/call","params":{"name":")" +
                                                    tool + R"(","arguments":{"name":"bench"}}})",
                                                sessions[static_cast<size_t>(i)]);
                const auto t0 = std::chrono::steady_clock::now();
                const Reply r = c.roundTrip(req);
                const auto t1 = std::chrono::steady_clock::now();
                me.latencyNs.push_back(static_cast<std::uint32_t>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
                if (isExpectedCall(r, id)) {
                    ++me.ok;
                } else {
                    ++me.errors;
                    if (me.firstError.empty()) {
                        me.firstError =
                            "status " + std::to_string(r.status) + " body " + r.body.substr(0, 200);
                    }
                    if (r.status == 0) return;  // the connection failed
                }
            }
        });
    }
    while (ready < kClients) std::this_thread::yield();
    const double cpu0 = gHarness->worldCpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    go = true;
    for (auto& t : threads) t.join();
    out.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.worldCpu += gHarness->worldCpuSeconds() - cpu0;
    for (auto& c : clients) {
        out.latencyNs.insert(out.latencyNs.end(), c.latencyNs.begin(), c.latencyNs.end());
        out.ok += c.ok;
        out.errors += c.errors;
        if (out.firstError.empty()) out.firstError = c.firstError;
    }
    // End the sessions so later phases start from the same state.
    for (size_t i = 0; i < conns.size(); ++i) {
        conns[i]->roundTrip(request("DELETE", host, "", sessions[i]));
    }
}

void BM_ToolsCall(benchmark::State& state) {
    PhaseResult direct, gateway;
    for (auto _ : state) {
        for (int round = 0; round < kRounds; ++round) {
            runPhase(gHarness->directPort, "127.0.0.1", direct);
            runPhase(gHarness->gatewayPort, kPublicHost, gateway);
        }
    }
    const double directRate = static_cast<double>(direct.ok) / direct.seconds;
    const double gatewayRate = static_cast<double>(gateway.ok) / gateway.seconds;
    const double dP50 = percentileUs(direct.latencyNs, 0.50);
    const double dP99 = percentileUs(direct.latencyNs, 0.99);
    const double gP50 = percentileUs(gateway.latencyNs, 0.50);
    const double gP99 = percentileUs(gateway.latencyNs, 0.99);
    const double ratio = gatewayRate / directRate;
    const double addedP99 = gP99 - dP99;
    const double dCpu = direct.worldCpu / static_cast<double>(std::max(1L, direct.ok)) * 1e6;
    const double gCpu = gateway.worldCpu / static_cast<double>(std::max(1L, gateway.ok)) * 1e6;
    state.counters["direct_calls_per_s"] = directRate;
    state.counters["gateway_calls_per_s"] = gatewayRate;
    state.counters["ratio"] = ratio;
    state.counters["direct_p50_us"] = dP50;
    state.counters["direct_p99_us"] = dP99;
    state.counters["gateway_p50_us"] = gP50;
    state.counters["gateway_p99_us"] = gP99;
    state.counters["added_p99_us"] = addedP99;
    state.counters["direct_world_cpu_us"] = dCpu;
    state.counters["gateway_world_cpu_us"] = gCpu;
    state.counters["errors"] = static_cast<double>(direct.errors + gateway.errors);
    const bool ratioMet = ratio >= kTargetRatio;
    const bool p99Met = addedP99 < kTargetAddedP99Us;
    char line[1024];
    std::snprintf(
        line, sizeof line,
        "tools/call, %d keep-alive clients x %d calls x %d rounds: direct %.0f calls/s "
        "p50 %.0f us p99 %.0f us (world cpu %.1f us/call); gateway %.0f calls/s p50 %.0f us "
        "p99 %.0f us (world cpu %.1f us/call); ratio %.2f (target >= %.1f: %s), added p99 "
        "%.0f us (target < %.0f us: %s); errors %ld",
        kClients, kCalls, kRounds, directRate, dP50, dP99, dCpu, gatewayRate, gP50, gP99, gCpu,
        ratio, kTargetRatio, ratioMet ? "met" : "NOT met", addedP99, kTargetAddedP99Us,
        p99Met ? "met" : "NOT met", direct.errors + gateway.errors);
    gSummary.push_back(line);
    if (direct.errors + gateway.errors > 0) {
        gFailed = true;
        const std::string why = "wrong replies: " + (direct.firstError.empty() ? gateway.firstError
                                                                               : direct.firstError);
        state.SkipWithError(why.c_str());
    } else if (kEnforce && !(ratioMet && p99Met)) {
        gFailed = true;
    }
}
BENCHMARK(BM_ToolsCall)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_SessionsHeld(benchmark::State& state) {
    const int threads = std::min(kClients, kSessions);
    long errors = 0;
    long before = 0, held = 0, after = 0, logsBefore = 0, logsHeld = 0;
    std::string firstError;
    for (auto _ : state) {
        std::vector<std::vector<std::string>> ids(static_cast<size_t>(threads));
        for (auto& v : ids) v.reserve(static_cast<size_t>(kSessions / threads + 1));
        std::atomic<long> failed{0};
        logsBefore = gHarness->logBytes();
        before = trimmedRss();
        auto each = [&](auto work) {
            std::vector<std::thread> ts;
            for (int t = 0; t < threads; ++t) ts.emplace_back(work, t);
            for (auto& th : ts) th.join();
        };
        each([&](int t) {
            Connection c(gHarness->gatewayPort);
            for (int i = t; i < kSessions; i += threads) {
                std::string id = openSession(c, kPublicHost);
                if (id.empty()) {
                    ++failed;
                    continue;
                }
                ids[static_cast<size_t>(t)].push_back(std::move(id));
            }
        });
        held = trimmedRss();
        logsHeld = gHarness->logBytes();
        each([&](int t) {
            Connection c(gHarness->gatewayPort);
            for (const auto& id : ids[static_cast<size_t>(t)]) {
                const Reply r = c.roundTrip(request("DELETE", kPublicHost, "", id));
                if (r.status != 200) {
                    ++failed;
                    if (r.status == 0) return;  // the connection failed
                }
            }
        });
        ids.clear();
        after = trimmedRss();
        errors = failed;
    }
    const double perSession = static_cast<double>(held - before) / kSessions;
    const double perSessionNoLogs =
        static_cast<double>((held - before) - (logsHeld - logsBefore)) / kSessions;
    state.counters["sessions"] = kSessions;
    state.counters["rss_before_mib"] = static_cast<double>(before) / (1 << 20);
    state.counters["rss_held_mib"] = static_cast<double>(held) / (1 << 20);
    state.counters["rss_after_delete_mib"] = static_cast<double>(after) / (1 << 20);
    state.counters["bytes_per_session"] = perSession;
    state.counters["bytes_per_session_excl_logs"] = perSessionNoLogs;
    state.counters["errors"] = static_cast<double>(errors);
    char line[512];
    std::snprintf(line, sizeof line,
                  "sessions held: %d gateway sessions, RSS %.1f MiB before, %.1f MiB held, "
                  "%.1f MiB after DELETE; %.0f bytes/session (%.0f without the %.1f MiB of log "
                  "lines they added); errors %ld",
                  kSessions, static_cast<double>(before) / (1 << 20),
                  static_cast<double>(held) / (1 << 20), static_cast<double>(after) / (1 << 20),
                  perSession, perSessionNoLogs,
                  static_cast<double>(logsHeld - logsBefore) / (1 << 20), errors);
    gSummary.push_back(line);
    if (errors > 0) {
        gFailed = true;
        state.SkipWithError("failed initialize or DELETE replies");
    }
}
BENCHMARK(BM_SessionsHeld)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    try {
        Harness harness;
        gHarness = &harness;
        benchmark::RunSpecifiedBenchmarks();
        benchmark::Shutdown();
        gHarness = nullptr;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gateway_bench: %s\n", e.what());
        return 1;
    }
    for (const auto& l : gSummary) std::printf("%s\n", l.c_str());
    return gFailed ? 1 : 0;
}
