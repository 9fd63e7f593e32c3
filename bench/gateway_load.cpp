// The gateway under load. `mcpsim serve --world seed` runs as a child process with server2
// registered behind its Gateway (prefix bench_); S MCP sessions (1000), each on its own
// keep-alive connection and driven from one poll(2) thread, alternate tools/list and tools/call
// through the Gateway listener for T seconds (60). Halfway through, the server2 pod is deleted
// (`kubectl delete pod`): its Deployment starts a new one, with a new address and none of the
// old upstream sessions.
//
// Checks, each failing the run:
// - nothing is lost or misrouted: every request gets an answer on its own connection with its
//   own JSON-RPC id, and every tools/call answer carries the name it was called with
//   ("Hello, s17-42!"), so an answer meant for another session or call cannot pass;
// - sessions survive: no request is refused for an unknown session, errors (an upstream that is
//   away answers with a JSON-RPC or tool error) stop within 30 s of the restart, and every
//   session has a successful call after the last error;
// - memory returns to baseline: the server's heap in use after the sessions are deleted is
//   within 5 MiB (or 10% of what the held sessions added, if that is more) of before. The
//   baseline is taken after a warm-up phase of the same sessions and calls (5 s), so that log
//   buffers and other bounded stores are already full.
// Prints calls per second, p50/p99, the error window and the server's heap and RSS.
//
// Overrides: GW_LOAD_SECONDS (60), GW_LOAD_SESSIONS (1000), GW_LOAD_WARMUP_SECONDS (5).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "guide_objects.hpp"
#include "http_client.hpp"
#include "mcpsim/core/json.hpp"
#include "process.hpp"
#include "server2_objects.hpp"

using mcpsim::Json;
using namespace mcpsim::bench;
using Clock = std::chrono::steady_clock;

namespace {

const int kSeconds = envInt("GW_LOAD_SECONDS", 60);
const int kSessions = envInt("GW_LOAD_SESSIONS", 1000);
const char* const kHost = "mcp.127-0-0-1.sslip.io";
constexpr auto kRecoveryLimit = std::chrono::seconds(30);

Clock::time_point gStart = Clock::now();  // reset when the measured phase starts
long long sinceStartNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - gStart).count();
}

std::string mcpRequest(const char* method, const std::string& body, const std::string& session) {
    std::string r = std::string(method) + " /mcp HTTP/1.1\r\nHost: " + kHost +
                    "\r\nContent-Type: application/json\r\n"
                    "Accept: application/json, text/event-stream\r\n"
                    "Mcp-Protocol-Version: 2025-06-18\r\n";
    if (!session.empty()) r += "Mcp-Session-Id: " + session + "\r\n";
    return r + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct Tally {
    long ok = 0, errors = 0, lost = 0, misrouted = 0, sessionRefused = 0;
    long long firstErrorNs = 0, lastErrorNs = 0, lastOkCallNs = 0;
    std::string firstError, firstWrong;
    std::vector<std::uint32_t> latencyNs;
};

// One MCP session: initialize, notifications/initialized, then tools/list and tools/call in
// turn until the deadline, then DELETE.
class McpSession : public Exchange {
  public:
    McpSession(int index, Clock::time_point until) : index_(index), until_(until) {}

    std::string first() override {
        sentAt_ = Clock::now();
        return mcpRequest(
            "POST",
            R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"gateway_load","version":"1"}}})",
            "");
    }

    std::string next(Reply reply) override {
        switch (state_) {
            case State::Initializing:
                session_ = headerValue(reply.headers, "mcp-session-id");
                if (reply.status != 200 || session_.empty()) return wrong("initialize", reply);
                state_ = State::Initialized;
                return mcpRequest(
                    "POST", R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session_);
            case State::Initialized:
                if (reply.status != 202) return wrong("notifications/initialized", reply);
                state_ = State::Working;
                return call();
            case State::Working:
                check(reply);
                if (Clock::now() < until_) return call();
                state_ = State::Deleting;
                return mcpRequest("DELETE", "", session_);
            case State::Deleting:
                if (reply.status != 200 && reply.status != 204) wrong("DELETE", reply);
                deleted = reply.status == 200 || reply.status == 204;
                state_ = State::Done;
                return "";
            case State::Done:
                break;
        }
        return "";
    }

    Tally tally;
    bool deleted = false;

  private:
    enum class State { Initializing, Initialized, Working, Deleting, Done };

    std::string wrong(const char* what, const Reply& r) {
        ++tally.misrouted;
        if (tally.firstWrong.empty()) {
            tally.firstWrong = std::string(what) + " answered " + std::to_string(r.status) + ": " +
                               r.body.substr(0, 300);
        }
        state_ = State::Done;
        return "";
    }

    std::string call() {
        ++id_;
        sentAt_ = Clock::now();
        if (id_ % 2) {
            return mcpRequest(
                "POST",
                R"({"jsonrpc":"2.0","id":)" + std::to_string(id_) + R"(,"method":"tools/list"})",
                session_);
        }
        return mcpRequest(
            "POST",
            R"({"jsonrpc":"2.0","id":)" + std::to_string(id_) +
                R"(,"method":"tools/call","params":{"name":"bench_hello_world","arguments":{"name":")" +
                expectedName() + R"("}}})",
            session_);
    }
    std::string expectedName() const {
        return "s" + std::to_string(index_) + "-" + std::to_string(id_);
    }

    void error(const std::string& why) {
        ++tally.errors;
        const long long now = sinceStartNs();
        if (!tally.firstErrorNs) tally.firstErrorNs = now;
        tally.lastErrorNs = now;
        if (tally.firstError.empty()) tally.firstError = why.substr(0, 300);
    }

    void check(const Reply& reply) {
        tally.latencyNs.push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - sentAt_).count()));
        if (reply.status == 0) {
            ++tally.lost;
            return;
        }
        // The router's own refusal of the gateway session; any other 404 is the upstream's,
        // passed through as the reference does (spec broker.md §6.4), and the next call
        // re-initializes upstream.
        if (reply.status == 404 &&
            (reply.body.find("session no longer valid") != std::string::npos ||
             reply.body.find("invalid session") != std::string::npos)) {
            ++tally.sessionRefused;
            return;
        }
        // An upstream that is away: Envoy's 503 (no healthy upstream, connection refused).
        if (reply.status != 200) {
            return error("HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200));
        }
        const Json m = mcpMessage(reply);
        if (!m.is_object() || !m.contains("id") || m["id"] != id_) {
            wrong("a request", reply);
            state_ = State::Working;  // keep going: one wrong answer is reported, not fatal
            return;
        }
        if (m.contains("error")) return error(m["error"].dump());
        const Json& result = m.value("result", Json::object());
        if (id_ % 2) {
            for (const auto& t : result.value("tools", Json::array())) {
                if (t.value("name", "") == "bench_hello_world") {
                    ++tally.ok;
                    return;
                }
            }
            return error("tools/list without bench_hello_world: " + result.dump());
        }
        const Json content = result.value("content", Json::array());
        const std::string text =
            content.is_array() && !content.empty() ? content[0].value("text", "") : "";
        if (!result.value("isError", false) && text == "Hello, " + expectedName() + "!") {
            ++tally.ok;
            tally.lastOkCallNs = sinceStartNs();
            return;
        }
        if (!result.value("isError", false) && text.rfind("Hello, ", 0) == 0) {
            wrong("tools/call (someone else's answer)", reply);
            state_ = State::Working;
            return;
        }
        error("tools/call: " + result.dump());
    }

    int index_;
    Clock::time_point until_;
    State state_ = State::Initializing;
    std::string session_;
    long id_ = 0;
    Clock::time_point sentAt_;
};

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "gateway_load: %s\n", why.c_str());
    std::exit(1);
}

struct Gauges {
    double rss = 0, heap = 0;
};
Gauges gauges(int apiPort) {
    Connection c(apiPort);
    const Reply r =
        c.roundTrip("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if (r.status != 200) die("GET /metrics answered " + std::to_string(r.status));
    const auto read = [&r](const std::string& name) {
        const auto at = r.body.find("\n" + name + " ");
        return at == std::string::npos ? -1.0 : std::atof(r.body.c_str() + at + name.size() + 2);
    };
    return {read("process_resident_memory_bytes"), read("mcpsim_heap_inuse_bytes")};
}

double mib(double bytes) {
    return bytes / (1024.0 * 1024.0);
}

int portOf(const std::string& hostPort) {
    return std::stoi(hostPort.substr(hostPort.rfind(':') + 1));
}

}  // namespace

int main() {
    mcpsim::testing::ServeProcess server(31, "--world seed");
    if (server.gatewayListener().empty()) die("no Gateway listener: " + server.readyLine());
    const int apiPort = portOf(server.url());
    const int gatewayPort = portOf(server.gatewayListener());
    const auto applied = server.sh("kubectl apply -f - >/dev/null <<'EOF'\n" +
                                   std::string(mcpsim::testing::guide::kExtension) + "---" +
                                   mcpsim::testing::guide::kGrant + "---" + kServer2Objects +
                                   "\nEOF\nkubectl wait --for=condition=Ready -n mcp-test "
                                   "mcpserverregistration/bench-server2 --timeout=60s");
    if (applied.exitCode != 0) die("set-up: " + applied.out + applied.err);
    // A warm-up phase fills what is bounded but grows with traffic (log buffers, caches), so
    // that the baseline is the server's steady state without sessions.
    const int warmup = envInt("GW_LOAD_WARMUP_SECONDS", 5);
    const auto runPhase = [&](int secs, bool restart, long long* restartNs, Gauges* held) {
        const auto until = Clock::now() + std::chrono::seconds(secs);
        std::vector<std::unique_ptr<McpSession>> out;
        std::vector<Exchange*> exchanges;
        for (int i = 0; i < kSessions; ++i) {
            out.push_back(std::make_unique<McpSession>(i, until));
            exchanges.push_back(out.back().get());
        }
        const std::atomic<bool> never{false};
        gStart = Clock::now();
        std::thread driver([&] { runExchanges(gatewayPort, exchanges, never); });
        if (restart) {
            std::this_thread::sleep_until(gStart + std::chrono::seconds(secs) / 2);
            *restartNs = sinceStartNs();
            const auto restarted = server.sh(
                "kubectl delete pod -n mcp-test -l app=bench-server2 --wait=false -o name");
            if (restarted.exitCode != 0 || restarted.out.find("pod/") == std::string::npos)
                die("restart: " + restarted.out + restarted.err);
        }
        if (held) {
            std::this_thread::sleep_until(until - std::chrono::seconds(1));
            *held = gauges(apiPort);
        }
        driver.join();
        return out;
    };
    for (const auto& s : runPhase(warmup, false, nullptr, nullptr)) {
        const Tally& t = s->tally;
        if (t.errors || t.lost || t.misrouted || t.sessionRefused || !s->deleted)
            die("the warm-up had failures: " + t.firstError + t.firstWrong);
    }
    const Gauges before = gauges(apiPort);
    long long restartNs = 0;
    Gauges held;
    const auto sessions = runPhase(kSeconds, true, &restartNs, &held);
    const double seconds = std::chrono::duration<double>(Clock::now() - gStart).count();
    const Gauges after = gauges(apiPort);

    Tally all;
    long survived = 0, deleted = 0;
    for (auto& s : sessions) {
        const Tally& t = s->tally;
        all.ok += t.ok;
        all.errors += t.errors;
        all.lost += t.lost;
        all.misrouted += t.misrouted;
        all.sessionRefused += t.sessionRefused;
        if (t.firstErrorNs && (!all.firstErrorNs || t.firstErrorNs < all.firstErrorNs))
            all.firstErrorNs = t.firstErrorNs;
        all.lastErrorNs = std::max(all.lastErrorNs, t.lastErrorNs);
        if (all.firstError.empty()) all.firstError = t.firstError;
        if (all.firstWrong.empty()) all.firstWrong = t.firstWrong;
        all.latencyNs.insert(all.latencyNs.end(), t.latencyNs.begin(), t.latencyNs.end());
        deleted += s->deleted;
    }
    for (auto& s : sessions) survived += s->tally.lastOkCallNs > all.lastErrorNs;

    std::vector<std::string> failures;
    if (all.lost) failures.push_back(std::to_string(all.lost) + " requests got no answer");
    if (all.misrouted)
        failures.push_back(std::to_string(all.misrouted) +
                           " wrong answers; first: " + all.firstWrong);
    if (all.sessionRefused)
        failures.push_back(std::to_string(all.sessionRefused) + " requests refused with 404");
    if (all.errors &&
        (all.firstErrorNs < restartNs ||
         all.lastErrorNs - restartNs > std::chrono::nanoseconds(kRecoveryLimit).count())) {
        failures.push_back("errors outside the 30 s after the restart; first: " + all.firstError);
    }
    if (survived != kSessions) {
        failures.push_back(std::to_string(kSessions - survived) +
                           " sessions had no successful call after the last error");
    }
    if (deleted != kSessions)
        failures.push_back(std::to_string(kSessions - deleted) + " sessions were not deleted");
    const double allowed = std::max(5.0 * 1024 * 1024, 0.1 * (held.heap - before.heap));
    if (after.heap - before.heap > allowed) {
        failures.push_back(
            "heap in use did not return to baseline: " + std::to_string(mib(after.heap)) +
            " MiB after, " + std::to_string(mib(before.heap)) + " MiB before");
    }

    std::printf(
        "gateway load: %d MCP sessions for %.1f s through the Gateway listener, server2 "
        "restarted at %.1f s\n",
        kSessions, seconds, static_cast<double>(restartNs) / 1e9);
    std::printf("  answers: %ld correct (%.0f/s), %ld errors, %ld lost, %ld wrong, %ld refused\n",
                all.ok, static_cast<double>(all.ok) / seconds, all.errors, all.lost, all.misrouted,
                all.sessionRefused);
    if (all.errors) {
        std::printf("  errors from %.2f s to %.2f s after the restart (first: %s)\n",
                    static_cast<double>(all.firstErrorNs - restartNs) / 1e9,
                    static_cast<double>(all.lastErrorNs - restartNs) / 1e9, all.firstError.c_str());
    }
    std::printf("  latency: p50 %.2f ms, p99 %.2f ms\n", percentileUs(all.latencyNs, 0.5) / 1000,
                percentileUs(all.latencyNs, 0.99) / 1000);
    std::printf("  sessions: %ld of %d with a successful call after the last error, %ld deleted\n",
                survived, kSessions, deleted);
    std::printf(
        "  server heap in use: %.1f MiB before, %.1f MiB with the sessions held, %.1f MiB "
        "after they were deleted; RSS %.1f / %.1f / %.1f MiB\n",
        mib(before.heap), mib(held.heap), mib(after.heap), mib(before.rss), mib(held.rss),
        mib(after.rss));
    for (const auto& f : failures) std::printf("  FAILED: %s\n", f.c_str());
    std::printf("gateway load: %s\n", failures.empty() ? "passed" : "FAILED");
    return failures.empty() ? 0 : 1;
}
