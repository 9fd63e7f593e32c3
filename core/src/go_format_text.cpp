// Go's string quoting, UTF-8 decoding and standard base64.
#include <array>
#include <cstdio>

#include "mcpsim/core/go_format.hpp"

namespace mcpsim::core {

namespace {

// Runes strconv.IsPrint rejects that Kubernetes values plausibly hold: the C1 controls, space
// separators other than ' ', line/paragraph separators, common format characters, surrogates,
// private use and noncharacters. (Unassigned code points, which Go also escapes, pass through.)
bool goPrintable(char32_t r) {
    if (r < 0x20 || r == 0x7F) return false;
    if (r < 0x7F) return true;
    if (r >= 0x80 && r <= 0x9F) return false;
    switch (r) {
        case 0xA0:
        case 0xAD:
        case 0x61C:
        case 0x6DD:
        case 0x70F:
        case 0x1680:
        case 0x180E:
        case 0x202F:
        case 0x205F:
        case 0x3000:
        case 0xFEFF:
        case 0xE0001:
            return false;
        default:
            break;
    }
    const std::array<std::pair<char32_t, char32_t>, 11> ranges = {{{0x600, 0x605},
                                                                   {0x2000, 0x200F},
                                                                   {0x2028, 0x202E},
                                                                   {0x2060, 0x206F},
                                                                   {0xD800, 0xF8FF},
                                                                   {0xFDD0, 0xFDEF},
                                                                   {0xFFF9, 0xFFFB},
                                                                   {0xFFFE, 0xFFFF},
                                                                   {0xE0020, 0xE007F},
                                                                   {0xF0000, 0x10FFFF},
                                                                   {0x110000, 0xFFFFFFFF}}};
    for (const auto& [low, high] : ranges) {
        if (r >= low && r <= high) return false;
    }
    return true;
}

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64Value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

bool isNewline(char c) {
    return c == '\n' || c == '\r';
}

}  // namespace

char32_t goDecodeRune(std::string_view text, std::size_t& width) {
    width = 0;
    if (text.empty()) return 0xFFFD;
    width = 1;
    const auto b0 = static_cast<unsigned char>(text[0]);
    if (b0 < 0x80) return b0;
    std::size_t n = 0;
    char32_t rune = 0;
    char32_t minimum = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2, rune = b0 & 0x1F, minimum = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3, rune = b0 & 0x0F, minimum = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4, rune = b0 & 0x07, minimum = 0x10000;
    } else {
        return 0xFFFD;
    }
    if (text.size() < n) return 0xFFFD;
    for (std::size_t k = 1; k < n; ++k) {
        const auto b = static_cast<unsigned char>(text[k]);
        if ((b & 0xC0) != 0x80) return 0xFFFD;
        rune = (rune << 6) | (b & 0x3F);
    }
    // Overlong forms, surrogate halves and values past U+10FFFF are invalid in Go too.
    if (rune < minimum || (rune >= 0xD800 && rune <= 0xDFFF) || rune > 0x10FFFF) return 0xFFFD;
    width = n;
    return rune;
}

void goAppendRune(std::string& out, char32_t rune) {
    if ((rune >= 0xD800 && rune <= 0xDFFF) || rune > 0x10FFFF) rune = 0xFFFD;
    if (rune < 0x80) {
        out.push_back(static_cast<char>(rune));
    } else if (rune < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (rune >> 6)));
        out.push_back(static_cast<char>(0x80 | (rune & 0x3F)));
    } else if (rune < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (rune >> 12)));
        out.push_back(static_cast<char>(0x80 | ((rune >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (rune & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (rune >> 18)));
        out.push_back(static_cast<char>(0x80 | ((rune >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((rune >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (rune & 0x3F)));
    }
}

std::string goQuote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8 + 2);
    out += '"';
    std::size_t i = 0;
    char buffer[16];
    while (i < text.size()) {
        // Runs of printable ASCII other than the quote and backslash go out as they are, in one
        // append (a log line may quote a whole JSON document).
        std::size_t run = i;
        while (run < text.size()) {
            const auto b = static_cast<unsigned char>(text[run]);
            if (b < 0x20 || b >= 0x7f || b == '"' || b == '\\') break;
            ++run;
        }
        if (run > i) {
            out.append(text.data() + i, run - i);
            i = run;
            continue;
        }
        const char c = text[i];
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80) {
            ++i;
            switch (c) {
                case '"':
                    out += "\\\"";
                    continue;
                case '\\':
                    out += "\\\\";
                    continue;
                default:
                    break;
            }
            if (goPrintable(u)) {
                out += c;
                continue;
            }
            switch (c) {
                case '\a':
                    out += "\\a";
                    break;
                case '\b':
                    out += "\\b";
                    break;
                case '\f':
                    out += "\\f";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                case '\v':
                    out += "\\v";
                    break;
                default:
                    std::snprintf(buffer, sizeof buffer, "\\x%02x", u);
                    out += buffer;
            }
            continue;
        }
        std::size_t width = 0;
        const char32_t rune = goDecodeRune(text.substr(i), width);
        if (rune == 0xFFFD && width == 1) {
            std::snprintf(buffer, sizeof buffer, "\\x%02x", u);  // a byte that is not UTF-8
            out += buffer;
        } else if (goPrintable(rune)) {
            out.append(text.substr(i, width));
        } else if (rune < 0x10000) {
            std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(rune));
            out += buffer;
        } else {
            std::snprintf(buffer, sizeof buffer, "\\U%08x", static_cast<unsigned>(rune));
            out += buffer;
        }
        i += width;
    }
    return out + "\"";
}

std::optional<char> goSimpleEscape(char letter) {
    switch (letter) {
        case 'a':
            return '\a';
        case 'b':
            return '\b';
        case 'f':
            return '\f';
        case 'n':
            return '\n';
        case 'r':
            return '\r';
        case 't':
            return '\t';
        case 'v':
            return '\v';
        case '\\':
            return '\\';
        default:
            return std::nullopt;
    }
}

std::string base64Encode(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        out += kBase64Alphabet[(v >> 18) & 63];
        out += kBase64Alphabet[(v >> 12) & 63];
        out += kBase64Alphabet[(v >> 6) & 63];
        out += kBase64Alphabet[v & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += kBase64Alphabet[(v >> 18) & 63];
        out += kBase64Alphabet[(v >> 12) & 63];
        out += i + 1 < in.size() ? kBase64Alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

// Quantum by quantum, as Go's decoder walks the input, so a failure names the same byte.
std::optional<std::string> base64Decode(std::string_view in, std::string* error) {
    auto corrupt = [&](std::size_t at) -> std::optional<std::string> {
        if (error) *error = "illegal base64 data at input byte " + std::to_string(at);
        return std::nullopt;
    };
    std::string out;
    out.reserve(in.size() / 4 * 3);
    std::size_t si = 0;
    while (si < in.size()) {
        int quantum[4] = {0, 0, 0, 0};
        std::size_t have = 4;  // sextets in this quantum
        bool end = false;
        for (std::size_t j = 0; j < 4;) {
            if (si == in.size()) {
                if (j == 0) return out;  // only newlines were left
                return corrupt(si - j);
            }
            const char c = in[si++];
            if (const int v = base64Value(c); v >= 0) {
                quantum[j++] = v;
                continue;
            }
            if (isNewline(c)) continue;
            if (c != '=' || j < 2) return corrupt(si - 1);
            if (j == 2) {  // "==" expected: the second '=' may follow newlines
                while (si < in.size() && isNewline(in[si])) ++si;
                if (si == in.size()) return corrupt(in.size());
                if (in[si] != '=') return corrupt(si - 1);
                ++si;
            }
            while (si < in.size() && isNewline(in[si])) ++si;
            if (si < in.size()) return corrupt(si);  // data after the padding
            have = j;
            end = true;
            break;
        }
        const unsigned v =
            (static_cast<unsigned>(quantum[0]) << 18) | (static_cast<unsigned>(quantum[1]) << 12) |
            (static_cast<unsigned>(quantum[2]) << 6) | static_cast<unsigned>(quantum[3]);
        out += static_cast<char>((v >> 16) & 0xff);
        if (have >= 3) out += static_cast<char>((v >> 8) & 0xff);
        if (have == 4) out += static_cast<char>(v & 0xff);
        if (end) break;
        while (si < in.size() && isNewline(in[si])) ++si;
    }
    return out;
}

std::string goCoerceUtf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0, width = 0; i < text.size(); i += width) {
        if (goDecodeRune(text.substr(i), width) == 0xFFFD && width == 1)
            out += "\xEF\xBF\xBD";
        else
            out.append(text.substr(i, width));
    }
    return out;
}

}  // namespace mcpsim::core
