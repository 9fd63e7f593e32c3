// Slow and hostile clients against `mcpsim serve` on its one thread: a client that sends its
// headers a byte at a time, a thousand connections that send nothing, clients that hang up in
// the middle of a request, and a watcher that never reads. None of them may hold up the others
// (every other request below has a few seconds at most), and none may make the server buffer
// without bound.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "process.hpp"

namespace mcpsim::testing {
namespace {

using namespace std::chrono_literals;

class Socket {
  public:
    // receiveBuffer > 0 keeps the kernel from buffering much for a reader that does not read.
    explicit Socket(const std::string& url, int receiveBuffer = 0) {
        const auto colon = url.rfind(':');
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1))));
        ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (receiveBuffer > 0)
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(Socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)), connected_(o.connected_) {}
    Socket(const Socket&) = delete;

    bool connected() const { return connected_; }
    bool send(const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }
    // Reads until the peer closes or `needle` arrives, for at most `timeout`.
    std::string read(std::chrono::milliseconds timeout, const std::string& needle = "") {
        std::string got;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (needle.empty() || got.find(needle) == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            char buf[65536];
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                closedByPeer_ = true;
                break;
            }
            got.append(buf, static_cast<std::size_t>(n));
        }
        return got;
    }
    bool closedByPeer() const { return closedByPeer_; }

  private:
    int fd_ = -1;
    bool connected_ = false;
    bool closedByPeer_ = false;
};

class HostileClients : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server_ = new ServeProcess(31); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static ServeProcess& server() { return *server_; }
    // A quick request another client makes meanwhile; it must not wait on the hostile one.
    static void othersAreServed() {
        auto r =
            server().sh("curl -sf --max-time 5 " + server().url() + "/version | jq -r .gitVersion");
        ASSERT_EQ(r.exitCode, 0) << r.err;
        EXPECT_EQ(r.out.rfind("v1.31", 0), 0u) << r.out;
    }
    static ServeProcess* server_;
};
ServeProcess* HostileClients::server_ = nullptr;

TEST_F(HostileClients, HeadersSentAByteAtATimeHoldNobodyUp) {
    Socket slow(server().url());
    ASSERT_TRUE(slow.connected());
    const std::string request = "GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    for (std::size_t i = 0; i < request.size(); ++i) {
        ASSERT_TRUE(slow.send(request.substr(i, 1)));
        if (i % 8 == 0) othersAreServed();
    }
    auto r = server().sh("kubectl get ns default -o name");
    EXPECT_EQ(r.out, "namespace/default\n") << r.err;
    const std::string answer = slow.read(10s);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer.substr(0, 200);
}

TEST_F(HostileClients, AThousandSilentConnectionsHoldNobodyUp) {
    std::vector<Socket> idle;
    for (int i = 0; i < 1000; ++i) {
        idle.emplace_back(server().url());
        ASSERT_TRUE(idle.back().connected()) << "connection " << i;
    }
    othersAreServed();
    auto r = server().sh("kubectl get ns default -o name");
    EXPECT_EQ(r.out, "namespace/default\n") << r.err;
    // The silent ones are still open and still served when they speak.
    ASSERT_TRUE(idle[500].send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const std::string answer = idle[500].read(10s);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer.substr(0, 200);
}

TEST_F(HostileClients, HangingUpMidRequestLeavesNothingBehind) {
    const std::string body = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"half"},)";
    for (int i = 0; i < 100; ++i) {
        Socket s(server().url());
        ASSERT_TRUE(s.connected());
        ASSERT_TRUE(
            s.send("POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n"
                   "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n" +
                   body));
    }  // each closes here, 500 bytes promised and fewer sent
    for (int i = 0; i < 50; ++i) {
        Socket s(server().url());
        ASSERT_TRUE(s.send("GET /openapi/v2 HTTP/1.1\r\nHost: x\r\n\r\n"));
    }  // and these never read their (large) answer
    othersAreServed();
    auto r = server().sh("kubectl get configmap half 2>&1; kubectl get ns default -o name");
    EXPECT_EQ(r.out,
              "Error from server (NotFound): configmaps \"half\" not found\nnamespace/default\n");
}

TEST_F(HostileClients, AWatcherThatStopsReadingIsClosedInsteadOfBuffered) {
    Socket watcher(server().url(), 64 * 1024);
    ASSERT_TRUE(watcher.send(
        "GET /api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\nHost: x\r\n\r\n"));
    // 32 objects of 512 KiB: 16 MiB of events for a watcher that reads none of them (the
    // server's limit is 8 MiB of backlog, its socket buffer holds up to 4 MiB more).
    const std::string data(512 * 1024, 'x');
    std::size_t written = 0;
    for (int i = 0; i < 32; ++i) {
        const std::string cm = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big-)" +
                               std::to_string(i) + R"("},"data":{"d":")" + data + R"("}})";
        Socket writer(server().url());
        ASSERT_TRUE(
            writer.send("POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n"
                        "Content-Type: application/json\r\nConnection: close\r\n"
                        "Content-Length: " +
                        std::to_string(cm.size()) + "\r\n\r\n" + cm));
        const std::string answer = writer.read(10s);
        ASSERT_EQ(answer.rfind("HTTP/1.1 201 Created\r\n", 0), 0u) << answer.substr(0, 300);
        written += cm.size();
    }
    othersAreServed();
    // Now read: the server ended the watch when its backlog passed the limit, so what arrives is
    // what the socket buffers held plus the end of the stream, far less than was written.
    const std::string got = watcher.read(30s);
    EXPECT_TRUE(watcher.closedByPeer() || got.find("\r\n0\r\n\r\n") != std::string::npos)
        << "the watch did not end; read " << got.size() << " bytes";
    EXPECT_LT(got.size(), written * 3 / 4) << "of " << written;
    auto r = server().sh(
        "kubectl get configmap big-31 -o name && kubectl delete configmap "
        "--all -n default >/dev/null && echo cleaned");
    EXPECT_EQ(r.out, "configmap/big-31\ncleaned\n") << r.err;
}

// What cannot be parsed is answered as Go's net/http answers it (kube-apiserver) and as Envoy's
// codec does (the Gateway), and the connection closes; nothing else is disturbed.
TEST_F(HostileClients, MalformedRequestsGetTheServersOwnAnswers) {
    const std::string garbage = "GET /version HTTP/1.1\r\nHost x\r\n\r\n";  // no colon
    const std::string hugeHeader =
        "GET /version HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(128 * 1024, 'a') + "\r\n\r\n";
    const auto answer = [](const std::string& url, const std::string& request) {
        Socket s(url);
        EXPECT_TRUE(s.connected());
        s.send(request);
        std::string got = s.read(10s);
        EXPECT_TRUE(s.closedByPeer()) << got;
        return got;
    };
    EXPECT_EQ(answer(server().url(), garbage),
              "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Connection: close\r\n\r\n400 Bad Request");
    EXPECT_EQ(answer(server().url(), hugeHeader),
              "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; "
              "charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large");
    ServeProcess seeded(31, "--world seed");  // the bare world has no Gateway listener
    ASSERT_FALSE(seeded.gatewayListener().empty()) << seeded.readyLine();
    const std::string gateway = "http://" + seeded.gatewayListener();
    EXPECT_EQ(answer(gateway, garbage),
              "HTTP/1.1 400 Bad Request\r\ncontent-length: 11\r\ncontent-type: text/plain\r\n"
              "server: istio-envoy\r\nconnection: close\r\n\r\nBad Request");
    EXPECT_EQ(answer(gateway, hugeHeader),
              "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 31\r\n"
              "content-type: text/plain\r\nserver: istio-envoy\r\nconnection: close\r\n\r\n"
              "Request Header Fields Too Large");
    othersAreServed();
}

}  // namespace
}  // namespace mcpsim::testing
