#include <strings.h>
#include <algorithm>
#include <cctype>

#include "mcpsim/core/http/go_http.hpp"
#include "mcpsim/core/http/message.hpp"

namespace mcpsim::core::http {

namespace {
bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

const std::string* Headers::find(std::string_view name) const {
    for (const auto& [k, v] : items_) {
        if (iequals(k, name)) return &v;
    }
    return nullptr;
}

std::optional<std::string> Headers::get(std::string_view name) const {
    if (const std::string* v = find(name)) return *v;
    return std::nullopt;
}

std::string Headers::value(std::string_view name) const {
    const std::string* v = find(name);
    return v ? *v : std::string();
}

void Headers::set(std::string name, std::string value) {
    remove(name);
    items_.emplace_back(std::move(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
}

void Headers::remove(std::string_view name) {
    items_.erase(std::remove_if(items_.begin(), items_.end(),
                                [&](const auto& kv) { return iequals(kv.first, name); }),
                 items_.end());
}

void Headers::lowercaseNames() {
    for (auto& [k, v] : items_) {
        for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
}

std::string percentDecode(std::string_view in, bool plusIsSpace) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
            out.push_back(
                static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else if (c == '+' && plusIsSpace) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string percentEncode(std::string_view in) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : in) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string Request::path() const {
    auto q = target.find('?');
    return percentDecode(std::string_view(target).substr(0, q), false);
}

std::string Request::rawQuery() const {
    auto q = target.find('?');
    return q == std::string::npos ? std::string() : target.substr(q + 1);
}

std::vector<std::pair<std::string, std::string>> Request::queryParams() const {
    std::vector<std::pair<std::string, std::string>> out;
    std::string q = rawQuery();
    std::size_t pos = 0;
    while (pos <= q.size() && !q.empty()) {
        std::size_t amp = q.find('&', pos);
        if (amp == std::string::npos) amp = q.size();
        std::string_view part = std::string_view(q).substr(pos, amp - pos);
        if (!part.empty()) {
            auto eq = part.find('=');
            if (eq == std::string_view::npos) {
                out.emplace_back(percentDecode(part, true), "");
            } else {
                out.emplace_back(percentDecode(part.substr(0, eq), true),
                                 percentDecode(part.substr(eq + 1), true));
            }
        }
        pos = amp + 1;
        if (amp == q.size()) break;
    }
    return out;
}

std::optional<std::string> Request::query(std::string_view name) const {
    for (auto& [k, v] : queryParams()) {
        if (k == name) return v;
    }
    return std::nullopt;
}

void BodyStream::write(std::string chunk) {
    if (closed_ || cancelled_) return;
    backlog_ += chunk.size();
    pending_.push_back(std::move(chunk));
    if (maxBacklog_ != 0 && backlog_ > maxBacklog_) {
        pending_.clear();
        backlog_ = 0;
        closed_ = true;
        if (onCancel_) std::exchange(onCancel_, nullptr)();
    }
    if (notify_) notify_();
}

void BodyStream::close() {
    if (closed_) return;
    closed_ = true;
    if (notify_) notify_();
}

void BodyStream::abort() {
    if (closed_) return;
    aborted_ = true;
    close();
}

void BodyStream::setNotify(std::function<void()> fn) {
    notify_ = std::move(fn);
}

std::deque<std::string> BodyStream::take() {
    backlog_ = 0;
    return std::exchange(pending_, {});
}

void BodyStream::cancel() {
    if (cancelled_) return;
    cancelled_ = true;
    pending_.clear();
    backlog_ = 0;
    notify_ = nullptr;
    if (onCancel_) {
        auto fn = std::move(onCancel_);
        onCancel_ = nullptr;
        fn();
    }
}

Response makeResponse(int status, std::string contentType, std::string body) {
    Response r;
    r.status = status;
    if (!contentType.empty()) r.headers.set("Content-Type", std::move(contentType));
    r.body = std::move(body);
    return r;
}

std::string_view reasonPhrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 413:
            return "Request Entity Too Large";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Entity";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Unknown";
    }
}

Response goHttpError(int status, const std::string& message) {
    auto r = makeResponse(status, "text/plain; charset=utf-8", message + "\n");
    r.headers.set("X-Content-Type-Options", "nosniff");
    return r;
}

}  // namespace mcpsim::core::http
