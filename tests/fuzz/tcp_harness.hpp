#pragma once
// Raw bytes to a real loopback listener of the world, as a hostile client sends them: write
// everything, half-close, and read until the server closes, pumping the world's loop meanwhile
// (one thread, as in `mcpsim serve`). Nothing here blocks: the sockets are non-blocking.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "fuzz_support.hpp"
#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/sim/world.hpp"

namespace mcpsim::fuzz {

// One world for the whole run, on real time with real listeners (the gateway's when asked).
inline sim::World& listeningWorld(const char* profile, bool gateway) {
    static auto* w = new sim::World([&] {
        sim::WorldConfig c;
        c.profile = profile;
        c.clock = sim::ClockKind::Real;
        c.listeners.enabled = true;
        if (gateway) c.listeners.gatewayPort = 0;
        return c;
    }());
    return *w;
}

inline std::string exchangeRaw(core::Runtime& rt, const core::http::Endpoint& at,
                               std::string_view bytes) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    FUZZ_CHECK(fd >= 0, "socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(at.port);
    ::inet_pton(AF_INET, at.host.c_str(), &addr.sin_addr);
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    FUZZ_CHECK(rc == 0 || errno == EINPROGRESS, "connect failed");
    std::string got;
    std::size_t sent = 0;
    bool halfClosed = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        if (sent < bytes.size()) {
            const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n > 0) sent += static_cast<std::size_t>(n);
            if (n < 0 && errno != EAGAIN && errno != EINPROGRESS && errno != ENOTCONN)
                sent = bytes.size();  // the server hung up early: fine, read what it said
        }
        if (sent == bytes.size() && !halfClosed) halfClosed = ::shutdown(fd, SHUT_WR) == 0;
        rt.poll();
        char buf[16384];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            got.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0 && halfClosed) break;                           // the server closed
        if (n < 0 && errno != EAGAIN && errno != ENOTCONN) break;  // reset
        FUZZ_CHECK(std::chrono::steady_clock::now() < deadline,
                   "the server neither answered nor closed within 10 s");
    }
    ::close(fd);
    return got;
}

// The status code of the first response in `raw`, 0 when there is none; aborts on a malformed
// status line.
inline int firstStatus(const std::string& raw) {
    if (raw.empty()) return 0;
    FUZZ_CHECK(raw.rfind("HTTP/1.1 ", 0) == 0 || raw.rfind("HTTP/1.0 ", 0) == 0,
               "not an HTTP response: " + raw.substr(0, 80));
    FUZZ_CHECK(raw.size() >= 12 && std::isdigit(static_cast<unsigned char>(raw[9])) &&
                   std::isdigit(static_cast<unsigned char>(raw[10])) &&
                   std::isdigit(static_cast<unsigned char>(raw[11])),
               "bad status line: " + raw.substr(0, 80));
    return std::stoi(raw.substr(9, 3));
}

}  // namespace mcpsim::fuzz
