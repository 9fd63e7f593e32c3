#include "mcpsim/core/yaml.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <unordered_map>

namespace mcpsim::core {

namespace {

// The number shapes of go-yaml v2's resolver, matched by hand: std::regex recurses once per
// character and overflows the stack on a long scalar.
bool isDigit(char c, int base) {
    if (base == 16) return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    return c >= '0' && c < static_cast<char>('0' + base);
}

std::size_t signLength(const std::string& s) {
    return !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
}

// [-+]?(0|[1-9][0-9_]*)
bool isDecimalInt(const std::string& s) {
    std::size_t i = signLength(s);
    if (i >= s.size()) return false;
    if (s[i] == '0') return i + 1 == s.size();
    if (!isDigit(s[i], 10)) return false;
    for (++i; i < s.size(); ++i) {
        if (!isDigit(s[i], 10) && s[i] != '_') return false;
    }
    return true;
}

// [-+]?0x[0-9a-fA-F_]+ (base 16) or [-+]?0[0-7_]+ (base 8)
bool isPrefixedInt(const std::string& s, int base) {
    std::size_t i = signLength(s);
    const std::string prefix = base == 16 ? "0x" : "0";
    if (s.compare(i, prefix.size(), prefix) != 0) return false;
    i += prefix.size();
    if (i >= s.size()) return false;
    for (; i < s.size(); ++i) {
        if (!isDigit(s[i], base) && s[i] != '_') return false;
    }
    return true;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, on the text without underscores
bool isYamlFloat(const std::string& s) {
    std::size_t i = signLength(s);
    auto digits = [&] {
        const std::size_t from = i;
        while (i < s.size() && isDigit(s[i], 10)) ++i;
        return i - from;
    };
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (digits() == 0) return false;
    } else {
        if (digits() == 0) return false;
        if (i < s.size() && s[i] == '.') {
            ++i;
            digits();
        }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
        if (digits() == 0) return false;
    }
    return i == s.size();
}

// Plain (unquoted) scalar resolution, YAML 1.1 style as go-yaml v2 does it.
Json resolvePlain(const std::string& s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    // Most scalars are plain words: only a few shapes can be anything but a string.
    const char c0 = s[0];
    const bool numeric = (c0 >= '0' && c0 <= '9') || c0 == '-' || c0 == '+' || c0 == '.';
    const bool wordy = c0 == 't' || c0 == 'T' || c0 == 'f' || c0 == 'F' || c0 == 'y' || c0 == 'Y' ||
                       c0 == 'n' || c0 == 'N' || c0 == 'o' || c0 == 'O';
    if (!numeric && !wordy) return s;
    if (wordy && s.size() > 5) return s;
    if (s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "Yes" || s == "YES" ||
        s == "on" || s == "On" || s == "ON" || s == "y" || s == "Y") {
        return true;
    }
    if (s == "false" || s == "False" || s == "FALSE" || s == "no" || s == "No" || s == "NO" ||
        s == "off" || s == "Off" || s == "OFF" || s == "n" || s == "N") {
        return false;
    }
    if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") return INFINITY;
    if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -INFINITY;
    if (s == ".nan" || s == ".NaN" || s == ".NAN") return NAN;
    auto noUnderscore = [](std::string v) {
        v.erase(std::remove(v.begin(), v.end(), '_'), v.end());
        return v;
    };
    try {
        if (isDecimalInt(s)) {
            return static_cast<std::int64_t>(std::stoll(noUnderscore(s)));
        }
        if (isPrefixedInt(s, 16)) {
            std::string v = noUnderscore(s);
            bool neg = v[0] == '-';
            auto start = v.find('x') + 1;
            auto n = static_cast<std::int64_t>(std::stoll(v.substr(start), nullptr, 16));
            return neg ? -n : n;
        }
        if (isPrefixedInt(s, 8)) {
            std::string v = noUnderscore(s);
            return static_cast<std::int64_t>(std::stoll(v, nullptr, 8));
        }
    } catch (const std::out_of_range&) {
        // Too large for int64: go-yaml falls back to float.
    } catch (const std::invalid_argument&) {
        // Only underscores after the prefix (0x__): strconv.ParseInt fails, so not a number.
    }
    const std::string plain = noUnderscore(s);
    if (isYamlFloat(plain)) {
        try {
            return std::stod(plain);
        } catch (const std::out_of_range&) {
            // Past double's range strconv.ParseFloat fails too, and go-yaml keeps the string.
        }
    }
    return s;
}

// Records where each node starts, by JSON pointer, when `lines` is given.
using LineMap = std::map<std::string, int>;

std::string pointerToken(const std::string& key) {
    std::string out;
    for (char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

Json toJson(const YAML::Node& node, LineMap* lines = nullptr, const std::string& at = "") {
    if (lines != nullptr && node.Mark().line >= 0) (*lines)[at] = node.Mark().line + 1;
    switch (node.Type()) {
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            return nullptr;
        case YAML::NodeType::Scalar:
            // "!" marks a quoted (non-plain) scalar: always a string.
            if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return node.Scalar();
            {
                Json value = resolvePlain(node.Scalar());
                // sigs.k8s.io/yaml turns YAML into JSON with encoding/json, which has no NaN or
                // Inf.
                if (value.is_number_float() && !std::isfinite(value.get<double>())) {
                    const double f = value.get<double>();
                    throw YamlError(
                        std::string("json: unsupported value: ") + (std::isnan(f) ? "NaN"
                                                                    : f > 0       ? "+Inf"
                                                                                  : "-Inf"),
                        0, 0);
                }
                return value;
            }
        case YAML::NodeType::Sequence: {
            Json arr = Json::array();
            for (const auto& item : node) {
                arr.push_back(toJson(
                    item, lines, lines ? at + "/" + std::to_string(arr.size()) : std::string()));
            }
            return arr;
        }
        case YAML::NodeType::Map: {
            Json obj = Json::object();
            std::vector<Json> merged;  // YAML merge keys (<<), as go-yaml supports them
            for (const auto& kv : node) {
                std::string key = kv.first.IsScalar() ? kv.first.Scalar() : YAML::Dump(kv.first);
                if (key == "<<" && kv.first.Tag() != "!") {
                    Json src = toJson(kv.second);
                    if (src.is_array()) {
                        for (auto& m : src) merged.push_back(std::move(m));
                    } else {
                        merged.push_back(std::move(src));
                    }
                    continue;
                }
                obj[key] =
                    toJson(kv.second, lines, lines ? at + "/" + pointerToken(key) : std::string());
                // A field is where its key is, so errors point at the line that names it.
                if (lines != nullptr && kv.first.Mark().line >= 0) {
                    (*lines)[at + "/" + pointerToken(key)] = kv.first.Mark().line + 1;
                }
            }
            for (const auto& m : merged) {
                if (!m.is_object()) continue;
                for (auto it = m.begin(); it != m.end(); ++it) {
                    if (!obj.contains(it.key())) obj[it.key()] = it.value();
                }
            }
            return obj;
        }
    }
    return nullptr;
}

bool needsQuotes(const std::string& s) {
    if (s.empty()) return true;
    Json resolved = resolvePlain(s);
    if (!resolved.is_string()) return true;  // would read back as a bool/number/null
    static const std::string special = ":#{}[],&*!|>'\"%@`";
    if (special.find(s.front()) != std::string::npos || s.front() == '-' || s.front() == '?' ||
        s.front() == ' ' || s.back() == ' ' || s.back() == ':') {
        return true;
    }
    if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return true;
    // A document end marker when plain (libyaml's emitter quotes "---" and "..." likewise).
    if (s.rfind("...", 0) == 0) return true;
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) return true;
    }
    return false;
}

std::string quote(const std::string& s) {
    if (!needsQuotes(s)) return s;
    return Json(s).dump();  // JSON strings are valid double-quoted YAML
}

void emit(const Json& v, int indent, std::string& out, bool inSeq);

void emitScalar(const Json& v, std::string& out) {
    if (v.is_string()) {
        out += quote(v.get<std::string>());
    } else if (v.is_null()) {
        out += "null";
    } else {
        out += v.dump();
    }
}

void emit(const Json& v, int indent, std::string& out, bool inSeq) {
    const std::string pad(indent, ' ');
    if (v.is_object()) {
        if (v.empty()) {
            out += "{}\n";
            return;
        }
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (!(first && inSeq)) out += pad;
            first = false;
            // As go-yaml's emitter: a key longer than 128 characters is written as an explicit
            // "? key" entry (YAML allows at most 1024 for an implicit one).
            const std::string key = quote(it.key());
            out += key.size() > 128 ? "? " + key + "\n" + pad + ":" : key + ":";
            const Json& child = it.value();
            if ((child.is_object() || child.is_array()) && !child.empty()) {
                out += "\n";
                emit(child, child.is_array() ? indent : indent + 2, out, false);
            } else {
                out += " ";
                if (child.is_object()) {
                    out += "{}\n";
                } else if (child.is_array()) {
                    out += "[]\n";
                } else {
                    emitScalar(child, out);
                    out += "\n";
                }
            }
        }
    } else if (v.is_array()) {
        if (v.empty()) {
            out += pad + "[]\n";
            return;
        }
        for (const auto& item : v) {
            out += pad + "- ";
            if (item.is_object() && !item.empty()) {
                emit(item, indent + 2, out, true);
            } else if (item.is_array() && !item.empty()) {
                out += "\n";
                emit(item, indent + 2, out, false);
            } else if (item.is_object()) {
                out += "{}\n";
            } else if (item.is_array()) {
                out += "[]\n";
            } else {
                emitScalar(item, out);
                out += "\n";
            }
        }
    } else {
        out += pad;
        emitScalar(v, out);
        out += "\n";
    }
}

// go-yaml's reader refuses what is not UTF-8, and control characters, before it parses;
// yaml-cpp would pass the bytes through into strings that then cannot be encoded as JSON.
void checkReadable(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned char lead = p[i];
        const std::size_t width = (lead & 0x80) == 0      ? 1
                                  : (lead & 0xE0) == 0xC0 ? 2
                                  : (lead & 0xF0) == 0xE0 ? 3
                                  : (lead & 0xF8) == 0xF0 ? 4
                                                          : 0;
        if (width == 0) throw YamlError("invalid leading UTF-8 octet", 0, 0);
        if (i + width > n) throw YamlError("incomplete UTF-8 octet sequence", 0, 0);
        char32_t value = width == 1   ? lead
                         : width == 2 ? lead & 0x1F
                         : width == 3 ? lead & 0x0F
                                      : lead & 0x07;
        for (std::size_t k = 1; k < width; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) throw YamlError("invalid trailing UTF-8 octet", 0, 0);
            value = (value << 6) | (p[i + k] & 0x3F);
        }
        const bool shortest = width == 1 || (width == 2 && value >= 0x80) ||
                              (width == 3 && value >= 0x800) || (width == 4 && value >= 0x10000);
        if (!shortest) throw YamlError("invalid length of a UTF-8 sequence", 0, 0);
        if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF)
            throw YamlError("invalid Unicode character", 0, 0);
        const bool printable = value == 0x09 || value == 0x0A || value == 0x0D ||
                               (value >= 0x20 && value <= 0x7E) || value == 0x85 ||
                               (value >= 0xA0 && value <= 0xD7FF) ||
                               (value >= 0xE000 && value <= 0xFFFD) || value >= 0x10000;
        if (!printable) throw YamlError("control characters are not allowed", 0, 0);
        i += width;
    }
}

// yaml-cpp 0.7 never consumes a stray flow indicator at block level (",x"): LoadAll would make
// null documents forever, on the world's one thread. A first pass that builds nothing counts
// the documents; beyond one, each needs a "---" or "..." marker.
void checkTerminates(std::string_view text) {
    struct Ignore final : YAML::EventHandler {
        void OnDocumentStart(const YAML::Mark&) override {}
        void OnDocumentEnd() override {}
        void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
        void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
        void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                      const std::string&) override {}
        void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                             YAML::EmitterStyle::value) override {}
        void OnSequenceEnd() override {}
        void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                        YAML::EmitterStyle::value) override {}
        void OnMapEnd() override {}
    };
    std::size_t markers = 0;
    for (std::size_t at = 0; (at = text.find("---", at)) != std::string_view::npos; at += 3)
        ++markers;
    for (std::size_t at = 0; (at = text.find("...", at)) != std::string_view::npos; at += 3)
        ++markers;
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    Ignore ignore;
    std::size_t documents = 0;
    while (parser.HandleNextDocument(ignore)) {
        if (++documents > markers + 1) throw YamlError("did not find expected node content", 0, 0);
    }
}

std::vector<YamlSourceDocument> loadDocuments(std::string_view text, bool withLines) {
    checkReadable(text);
    try {
        checkTerminates(text);
    } catch (const YAML::Exception& e) {
        throw YamlError(e.msg, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                        e.mark.column >= 0 ? e.mark.column + 1 : 0);
    }
    std::vector<YamlSourceDocument> docs;
    try {
        for (const auto& node : YAML::LoadAll(std::string(text))) {
            if (node.IsNull() || !node.IsDefined()) continue;
            YamlSourceDocument doc;
            doc.value = toJson(node, withLines ? &doc.lines : nullptr);
            docs.push_back(std::move(doc));
        }
    } catch (const YAML::Exception& e) {
        throw YamlError(e.msg, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                        e.mark.column >= 0 ? e.mark.column + 1 : 0);
    }
    return docs;
}

}  // namespace

std::vector<Json> parseYamlDocuments(std::string_view text) {
    std::vector<Json> docs;
    for (auto& d : loadDocuments(text, false)) docs.push_back(std::move(d.value));
    return docs;
}

const std::vector<Json>& parseYamlDocumentsOnce(std::string_view text) {
    static std::mutex mutex;
    static std::unordered_map<std::string, std::unique_ptr<const std::vector<Json>>> parsed;
    std::lock_guard<std::mutex> lock(mutex);
    auto it = parsed.find(std::string(text));
    if (it == parsed.end()) {
        auto docs = std::make_unique<const std::vector<Json>>(parseYamlDocuments(text));
        it = parsed.emplace(std::string(text), std::move(docs)).first;
    }
    return *it->second;
}

int YamlSourceDocument::lineOf(std::string pointer) const {
    for (;;) {
        if (auto it = lines.find(pointer); it != lines.end()) return it->second;
        if (pointer.empty()) return 0;
        pointer.erase(pointer.rfind('/'));
    }
}

std::vector<YamlSourceDocument> parseYamlSourceDocuments(std::string_view text) {
    return loadDocuments(text, true);
}

Json parseYaml(std::string_view text) {
    checkReadable(text);
    try {
        YAML::Node node = YAML::Load(std::string(text));
        return toJson(node);
    } catch (const YAML::Exception& e) {
        throw YamlError(e.msg, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                        e.mark.column >= 0 ? e.mark.column + 1 : 0);
    }
}

std::string toYaml(const Json& value) {
    std::string out;
    emit(value, 0, out, false);
    return out;
}

}  // namespace mcpsim::core
