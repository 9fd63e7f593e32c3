#include "mcpsim/core/base64.hpp"

namespace mcpsim::core {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int valueOf(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}
}  // namespace

std::string base64Encode(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                     (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64Decode(std::string_view in) {
    if (in.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(in.size() / 4 * 3);
    for (std::size_t i = 0; i < in.size(); i += 4) {
        int a = valueOf(in[i]), b = valueOf(in[i + 1]);
        if (a < 0 || b < 0) return std::nullopt;
        const bool last = i + 4 == in.size();
        const bool pad2 = last && in[i + 2] == '=' && in[i + 3] == '=';
        const bool pad1 = last && !pad2 && in[i + 3] == '=';
        int c = pad2 ? 0 : valueOf(in[i + 2]);
        int d = (pad1 || pad2) ? 0 : valueOf(in[i + 3]);
        if (c < 0 || d < 0) return std::nullopt;
        unsigned v = (a << 18) | (b << 12) | (c << 6) | d;
        out += static_cast<char>((v >> 16) & 0xff);
        if (!pad2) out += static_cast<char>((v >> 8) & 0xff);
        if (!pad1 && !pad2) out += static_cast<char>(v & 0xff);
    }
    return out;
}

}  // namespace mcpsim::core
