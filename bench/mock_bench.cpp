// tools/call throughput of one mock over loopback with keep-alive. The mock runs on its loop in
// one thread; each client is a thread with one blocking keep-alive connection and one request in
// flight (no pipelining), written with plain sockets so the load generator costs little of the
// two cores. Prints requests per second for 1, 2 and 4 connections.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/mocks/catalog.hpp"

using namespace mcpsim;

namespace {

// One keep-alive connection that sends a request and reads one Content-Length response.
class Connection {
  public:
    explicit Connection(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            std::perror("connect");
            std::exit(1);
        }
    }
    ~Connection() { ::close(fd_); }

    // Returns the status code and fills `headers`/`body`; 0 on a transport failure.
    int roundTrip(const std::string& request, std::string& headers, std::string& body) {
        for (size_t sent = 0; sent < request.size();) {
            const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, 0);
            if (n <= 0) return 0;
            sent += static_cast<size_t>(n);
        }
        size_t headerEnd;
        while ((headerEnd = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!fill()) return 0;
        }
        headers = buffer_.substr(0, headerEnd + 2);
        const auto cl = headers.find("Content-Length: ");  // how our server spells it
        const size_t length =
            cl == std::string::npos ? 0 : std::strtoul(headers.c_str() + cl + 16, nullptr, 10);
        while (buffer_.size() < headerEnd + 4 + length) {
            if (!fill()) return 0;
        }
        body = buffer_.substr(headerEnd + 4, length);
        buffer_.erase(0, headerEnd + 4 + length);
        return std::atoi(headers.c_str() + 9);  // "HTTP/1.1 200"
    }

  private:
    bool fill() {
        char chunk[16384];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
    }
    int fd_;
    std::string buffer_;
};

std::string post(const std::string& body, const std::string& session) {
    std::string r =
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\n";
    if (!session.empty()) r += "Mcp-Session-Id: " + session + "\r\n";
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return r;
}

// `name` in lower case; header names are case-insensitive.
std::string headerValue(const std::string& headers, const std::string& name) {
    std::string lower = headers;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const auto at = lower.find(name + ": ");
    if (at == std::string::npos) return "";
    const auto start = at + name.size() + 2;
    return headers.substr(start, headers.find("\r\n", start) - start);
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
        Connection c(port);
        std::string headers, body;
        const int status = c.roundTrip(
            post(
                R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})",
                ""),
            headers, body);
        session = headerValue(headers, "mcp-session-id");
        if (status != 200 || session.empty()) {
            std::fprintf(stderr, "initialize failed: %d\n%s\n", status, headers.c_str());
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
                Connection c(port);
                std::string headers, body;
                while (!stop) {
                    const int status = c.roundTrip(request, headers, body);
                    // Count only real answers: 200 with the tool's text in the body.
                    if (status == 200 && body.find("Hello, bench!") != std::string::npos) {
                        ++done;
                    } else {
                        ++failed;
                        if (status == 0) return;
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
