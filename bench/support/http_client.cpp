#include "http_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>

namespace mcpsim::bench {

std::string lower(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

std::string headerValue(const std::string& headers, const std::string& name) {
    const std::string l = lower(headers);
    const auto at = l.find("\r\n" + name + ":");
    if (at == std::string::npos) return "";
    auto start = at + name.size() + 3;
    while (start < headers.size() && headers[start] == ' ') ++start;
    return headers.substr(start, headers.find("\r\n", start) - start);
}

bool ResponseReader::feed(const char* data, std::size_t n) {
    in_.append(data, n);
    return advance();
}

int ResponseReader::status() const {
    return reply_.headers.size() > 12 ? std::atoi(reply_.headers.c_str() + 9) : 0;
}

bool ResponseReader::advance() {
    if (done_) return true;
    if (!headersDone()) {
        const auto end = in_.find("\r\n\r\n");
        if (end == std::string::npos) return false;
        reply_.headers = in_.substr(0, end + 2);
        in_.erase(0, end + 4);
        headerEnd_ = end + 4;
        reply_.status = status();
        chunked_ = lower(headerValue(reply_.headers, "transfer-encoding")) == "chunked";
        if (!chunked_) {
            remaining_ =
                std::strtoul(headerValue(reply_.headers, "content-length").c_str(), nullptr, 10);
        }
    }
    if (!chunked_) {
        const std::size_t take = std::min(remaining_, in_.size());
        reply_.body.append(in_, 0, take);
        in_.erase(0, take);
        remaining_ -= take;
        return done_ = remaining_ == 0;
    }
    for (;;) {
        if (!inChunk_) {
            const auto eol = in_.find("\r\n");
            if (eol == std::string::npos) return false;
            char* endp = nullptr;
            const std::size_t size = std::strtoul(in_.c_str(), &endp, 16);
            if (endp == in_.c_str()) {
                failed_ = true;
                return false;
            }
            if (size == 0) {  // the last chunk: "0", then a blank line
                if (in_.size() < eol + 4) return false;
                in_.erase(0, eol + 4);
                return done_ = true;
            }
            in_.erase(0, eol + 2);
            remaining_ = size;
            inChunk_ = true;
        }
        const std::size_t take = std::min(remaining_, in_.size());
        reply_.body.append(in_, 0, take);
        in_.erase(0, take);
        remaining_ -= take;
        if (remaining_ > 0 || in_.size() < 2) return false;
        in_.erase(0, 2);  // the CRLF that ends a chunk
        inChunk_ = false;
    }
}

Reply ResponseReader::take() {
    Reply out = std::move(reply_);
    std::string leftover = std::move(in_);
    *this = ResponseReader();
    in_ = std::move(leftover);
    return out;
}

namespace {

int openSocket(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool closesAfter(const Reply& r) {
    return lower(headerValue(r.headers, "connection")) == "close";
}

}  // namespace

Connection::Connection(int port) : port_(port) {}

Connection::~Connection() {
    if (fd_ >= 0) ::close(fd_);
}

Reply Connection::roundTrip(const std::string& request) {
    const auto fail = [this] {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        reader_ = ResponseReader();
        return Reply{};
    };
    if (fd_ < 0 && (fd_ = openSocket(port_)) < 0) return fail();
    for (std::size_t sent = 0; sent < request.size();) {
        const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return fail();
        sent += static_cast<std::size_t>(n);
    }
    char chunk[65536];
    bool complete = false;
    while (!complete) {
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return fail();
        complete = reader_.feed(chunk, static_cast<std::size_t>(n));
        if (reader_.failed()) return fail();
    }
    Reply r = reader_.take();
    if (closesAfter(r)) {
        ::close(fd_);
        fd_ = -1;
    }
    return r;
}

void runExchanges(int port, const std::vector<Exchange*>& exchanges,
                  const std::atomic<bool>& stop) {
    struct Slot {
        Exchange* exchange;
        int fd = -1;
        std::string out;
        std::size_t sent = 0;
        ResponseReader reader;
        bool done = false;
    };
    std::vector<Slot> slots;
    slots.reserve(exchanges.size());
    for (Exchange* e : exchanges) slots.push_back(Slot{e});

    // Sends `request` next on the slot's connection, reopening it if needed.
    const auto queue = [port](Slot& s, std::string request) {
        if (request.empty()) {
            s.done = true;
            if (s.fd >= 0) ::close(s.fd);
            s.fd = -1;
            return;
        }
        if (s.fd < 0) {
            s.fd = openSocket(port);
            if (s.fd >= 0) ::fcntl(s.fd, F_SETFL, ::fcntl(s.fd, F_GETFL) | O_NONBLOCK);
        }
        s.out = std::move(request);
        s.sent = 0;
    };
    const auto fail = [&queue](Slot& s) {
        if (s.fd >= 0) ::close(s.fd);
        s.fd = -1;
        s.reader = ResponseReader();
        s.out.clear();
        queue(s, s.exchange->next(Reply{}));
    };
    for (auto& s : slots) queue(s, s.exchange->first());

    std::vector<pollfd> fds;
    std::vector<Slot*> polled;
    char chunk[65536];
    while (!stop.load(std::memory_order_relaxed)) {
        fds.clear();
        polled.clear();
        for (auto& s : slots) {
            if (s.done) continue;
            if (s.fd < 0) {  // could not connect
                fail(s);
                continue;
            }
            const short events = static_cast<short>(POLLIN | (s.sent < s.out.size() ? POLLOUT : 0));
            fds.push_back(pollfd{s.fd, events, 0});
            polled.push_back(&s);
        }
        if (fds.empty()) break;
        if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            Slot& s = *polled[i];
            if (fds[i].revents & POLLOUT) {
                const ssize_t n =
                    ::send(s.fd, s.out.data() + s.sent, s.out.size() - s.sent, MSG_NOSIGNAL);
                if (n < 0 && errno != EAGAIN) {
                    fail(s);
                    continue;
                }
                if (n > 0) s.sent += static_cast<std::size_t>(n);
            }
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            for (;;) {
                const ssize_t n = ::recv(s.fd, chunk, sizeof chunk, 0);
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                if (n <= 0) {
                    fail(s);
                    break;
                }
                const bool complete = s.reader.feed(chunk, static_cast<std::size_t>(n));
                if (s.reader.failed()) {
                    fail(s);
                    break;
                }
                if (!complete) {
                    if (s.reader.headersDone() && !s.reader.body().empty())
                        s.exchange->partial(s.reader.body());
                    continue;
                }
                Reply r = s.reader.take();
                if (closesAfter(r)) {
                    ::close(s.fd);
                    s.fd = -1;
                }
                queue(s, s.exchange->next(std::move(r)));
                break;
            }
        }
    }
    for (auto& s : slots) {
        if (s.fd >= 0) ::close(s.fd);
    }
}

long rssBytesOf(pid_t pid) {
    std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * ::sysconf(_SC_PAGESIZE);
}

double percentileUs(std::vector<std::uint32_t>& samplesNs, double p) {
    if (samplesNs.empty()) return 0;
    const auto k = static_cast<std::size_t>(p * static_cast<double>(samplesNs.size() - 1));
    std::nth_element(samplesNs.begin(), samplesNs.begin() + static_cast<long>(k), samplesNs.end());
    return samplesNs[k] / 1000.0;
}

}  // namespace mcpsim::bench
