#include "mcpsim/core/go_json.hpp"

#include <cstdio>
#include <vector>

namespace mcpsim::core {

namespace {

// Go's quoteChar: 'x', with \' for a quote and strconv-style escapes otherwise.
std::string quoteChar(unsigned char c) {
    if (c == '\'') return "'\\''";
    if (c == '"') return "'\"'";
    if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
    char buf[16];
    switch (c) {
        case '\n': return "'\\n'";
        case '\r': return "'\\r'";
        case '\t': return "'\\t'";
        default: std::snprintf(buf, sizeof buf, "'\\x%02x'", c); return buf;
    }
}

class Scanner {
public:
    explicit Scanner(std::string_view t) : t_(t) {}

    std::optional<std::string> run() {
        skip();
        if (auto e = value()) return e;
        skip();
        if (pos_ < t_.size()) return bad("after top-level value");
        return std::nullopt;
    }

private:
    std::string_view t_;
    std::size_t pos_ = 0;

    static std::string eof() { return "unexpected end of JSON input"; }
    std::string bad(const std::string& context) {
        return "invalid character " + quoteChar(static_cast<unsigned char>(t_[pos_])) + " " +
               context;
    }
    void skip() {
        while (pos_ < t_.size() &&
               (t_[pos_] == ' ' || t_[pos_] == '\t' || t_[pos_] == '\n' || t_[pos_] == '\r')) {
            ++pos_;
        }
    }

    std::optional<std::string> value() {
        if (pos_ >= t_.size()) return eof();
        char c = t_[pos_];
        if (c == '{') return object();
        if (c == '[') return array();
        if (c == '"') return string();
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        if (c == 't') return literal("true");
        if (c == 'f') return literal("false");
        if (c == 'n') return literal("null");
        return bad("looking for beginning of value");
    }

    std::optional<std::string> literal(const char* word) {
        std::string_view w(word);
        for (std::size_t i = 0; i < w.size(); ++i, ++pos_) {
            if (pos_ >= t_.size()) return eof();
            if (t_[pos_] != w[i]) {
                return bad("in literal " + std::string(w) + " (expecting " + quoteChar(w[i]) + ")");
            }
        }
        return std::nullopt;
    }

    std::optional<std::string> number() {
        if (t_[pos_] == '-') {
            ++pos_;
            if (pos_ >= t_.size()) return eof();
            if (!(t_[pos_] >= '0' && t_[pos_] <= '9')) return bad("in numeric literal");
        }
        if (t_[pos_] == '0') {
            ++pos_;
        } else {
            while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
        }
        if (pos_ < t_.size() && t_[pos_] == '.') {
            ++pos_;
            if (pos_ >= t_.size()) return eof();
            if (!(t_[pos_] >= '0' && t_[pos_] <= '9')) return bad("after decimal point in numeric literal");
            while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
        }
        if (pos_ < t_.size() && (t_[pos_] == 'e' || t_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < t_.size() && (t_[pos_] == '+' || t_[pos_] == '-')) ++pos_;
            if (pos_ >= t_.size()) return eof();
            if (!(t_[pos_] >= '0' && t_[pos_] <= '9')) return bad("in exponent of numeric literal");
            while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
        }
        return std::nullopt;
    }

    std::optional<std::string> string() {
        ++pos_;  // opening quote
        while (pos_ < t_.size()) {
            unsigned char c = static_cast<unsigned char>(t_[pos_]);
            if (c == '"') {
                ++pos_;
                return std::nullopt;
            }
            if (c < 0x20) return bad("in string literal");
            if (c == '\\') {
                ++pos_;
                if (pos_ >= t_.size()) return eof();
                char e = t_[pos_];
                if (e == 'u') {
                    for (int i = 0; i < 4; ++i) {
                        ++pos_;
                        if (pos_ >= t_.size()) return eof();
                        if (!std::isxdigit(static_cast<unsigned char>(t_[pos_]))) {
                            return bad("in \\u hexadecimal character escape");
                        }
                    }
                } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
                    return bad("in string escape code");
                }
            }
            ++pos_;
        }
        return eof();
    }

    std::optional<std::string> object() {
        ++pos_;
        skip();
        if (pos_ >= t_.size()) return eof();
        if (t_[pos_] == '}') {
            ++pos_;
            return std::nullopt;
        }
        for (;;) {
            if (pos_ >= t_.size()) return eof();
            if (t_[pos_] != '"') return bad("looking for beginning of object key string");
            if (auto e = string()) return e;
            skip();
            if (pos_ >= t_.size()) return eof();
            if (t_[pos_] != ':') return bad("after object key");
            ++pos_;
            skip();
            if (auto e = value()) return e;
            skip();
            if (pos_ >= t_.size()) return eof();
            if (t_[pos_] == '}') {
                ++pos_;
                return std::nullopt;
            }
            if (t_[pos_] != ',') return bad("after object key:value pair");
            ++pos_;
            skip();
        }
    }

    std::optional<std::string> array() {
        ++pos_;
        skip();
        if (pos_ >= t_.size()) return eof();
        if (t_[pos_] == ']') {
            ++pos_;
            return std::nullopt;
        }
        for (;;) {
            if (auto e = value()) return e;
            skip();
            if (pos_ >= t_.size()) return eof();
            if (t_[pos_] == ']') {
                ++pos_;
                return std::nullopt;
            }
            if (t_[pos_] != ',') return bad("after array element");
            ++pos_;
            skip();
        }
    }
};

}  // namespace

std::optional<std::string> goJsonSyntaxError(std::string_view text) { return Scanner(text).run(); }

}  // namespace mcpsim::core
