#pragma once
// Plain-socket HTTP/1.1 clients for the load benchmarks: a blocking keep-alive Connection for
// one client thread, and a poll(2) loop that drives many non-blocking connections from one
// thread. Plain sockets keep the load generator cheap on two cores; the parser reads what our
// servers send (Content-Length or chunked bodies).
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mcpsim::bench {

struct Reply {
    int status = 0;  // 0: transport failure
    std::string headers;
    std::string body;
};

std::string lower(std::string s);
// The value of header `name` (lower case) in a response's header block, "" when absent.
std::string headerValue(const std::string& headers, const std::string& name);

// Incremental HTTP/1.1 response parser. Bytes go in with feed(); a complete response comes out
// of take(). While a body is still arriving (a watch, a log follow) body() holds what has been
// decoded so far, and the reader may consume it from the front.
class ResponseReader {
  public:
    // True once a whole response has been read.
    bool feed(const char* data, std::size_t n);
    bool headersDone() const { return headerEnd_ != 0; }
    int status() const;
    std::string& body() { return reply_.body; }
    Reply take();
    bool failed() const { return failed_; }

  private:
    bool advance();
    std::string in_;
    Reply reply_;
    std::size_t headerEnd_ = 0;
    bool chunked_ = false;
    std::size_t remaining_ = 0;  // Content-Length left, or of the current chunk
    bool inChunk_ = false;
    bool done_ = false;
    bool failed_ = false;
};

// One blocking keep-alive connection to 127.0.0.1:port.
class Connection {
  public:
    explicit Connection(int port);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    // Sends `request` and reads one response; a reply with status 0 on any transport failure.
    // A reply marked Connection: close makes the connection reconnect before the next request.
    Reply roundTrip(const std::string& request);

  private:
    bool connect();
    int port_;
    int fd_ = -1;
    ResponseReader reader_;
};

// A client the Multiplexer drives: it answers each complete reply with its next request.
class Exchange {
  public:
    virtual ~Exchange() = default;
    virtual std::string first() = 0;
    // The next request after `reply`; "" ends this exchange. A reply with status 0 means the
    // connection failed (refused, reset, or closed mid-response).
    virtual std::string next(Reply reply) = 0;
    // Called as body bytes of a response still arriving accumulate in `body` (may be consumed).
    virtual void partial(std::string& body) { (void)body; }
};

// Drives many exchanges over their own connections to one port from the calling thread, until
// every exchange has ended or `stop` is set. A connection the server closes (Connection: close
// or EOF between replies) is reopened for the next request.
void runExchanges(int port, const std::vector<Exchange*>& exchanges, const std::atomic<bool>& stop);

// Resident set size of a process.
long rssBytesOf(pid_t pid);

// Latency percentiles, in microseconds, of nanosecond samples (reorders them).
double percentileUs(std::vector<std::uint32_t>& samplesNs, double p);

}  // namespace mcpsim::bench
