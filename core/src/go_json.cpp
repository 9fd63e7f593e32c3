#include "mcpsim/core/go_json.hpp"

#include <cstdio>
#include <vector>

#include "mcpsim/core/go_format.hpp"

namespace mcpsim::core {

namespace {

// encoding/json's quoteChar, used in syntax errors: the byte in single quotes, escaped as
// strconv.Quote does. A byte >= 0x80 is shown as the rune of that value, as Go's string(byte)
// conversion does.
std::string goQuoteChar(unsigned char c) {
    switch (c) {
        case '\'':
            return R"('\'')";
        case '"':
            return "'\"'";
        case '\\':
            return R"('\\')";
        case '\n':
            return R"('\n')";
        case '\r':
            return R"('\r')";
        case '\t':
            return R"('\t')";
        default:
            break;
    }
    if (c < 0x20 || c == 0x7f) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "'\\x%02x'", c);
        return escaped;
    }
    if (c >= 0x80) {
        if (c < 0xa0) {
            char escaped[10];
            std::snprintf(escaped, sizeof escaped, "'\\u%04x'", c);
            return escaped;
        }
        std::string utf8{static_cast<char>(0xc0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3f))};
        return "'" + utf8 + "'";
    }
    return std::string("'") + static_cast<char>(c) + "'";
}

// Finds the first syntax error the way Go's encoding/json scanner reports it. At end of input Go
// feeds the scanner a virtual space: a state that rejects a space reports it, the others report
// "unexpected end of JSON input". Go also caps nesting at 10000.
class GoJsonSyntaxCheck {
  public:
    explicit GoJsonSyntaxCheck(std::string_view text) : text_(text) {}

    std::optional<std::string> firstError() {
        try {
            value();
            skipSpace();
            if (!atEnd()) fail(text_[pos_], "after top-level value");
        } catch (const Failure& failure) {
            return failure.message;
        }
        return std::nullopt;
    }

  private:
    struct Failure {
        std::string message;
    };
    static constexpr std::size_t kMaxDepth = 10000;

    bool atEnd() const { return pos_ >= text_.size(); }
    char currentOrSpace() const { return atEnd() ? ' ' : text_[pos_]; }
    static bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
    static bool isDigit(char c) { return c >= '0' && c <= '9'; }
    static bool isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
    [[noreturn]] static void fail(char c, std::string_view context) {
        throw Failure{"invalid character " + goQuoteChar(static_cast<unsigned char>(c)) + " " +
                      std::string(context)};
    }
    [[noreturn]] static void unexpectedEnd() { throw Failure{"unexpected end of JSON input"}; }
    void skipSpace() {
        while (!atEnd() && isSpace(text_[pos_])) ++pos_;
    }
    // The next non-space byte, consumed.
    char nextToken() {
        skipSpace();
        if (atEnd()) unexpectedEnd();
        return text_[pos_++];
    }

    // One value with everything nested in it, iteratively: 10000 levels must not need 10000
    // stack frames (a sanitizer build's frames are large).
    void value() {
        std::vector<char> open;  // '{' or '[' per level
        for (;;) {
            const char c = nextToken();
            if (c == '{' || c == '[') {
                if (open.size() + 1 > kMaxDepth) fail(c, "exceeded max depth");
                skipSpace();
                if (!atEnd() && text_[pos_] == (c == '{' ? '}' : ']')) {
                    ++pos_;
                } else {
                    open.push_back(c);
                    if (c == '{') objectKey();
                    continue;
                }
            } else {
                scalar(c);
            }
            if (!afterValue(open)) return;
        }
    }
    // After a complete value: closes what ends here; false once the outermost value is done.
    bool afterValue(std::vector<char>& open) {
        while (!open.empty()) {
            const char next = nextToken();
            if (open.back() == '{') {
                if (next == ',') return objectKey(), true;
                if (next != '}') fail(next, "after object key:value pair");
            } else {
                if (next == ',') return true;
                if (next != ']') fail(next, "after array element");
            }
            open.pop_back();
        }
        return false;
    }
    void objectKey() {
        const char quote = nextToken();
        if (quote != '"') fail(quote, "looking for beginning of object key string");
        stringBody();
        const char colon = nextToken();
        if (colon != ':') fail(colon, "after object key");
    }
    void scalar(char c) {
        switch (c) {
            case '"':
                return stringBody();
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return literal("null");
            default:
                if (c == '-' || isDigit(c)) return number(c);
                fail(c, "looking for beginning of value");
        }
    }
    void stringBody() {
        while (true) {
            if (atEnd()) unexpectedEnd();
            const char c = text_[pos_++];
            if (c == '"') return;
            if (static_cast<unsigned char>(c) < 0x20) fail(c, "in string literal");
            if (c != '\\') continue;
            const char escape = currentOrSpace();
            if (escape == 'u') {
                ++pos_;
                for (int i = 0; i < 4; ++i, ++pos_) {
                    if (!isHex(currentOrSpace())) {
                        fail(currentOrSpace(), "in \\u hexadecimal character escape");
                    }
                }
            } else if (std::string_view("bfnrt\\/\"").find(escape) != std::string_view::npos) {
                ++pos_;
            } else {
                fail(escape, "in string escape code");
            }
        }
    }
    void literal(std::string_view word) {
        for (std::size_t i = 1; i < word.size(); ++i, ++pos_) {
            if (currentOrSpace() != word[i]) {
                fail(currentOrSpace(), "in literal " + std::string(word) + " (expecting '" +
                                           std::string(1, word[i]) + "')");
            }
        }
    }
    void skipDigits() {
        while (!atEnd() && isDigit(text_[pos_])) ++pos_;
    }
    void number(char first) {
        if (first == '-') {
            if (!isDigit(currentOrSpace())) fail(currentOrSpace(), "in numeric literal");
            first = text_[pos_++];
        }
        if (first != '0') skipDigits();
        if (!atEnd() && text_[pos_] == '.') {
            ++pos_;
            if (!isDigit(currentOrSpace())) {
                fail(currentOrSpace(), "after decimal point in numeric literal");
            }
            skipDigits();
        }
        if (!atEnd() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            if (!atEnd() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            if (!isDigit(currentOrSpace()))
                fail(currentOrSpace(), "in exponent of numeric literal");
            skipDigits();
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::string> goJsonSyntaxError(std::string_view text) {
    return GoJsonSyntaxCheck(text).firstError();
}

Json goJsonDecode(std::string_view text, bool allowExceptions) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size(); i += width) {
        width = 1;
        if (static_cast<unsigned char>(text[i]) < 0x80) continue;  // ASCII: always valid
        // Outside strings such a byte is a syntax error either way; inside, Go keeps U+FFFD.
        if (goDecodeRune(text.substr(i), width) == 0xFFFD && width == 1)
            return Json::parse(goCoerceUtf8(text), nullptr, allowExceptions);
    }
    return Json::parse(text, nullptr, allowExceptions);
}

}  // namespace mcpsim::core
