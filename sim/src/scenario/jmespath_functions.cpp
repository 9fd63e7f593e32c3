// The JMESPath functions mcpsim implements: the standard set, and the extras Chainsaw and
// kyverno-json register (string helpers, base64, regex_match, parse_json/parse_yaml, env). The
// extras follow the Go functions they wrap (strings.Split, strings.Trim, regexp.MatchString).
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/go_json.hpp"
#include "mcpsim/core/regex.hpp"
#include "mcpsim/core/yaml.hpp"
#include "scenario/jmespath_ast.hpp"

namespace mcpsim::sim::scenario::jmespath {

class CallContext {
  public:
    CallContext(const FunctionSpec& spec, std::span<const FunctionArgument> args,
                const ApplyExpression& apply)
        : spec_(spec), args_(args), apply_(apply) {}

    std::size_t size() const { return args_.size(); }

    const Json& any(std::size_t i) const {
        if (args_[i].expression) fail(i, "a value");
        return args_[i].value;
    }
    const std::string& string(std::size_t i) const {
        if (!any(i).is_string()) fail(i, "string");
        return args_[i].value.get_ref<const std::string&>();
    }
    const Json& array(std::size_t i) const {
        if (!any(i).is_array()) fail(i, "array");
        return args_[i].value;
    }
    const Json& object(std::size_t i) const {
        if (!any(i).is_object()) fail(i, "object");
        return args_[i].value;
    }
    const Json& number(std::size_t i) const {
        if (!any(i).is_number()) fail(i, "number");
        return args_[i].value;
    }
    const Node& expression(std::size_t i) const {
        if (!args_[i].expression) fail(i, "expression");
        return *args_[i].expression;
    }
    Json apply(const Node& expression, const Json& value) const {
        return apply_(expression, value);
    }

    // Argument i (0-based) is not of the expected type.
    [[noreturn]] void fail(std::size_t i, std::string_view expected) const {
        const std::string_view actual =
            args_[i].expression ? "expression" : typeName(args_[i].value);
        error("expected argument " + std::to_string(i + 1) + " to be " + std::string(expected) +
              ", got " + std::string(actual));
    }
    [[noreturn]] void error(const std::string& what) const {
        throw Error(std::string(spec_.name) + "() " + what);
    }

  private:
    const FunctionSpec& spec_;
    std::span<const FunctionArgument> args_;
    const ApplyExpression& apply_;
};

namespace {

// Integral results stay integers (Go prints 2, not 2.0; our Json would print 2.0 for a double).
Json makeNumber(double value) {
    constexpr double kInt64Bound = 9223372036854775808.0;  // 2^63
    if (std::isfinite(value) && std::trunc(value) == value && value >= -kInt64Bound &&
        value < kInt64Bound) {
        return static_cast<std::int64_t>(value);
    }
    return value;
}

// ---- ordering for max, min, sort and the *_by functions ----------------------------------------

enum class Sortable { Numbers, Strings, Neither };

// Mixed or other types cannot be ordered; an empty list is trivially numbers.
Sortable sortableKind(const std::vector<Json>& values) {
    if (values.empty()) return Sortable::Numbers;
    const bool numbers =
        std::all_of(values.begin(), values.end(), [](const Json& v) { return v.is_number(); });
    if (numbers) return Sortable::Numbers;
    const bool strings =
        std::all_of(values.begin(), values.end(), [](const Json& v) { return v.is_string(); });
    return strings ? Sortable::Strings : Sortable::Neither;
}

// Strings order by code point, which is byte order in UTF-8.
bool sortsBefore(const Json& a, const Json& b) {
    if (a.is_number()) return compareNumbers(a, b) < 0;
    return a.get_ref<const std::string&>() < b.get_ref<const std::string&>();
}

std::vector<Json> elements(const Json& array) {
    return {array.begin(), array.end()};
}

// The keys &expr gives each element; they must all be numbers or all strings.
std::vector<Json> sortKeys(const CallContext& call, const Json& array, const Node& expression) {
    std::vector<Json> keys;
    keys.reserve(array.size());
    for (const Json& element : array) keys.push_back(call.apply(expression, element));
    if (sortableKind(keys) == Sortable::Neither) {
        call.error("expected the expression to give all numbers or all strings");
    }
    return keys;
}

Json extremum(const CallContext& call, bool wantMax) {
    const std::vector<Json> values = elements(call.array(0));
    if (sortableKind(values) == Sortable::Neither) call.fail(0, "array of numbers or of strings");
    if (values.empty()) return nullptr;
    const Json* best = &values.front();
    for (const Json& v : values) {
        if (wantMax ? sortsBefore(*best, v) : sortsBefore(v, *best)) best = &v;
    }
    return *best;
}

Json extremumBy(const CallContext& call, bool wantMax) {
    const Json& array = call.array(0);
    const std::vector<Json> keys = sortKeys(call, array, call.expression(1));
    if (keys.empty()) return nullptr;
    std::size_t best = 0;
    for (std::size_t i = 1; i < keys.size(); ++i) {
        if (wantMax ? sortsBefore(keys[best], keys[i]) : sortsBefore(keys[i], keys[best])) best = i;
    }
    return array[best];
}

// Numbers of an array argument; anything else is a type error.
const Json& numberArray(const CallContext& call, std::size_t i) {
    const Json& array = call.array(i);
    for (const Json& v : array) {
        if (!v.is_number()) call.fail(i, "array of numbers");
    }
    return array;
}

// ---- standard functions -------------------------------------------------------------------------

Json fnAbs(const CallContext& call) {
    const Json& n = call.number(0);
    if (n.is_number_unsigned()) return n;
    if (n.is_number_integer() &&
        n.get<std::int64_t>() != std::numeric_limits<std::int64_t>::min()) {
        return std::abs(n.get<std::int64_t>());
    }
    return makeNumber(std::fabs(n.get<double>()));
}

Json fnAvg(const CallContext& call) {
    const Json& array = numberArray(call, 0);
    if (array.empty()) return nullptr;
    double total = 0;
    for (const Json& v : array) total += v.get<double>();
    return makeNumber(total / static_cast<double>(array.size()));
}

Json fnCeil(const CallContext& call) {
    return makeNumber(std::ceil(call.number(0).get<double>()));
}
Json fnFloor(const CallContext& call) {
    return makeNumber(std::floor(call.number(0).get<double>()));
}

Json fnContains(const CallContext& call) {
    const Json& subject = call.any(0);
    const Json& search = call.any(1);
    if (subject.is_array()) {
        return std::any_of(subject.begin(), subject.end(),
                           [&](const Json& element) { return element == search; });
    }
    if (!subject.is_string()) call.fail(0, "array or string");
    // As go-jmespath: a string never contains a non-string.
    return search.is_string() && subject.get_ref<const std::string&>().find(
                                     search.get_ref<const std::string&>()) != std::string::npos;
}

Json fnStartsWith(const CallContext& call) {
    return call.string(0).starts_with(call.string(1));
}
Json fnEndsWith(const CallContext& call) {
    return call.string(0).ends_with(call.string(1));
}

Json fnJoin(const CallContext& call) {
    const std::string& glue = call.string(0);
    const Json& parts = call.array(1);
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (!parts[i].is_string()) call.fail(1, "array of strings");
        if (i > 0) out += glue;
        out += parts[i].get_ref<const std::string&>();
    }
    return out;
}

Json fnKeys(const CallContext& call) {
    Json out = Json::array();
    for (const auto& [key, value] : call.object(0).items()) out.push_back(key);
    return out;
}

Json fnValues(const CallContext& call) {
    Json out = Json::array();
    for (const Json& value : call.object(0)) out.push_back(value);
    return out;
}

Json fnLength(const CallContext& call) {
    const Json& subject = call.any(0);
    if (subject.is_string()) {
        return codePoints(subject.get_ref<const std::string&>()).size();
    }
    if (subject.is_array() || subject.is_object()) return subject.size();
    call.fail(0, "string, array or object");
}

Json fnMap(const CallContext& call) {
    const Node& expression = call.expression(0);
    Json out = Json::array();
    for (const Json& element : call.array(1)) out.push_back(call.apply(expression, element));
    return out;  // unlike a projection, map keeps null results
}

Json fnMax(const CallContext& call) {
    return extremum(call, true);
}
Json fnMin(const CallContext& call) {
    return extremum(call, false);
}
Json fnMaxBy(const CallContext& call) {
    return extremumBy(call, true);
}
Json fnMinBy(const CallContext& call) {
    return extremumBy(call, false);
}

Json fnMerge(const CallContext& call) {
    Json out = Json::object();
    for (std::size_t i = 0; i < call.size(); ++i) {
        for (const auto& [key, value] : call.object(i).items()) out[key] = value;
    }
    return out;
}

Json fnNotNull(const CallContext& call) {
    for (std::size_t i = 0; i < call.size(); ++i) {
        if (!call.any(i).is_null()) return call.any(i);
    }
    return nullptr;
}

Json fnReverse(const CallContext& call) {
    const Json& subject = call.any(0);
    if (subject.is_array()) {
        Json out = Json::array();
        for (auto it = subject.rbegin(); it != subject.rend(); ++it) out.push_back(*it);
        return out;
    }
    if (!subject.is_string()) call.fail(0, "array or string");
    std::vector<std::string_view> points = codePoints(subject.get_ref<const std::string&>());
    std::string out;
    for (auto it = points.rbegin(); it != points.rend(); ++it) out += *it;
    return out;
}

Json fnSort(const CallContext& call) {
    std::vector<Json> values = elements(call.array(0));
    if (sortableKind(values) == Sortable::Neither) call.fail(0, "array of numbers or of strings");
    std::stable_sort(values.begin(), values.end(), sortsBefore);
    return values;
}

Json fnSortBy(const CallContext& call) {
    const Json& array = call.array(0);
    const std::vector<Json> keys = sortKeys(call, array, call.expression(1));
    std::vector<std::size_t> order(keys.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return sortsBefore(keys[a], keys[b]); });
    Json out = Json::array();
    for (std::size_t i : order) out.push_back(array[i]);
    return out;
}

// Integers add as integers until one is a float or the sum would overflow.
Json fnSum(const CallContext& call) {
    const Json& array = numberArray(call, 0);
    std::int64_t integerTotal = 0;
    bool integral = true;
    double total = 0;
    for (const Json& v : array) {
        total += v.get<double>();
        if (integral && v.is_number_integer() &&
            (!v.is_number_unsigned() ||
             v.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<std::int64_t>::max()))) {
            integral = !__builtin_add_overflow(integerTotal, v.get<std::int64_t>(), &integerTotal);
        } else {
            integral = false;
        }
    }
    if (integral) return integerTotal;
    return makeNumber(total);
}

Json fnToArray(const CallContext& call) {
    const Json& value = call.any(0);
    return value.is_array() ? value : Json::array({value});
}

Json fnToString(const CallContext& call) {
    const Json& value = call.any(0);
    return value.is_string() ? value : Json(core::goJsonMarshal(value));
}

// Go's strconv.ParseFloat decides what is a number; NaN and infinities are not JSON.
Json fnToNumber(const CallContext& call) {
    const Json& value = call.any(0);
    if (value.is_number()) return value;
    if (!value.is_string()) return nullptr;
    std::string_view text = value.get_ref<const std::string&>();
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text.empty() || text.front() == '+' || text.front() == '-') return nullptr;
    const char* end = text.data() + text.size();
    std::int64_t integer = 0;
    if (auto [p, ec] = std::from_chars(text.data(), end, integer); ec == std::errc() && p == end) {
        return negative ? -integer : integer;
    }
    double number = 0;
    const auto [p, ec] = std::from_chars(text.data(), end, number);
    if (ec != std::errc() || p != end || !std::isfinite(number)) return nullptr;
    return makeNumber(negative ? -number : number);
}

Json fnType(const CallContext& call) {
    return std::string(typeName(call.any(0)));
}

// ---- Chainsaw and kyverno-json extras -----------------------------------------------------------

// unicode.IsSpace, which strings.TrimSpace uses.
bool isGoSpace(char32_t rune) {
    switch (rune) {
        case '\t':
        case '\n':
        case '\v':
        case '\f':
        case '\r':
        case ' ':
        case 0x85:
        case 0xA0:
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
            return true;
        default:
            return rune >= 0x2000 && rune <= 0x200A;
    }
}

// The text without the leading and trailing characters `drop` selects.
template <typename Predicate>
std::string trimPoints(std::string_view text, Predicate drop) {
    const std::vector<std::string_view> points = codePoints(text);
    std::size_t first = 0;
    std::size_t last = points.size();
    while (first < last && drop(points[first])) ++first;
    while (last > first && drop(points[last - 1])) --last;
    std::string out;
    for (std::size_t i = first; i < last; ++i) out += points[i];
    return out;
}

Json fnTrimSpace(const CallContext& call) {
    return trimPoints(call.string(0), [](std::string_view point) {
        std::size_t width = 0;
        return isGoSpace(core::goDecodeRune(point, width));
    });
}

// strings.Trim: cutset is a set of characters, not a prefix or suffix.
Json fnTrim(const CallContext& call) {
    const std::vector<std::string_view> cutset = codePoints(call.string(1));
    return trimPoints(call.string(0), [&](std::string_view point) {
        return std::find(cutset.begin(), cutset.end(), point) != cutset.end();
    });
}

Json fnAsString(const CallContext& call) {
    const Json& value = call.any(0);
    return value.is_string() ? value : Json(nullptr);
}

Json fnBase64Encode(const CallContext& call) {
    return core::base64Encode(call.string(0));
}

Json fnBase64Decode(const CallContext& call) {
    std::string error;
    std::optional<std::string> decoded = core::base64Decode(call.string(0), &error);
    if (!decoded) call.error(error);
    return *decoded;
}

// strings.Split: an empty separator splits into characters.
Json fnSplit(const CallContext& call) {
    const std::string& text = call.string(0);
    const std::string& separator = call.string(1);
    Json out = Json::array();
    if (separator.empty()) {
        for (std::string_view point : codePoints(text)) out.push_back(std::string(point));
        return out;
    }
    std::size_t start = 0;
    for (std::size_t found; (found = text.find(separator, start)) != std::string::npos;) {
        out.push_back(text.substr(start, found - start));
        start = found + separator.size();
    }
    out.push_back(text.substr(start));
    return out;
}

// ASCII only: Kubernetes names and condition values are ASCII.
Json changeCase(const CallContext& call, bool upper) {
    std::string text = call.string(0);
    for (char& c : text) {
        if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
}
Json fnToUpper(const CallContext& call) {
    return changeCase(call, true);
}
Json fnToLower(const CallContext& call) {
    return changeCase(call, false);
}

// strings.ReplaceAll: an empty `old` inserts `new` around every character.
Json fnReplaceAll(const CallContext& call) {
    const std::string& text = call.string(0);
    const std::string& old = call.string(1);
    const std::string& replacement = call.string(2);
    std::string out;
    if (old.empty()) {
        for (std::string_view point : codePoints(text)) {
            out += replacement;
            out += point;
        }
        return out + replacement;
    }
    std::size_t start = 0;
    for (std::size_t found; (found = text.find(old, start)) != std::string::npos;) {
        out.append(text, start, found - start);
        out += replacement;
        start = found + old.size();
    }
    out.append(text, start);
    return out;
}

// regexp.MatchString (RE2 syntax, unanchored); kyverno also accepts a number as the subject.
Json fnRegexMatch(const CallContext& call) {
    const std::string& pattern = call.string(0);
    const Json& subject = call.any(1);
    std::string text;
    if (subject.is_string()) {
        text = subject.get<std::string>();
    } else if (subject.is_number()) {
        text = core::goJsonMarshal(subject);
    } else {
        call.fail(1, "string or number");
    }
    try {
        return core::Regex(pattern).search(text);
    } catch (const core::RegexError& e) {
        call.error(e.what());
    }
}

Json fnParseJson(const CallContext& call) {
    const std::string& text = call.string(0);
    try {
        return core::goJsonDecode(text);
    } catch (const Json::exception& e) {
        call.error(core::goJsonSyntaxError(text).value_or(e.what()));
    }
}

Json fnParseYaml(const CallContext& call) {
    try {
        return core::parseYaml(call.string(0));
    } catch (const core::YamlError& e) {
        call.error(e.what());
    }
}

Json fnConcat(const CallContext& call) {
    return call.string(0) + call.string(1);
}

Json fnEnv(const CallContext& call) {
    const char* value = std::getenv(call.string(0).c_str());
    return value ? Json(value) : Json(nullptr);
}

// Sorted by name for whoever reads or extends the list.
const std::array kFunctions = {
    FunctionSpec{"abs", 1, 1, fnAbs},
    FunctionSpec{"as_string", 1, 1, fnAsString},
    FunctionSpec{"avg", 1, 1, fnAvg},
    FunctionSpec{"base64_decode", 1, 1, fnBase64Decode},
    FunctionSpec{"base64_encode", 1, 1, fnBase64Encode},
    FunctionSpec{"ceil", 1, 1, fnCeil},
    FunctionSpec{"concat", 2, 2, fnConcat},
    FunctionSpec{"contains", 2, 2, fnContains},
    FunctionSpec{"ends_with", 2, 2, fnEndsWith},
    FunctionSpec{"env", 1, 1, fnEnv},
    FunctionSpec{"floor", 1, 1, fnFloor},
    FunctionSpec{"join", 2, 2, fnJoin},
    FunctionSpec{"json_parse", 1, 1, fnParseJson},
    FunctionSpec{"keys", 1, 1, fnKeys},
    FunctionSpec{"length", 1, 1, fnLength},
    FunctionSpec{"map", 2, 2, fnMap},
    FunctionSpec{"max", 1, 1, fnMax},
    FunctionSpec{"max_by", 2, 2, fnMaxBy},
    FunctionSpec{"merge", 1, std::nullopt, fnMerge},
    FunctionSpec{"min", 1, 1, fnMin},
    FunctionSpec{"min_by", 2, 2, fnMinBy},
    FunctionSpec{"not_null", 1, std::nullopt, fnNotNull},
    FunctionSpec{"parse_json", 1, 1, fnParseJson},
    FunctionSpec{"parse_yaml", 1, 1, fnParseYaml},
    FunctionSpec{"regex_match", 2, 2, fnRegexMatch},
    FunctionSpec{"replace_all", 3, 3, fnReplaceAll},
    FunctionSpec{"reverse", 1, 1, fnReverse},
    FunctionSpec{"sort", 1, 1, fnSort},
    FunctionSpec{"sort_by", 2, 2, fnSortBy},
    FunctionSpec{"split", 2, 2, fnSplit},
    FunctionSpec{"starts_with", 2, 2, fnStartsWith},
    FunctionSpec{"sum", 1, 1, fnSum},
    FunctionSpec{"to_array", 1, 1, fnToArray},
    FunctionSpec{"to_lower", 1, 1, fnToLower},
    FunctionSpec{"to_number", 1, 1, fnToNumber},
    FunctionSpec{"to_string", 1, 1, fnToString},
    FunctionSpec{"to_upper", 1, 1, fnToUpper},
    FunctionSpec{"trim", 2, 2, fnTrim},
    FunctionSpec{"trim_space", 1, 1, fnTrimSpace},
    FunctionSpec{"type", 1, 1, fnType},
    FunctionSpec{"values", 1, 1, fnValues},
};

}  // namespace

const FunctionSpec* findFunction(std::string_view name) {
    for (const FunctionSpec& spec : kFunctions) {
        if (spec.name == name) return &spec;
    }
    return nullptr;
}

Json callFunction(const FunctionSpec& function, std::span<const FunctionArgument> args,
                  const ApplyExpression& apply) {
    return function.call(CallContext(function, args, apply));
}

}  // namespace mcpsim::sim::scenario::jmespath
