#include "mcpsim/core/log.hpp"
#include "mcpsim/core/go_format.hpp"

#include <cstdio>

namespace mcpsim::core {

void LogStore::append(const std::string& source, LogLine line) {
    Source& src = sources_[source];
    src.bytes += line.text.size() + 1;
    src.lines.push_back(std::move(line));
    // The newest line always stays, however long it is.
    while (src.lines.size() > 1 && (src.lines.size() > kMaxLines || src.bytes > kMaxBytes)) {
        src.bytes -= src.lines.front().text.size() + 1;
        src.lines.pop_front();
    }
    const LogLine& stored = src.lines.back();
    if (echo_) echo_(source, stored);
    // Copy first: a subscriber may unsubscribe itself while being called.
    std::vector<Subscriber> targets;
    for (const auto& [id, sub] : subscribers_) {
        if (sub.first == source) targets.push_back(sub.second);
    }
    for (const auto& fn : targets) fn(stored);
}

const std::deque<LogLine>& LogStore::lines(const std::string& source) const {
    static const std::deque<LogLine> none;
    auto it = sources_.find(source);
    return it == sources_.end() ? none : it->second.lines;
}

std::vector<std::string> LogStore::sources() const {
    std::vector<std::string> out;
    for (const auto& [name, src] : sources_) {
        if (!src.lines.empty()) out.push_back(name);
    }
    return out;
}

bool LogStore::has(const std::string& source) const {
    return sources_.count(source) > 0;
}

std::uint64_t LogStore::subscribe(const std::string& source, Subscriber fn) {
    const std::uint64_t id = nextId_++;
    subscribers_.emplace(id, std::make_pair(source, std::move(fn)));
    return id;
}

void LogStore::unsubscribe(std::uint64_t id) {
    subscribers_.erase(id);
}

void LogStore::setEcho(std::function<void(const std::string&, const LogLine&)> echo) {
    echo_ = std::move(echo);
}

std::string slogQuote(const std::string& value) {
    bool needs = value.empty();
    for (unsigned char c : value) {
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) {
            needs = true;
            break;
        }
    }
    if (!needs) return value;
    return goQuote(value);  // slog quotes with strconv.Quote
}

namespace {

// " key=value" in slog's text form.
void appendAttr(std::string& line, const LogAttr& a) {
    line.append(" ").append(slogQuote(a.key)).append("=");
    if (a.quotedShared) {
        line.append(*a.quotedShared);
    } else if (a.quoted) {
        line.append(a.value);
    } else {
        line.append(slogQuote(a.value));
    }
}

}  // namespace

Logger::Logger(const Clock& clock, LogStore& store, std::string source, std::vector<LogAttr> base)
    : clock_(&clock), store_(&store), source_(std::move(source)) {
    for (const auto& a : base) appendAttr(base_, a);
}

Logger Logger::with(std::vector<LogAttr> attrs) const {
    Logger copy = *this;
    for (const auto& a : attrs) appendAttr(copy.base_, a);
    return copy;
}

void Logger::log(LogLevel level, const std::string& msg, const std::vector<LogAttr>& attrs) const {
    static const char* names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    const WallTime t = clock_->now();
    std::string line;
    line.reserve(160);
    line.append("time=")
        .append(formatRfc3339Nano(t))
        .append(" level=")
        .append(names[static_cast<int>(level)])
        .append(" msg=")
        .append(slogQuote(msg));
    std::size_t shared = 0;
    for (const auto& a : attrs) shared += a.quotedShared ? a.quotedShared->size() : 0;
    if (shared > 0) line.reserve(line.size() + shared + 1024);
    // slog order: attributes bound with with() come before the call's own.
    line.append(base_);
    for (const auto& a : attrs) appendAttr(line, a);
    store_->append(source_, LogLine{t, std::move(line)});
}

}  // namespace mcpsim::core
