#include "jsonpath.hpp"

#include "mcpsim/core/go_format.hpp"

#include <unordered_map>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

namespace mcpsim::apiserver {

using nlohmann::json;

JsonPathParseError::JsonPathParseError(const std::string& path, std::string parserError)
    : std::invalid_argument("unrecognized column definition " +
                            json(path).dump(-1, ' ', false, json::error_handler_t::replace)),
      parserError_(std::move(parserError)) {}

namespace {

// ---------------------------------------------------------------------------------------------
// Parser: mirrors client-go's template grammar, including its quirks (see the header).

struct SliceParam {
    std::int64_t value = 0;
    bool known = false;
    bool derived = false;
};

struct Node {
    enum class Kind {
        List,
        Text,
        Field,
        Array,
        Filter,  // nodes[0] = left list, nodes[1] = right list, text = operator
        Int,
        Float,
        Bool,
        Wildcard,
        Recursive,
        Union,  // nodes = lists
        Identifier,
    };
    Kind kind = Kind::List;
    std::string text;
    std::vector<Node> nodes;
    SliceParam params[3];
    std::int64_t intValue = 0;
    double floatValue = 0;
    bool boolValue = false;
};

struct PathError {
    std::string message;
};

constexpr std::int32_t kEof = -1;

bool isDigitRune(std::int32_t r) {
    return r >= '0' && r <= '9';
}
// unicode.IsLetter for ASCII; every non-ASCII rune is treated as a letter (approximation).
bool isAlphaNumeric(std::int32_t r) {
    return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || isDigitRune(r) ||
           r >= 0x80;
}
bool isTerminator(std::int32_t r) {
    switch (r) {
        case kEof:
        case ' ':
        case '\t':
        case '\r':
        case '\n':
        case '.':
        case ',':
        case '[':
        case ']':
        case '$':
        case '@':
        case '{':
        case '}':
            return true;
        default:
            return false;
    }
}

// Go's %#U: U+0028 '('
std::string quoteRune(std::int32_t r, std::string_view utf8) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
    return std::string(buf) + " '" + std::string(utf8) + "'";
}

// Go's strconv.UnquoteExtend: like strconv.Unquote but also for single-quoted strings.
std::string unquoteExtend(const std::string& s) {
    const PathError syntax{"unquote string " + s + " error invalid syntax"};
    if (s.size() < 2 || s.front() != s.back() || (s[0] != '"' && s[0] != '\'')) throw syntax;
    char quote = s[0];
    std::string_view in(s.data() + 1, s.size() - 2);
    if (in.find('\\') == std::string_view::npos && in.find(quote) == std::string_view::npos) {
        return std::string(in);
    }
    std::string out;
    std::size_t i = 0;
    auto hex = [&](std::size_t count) {
        if (i + count > in.size()) throw syntax;
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < count; ++k) {
            char c = in[i++];
            int d = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
            if (d < 0) throw syntax;
            v = v * 16 + static_cast<std::uint32_t>(d);
        }
        return v;
    };
    while (i < in.size()) {
        char c = in[i];
        if (c == quote) throw syntax;
        if (c != '\\') {
            out.push_back(c);
            ++i;
            continue;
        }
        if (i + 1 >= in.size()) throw syntax;
        char e = in[i + 1];
        i += 2;
        if (auto simple = core::goSimpleEscape(e)) {
            out.push_back(*simple);
            continue;
        }
        switch (e) {
            case 'x':
                out.push_back(static_cast<char>(hex(2)));
                break;
            case 'u':
                core::goAppendRune(out, hex(4));
                break;
            case 'U': {
                std::uint32_t cp = hex(8);
                if (cp > 0x10FFFF) throw syntax;
                core::goAppendRune(out, cp);
                break;
            }
            case '\'':
            case '"':
                if (e != quote) throw syntax;
                out.push_back(e);
                break;
            default:
                if (e >= '0' && e <= '7') {
                    std::uint32_t v = static_cast<std::uint32_t>(e - '0');
                    for (int k = 0; k < 2; ++k) {
                        if (i >= in.size() || in[i] < '0' || in[i] > '7') throw syntax;
                        v = v * 8 + static_cast<std::uint32_t>(in[i++] - '0');
                    }
                    if (v > 255) throw syntax;
                    out.push_back(static_cast<char>(v));
                    break;
                }
                throw syntax;
        }
    }
    return out;
}

std::optional<std::int64_t> parseGoInt(std::string_view s) {
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    if (s.empty() || s[0] == '+') return std::nullopt;
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

// The groups of client-go's subscript pattern ^(-?\d*)(:-?\d*)?(:-?\d*)?$, an absent group
// being "" (so "[1]" gives {"1", "", ""} and "[1:]" gives {"1", ":", ""}).
std::optional<std::array<std::string, 3>> matchSlice(const std::string& s) {
    std::array<std::string, 3> groups;
    std::size_t begin = 0;
    for (std::size_t g = 0;; ++g) {
        if (g == 3) return std::nullopt;
        std::size_t colon = s.find(':', begin);
        std::string part = s.substr(begin, colon == std::string::npos ? colon : colon - begin);
        std::size_t k = !part.empty() && part[0] == '-' ? 1 : 0;
        for (; k < part.size(); ++k) {
            if (part[k] < '0' || part[k] > '9') return std::nullopt;
        }
        groups[g] = (g > 0 ? ":" : "") + part;
        if (colon == std::string::npos) return groups;
        begin = colon + 1;
    }
}

// client-go's comparison pattern ^([^!<>=]+)([!<>=]+)(.+?)$ for filter bodies.
struct Comparison {
    std::string left, op, right;
};
std::optional<Comparison> matchComparison(const std::string& s) {
    auto isOp = [](char c) { return c == '!' || c == '<' || c == '>' || c == '='; };
    std::size_t p = 0;
    while (p < s.size() && !isOp(s[p])) ++p;
    if (p == 0 || p == s.size()) return std::nullopt;
    std::size_t q = p;
    while (q < s.size() && isOp(s[q])) ++q;
    if (q == s.size()) {
        // The right side needs a character, so the operator run gives one back.
        if (q - p < 2) return std::nullopt;
        q = s.size() - 1;
    }
    return Comparison{s.substr(0, p), s.substr(p, q - p), s.substr(q)};
}

class Parser {
  public:
    explicit Parser(std::string input) : in_(std::move(input)) {}

    // Parses a whole template: a sequence of text and {action} lists.
    std::vector<Node> parseTemplate() {
        std::vector<Node> root;
        while (true) {
            while (pos_ < in_.size() && in_[pos_] != '{') next();
            if (pos_ > start_) root.push_back(text(consume()));
            if (pos_ >= in_.size()) break;
            ++pos_;
            consume();
            Node list;
            list.kind = Node::Kind::List;
            parseInsideAction(list.nodes);
            root.push_back(std::move(list));
        }
        return root;
    }

  private:
    std::string in_;
    std::size_t pos_ = 0;
    std::size_t start_ = 0;
    std::size_t width_ = 0;

    std::int32_t next() {
        if (pos_ >= in_.size()) {
            width_ = 0;
            return kEof;
        }
        std::int32_t r = static_cast<std::int32_t>(
            core::goDecodeRune(std::string_view(in_).substr(pos_), width_));
        pos_ += width_;
        return r;
    }
    void backup() { pos_ -= width_; }
    std::int32_t peek() {
        std::int32_t r = next();
        backup();
        return r;
    }
    std::string consume() {
        std::string v = in_.substr(start_, pos_ - start_);
        start_ = pos_;
        return v;
    }
    bool startsWith(std::string_view prefix) const {
        return std::string_view(in_).substr(pos_, prefix.size()) == prefix;
    }
    static Node text(std::string s) {
        Node n;
        n.kind = Node::Kind::Text;
        n.text = std::move(s);
        return n;
    }

    // A nested action such as a filter operand, parsed as its own template.
    static Node parseAction(const std::string& body) {
        Parser sub("{" + body + "}");
        std::vector<Node> root = sub.parseTemplate();
        return std::move(root.front());
    }

    void parseInsideAction(std::vector<Node>& cur) {
        while (true) {
            if (startsWith("}")) {
                ++pos_;
                consume();
                return;
            }
            if (startsWith("[?(")) {
                parseFilter(cur);
                continue;
            }
            if (startsWith("..")) {
                parseRecursive(cur);
                continue;
            }
            std::size_t at = pos_;
            std::int32_t r = next();
            if (r == kEof || r == '\r' || r == '\n') throw PathError{"unclosed action"};
            if (r == ' ' || r == '@' || r == '$') {
                consume();
            } else if (r == '[') {
                parseArray(cur);
            } else if (r == '"' || r == '\'') {
                parseQuote(cur, r);
            } else if (r == '.') {
                parseField(cur);
            } else if (r == '+' || r == '-' || isDigitRune(r)) {
                backup();
                parseNumber(cur);
            } else if (isAlphaNumeric(r)) {
                backup();
                parseIdentifier(cur);
            } else {
                throw PathError{"unrecognized character in action: " +
                                quoteRune(r, std::string_view(in_).substr(at, width_))};
            }
        }
    }

    void parseRecursive(std::vector<Node>& cur) {
        if (!cur.empty() && cur.back().kind == Node::Kind::Recursive) {
            throw PathError{"invalid multiple recursive descent"};
        }
        pos_ += 2;
        consume();
        Node n;
        n.kind = Node::Kind::Recursive;
        cur.push_back(std::move(n));
        if (isAlphaNumeric(peek())) parseField(cur);
    }

    void parseField(std::vector<Node>& cur) {
        consume();
        while (true) {
            std::int32_t r = next();
            if (r == '\\') {
                next();
            } else if (isTerminator(r)) {
                backup();
                break;
            }
        }
        std::string value = consume();
        Node n;
        if (value == "*") {
            n.kind = Node::Kind::Wildcard;
        } else {
            n.kind = Node::Kind::Field;
            value.erase(std::remove(value.begin(), value.end(), '\\'), value.end());
            n.text = std::move(value);
        }
        cur.push_back(std::move(n));
    }

    void parseNumber(std::vector<Node>& cur) {
        std::int32_t r = peek();
        if (r == '+' || r == '-') next();
        while (true) {
            r = next();
            if (r != '.' && !isDigitRune(r)) {
                backup();
                break;
            }
        }
        std::string value = consume();
        Node n;
        if (auto i = parseGoInt(value)) {
            n.kind = Node::Kind::Int;
            n.intValue = *i;
            cur.push_back(std::move(n));
            return;
        }
        // Remaining spellings hold only a sign, digits and dots; ParseFloat wants one dot and a
        // digit.
        std::string_view body = value;
        if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
        bool ok =
            std::count(body.begin(), body.end(), '.') <= 1 &&
            std::any_of(body.begin(), body.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!ok) throw PathError{"cannot parse number " + value};
        n.kind = Node::Kind::Float;
        n.floatValue = std::strtod(value.c_str(), nullptr);
        cur.push_back(std::move(n));
    }

    void parseIdentifier(std::vector<Node>& cur) {
        while (true) {
            std::int32_t r = next();
            if (isTerminator(r)) {
                backup();
                break;
            }
        }
        std::string value = consume();
        Node n;
        if (value == "true" || value == "false") {
            n.kind = Node::Kind::Bool;
            n.boolValue = value == "true";
        } else {
            n.kind = Node::Kind::Identifier;
            n.text = std::move(value);
        }
        cur.push_back(std::move(n));
    }

    void parseArray(std::vector<Node>& cur) {
        while (true) {
            std::int32_t r = next();
            if (r == kEof || r == '\n') throw PathError{"unterminated array"};
            if (r == ']') break;
        }
        std::string inner = consume();
        inner = inner.substr(1, inner.size() - 2);
        if (inner == "*") inner = ":";

        // Union: [a,b] evaluates each part as its own subscript.
        if (inner.find(',') != std::string::npos) {
            Node u;
            u.kind = Node::Kind::Union;
            std::size_t begin = 0;
            while (true) {
                std::size_t comma = inner.find(',', begin);
                std::string part = inner.substr(begin, comma - begin);
                std::size_t b = part.find_first_not_of(' ');
                std::size_t e = part.find_last_not_of(' ');
                part = b == std::string::npos ? "" : part.substr(b, e - b + 1);
                u.nodes.push_back(parseAction("[" + part + "]"));
                if (comma == std::string::npos) break;
                begin = comma + 1;
            }
            cur.push_back(std::move(u));
            return;
        }

        // ['key'] is re-parsed as ".key", so dots inside the key split it (client-go quirk).
        if (inner.size() >= 2 && inner.front() == '\'' && inner.back() == '\'' &&
            inner.find('\'', 1) == inner.size() - 1) {
            Node sub = parseAction("." + inner.substr(1, inner.size() - 2));
            for (auto& n : sub.nodes) cur.push_back(std::move(n));
            return;
        }

        auto groups = matchSlice(inner);
        if (!groups) throw PathError{"invalid array index " + inner};
        Node n;
        n.kind = Node::Kind::Array;
        for (int i = 0; i < 3; ++i) {
            std::string v = (*groups)[static_cast<std::size_t>(i)];
            SliceParam& p = n.params[i];
            if (!v.empty()) {
                if (i > 0) v.erase(0, 1);
                if (i > 0 && v.empty()) {
                    p.known = false;
                } else {
                    auto parsed = parseGoInt(v);
                    if (!parsed) throw PathError{"array index " + v + " is not a number"};
                    p.known = true;
                    p.value = *parsed;
                }
            } else if (i == 1) {
                p.known = true;
                p.value = n.params[0].value + 1;
                p.derived = true;
            }
        }
        cur.push_back(std::move(n));
    }

    void parseFilter(std::vector<Node>& cur) {
        pos_ += 3;
        consume();
        bool begin = false, end = false;
        std::int32_t pair = 0;
        while (true) {
            std::int32_t r = next();
            if (r == kEof || r == '\n') throw PathError{"unterminated filter"};
            if (r == '"' || r == '\'') {
                if (!begin) {
                    begin = true;
                    pair = r;
                    continue;
                }
                if (in_[pos_ - 2] != '\\' && r == pair) end = true;
            } else if (r == ')' && begin == end) {
                break;
            }
        }
        if (next() != ']') throw PathError{"unclosed array expect ]"};
        std::string body = consume();
        body = body.substr(0, body.size() - 2);

        Node f;
        f.kind = Node::Kind::Filter;
        if (auto cmp = matchComparison(body)) {
            f.nodes.push_back(parseAction(cmp->left));
            f.nodes.push_back(parseAction(cmp->right));
            f.text = cmp->op;
        } else {
            f.nodes.push_back(parseAction(body));
            Node empty;
            empty.kind = Node::Kind::List;
            f.nodes.push_back(std::move(empty));
            f.text = "exists";
        }
        cur.push_back(std::move(f));
    }

    void parseQuote(std::vector<Node>& cur, std::int32_t quote) {
        while (true) {
            std::int32_t r = next();
            if (r == kEof || r == '\n') throw PathError{"unterminated quoted string"};
            if (r == quote && in_[pos_ - 2] != '\\') break;
        }
        cur.push_back(text(unquoteExtend(consume())));
    }
};

// ---------------------------------------------------------------------------------------------
// Evaluation over JSON; values are pointers into the object or into an arena of constants.

using Values = std::vector<const json*>;

class Evaluator {
  public:
    Values walk(const Values& in, const Node& n) {
        switch (n.kind) {
            case Node::Kind::List:
                return walkList(in, n);
            case Node::Kind::Text:
                return {constant(json(n.text))};
            case Node::Kind::Field:
                return field(in, n.text);
            case Node::Kind::Array:
                return array(in, n);
            case Node::Kind::Filter:
                return filter(in, n);
            case Node::Kind::Int:
                return repeat(in, json(n.intValue));
            case Node::Kind::Float:
                return repeat(in, json(n.floatValue));
            case Node::Kind::Bool:
                return repeat(in, json(n.boolValue));
            case Node::Kind::Wildcard: {
                Values out;
                for (const json* v : in) children(*v, out);
                return out;
            }
            case Node::Kind::Recursive:
                return recursive(in);
            case Node::Kind::Union: {
                Values out;
                for (const Node& list : n.nodes) {
                    Values part = walkList(in, list);
                    out.insert(out.end(), part.begin(), part.end());
                }
                return out;
            }
            case Node::Kind::Identifier:
                // range/end only make sense for kubectl templates, not for a single column.
                throw PathError{"unrecognized identifier " + n.text};
        }
        throw PathError{"unexpected node"};
    }

    Values walkList(const Values& in, const Node& list) {
        Values cur = in;
        for (const Node& child : list.nodes) cur = walk(cur, child);
        return cur;
    }

  private:
    std::deque<json> arena_;

    const json* constant(json v) {
        arena_.push_back(std::move(v));
        return &arena_.back();
    }
    Values repeat(const Values& in, const json& v) {
        Values out;
        for (std::size_t i = 0; i < in.size(); ++i) out.push_back(constant(v));
        return out;
    }

    static void children(const json& v, Values& out) {
        if (v.is_object() || v.is_array()) {
            for (const auto& child : v) out.push_back(&child);
        }
    }

    static Values field(const Values& in, const std::string& name) {
        Values out;
        for (const json* v : in) {
            if (!v->is_object()) continue;  // nulls are skipped, lists and scalars have no fields
            auto it = v->find(name);
            if (it != v->end()) out.push_back(&*it);  // a JSON null value still counts
        }
        return out;  // missing keys are allowed, as in the tableconvertor
    }

    static Values array(const Values& in, const Node& n) {
        Values out;
        for (const json* v : in) {
            if (v->is_null()) continue;
            if (!v->is_array()) throw PathError{v->type_name() + std::string(" is not array")};
            auto len = static_cast<std::int64_t>(v->size());
            SliceParam p[3] = {n.params[0], n.params[1], n.params[2]};
            if (!p[0].known) p[0].value = 0;
            if (p[0].value < 0) p[0].value += len;
            if (!p[1].known) p[1].value = len;
            if (p[1].value < 0 || (p[1].value == 0 && p[1].derived)) p[1].value += len;
            if (p[1].value == p[0].value) return out;  // client-go stops at an empty slice
            if (p[0].value >= len || p[0].value < 0 || p[1].value > len || p[1].value < 0) {
                throw PathError{"array index out of bounds"};
            }
            if (p[0].value > p[1].value) throw PathError{"starting index is greater than ending"};
            std::int64_t step = 1;
            if (p[2].known) {
                if (p[2].value <= 0) throw PathError{"step must be > 0"};
                step = p[2].value;
            }
            for (std::int64_t i = p[0].value; i < p[1].value; i += step) {
                out.push_back(&(*v)[static_cast<std::size_t>(i)]);
            }
        }
        return out;
    }

    static Values recursive(const Values& in) {
        Values out;
        for (const json* v : in) {
            Values kids;
            children(*v, kids);
            if (kids.empty()) continue;
            out.push_back(v);
            Values deeper = recursive(kids);
            out.insert(out.end(), deeper.begin(), deeper.end());
        }
        return out;
    }

    // Go template's basic kinds; anything else cannot be compared.
    enum class BasicKind { Bool, Int, Float, String };
    static BasicKind basicKind(const json& v) {
        if (v.is_boolean()) return BasicKind::Bool;
        if (v.is_number_integer()) return BasicKind::Int;
        if (v.is_number_float()) return BasicKind::Float;
        if (v.is_string()) return BasicKind::String;
        throw PathError{"invalid type for comparison"};
    }

    // JSON integers may be stored signed or unsigned; compare them exactly.
    static __int128 wideInt(const json& v) {
        return v.is_number_unsigned() ? static_cast<__int128>(v.get<std::uint64_t>())
                                      : static_cast<__int128>(v.get<std::int64_t>());
    }

    static bool equal(const json& a, const json& b) {
        BasicKind ka = basicKind(a), kb = basicKind(b);
        if (ka != kb) throw PathError{"incompatible types for comparison"};
        if (ka == BasicKind::Int) return wideInt(a) == wideInt(b);
        return a == b;
    }

    static bool less(const json& a, const json& b) {
        BasicKind ka = basicKind(a), kb = basicKind(b);
        if (ka != kb) throw PathError{"incompatible types for comparison"};
        switch (ka) {
            case BasicKind::Bool:
                throw PathError{"invalid type for comparison"};
            case BasicKind::Int:
                return wideInt(a) < wideInt(b);
            case BasicKind::Float:
                return a.get<double>() < b.get<double>();
            case BasicKind::String:
                return a.get_ref<const std::string&>() < b.get_ref<const std::string&>();
        }
        return false;
    }

    static bool compare(const std::string& op, const json& l, const json& r) {
        if (op == "==") return equal(l, r);
        if (op == "!=") return !equal(l, r);
        if (op == "<") return less(l, r);
        if (op == ">") return !less(l, r) && !equal(l, r);
        if (op == "<=") return less(l, r) || equal(l, r);
        if (op == ">=") return !less(l, r);
        throw PathError{"unrecognized filter operator " + op};
    }

    Values filter(const Values& in, const Node& n) {
        Values out;
        for (const json* v : in) {
            if (!v->is_array()) throw PathError{"is not array or slice and cannot be filtered"};
            for (const json& item : *v) {
                Values temp{&item};
                if (n.text == "exists") {
                    try {
                        if (!walkList(temp, n.nodes[0]).empty()) out.push_back(&item);
                    } catch (const PathError&) {
                        // An existence test that fails to evaluate is a non-match (client-go
                        // looks at the partial result instead; close enough for columns).
                    }
                    continue;
                }
                Values lefts = walkList(temp, n.nodes[0]);
                if (lefts.empty()) continue;
                if (lefts.size() > 1) throw PathError{"can only compare one element at a time"};
                Values rights = walkList(temp, n.nodes[1]);
                if (rights.empty()) continue;
                if (rights.size() > 1) throw PathError{"can only compare one element at a time"};
                if (compare(n.text, *lefts[0], *rights[0])) out.push_back(&item);
            }
        }
        return out;
    }
};

std::vector<Node> parsePath(const std::string& path) {
    return Parser("{" + path + "}").parseTemplate();
}

// ---------------------------------------------------------------------------------------------
// Go formatting helpers

// jsonpath PrintResults for a single value: lists and maps as JSON, scalars with fmt.Fprint.
std::string printValue(const json& v) {
    switch (v.type()) {
        case json::value_t::null:
            return "<no value>";
        case json::value_t::string:
            return v.get<std::string>();
        case json::value_t::boolean:
            return v.get<bool>() ? "true" : "false";
        case json::value_t::number_integer:
            return std::to_string(v.get<std::int64_t>());
        case json::value_t::number_unsigned:
            return std::to_string(v.get<std::uint64_t>());
        case json::value_t::number_float:
            return core::goFormatFloat(v.get<double>());
        default: {
            return core::goJsonMarshal(v);
        }
    }
}

// Go's int64(float64) on amd64: out-of-range and NaN give INT64_MIN.
std::int64_t goTruncate(double d) {
    if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
        return std::numeric_limits<std::int64_t>::min();
    }
    return static_cast<std::int64_t>(d);
}

std::string dateCell(const std::string& value, PrinterClock now) {
    // metav1.Time.UnmarshalQueryParameter: "" and "null" are the zero time.
    if (value.empty() || value == "null") return "<unknown>";
    auto t = core::parseRfc3339Unix(value);
    if (!t) return "<invalid>";
    constexpr std::int64_t kZeroTimeSeconds = -62135596800;  // 0001-01-01T00:00:00Z
    if (t->seconds == kZeroTimeSeconds && t->nanos == 0) return "<unknown>";
    // time.Since saturates instead of overflowing.
    __int128 nowNs = now.time_since_epoch().count();
    __int128 thenNs = static_cast<__int128>(t->seconds) * 1000000000 + t->nanos;
    __int128 d = nowNs - thenNs;
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    d = std::clamp<__int128>(d, kMin, kMax);
    return core::humanDuration(std::chrono::nanoseconds(static_cast<std::int64_t>(d)));
}

}  // namespace

// Printer columns evaluate the same few paths for every row: parse each once per thread.
const std::vector<Node>& parsedPath(const std::string& path) {
    thread_local std::unordered_map<std::string, std::vector<Node>> cache;
    auto it = cache.find(path);
    if (it == cache.end()) {
        if (cache.size() > 4096) cache.clear();
        it = cache.emplace(path, parsePath(path)).first;
    }
    return it->second;
}

std::vector<json> evalJsonPath(const std::string& path, const json& obj) {
    try {
        const std::vector<Node>& root = parsedPath(path);
        Evaluator ev;
        std::vector<Values> results;
        for (const Node& n : root) results.push_back(ev.walk(Values{&obj}, n));
        std::vector<json> out;
        if (results.empty()) return out;
        for (const json* v : results.front()) out.push_back(*v);
        return out;
    } catch (const PathError&) {
        return {};
    }
}

void checkJsonPath(const std::string& path) {
    if (path.empty()) throw JsonPathValidationError("must not be empty");
    if (path[0] != '.') {
        throw JsonPathValidationError("must be a simple json path starting with .");
    }
    try {
        parsePath(path);
    } catch (const PathError& e) {
        throw JsonPathParseError(path, e.message);
    }
}

json printerCell(const std::vector<json>& matches, const std::string& type, PrinterClock now) {
    if (matches.empty()) return nullptr;
    const json& v = matches.front();
    // A quoted literal in the path may hold any bytes (Go unquotes \xff); the Table is JSON,
    // where Go writes invalid UTF-8 as U+FFFD.
    if (type == "string") return core::goCoerceUtf8(printValue(v));
    if (v.is_null()) return nullptr;
    if (type == "integer") {
        if (v.is_number_integer()) return v;
        if (v.is_number_float()) return goTruncate(v.get<double>());
        return nullptr;
    }
    if (type == "number") {
        if (!v.is_number()) return nullptr;
        double d = v.get<double>();
        if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.0e15) {
            return static_cast<std::int64_t>(d);
        }
        return d;
    }
    if (type == "boolean") return v.is_boolean() ? v : json(nullptr);
    if (type == "date") {
        if (!v.is_string()) return nullptr;
        return dateCell(v.get<std::string>(), now);
    }
    return nullptr;
}

}  // namespace mcpsim::apiserver
