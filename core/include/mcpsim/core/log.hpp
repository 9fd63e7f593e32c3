#pragma once
// Structured logs in Go log/slog text format (time=... level=INFO msg="..." k=v). Each line is
// stored under a source (for example "mcp-system/mcp-gateway-controller") so the API server can
// serve it through `kubectl logs`.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mcpsim/core/clock.hpp"

namespace mcpsim::core {

struct LogLine {
    WallTime time;
    std::string text;  // without trailing newline
};

class LogStore {
  public:
    using Subscriber = std::function<void(const LogLine&)>;
    void append(const std::string& source, LogLine line);
    // Lines of a source, oldest first. Each source keeps its newest kMaxLines lines and at most
    // kMaxBytes of text, as the kubelet rotates a container's log at 10 MiB by default.
    const std::deque<LogLine>& lines(const std::string& source) const;
    static constexpr std::size_t kMaxLines = 50000;
    static constexpr std::size_t kMaxBytes = 10 * 1024 * 1024;
    bool has(const std::string& source) const;
    std::vector<std::string> sources() const;  // names of every source with lines, sorted
    // Called for every later line of the source until the returned id is unsubscribed.
    std::uint64_t subscribe(const std::string& source, Subscriber fn);
    void unsubscribe(std::uint64_t id);
    // Optional mirror of every line to a stream (mcpsim serve --verbose).
    void setEcho(std::function<void(const std::string& source, const LogLine&)> echo);

  private:
    struct Source {
        std::deque<LogLine> lines;
        std::size_t bytes = 0;  // text bytes plus one newline per line
    };
    std::map<std::string, Source> sources_;
    std::map<std::uint64_t, std::pair<std::string, Subscriber>> subscribers_;
    std::uint64_t nextId_ = 1;
    std::function<void(const std::string&, const LogLine&)> echo_;
};

enum class LogLevel { Debug, Info, Warn, Error };

// A key=value attribute. Values are quoted when they contain spaces, quotes, '=' or are empty.
struct LogAttr {
    std::string key;
    std::string value;
    // `value` is already in its logged form (slogQuote applied): a large value logged again and
    // again is quoted once.
    bool quoted = false;
    // When set, the logged form of the value, shared instead of copied into the attribute (a
    // large value logged on every call).
    std::shared_ptr<const std::string> quotedShared = nullptr;
};

class Logger {
  public:
    Logger(const Clock& clock, LogStore& store, std::string source, std::vector<LogAttr> base = {});
    Logger with(std::vector<LogAttr> attrs) const;
    void log(LogLevel level, const std::string& msg, const std::vector<LogAttr>& attrs = {}) const;
    void info(const std::string& msg, const std::vector<LogAttr>& attrs = {}) const {
        log(LogLevel::Info, msg, attrs);
    }
    void debug(const std::string& msg, const std::vector<LogAttr>& attrs = {}) const {
        log(LogLevel::Debug, msg, attrs);
    }
    void warn(const std::string& msg, const std::vector<LogAttr>& attrs = {}) const {
        log(LogLevel::Warn, msg, attrs);
    }
    void error(const std::string& msg, const std::vector<LogAttr>& attrs = {}) const {
        log(LogLevel::Error, msg, attrs);
    }
    const std::string& source() const { return source_; }

  private:
    const Clock* clock_;
    LogStore* store_;
    std::string source_;
    std::string base_;  // the attributes bound with with(), as they appear on every line
};

// slog's text quoting rule for one value.
std::string slogQuote(const std::string& value);

}  // namespace mcpsim::core
