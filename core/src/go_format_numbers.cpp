// Go's float layouts, fmt's %v of decoded JSON, and encoding/json.Marshal.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "mcpsim/core/go_format.hpp"

namespace mcpsim::core {

namespace {

// The shortest decimal digits that round-trip (what Go's strconv computes), without the layout.
struct ShortestDigits {
    bool negative = false;
    std::string digits;  // significant digits, no leading zeros
    int exponent = 0;    // decimal exponent of the first digit
};

ShortestDigits shortestDigits(double value) {
    char buffer[64];
    const auto result =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    std::string scientific(buffer, result.ptr);
    ShortestDigits d;
    if (scientific[0] == '-') {
        d.negative = true;
        scientific.erase(0, 1);
    }
    const auto ePos = scientific.find('e');
    d.digits = scientific.substr(0, ePos);
    d.digits.erase(std::remove(d.digits.begin(), d.digits.end(), '.'), d.digits.end());
    d.exponent = std::stoi(scientific.substr(ePos + 1));
    return d;
}

std::string fixedLayout(const ShortestDigits& d) {
    std::string out = d.negative ? "-" : "";
    const int pointAt = d.exponent + 1;  // digits before the decimal point
    if (pointAt <= 0) {
        out += "0." + std::string(static_cast<std::size_t>(-pointAt), '0') + d.digits;
    } else if (static_cast<std::size_t>(pointAt) >= d.digits.size()) {
        out += d.digits + std::string(static_cast<std::size_t>(pointAt) - d.digits.size(), '0');
    } else {
        const auto at = static_cast<std::size_t>(pointAt);
        out += d.digits.substr(0, at) + "." + d.digits.substr(at);
    }
    return out;
}

// strconv pads the exponent to two digits; encoding/json does not.
std::string exponentLayout(const ShortestDigits& d, bool twoDigitExponent) {
    std::string out = d.negative ? "-" : "";
    out += d.digits[0];
    if (d.digits.size() > 1) out += "." + d.digits.substr(1);
    out += d.exponent < 0 ? "e-" : "e+";
    std::string magnitude = std::to_string(std::abs(d.exponent));
    if (twoDigitExponent && magnitude.size() < 2) magnitude = "0" + magnitude;
    return out + magnitude;
}

}  // namespace

std::string goFormatFloat(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == 0) return std::signbit(value) ? "-0" : "0";
    const ShortestDigits d = shortestDigits(value);
    // In shortest mode Go decides the layout as if the precision were 6.
    return d.exponent < -4 || d.exponent >= 6 ? exponentLayout(d, true) : fixedLayout(d);
}

std::string goJsonFloat(double value) {
    if (!std::isfinite(value)) return "null";
    if (value == 0) return std::signbit(value) ? "-0" : "0";
    const double magnitude = std::fabs(value);
    const ShortestDigits d = shortestDigits(value);
    return magnitude < 1e-6 || magnitude >= 1e21 ? exponentLayout(d, false) : fixedLayout(d);
}

std::string goFormatValue(const Json& value) {
    switch (value.type()) {
        case Json::value_t::null:
            return "<nil>";
        case Json::value_t::boolean:
            return value.get<bool>() ? "true" : "false";
        case Json::value_t::number_integer:
            return std::to_string(value.get<std::int64_t>());
        case Json::value_t::number_unsigned: {
            const auto u = value.get<std::uint64_t>();
            // Beyond int64 Kubernetes' decoder falls back to float64.
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                return goFormatFloat(static_cast<double>(u));
            }
            return std::to_string(u);
        }
        case Json::value_t::number_float:
            return goFormatFloat(value.get<double>());
        case Json::value_t::string:
            return value.get<std::string>();
        case Json::value_t::array: {
            std::string out = "[";
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (i > 0) out += " ";
                out += goFormatValue(value[i]);
            }
            return out + "]";
        }
        case Json::value_t::object: {
            // nlohmann keeps keys sorted bytewise, the order fmt prints map keys in.
            std::string out = "map[";
            bool first = true;
            for (const auto& [key, member] : value.items()) {
                if (!first) out += " ";
                first = false;
                out += key + ":" + goFormatValue(member);
            }
            return out + "]";
        }
        default:
            return "<nil>";
    }
}

void goJsonString(std::string_view text, std::string& out) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            switch (c) {
                case '"':
                    out += "\\\"";
                    break;
                case '\\':
                    out += "\\\\";
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
                default:
                    if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                        out += "\\u00";
                        out.push_back(kHex[c >> 4]);
                        out.push_back(kHex[c & 0xF]);
                    } else {
                        out.push_back(static_cast<char>(c));
                    }
            }
            ++i;
            continue;
        }
        std::size_t width = 0;
        const char32_t rune = goDecodeRune(text.substr(i), width);
        if (rune == 0xFFFD && width == 1) {
            out += "\\ufffd";
        } else if (rune == 0x2028 || rune == 0x2029) {
            out += rune == 0x2028 ? "\\u2028" : "\\u2029";
        } else {
            out.append(text.substr(i, width));
        }
        i += width;
    }
    out.push_back('"');
}

void goJsonMarshal(const Json& value, std::string& out) {
    switch (value.type()) {
        case Json::value_t::boolean:
            out += value.get<bool>() ? "true" : "false";
            break;
        case Json::value_t::number_integer:
            out += std::to_string(value.get<std::int64_t>());
            break;
        case Json::value_t::number_unsigned:
            out += std::to_string(value.get<std::uint64_t>());
            break;
        case Json::value_t::number_float:
            out += goJsonFloat(value.get<double>());
            break;
        case Json::value_t::string:
            goJsonString(value.get_ref<const std::string&>(), out);
            break;
        case Json::value_t::array: {
            out.push_back('[');
            bool first = true;
            for (const auto& item : value) {
                if (!first) out.push_back(',');
                first = false;
                goJsonMarshal(item, out);
            }
            out.push_back(']');
            break;
        }
        case Json::value_t::object: {
            out.push_back('{');
            bool first = true;
            for (const auto& [key, member] : value.items()) {
                if (!first) out.push_back(',');
                first = false;
                goJsonString(key, out);
                out.push_back(':');
                goJsonMarshal(member, out);
            }
            out.push_back('}');
            break;
        }
        default:
            out += "null";
            break;
    }
}

std::string goJsonMarshal(const Json& value) {
    std::string out;
    goJsonMarshal(value, out);
    return out;
}

}  // namespace mcpsim::core
