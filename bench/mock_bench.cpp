// tools/call throughput of one mock over loopback with keep-alive. The mock runs on its loop in
// one thread; each client is a thread with one blocking keep-alive connection and one request in
// flight (no pipelining), written with plain sockets so the load generator costs little of the
// two cores. Prints requests per second for 1, 2 and 4 connections.
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/mocks/catalog.hpp"

using namespace mcpsim;

namespace {

std::string post(const std::string& body, const std::string& session) {
    std::string r =
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\n";
    if (!session.empty()) r += "Mcp-Session-Id: " + session + "\r\n";
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
    core::Runtime rt;
    auto net = core::http::makeLoopbackNetwork(rt);
    // server2 answers plain JSON (mcp-go style), the common case behind the broker.
    auto mock =
        mocks::findMock("server2")->create(rt, {}, core::Logger(rt.clock(), rt.logs(), "bench"));
    auto listener = net->listen({"127.0.0.1", 0}, mock->handler());
    const int port = listener->endpoint().port;
    std::thread loop([&] { rt.run(); });

    std::string session;
    {
        bench::Connection c(port);
        const bench::Reply r = c.roundTrip(post(
            R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})",
            ""));
        session = bench::headerValue(r.headers, "mcp-session-id");
        if (r.status != 200 || session.empty()) {
            std::fprintf(stderr, "initialize failed: %d\n%s\n", r.status, r.headers.c_str());
            rt.stop();
            loop.join();
            return 1;
        }
    }
    const std::string request = post(
        R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"hello_world","arguments":{"name":"bench"}}})",
        session);
    for (int clients : {1, 2, 4}) {
        std::atomic<long> done{0}, failed{0};
        std::atomic<bool> stop{false};
        std::vector<std::thread> threads;
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < clients; ++i) {
            threads.emplace_back([&] {
                bench::Connection c(port);
                while (!stop) {
                    const bench::Reply r = c.roundTrip(request);
                    // Count only real answers: 200 with the tool's text in the body.
                    if (r.status == 200 && r.body.find("Hello, bench!") != std::string::npos) {
                        ++done;
                    } else {
                        ++failed;
                        if (r.status == 0) return;
                    }
                }
            });
        }
        std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
        stop = true;
        for (auto& t : threads) t.join();
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf(
            "tools/call server2 hello_world, %d keep-alive connection(s): %.0f requests/s "
            "(%ld ok, %ld failed, %.1f s)\n",
            clients, done / elapsed, done.load(), failed.load(), elapsed);
    }
    rt.stop();
    loop.join();
    return 0;
}
