#pragma once
// Label and field selectors for the `labelSelector` / `fieldSelector` list and watch parameters,
// and metav1.LabelSelector objects. Parsing, matching and error texts follow apimachinery
// (pkg/labels, pkg/fields, metav1.LabelSelectorAsSelector) so clients see the same 400 messages:
//
//   unable to parse requirement: <nil>: Invalid value: "a:b": name part must consist of ...
//   unable to parse requirement: found 'x', expected: in, notin, =, ==, !=, gt, lt
//   found ')', expected: !, identifier, or 'end of string'
//   invalid selector: 'a'; can't understand 'a'                       (field selectors)
//   invalid field selector: invalid escape sequence: \x                (field selectors)
//
// The server reports a field selector on a field its kind does not support with
// fieldLabelNotSupportedMessage(key), checking keys() in order (the first one is reported).
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mcpsim::apiserver {

struct SelectorError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The API server's message (400 BadRequest) for a field selector on an unsupported field, from
// the kinds' field label conversion functions and the CRD converter:
// "field label not supported: <key>". CRDs support metadata.name and, when namespaced,
// metadata.namespace.
inline constexpr std::string_view kFieldLabelNotSupported = "field label not supported: ";
std::string fieldLabelNotSupportedMessage(const std::string& key);

class LabelSelector {
  public:
    enum class Op { Exists, DoesNotExist, Equals, DoubleEquals, NotEquals, In, NotIn, Gt, Lt };
    struct Requirement {
        std::string key;
        Op op = Op::Exists;
        std::vector<std::string> values;  // sorted and unique for selectors parsed from text
    };

    // k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b), k>1, k<1; comma = AND; "" selects
    // everything. Keys and values are validated like label keys and values. Throws SelectorError
    // with the API server's message.
    static LabelSelector parse(const std::string& text);

    // metav1.LabelSelector {matchLabels, matchExpressions[{key, operator, values}]} with
    // operator In | NotIn | Exists | DoesNotExist. null selects nothing; {} selects everything.
    static LabelSelector fromLabelSelectorJson(const nlohmann::json& sel);

    static LabelSelector everything() { return LabelSelector(); }
    static LabelSelector nothing();

    // `labels` is the metadata.labels object; null or absent means no labels.
    bool matches(const nlohmann::json& labels) const;
    // True when the selector does not restrict anything (matches every object).
    bool empty() const { return !nothing_ && reqs_.empty(); }

    const std::vector<Requirement>& requirements() const { return reqs_; }
    // Canonical text as labels.Selector.String(): requirements sorted by key, e.g.
    // "app=web,tier in (a,b),!canary".
    std::string str() const;

  private:
    std::vector<Requirement> reqs_;  // sorted by key
    bool nothing_ = false;
};

class FieldSelector {
  public:
    struct Term {
        std::string field;
        bool notEquals = false;
        std::string value;  // unescaped
    };

    // k=v, k==v, k!=v joined by commas; values may escape \, , and = with a backslash. Terms are
    // kept in the API server's (sorted) order. Throws SelectorError.
    static FieldSelector parse(const std::string& text);

    // Looks each field up as a dotted path in the object; absent fields compare as "".
    bool matches(const nlohmann::json& object) const;
    // Field names in the order the API server checks them.
    std::vector<std::string> keys() const;
    bool empty() const { return terms_.empty(); }
    const std::vector<Term>& terms() const { return terms_; }
    std::string str() const;

    // The string value a field selector compares: strings as-is, bools as true/false, integers
    // in decimal; absent, null, objects and lists are "".
    static std::string fieldValue(const nlohmann::json& object, const std::string& dottedPath);

  private:
    std::vector<Term> terms_;
};

}  // namespace mcpsim::apiserver
