#pragma once
// Transport-neutral HTTP messages. Handlers see only these, never a socket, so the same handler
// serves real clients over TCP and in-process clients over the in-memory network.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpsim::core::http {

// Header fields, case-insensitive by name, order kept.
class Headers {
  public:
    // The first field with that name (case-insensitive), or null; valid until the next change.
    const std::string* find(std::string_view name) const;
    std::optional<std::string> get(std::string_view name) const;
    std::string value(std::string_view name) const;
    bool has(std::string_view name) const { return find(name) != nullptr; }
    void set(std::string name, std::string value);  // replaces all fields with that name
    void add(std::string name, std::string value);
    void remove(std::string_view name);
    void lowercaseNames();  // as HTTP/2 and Envoy's HTTP/1 codec write them
    const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

  private:
    std::vector<std::pair<std::string, std::string>> items_;
};

struct Request {
    std::string method = "GET";
    std::string target = "/";  // path plus optional ?query, as on the request line
    Headers headers;
    std::string body;
    std::string remote;  // peer address, informational

    std::string path() const;  // percent-decoded path
    std::string rawQuery() const;
    // Query parameters, percent-decoded, in order ('+' means space as in forms).
    std::vector<std::pair<std::string, std::string>> queryParams() const;
    std::optional<std::string> query(std::string_view name) const;
};

// A response body produced over time (watch streams, log follow, server-sent events). The
// handler writes; the transport delivers each write as one chunk, in order. Single-threaded.
class BodyStream {
  public:
    void write(std::string chunk);
    void close();  // normal end of the body
    // The producer breaks off (an upstream whose connection drops mid-response): the body ends
    // without its normal end, so an HTTP/1.1 client sees the connection close before the last
    // chunk. closed() is true too.
    void abort();
    bool closed() const { return closed_; }
    bool aborted() const { return aborted_; }
    // The peer went away or the transport gave up: the producer should stop writing.
    bool cancelled() const { return cancelled_; }
    void onCancel(std::function<void()> fn) { onCancel_ = std::move(fn); }
    // A reader that stops reading must not make the producer's writes pile up without bound:
    // once more than `bytes` wait unsent beyond what is queued now (a watch's initial burst),
    // the backlog is dropped, the body ends and the producer is told as on cancel (the
    // apiserver closes a watcher that does not keep up).
    void limitBacklog(std::size_t bytes) { maxBacklog_ = backlog_ + bytes; }
    void setNotify(std::function<void()> fn);  // called after write()/close()
    std::deque<std::string> take();
    void cancel();

  private:
    std::deque<std::string> pending_;
    std::size_t backlog_ = 0;  // bytes in pending_
    std::size_t maxBacklog_ = 0;
    bool closed_ = false;
    bool aborted_ = false;
    bool cancelled_ = false;
    std::function<void()> notify_;
    std::function<void()> onCancel_;
};

struct Response {
    int status = 200;
    Headers headers;
    std::string body;
    // When set, the body is streamed (chunked) from here instead of `body`.
    std::shared_ptr<BodyStream> stream;
};

Response makeResponse(int status, std::string contentType, std::string body);

using Reply = std::function<void(Response)>;
// Handlers answer by calling reply exactly once, now or later.
using Handler = std::function<void(Request&&, Reply)>;

std::string percentDecode(std::string_view in, bool plusIsSpace);
std::string percentEncode(std::string_view in);
std::string_view reasonPhrase(int status);

}  // namespace mcpsim::core::http
