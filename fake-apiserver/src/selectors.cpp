#include "selectors.hpp"

#include "mcpsim/core/go_format.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

namespace mcpsim::apiserver {

using core::goQuote;
using nlohmann::json;

std::string fieldLabelNotSupportedMessage(const std::string& key) {
    return std::string(kFieldLabelNotSupported) + key;
}

namespace {

// ---------------------------------------------------------------------------------------------
// apimachinery validation messages

// Go's %#v of a []string: []string(nil), []string{}, []string{"a", "b"}.
std::string goStringSlice(const std::vector<std::string>& v, bool isNil) {
    if (isNil) return "[]string(nil)";
    std::string out = "[]string{";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out += ", ";
        out += goQuote(v[i]);
    }
    return out + "}";
}

// validation.RegexError
std::string regexError(const std::string& msg, const std::string& fmt,
                       std::initializer_list<const char*> examples) {
    std::string out = msg + " (e.g. ";
    bool first = true;
    for (const char* e : examples) {
        if (!first) out += " or ";
        first = false;
        out += "'" + std::string(e) + "', ";
    }
    return out + "regex used for validation is '" + fmt + "')";
}

const char* const kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const char* const kQualifiedNameErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
const char* const kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const char* const kLabelValueErrMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
const char* const kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const char* const kDns1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";

bool isAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$
bool isQualifiedNamePart(const std::string& s) {
    if (s.empty() || !isAlnum(s.front()) || !isAlnum(s.back())) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// ^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$
bool isLabelValue(const std::string& s) {
    return s.empty() || isQualifiedNamePart(s);
}

// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
bool isDns1123Subdomain(const std::string& s) {
    auto lowerAlnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    std::size_t begin = 0;
    while (true) {
        std::size_t dot = s.find('.', begin);
        std::string label = s.substr(begin, dot == std::string::npos ? dot : dot - begin);
        if (label.empty() || !lowerAlnum(label.front()) || !lowerAlnum(label.back())) return false;
        for (char c : label) {
            if (!lowerAlnum(c) && c != '-') return false;
        }
        if (dot == std::string::npos) return true;
        begin = dot + 1;
    }
}

// validation.IsQualifiedName
std::vector<std::string> qualifiedNameErrors(const std::string& value) {
    std::vector<std::string> errs;
    std::vector<std::string> parts;
    std::size_t begin = 0;
    while (true) {
        std::size_t slash = value.find('/', begin);
        parts.push_back(value.substr(begin, slash - begin));
        if (slash == std::string::npos) break;
        begin = slash + 1;
    }
    std::string name;
    if (parts.size() == 1) {
        name = parts[0];
    } else if (parts.size() == 2) {
        const std::string& prefix = parts[0];
        name = parts[1];
        if (prefix.empty()) {
            errs.push_back("prefix part must be non-empty");
        } else {
            if (prefix.size() > 253)
                errs.push_back("prefix part must be no more than 253 characters");
            if (!isDns1123Subdomain(prefix)) {
                errs.push_back("prefix part " + regexError(kDns1123SubdomainErrMsg,
                                                           kDns1123SubdomainFmt, {"example.com"}));
            }
        }
    } else {
        errs.push_back(
            "a qualified name " +
            regexError(kQualifiedNameErrMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
            " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
        return errs;
    }
    if (name.empty()) {
        errs.push_back("name part must be non-empty");
    } else if (name.size() > 63) {
        errs.push_back("name part must be no more than 63 characters");
    }
    if (!isQualifiedNamePart(name)) {
        errs.push_back("name part " + regexError(kQualifiedNameErrMsg, kQualifiedNameFmt,
                                                 {"MyName", "my.name", "123-abc"}));
    }
    return errs;
}

// validation.IsValidLabelValue
std::vector<std::string> labelValueErrors(const std::string& value) {
    std::vector<std::string> errs;
    if (value.size() > 63) errs.push_back("must be no more than 63 characters");
    if (!isLabelValue(value)) {
        errs.push_back(
            regexError(kLabelValueErrMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
    }
    return errs;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += sep;
        out += parts[i];
    }
    return out;
}

// field.Invalid(path, value, detail).Error()
std::string invalid(const std::string& path, const std::string& badValue,
                    const std::string& detail) {
    return path + ": Invalid value: " + badValue + ": " + detail;
}

// utilerrors.NewAggregate(...).Error(): one message as-is, several deduplicated in brackets.
std::string aggregate(const std::vector<std::string>& errs) {
    std::vector<std::string> unique;
    for (const auto& e : errs) {
        if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(e);
    }
    if (unique.size() == 1) return unique[0];
    return "[" + join(unique, ", ") + "]";
}

std::optional<std::int64_t> parseInt64(const std::string& s) {
    std::string_view v = s;
    if (!v.empty() && v[0] == '+') v.remove_prefix(1);
    if (v.empty() || v[0] == '+') return std::nullopt;
    std::int64_t out = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || ptr != v.data() + v.size()) return std::nullopt;
    return out;
}

using Op = LabelSelector::Op;
using Requirement = LabelSelector::Requirement;

// labels.NewRequirement: validates and returns the aggregated error text (empty when valid).
std::string requirementErrors(const std::string& key, Op op, const std::vector<std::string>& vals,
                              bool valsNil) {
    std::vector<std::string> errs;
    auto keyErrs = qualifiedNameErrors(key);
    if (!keyErrs.empty()) errs.push_back(invalid("key", goQuote(key), join(keyErrs, "; ")));
    const std::string slice = goStringSlice(vals, valsNil);
    switch (op) {
        case Op::In:
        case Op::NotIn:
            if (vals.empty()) {
                errs.push_back(invalid("values", slice,
                                       "for 'in', 'notin' operators, values set can't be empty"));
            }
            break;
        case Op::Equals:
        case Op::DoubleEquals:
        case Op::NotEquals:
            if (vals.size() != 1) {
                errs.push_back(invalid("values", slice,
                                       "exact-match compatibility requires one single value"));
            }
            break;
        case Op::Exists:
        case Op::DoesNotExist:
            if (!vals.empty()) {
                errs.push_back(invalid("values", slice,
                                       "values set must be empty for exists and does not exist"));
            }
            break;
        case Op::Gt:
        case Op::Lt:
            if (vals.size() != 1) {
                errs.push_back(invalid("values", slice,
                                       "for 'Gt', 'Lt' operators, exactly one value is required"));
            }
            for (std::size_t i = 0; i < vals.size(); ++i) {
                if (!parseInt64(vals[i])) {
                    errs.push_back(
                        invalid("values[" + std::to_string(i) + "]", goQuote(vals[i]),
                                "for 'Gt', 'Lt' operators, the value must be an integer"));
                }
            }
            break;
    }
    for (std::size_t i = 0; i < vals.size(); ++i) {
        auto valueErrs = labelValueErrors(vals[i]);
        if (!valueErrs.empty()) {
            errs.push_back(invalid("values[" + std::to_string(i) + "][" + key + "]",
                                   goQuote(vals[i]), join(valueErrs, "; ")));
        }
    }
    return errs.empty() ? std::string() : aggregate(errs);
}

// ---------------------------------------------------------------------------------------------
// Label selector lexer and parser (labels.Parse)

enum class LTok {
    Error,
    End,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
};

struct Item {
    LTok tok;
    std::string lit;
};

std::optional<LTok> literalToken(const std::string& s) {
    if (s == ")") return LTok::ClosedPar;
    if (s == ",") return LTok::Comma;
    if (s == "!") return LTok::DoesNotExist;
    if (s == "==") return LTok::DoubleEquals;
    if (s == "=") return LTok::Equals;
    if (s == ">") return LTok::GreaterThan;
    if (s == "in") return LTok::In;
    if (s == "<") return LTok::LessThan;
    if (s == "!=") return LTok::NotEquals;
    if (s == "notin") return LTok::NotIn;
    if (s == "(") return LTok::OpenPar;
    return std::nullopt;
}

bool isWhitespace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool isSpecial(char c) {
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

std::vector<Item> lex(const std::string& s) {
    std::vector<Item> items;
    std::size_t pos = 0;
    // A NUL byte ends the input, as in apimachinery's lexer.
    auto read = [&]() -> char { return pos < s.size() ? s[pos++] : '\0'; };
    while (true) {
        char ch = read();
        while (isWhitespace(ch)) ch = read();
        if (ch == '\0') {
            items.push_back({LTok::End, ""});
            return items;
        }
        --pos;
        if (isSpecial(ch)) {
            std::string buffer;
            std::optional<Item> last;
            while (true) {
                char c = read();
                if (c == '\0') break;
                if (!isSpecial(c)) {
                    --pos;
                    break;
                }
                buffer.push_back(c);
                if (auto t = literalToken(buffer)) {
                    last = Item{*t, buffer};
                } else if (last) {
                    --pos;
                    break;
                }
            }
            items.push_back(
                last ? *last : Item{LTok::Error, "error expected: keyword found '" + buffer + "'"});
        } else {
            std::string buffer;
            while (true) {
                char c = read();
                if (c == '\0') break;
                if (isSpecial(c) || isWhitespace(c)) {
                    --pos;
                    break;
                }
                buffer.push_back(c);
            }
            auto t = literalToken(buffer);
            items.push_back({t ? *t : LTok::Identifier, buffer});
        }
    }
}

class LabelParser {
  public:
    explicit LabelParser(const std::string& text) : items_(lex(text)) {}

    std::vector<Requirement> parse() {
        std::vector<Requirement> reqs;
        while (true) {
            auto [tok, lit] = lookahead(true);
            if (tok == LTok::Identifier || tok == LTok::DoesNotExist) {
                try {
                    reqs.push_back(parseRequirement());
                } catch (const SelectorError& e) {
                    throw SelectorError(std::string("unable to parse requirement: ") + e.what());
                }
                auto [t, l] = consume(true);
                if (t == LTok::End) return reqs;
                if (t == LTok::Comma) {
                    auto [t2, l2] = lookahead(true);
                    if (t2 != LTok::Identifier && t2 != LTok::DoesNotExist) {
                        throw SelectorError("found '" + l2 + "', expected: identifier after ','");
                    }
                    continue;
                }
                throw SelectorError("found '" + l + "', expected: ',' or 'end of string'");
            }
            if (tok == LTok::End) return reqs;
            throw SelectorError("found '" + lit + "', expected: !, identifier, or 'end of string'");
        }
    }

  private:
    std::vector<Item> items_;
    std::size_t position_ = 0;

    // In the values context the keywords "in" and "notin" are plain identifiers.
    std::pair<LTok, std::string> lookahead(bool values) const {
        const Item& it = items_[std::min(position_, items_.size() - 1)];
        LTok t = it.tok;
        if (values && (t == LTok::In || t == LTok::NotIn)) t = LTok::Identifier;
        return {t, it.lit};
    }
    std::pair<LTok, std::string> consume(bool values) {
        auto r = lookahead(values);
        if (position_ < items_.size()) ++position_;
        return r;
    }

    Requirement parseRequirement() {
        Requirement r;
        // parseKeyAndInferOperator
        bool doesNotExist = false;
        auto [tok, lit] = consume(true);
        if (tok == LTok::DoesNotExist) {
            doesNotExist = true;
            std::tie(tok, lit) = consume(true);
        }
        if (tok != LTok::Identifier)
            throw SelectorError("found '" + lit + "', expected: identifier");
        auto keyErrs = qualifiedNameErrors(lit);
        if (!keyErrs.empty())
            throw SelectorError(invalid("<nil>", goQuote(lit), join(keyErrs, "; ")));
        r.key = lit;
        auto [next, unused] = lookahead(true);
        (void)unused;
        if (doesNotExist || next == LTok::End || next == LTok::Comma) {
            r.op = doesNotExist ? Op::DoesNotExist : Op::Exists;
            validate(r, false);
            return r;
        }
        // parseOperator
        auto [opTok, opLit] = consume(false);
        switch (opTok) {
            case LTok::In:
                r.op = Op::In;
                break;
            case LTok::Equals:
                r.op = Op::Equals;
                break;
            case LTok::DoubleEquals:
                r.op = Op::DoubleEquals;
                break;
            case LTok::GreaterThan:
                r.op = Op::Gt;
                break;
            case LTok::LessThan:
                r.op = Op::Lt;
                break;
            case LTok::NotIn:
                r.op = Op::NotIn;
                break;
            case LTok::NotEquals:
                r.op = Op::NotEquals;
                break;
            default:
                throw SelectorError("found '" + opLit +
                                    "', expected: in, notin, =, ==, !=, gt, lt");
        }
        std::set<std::string> values;
        if (r.op == Op::In || r.op == Op::NotIn) {
            values = parseValues();
        } else {
            values = parseExactValue();
        }
        r.values.assign(values.begin(), values.end());
        validate(r, false);
        return r;
    }

    static void validate(const Requirement& r, bool valuesNil) {
        std::string err = requirementErrors(r.key, r.op, r.values, valuesNil);
        if (!err.empty()) throw SelectorError(err);
    }

    std::set<std::string> parseValues() {
        auto [tok, lit] = consume(true);
        if (tok != LTok::OpenPar) throw SelectorError("found '" + lit + "' expected: '('");
        std::tie(tok, lit) = lookahead(true);
        if (tok == LTok::Identifier || tok == LTok::Comma) {
            std::set<std::string> s = parseIdentifiersList();
            if (consume(true).first != LTok::ClosedPar) {
                throw SelectorError("found '" + lit + "', expected: ')'");
            }
            return s;
        }
        if (tok == LTok::ClosedPar) {  // "()" is the set holding the empty string
            consume(true);
            return {""};
        }
        throw SelectorError("found '" + lit + "', expected: ',', ')' or identifier");
    }

    std::set<std::string> parseIdentifiersList() {
        std::set<std::string> s;
        while (true) {
            auto [tok, lit] = consume(true);
            if (tok == LTok::Identifier) {
                s.insert(lit);
                auto [tok2, lit2] = lookahead(true);
                if (tok2 == LTok::Comma) continue;
                if (tok2 == LTok::ClosedPar) return s;
                throw SelectorError("found '" + lit2 + "', expected: ',' or ')'");
            }
            if (tok == LTok::Comma) {  // empty values: "(,a)", "(a,)", "(a,,b)"
                if (s.empty()) s.insert("");
                auto [tok2, unused] = lookahead(true);
                (void)unused;
                if (tok2 == LTok::ClosedPar) {
                    s.insert("");
                    return s;
                }
                if (tok2 == LTok::Comma) {
                    consume(true);
                    s.insert("");
                }
                continue;
            }
            throw SelectorError("found '" + lit + "', expected: ',', or identifier");
        }
    }

    std::set<std::string> parseExactValue() {
        auto [tok, unused] = lookahead(true);
        (void)unused;
        if (tok == LTok::End || tok == LTok::Comma) return {""};
        auto [tok2, lit] = consume(true);
        if (tok2 == LTok::Identifier) return {lit};
        throw SelectorError("found '" + lit + "', expected: identifier");
    }
};

std::string opText(Op op) {
    switch (op) {
        case Op::Equals:
            return "=";
        case Op::DoubleEquals:
            return "==";
        case Op::NotEquals:
            return "!=";
        case Op::In:
            return " in ";
        case Op::NotIn:
            return " notin ";
        case Op::Gt:
            return ">";
        case Op::Lt:
            return "<";
        default:
            return "";
    }
}

void sortByKey(std::vector<Requirement>& reqs) {
    std::stable_sort(reqs.begin(), reqs.end(),
                     [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
}

// ---------------------------------------------------------------------------------------------
// Field selector helpers (fields.ParseSelector)

std::vector<std::string> splitTerms(const std::string& s) {
    std::vector<std::string> terms;
    if (s.empty()) return terms;
    std::size_t start = 0;
    bool inSlash = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (inSlash) {
            inSlash = false;
        } else if (c == '\\') {
            inSlash = true;
        } else if (c == ',') {
            terms.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    terms.push_back(s.substr(start));
    return terms;
}

std::string unescapeValue(const std::string& s) {
    if (s.find_first_of("\\,=") == std::string::npos) return s;
    // Go ranges over the runes: an invalid byte is one U+FFFD, written back as its encoding.
    std::string out;
    bool inSlash = false;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t width = 0;
        const char32_t r = core::goDecodeRune(std::string_view(s).substr(i), width);
        std::string rune;
        core::goAppendRune(rune, r);
        i += width;
        if (inSlash) {
            if (rune == "\\" || rune == "," || rune == "=") {
                out += rune;
            } else {
                throw SelectorError("invalid field selector: invalid escape sequence: \\" + rune);
            }
            inSlash = false;
            continue;
        }
        if (rune == "\\") {
            inSlash = true;
        } else if (rune == "," || rune == "=") {
            // Go prints the rune with %v, i.e. as its code point number.
            throw SelectorError("invalid field selector: unescaped character in value: " +
                                std::to_string(static_cast<int>(rune[0])));
        } else {
            out += rune;
        }
    }
    if (inSlash) throw SelectorError("invalid field selector: invalid escape sequence: \\");
    return out;
}

std::string escapeValue(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\\' || c == ',' || c == '=') out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

LabelSelector LabelSelector::parse(const std::string& text) {
    LabelSelector sel;
    sel.reqs_ = LabelParser(text).parse();
    sortByKey(sel.reqs_);
    return sel;
}

LabelSelector LabelSelector::nothing() {
    LabelSelector sel;
    sel.nothing_ = true;
    return sel;
}

LabelSelector LabelSelector::fromLabelSelectorJson(const json& sel) {
    if (sel.is_null()) return nothing();
    if (!sel.is_object()) throw SelectorError("label selector must be an object");
    const json empty = json::object();
    const json& matchLabels =
        sel.contains("matchLabels") && !sel["matchLabels"].is_null() ? sel["matchLabels"] : empty;
    const json emptyList = json::array();
    const json& matchExpressions =
        sel.contains("matchExpressions") && !sel["matchExpressions"].is_null()
            ? sel["matchExpressions"]
            : emptyList;
    if (!matchLabels.is_object()) throw SelectorError("matchLabels must be an object");
    if (!matchExpressions.is_array()) throw SelectorError("matchExpressions must be a list");

    LabelSelector out;
    if (matchLabels.empty() && matchExpressions.empty()) return out;
    for (auto it = matchLabels.begin(); it != matchLabels.end(); ++it) {
        if (!it.value().is_string()) throw SelectorError("matchLabels values must be strings");
        Requirement r{it.key(), Op::Equals, {it.value().get<std::string>()}};
        std::string err = requirementErrors(r.key, r.op, r.values, false);
        if (!err.empty()) throw SelectorError(err);
        out.reqs_.push_back(std::move(r));
    }
    for (const json& expr : matchExpressions) {
        if (!expr.is_object()) throw SelectorError("matchExpressions entries must be objects");
        std::string key = expr.value("key", "");
        std::string op = expr.value("operator", "");
        Requirement r;
        r.key = key;
        if (op == "In") {
            r.op = Op::In;
        } else if (op == "NotIn") {
            r.op = Op::NotIn;
        } else if (op == "Exists") {
            r.op = Op::Exists;
        } else if (op == "DoesNotExist") {
            r.op = Op::DoesNotExist;
        } else {
            throw SelectorError(goQuote(op) + " is not a valid label selector operator");
        }
        bool valuesNil = true;
        if (expr.contains("values") && expr["values"].is_array()) {
            for (const json& v : expr["values"]) {
                if (!v.is_string()) throw SelectorError("matchExpressions values must be strings");
                r.values.push_back(v.get<std::string>());
            }
            valuesNil = r.values.empty();  // append([]string(nil), values...) stays nil when empty
        }
        std::string err = requirementErrors(r.key, r.op, r.values, valuesNil);
        if (!err.empty()) throw SelectorError(err);
        out.reqs_.push_back(std::move(r));
    }
    sortByKey(out.reqs_);
    return out;
}

bool LabelSelector::matches(const json& labels) const {
    if (nothing_) return false;
    auto lookup = [&](const std::string& key) -> const json* {
        if (!labels.is_object()) return nullptr;
        auto it = labels.find(key);
        return it == labels.end() ? nullptr : &*it;
    };
    auto text = [](const json& v) {
        return v.is_string() ? v.get<std::string>()
                             : v.dump(-1, ' ', false, json::error_handler_t::replace);
    };
    for (const Requirement& r : reqs_) {
        const json* v = lookup(r.key);
        auto hasValue = [&] {
            return std::find(r.values.begin(), r.values.end(), text(*v)) != r.values.end();
        };
        bool ok = false;
        switch (r.op) {
            case Op::In:
            case Op::Equals:
            case Op::DoubleEquals:
                ok = v && hasValue();
                break;
            case Op::NotIn:
            case Op::NotEquals:
                ok = !v || !hasValue();
                break;
            case Op::Exists:
                ok = v != nullptr;
                break;
            case Op::DoesNotExist:
                ok = v == nullptr;
                break;
            case Op::Gt:
            case Op::Lt: {
                if (!v || r.values.size() != 1) break;
                auto have = parseInt64(text(*v));
                auto want = parseInt64(r.values[0]);
                if (!have || !want) break;
                ok = r.op == Op::Gt ? *have > *want : *have < *want;
                break;
            }
        }
        if (!ok) return false;
    }
    return true;
}

std::string LabelSelector::str() const {
    std::string out;
    for (const Requirement& r : reqs_) {
        if (!out.empty()) out += ",";
        if (r.op == Op::DoesNotExist) out += "!";
        out += r.key;
        if (r.op == Op::Exists || r.op == Op::DoesNotExist) continue;
        out += opText(r.op);
        std::vector<std::string> values = r.values;
        std::sort(values.begin(), values.end());
        bool set = r.op == Op::In || r.op == Op::NotIn;
        out += (set ? "(" : "") + join(values, ",") + (set ? ")" : "");
    }
    return out;
}

FieldSelector FieldSelector::parse(const std::string& text) {
    std::vector<std::string> parts = splitTerms(text);
    std::sort(parts.begin(), parts.end());
    FieldSelector sel;
    for (const std::string& part : parts) {
        if (part.empty()) continue;
        // The first operator occurrence splits the term; != and == win over = at a position.
        std::size_t at = std::string::npos, opLen = 0;
        bool notEquals = false;
        for (std::size_t i = 0; i < part.size() && at == std::string::npos; ++i) {
            if (part.compare(i, 2, "!=") == 0) {
                at = i, opLen = 2, notEquals = true;
            } else if (part.compare(i, 2, "==") == 0) {
                at = i, opLen = 2;
            } else if (part[i] == '=') {
                at = i, opLen = 1;
            }
        }
        if (at == std::string::npos) {
            throw SelectorError("invalid selector: '" + text + "'; can't understand '" + part +
                                "'");
        }
        Term t;
        t.field = part.substr(0, at);
        t.notEquals = notEquals;
        t.value = unescapeValue(part.substr(at + opLen));
        sel.terms_.push_back(std::move(t));
    }
    return sel;
}

std::string FieldSelector::fieldValue(const json& object, const std::string& dottedPath) {
    const json* cur = &object;
    std::size_t begin = 0;
    while (true) {
        std::size_t dot = dottedPath.find('.', begin);
        std::string part = dottedPath.substr(begin, dot - begin);
        if (!cur->is_object()) return "";
        auto it = cur->find(part);
        if (it == cur->end()) return "";
        cur = &*it;
        if (dot == std::string::npos) break;
        begin = dot + 1;
    }
    if (cur->is_string()) return cur->get<std::string>();
    if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
    if (cur->is_number_integer()) return cur->dump();
    if (cur->is_number_float()) return cur->dump();
    return "";
}

bool FieldSelector::matches(const json& object) const {
    for (const Term& t : terms_) {
        bool equal = fieldValue(object, t.field) == t.value;
        if (equal == t.notEquals) return false;
    }
    return true;
}

std::vector<std::string> FieldSelector::keys() const {
    std::vector<std::string> out;
    for (const Term& t : terms_) out.push_back(t.field);
    return out;
}

std::string FieldSelector::str() const {
    std::string out;
    for (const Term& t : terms_) {
        if (!out.empty()) out += ",";
        out += t.field + (t.notEquals ? "!=" : "=") + escapeValue(t.value);
    }
    return out;
}

}  // namespace mcpsim::apiserver
