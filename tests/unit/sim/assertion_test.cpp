// Assertion trees with kyverno-json semantics (STYLE.md section 6, "Assertion semantics" and
// "Templating"), checked against kyverno-json pkg/core/assertion, pkg/core/projection,
// pkg/core/expression and pkg/core/matching. Messages and paths are mcpsim's own (Kubernetes
// field-error style); what must match kyverno-json is pass/fail and hard (an error that stops
// the operation) versus soft (a mismatch that is re-polled).
#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "scenario/assertion.hpp"

namespace mcpsim::sim::scenario {
namespace {

using jmespath::Bindings;

const std::string kNotFound = "Required value: field not found in the input object";

// `$name` lookups over a fixed map (the runner's scopes do the same).
class Vars {
  public:
    Vars(std::initializer_list<std::pair<const std::string, Json>> values) : values_(values) {}
    Bindings bindings() const {
        return [this](std::string_view name) -> const Json* {
            auto it = values_.find(std::string(name));
            return it == values_.end() ? nullptr : &it->second;
        };
    }

  private:
    std::map<std::string, Json> values_;
};

const Vars kVars{{"namespace", "ns1"},
                 {"replicas", 3},
                 {"obj", Json::parse(R"j({"a": [1, 2]})j")},
                 {"name", "web"}};

std::vector<std::string> strs(const CheckResult& r) {
    std::vector<std::string> out;
    for (const auto& e : r.errors) out.push_back(e.str());
    return out;
}

CheckResult run(const Json& tree, const Json& actual, const Bindings& bindings = {}) {
    return AssertionTree::compile(tree).check(actual, bindings);
}

// One row: the tree, the actual value (JSON text), the expected errors (FieldError::str(), in
// the tree's key order) and whether they are hard.
struct Case {
    const char* name;
    const char* tree;
    const char* actual;
    std::vector<std::string> errors;
    bool hard = false;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

class AssertionCase : public ::testing::TestWithParam<Case> {};

TEST_P(AssertionCase, Checks) {
    const Case& c = GetParam();
    SCOPED_TRACE(std::string(c.tree) + " against " + c.actual);
    CheckResult r;
    try {
        r = run(Json::parse(c.tree), Json::parse(c.actual), kVars.bindings());
    } catch (const AssertionError& e) {
        FAIL() << "threw: " << e.what();
    }
    EXPECT_EQ(strs(r), c.errors);
    EXPECT_EQ(r.hard, c.hard);
    EXPECT_EQ(r.ok(), c.errors.empty());
}

std::string caseName(const ::testing::TestParamInfo<Case>& info) {
    return info.param.name;
}

// ---- mapping nodes ----------------------------------------------------------------------------

INSTANTIATE_TEST_SUITE_P(
    Mapping, AssertionCase,
    ::testing::Values(
        Case{"PartialMatchIgnoresExtraFields", R"j({"a": 1})j", R"j({"a": 1, "b": 2})j", {}},
        Case{"NestedPartialMatch",
             R"j({"metadata": {"name": "x"}})j",
             R"j({"metadata": {"name": "x", "uid": "u"}, "spec": {}})j",
             {}},
        Case{"AbsentKeyIsSoftNotFound", R"j({"a": 1})j", R"j({"b": 2})j", {"a: " + kNotFound}},
        Case{"NestedAbsentKey",
             R"j({"status": {"ready": true}})j",
             R"j({"status": {}})j",
             {"status.ready: " + kNotFound}},
        Case{"NullCurrentValueIsSoftNotFound", R"j({"a": 1})j", "null", {"a: " + kNotFound}},
        Case{"NullParentIsSoftNotFound",
             R"j({"status": {"ready": true}})j",
             R"j({"status": null})j",
             {"status.ready: " + kNotFound}},
        // kyverno-json: a present key is found even when its value is null; the null goes
        // down to the child (MapIndex is valid), so a null leaf matches it.
        Case{"PresentNullFieldIsPassedDown", R"j({"a": null})j", R"j({"a": null})j", {}},
        Case{"PresentNullFieldAgainstLeaf",
             R"j({"a": 1})j",
             R"j({"a": null})j",
             {"a: Invalid value: null: Expected value: 1"}},
        Case{"PresentNullFieldAgainstList",
             R"j({"a": [1]})j",
             R"j({"a": null})j",
             {"a: Invalid value: null: value is null"}},
        Case{"AbsentFieldAgainstNullLeaf", R"j({"a": null})j", R"j({})j", {"a: " + kNotFound}},
        Case{"PlainKeyOnStringIsHard",
             R"j({"a": {"b": 1}})j",
             R"j({"a": "x"})j",
             {R"j(a: Invalid value: "x": expected a map, found a string)j"},
             true},
        Case{"PlainKeyOnListIsHard",
             R"j({"a": {"b": 1}})j",
             R"j({"a": [1]})j",
             {"a: Invalid value: [1]: expected a map, found a list"},
             true},
        Case{"PlainKeyOnNumberAtTopIsHard",
             R"j({"a": 1})j",
             "5",
             {"Invalid value: 5: expected a map, found a number"},
             true},
        Case{"EverySoftErrorIsReported",
             R"j({"a": 1, "b": 2, "c": 3})j",
             R"j({"b": 3, "c": 3})j",
             {"a: " + kNotFound, "b: Invalid value: 3: Expected value: 2"}},
        Case{"HardErrorStopsTheCheck",
             R"j({"a": {"x": 1}, "b": 1})j",
             R"j({"a": 3})j",
             {"a: Invalid value: 3: expected a map, found a number"},
             true},
        Case{"EmptyMapPassesOnMap", R"j({"spec": {}})j", R"j({"spec": {"a": 1}})j", {}},
        Case{"EmptyMapPassesOnEmptyMap", R"j({"spec": {}})j", R"j({"spec": {}})j", {}},
        Case{"EmptyMapPassesOnAnyNonNull", R"j({"spec": {}})j", R"j({"spec": "x"})j", {}},
        Case{"EmptyMapFailsOnNullField",
             R"j({"spec": {}})j",
             R"j({"spec": null})j",
             {"spec: " + kNotFound}},
        Case{"EmptyMapFailsOnAbsentField", R"j({"spec": {}})j", R"j({})j", {"spec: " + kNotFound}},
        Case{"EmptyTreeAgainstNull", R"j({})j", "null", {kNotFound}},
        Case{"EmptyTreeAgainstObject", R"j({})j", R"j({"a": 1})j", {}}),
    caseName);

// ---- expression keys --------------------------------------------------------------------------

INSTANTIATE_TEST_SUITE_P(
    ExpressionKeys, AssertionCase,
    ::testing::Values(
        Case{"EvaluatedWithCurrentNode",
             R"j({"(length(items))": 2})j",
             R"j({"items": [1, 2]})j",
             {}},
        Case{"CurrentNodeIsNested",
             R"j({"spec": {"(length(@))": 2}})j",
             R"j({"spec": {"a": 1, "b": 2}})j",
             {}},
        Case{"ResultMismatch",
             R"j({"(length(items))": 3})j",
             R"j({"items": [1, 2]})j",
             {"(length(items)): Invalid value: 2: Expected value: 3"}},
        Case{"ResultAgainstFloatLiteral",
             R"j({"(length(items))": 2.0})j",
             R"j({"items": [1, 2]})j",
             {}},
        Case{"NullResultPassedDownToNullLeaf", R"j({"(missing)": null})j", R"j({})j", {}},
        Case{"NullResultAgainstLeafIsSoft",
             R"j({"(missing)": 1})j",
             R"j({})j",
             {"(missing): Invalid value: null: Expected value: 1"}},
        Case{"NullResultAgainstEmptyMapIsSoft",
             R"j({"(missing)": {}})j",
             R"j({})j",
             {"(missing): " + kNotFound}},
        Case{"NullResultAgainstMapIsSoft",
             R"j({"(missing)": {"a": 1}})j",
             R"j({})j",
             {"(missing).a: " + kNotFound}},
        Case{"NullResultAgainstListIsSoft",
             R"j({"(missing)": [1]})j",
             R"j({})j",
             {"(missing): Invalid value: null: value is null"}},
        Case{"OverNullActual", R"j({"(a)": null})j", "null", {}},
        Case{"OnScalarCurrentNode", R"j({"n": {"(@ > `1`)": true}})j", R"j({"n": 3})j", {}},
        Case{"PredicateInKey", R"j({"(replicas > `1`)": true})j", R"j({"replicas": 3})j", {}},
        Case{"PredicateInKeyFails",
             R"j({"(replicas > `1`)": true})j",
             R"j({"replicas": 1})j",
             {"(replicas > `1`): Invalid value: false: Expected value: true"}},
        Case{"WholeKeyPipe",
             R"j({"(conditions[?type == 'Ready'] | [0].status)": "True"})j",
             R"j({"conditions": [{"type": "Other", "status": "False"},
                                 {"type": "Ready", "status": "True"}]})j",
             {}},
        // Only a key wrapped as a whole is an expression: this one is a field name.
        Case{"PartlyWrappedKeyIsLiteral",
             R"j({"(conditions[?type == 'Ready'])[0].status": "True"})j",
             R"j({"conditions": [{"type": "Ready", "status": "True"}]})j",
             {"(conditions[?type == 'Ready'])[0].status: " + kNotFound}},
        Case{"PartlyWrappedKeyMatchesThatField",
             R"j({"(conditions[?type == 'Ready'])[0].status": "True"})j",
             R"j({"(conditions[?type == 'Ready'])[0].status": "True"})j",
             {}},
        Case{"ContainsByFilter",
             R"j({"(conditions[?type == 'Ready'])": [{"status": "True"}]})j",
             R"j({"conditions": [{"type": "Other", "status": "False"},
                                 {"type": "Ready", "status": "True", "reason": "Ok"}]})j",
             {}},
        // A filter over a list not written yet is null: re-polled, not hard.
        Case{"FilterOverMissingListIsSoft",
             R"j({"status": {"(conditions[?type == 'Ready'])": [{"status": "True"}]}})j",
             R"j({"status": {}})j",
             {"status.(conditions[?type == 'Ready']): Invalid value: null: value is null"}},
        Case{"RuntimeErrorIsHard",
             R"j({"(length(n))": 1, "z": 1})j",
             R"j({"n": 5})j",
             {"(length(n)): Internal error: length() expected argument 1 to be string, array or "
              "object, got number"},
             true},
        Case{"JpEngine", R"j({"(jp;length(items))": 2})j", R"j({"items": [1, 2]})j", {}},
        Case{"JpEngineMismatch",
             R"j({"(jp;length(items))": 1})j",
             R"j({"items": [1, 2]})j",
             {"(length(items)): Invalid value: 2: Expected value: 1"}}),
    caseName);

// ---- sequences --------------------------------------------------------------------------------

INSTANTIATE_TEST_SUITE_P(
    Sequences, AssertionCase,
    ::testing::Values(
        Case{"SameItems", R"j({"items": [1, 2]})j", R"j({"items": [1, 2]})j", {}},
        Case{"TopLevel", R"j([1, "a"])j", R"j([1, "a"])j", {}},
        Case{"NullIsSoft",
             R"j({"items": [1]})j",
             R"j({"items": null})j",
             {"items: Invalid value: null: value is null"}},
        Case{"NullAtTopIsSoft", R"j([1])j", "null", {"Invalid value: null: value is null"}},
        Case{"StringIsHard",
             R"j({"items": [1]})j",
             R"j({"items": "x"})j",
             {R"j(items: Invalid value: "x": expected a list, found a string)j"},
             true},
        Case{"MapIsHard",
             R"j({"items": [1]})j",
             R"j({"items": {"a": 1}})j",
             {R"j(items: Invalid value: {"a":1}: expected a list, found a map)j"},
             true},
        Case{"ShorterIsSoft",
             R"j({"items": [1, 2]})j",
             R"j({"items": [1]})j",
             {"items: Invalid value: [1]: lengths of slices don't match"}},
        Case{"LongerIsSoft",
             R"j({"items": [1]})j",
             R"j({"items": [1, 2]})j",
             {"items: Invalid value: [1,2]: lengths of slices don't match"}},
        Case{"EmptyMatchesEmpty", R"j({"items": []})j", R"j({"items": []})j", {}},
        Case{"EmptyAgainstNonEmpty",
             R"j({"items": []})j",
             R"j({"items": [1]})j",
             {"items: Invalid value: [1]: lengths of slices don't match"}},
        Case{"Positional",
             R"j({"items": [1, 2]})j",
             R"j({"items": [2, 1]})j",
             {"items[0]: Invalid value: 2: Expected value: 1",
              "items[1]: Invalid value: 1: Expected value: 2"}},
        Case{"ItemsMatchPartially",
             R"j({"conditions": [{"type": "Ready"}]})j",
             R"j({"conditions": [{"type": "Ready", "status": "True"}]})j",
             {}},
        Case{"NestedPath",
             R"j({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})j",
             R"j({"status": {"conditions": [{"type": "Ready", "status": "False"}]}})j",
             {R"j(status.conditions[0].status: Invalid value: "False": Expected value: "True")j"}},
        Case{"ListOfLists",
             R"j([[1], [2, 3]])j",
             R"j([[1], [2, 4]])j",
             {"[1][1]: Invalid value: 4: Expected value: 3"}},
        Case{"HardItemStopsTheList",
             R"j([{"a": 1}, 2])j",
             R"j([5, 3])j",
             {"[0]: Invalid value: 5: expected a map, found a number"},
             true}),
    caseName);

// ---- scalar leaves ----------------------------------------------------------------------------

INSTANTIATE_TEST_SUITE_P(
    Scalars, AssertionCase,
    ::testing::Values(
        Case{"StringEqual", R"j({"a": "x"})j", R"j({"a": "x"})j", {}},
        Case{"StringMismatch",
             R"j({"a": "x"})j",
             R"j({"a": "y"})j",
             {R"j(a: Invalid value: "y": Expected value: "x")j"}},
        Case{"EmptyString", R"j({"a": ""})j", R"j({"a": ""})j", {}},
        Case{"BoolEqual", R"j({"a": false})j", R"j({"a": false})j", {}},
        Case{"BoolMismatch",
             R"j({"a": true})j",
             R"j({"a": false})j",
             {"a: Invalid value: false: Expected value: true"}},
        Case{"IntEqual", R"j({"a": 3})j", R"j({"a": 3})j", {}},
        Case{"IntMismatch",
             R"j({"a": 3})j",
             R"j({"a": 4})j",
             {"a: Invalid value: 4: Expected value: 3"}},
        Case{"IntAgainstFloat", R"j({"a": 1})j", R"j({"a": 1.0})j", {}},
        Case{"FloatAgainstInt", R"j({"a": 2.0})j", R"j({"a": 2})j", {}},
        Case{"FloatEqual", R"j({"a": 1.5})j", R"j({"a": 1.5})j", {}},
        Case{"IntAgainstOtherFloat",
             R"j({"a": 2})j",
             R"j({"a": 2.5})j",
             {"a: Invalid value: 2.5: Expected value: 2"}},
        Case{"NegativeEqual", R"j({"a": -1})j", R"j({"a": -1})j", {}},
        Case{"NegativeAgainstPositive",
             R"j({"a": -1})j",
             R"j({"a": 1})j",
             {"a: Invalid value: 1: Expected value: -1"}},
        Case{"NegativeAgainstFloat", R"j({"a": -2})j", R"j({"a": -2.0})j", {}},
        // A negative integer never equals a large unsigned one (no wrap-around).
        Case{"MaxUnsignedAgainstMinusOne",
             R"j({"a": 18446744073709551615})j",
             R"j({"a": -1})j",
             {"a: Invalid value: -1: Expected value: 18446744073709551615"}},
        Case{"MinusOneAgainstMaxUnsigned",
             R"j({"a": -1})j",
             R"j({"a": 18446744073709551615})j",
             {"a: Invalid value: 18446744073709551615: Expected value: -1"}},
        Case{
            "StringAgainstBoolIsHard",
            R"j({"status": "True"})j",
            R"j({"status": true})j",
            {R"j(status: Invalid value: true: Expected value: "True" (types are not comparable))j"},
            true},
        Case{
            "BoolAgainstStringIsHard",
            R"j({"status": true})j",
            R"j({"status": "True"})j",
            {R"j(status: Invalid value: "True": Expected value: true (types are not comparable))j"},
            true},
        Case{"StringAgainstNumberIsHard",
             R"j({"a": "1"})j",
             R"j({"a": 1})j",
             {R"j(a: Invalid value: 1: Expected value: "1" (types are not comparable))j"},
             true},
        Case{"NumberAgainstStringIsHard",
             R"j({"a": 1})j",
             R"j({"a": "1"})j",
             {R"j(a: Invalid value: "1": Expected value: 1 (types are not comparable))j"},
             true},
        Case{"BoolAgainstNumberIsHard",
             R"j({"a": true})j",
             R"j({"a": 1})j",
             {"a: Invalid value: 1: Expected value: true (types are not comparable)"},
             true},
        Case{"ScalarAgainstListIsHard",
             R"j({"a": 1})j",
             R"j({"a": [1]})j",
             {"a: Invalid value: [1]: Expected value: 1 (types are not comparable)"},
             true},
        Case{"ScalarAgainstMapIsHard",
             R"j({"a": "x"})j",
             R"j({"a": {"b": 1}})j",
             {R"j(a: Invalid value: {"b":1}: Expected value: "x" (types are not comparable))j"},
             true},
        Case{"NullActualIsPlainMismatch",
             R"j({"a": "x"})j",
             R"j({"a": null})j",
             {R"j(a: Invalid value: null: Expected value: "x")j"}},
        Case{"NullActualAtTop", "true", "null", {"Invalid value: null: Expected value: true"}},
        Case{"NullExpectedAgainstValue",
             R"j({"a": null})j",
             R"j({"a": 0})j",
             {"a: Invalid value: 0: Expected value: null"}},
        Case{"NullEqualsNull", "null", "null", {}},
        Case{"ParenthesisedTextIsNotAnExpression", R"j({"a": "(x)y"})j", R"j({"a": "(x)y"})j", {}}),
    caseName);

// ---- expression leaves ------------------------------------------------------------------------

INSTANTIATE_TEST_SUITE_P(
    ExpressionLeaves, AssertionCase,
    ::testing::Values(
        Case{"Literal", R"j({"a": "(`3`)"})j", R"j({"a": 3})j", {}},
        Case{"LiteralAgainstFloat", R"j({"a": "(`2`)"})j", R"j({"a": 2.0})j", {}},
        Case{"FunctionResult", R"j({"a": "(to_upper('abc'))"})j", R"j({"a": "ABC"})j", {}},
        Case{"ResultMismatch",
             R"j({"a": "(to_upper('abc'))"})j",
             R"j({"a": "abc"})j",
             {R"j(a: Invalid value: "abc": Expected value: "ABC")j"}},
        // The actual value is @: `(@)` always passes, and a function of @ is compared with @.
        Case{"AtIsTheActualValue", R"j({"a": "(@)"})j", R"j({"a": {"x": [1]}})j", {}},
        Case{"FunctionOfAt", R"j({"a": "(to_lower(@))"})j", R"j({"a": "abc"})j", {}},
        Case{"FunctionOfAtMismatch",
             R"j({"a": "(to_upper(@))"})j",
             R"j({"a": "abc"})j",
             {R"j(a: Invalid value: "abc": Expected value: "ABC")j"}},
        // A predicate as a leaf compares a boolean with the value: predicates go in keys.
        Case{"PredicateLeafIsNotComparable",
             R"j({"name": "(length(@) > `0`)"})j",
             R"j({"name": "x"})j",
             {R"j(name: Invalid value: "x": Expected value: true (types are not comparable))j"},
             true},
        Case{"NullActualAgainstResult",
             R"j({"a": "(`1`)"})j",
             R"j({"a": null})j",
             {"a: Invalid value: null: Expected value: 1"}},
        Case{"NullResultAgainstNull", R"j({"a": "(missing)"})j", R"j({"a": null})j", {}},
        Case{"ListResultEqual", R"j({"a": "(`[1, 2]`)"})j", R"j({"a": [1, 2]})j", {}},
        Case{"ListResultMismatch",
             R"j({"a": "(`[1, 2]`)"})j",
             R"j({"a": [2, 1]})j",
             {"a: Invalid value: [2,1]: Expected value: [1,2]"}},
        Case{"JpEngine", R"j({"a": "(jp;@)"})j", R"j({"a": 5})j", {}},
        Case{"RuntimeErrorIsHard",
             R"j({"a": "(length(@))"})j",
             R"j({"a": 5})j",
             {"a: Internal error: length() expected argument 1 to be string, array or object, got "
              "number"},
             true}),
    caseName);

// ---- key modifiers ----------------------------------------------------------------------------

INSTANTIATE_TEST_SUITE_P(
    Foreach, AssertionCase,
    ::testing::Values(
        Case{"OverArray",
             R"j({"~.(items)": {"ready": true}})j",
             R"j({"items": [{"ready": true}, {"ready": true, "x": 1}]})j",
             {}},
        Case{"OverArrayMismatch",
             R"j({"~.(items)": {"ready": true}})j",
             R"j({"items": [{"ready": true}, {"ready": false}]})j",
             {"(items)[1].ready: Invalid value: false: Expected value: true"}},
        Case{"OverEmptyArray", R"j({"~.(items)": {"ready": true}})j", R"j({"items": []})j", {}},
        Case{"OverMap",
             R"j({"~.(labels)": "x"})j",
             R"j({"labels": {"a": "x", "b": "y"}})j",
             {R"j((labels).b: Invalid value: "y": Expected value: "x")j"}},
        Case{"OverFilter",
             R"j({"~.(items[?kind == 'A'])": {"ok": true}})j",
             R"j({"items": [{"kind": "A", "ok": true}, {"kind": "B", "ok": false}]})j",
             {}},
        Case{"PlainField",
             R"j({"~.items": {"ready": true}})j",
             R"j({"items": [{"ready": true}, {"ready": false}]})j",
             {"items[1].ready: Invalid value: false: Expected value: true"}},
        Case{"PlainFieldOverMap", R"j({"~.labels": "x"})j", R"j({"labels": {"a": "x"}})j", {}},
        Case{"PlainFieldMissingIsSoft",
             R"j({"~.items": {"ready": true}})j",
             R"j({})j",
             {"items: " + kNotFound}},
        Case{"PlainFieldUnderNullIsSoft",
             R"j({"~.items": {"ready": true}})j",
             "null",
             {"items: " + kNotFound}},
        Case{"OverNullIsHard",
             R"j({"~.(missing)": {"ready": true}})j",
             R"j({})j",
             {"(missing): Invalid value: null: expected a list or a map to iterate over, found "
              "null"},
             true},
        // Present but null is found (kyverno-json), so iterating it is the hard error.
        Case{"OverPresentNullFieldIsHard",
             R"j({"~.items": {"ready": true}})j",
             R"j({"items": null})j",
             {"items: Invalid value: null: expected a list or a map to iterate over, found null"},
             true},
        Case{
            "OverStringIsHard",
            R"j({"~.(name)": "x"})j",
            R"j({"name": "x"})j",
            {R"j((name): Invalid value: "x": expected a list or a map to iterate over, found string)j"},
            true},
        Case{"IndexBound",
             R"j({"~i.(items)": {"idx": "($i)"}})j",
             R"j({"items": [{"idx": 0}, {"idx": 1}, {"idx": 2}]})j",
             {}},
        Case{"IndexBoundMismatch",
             R"j({"~i.(items)": {"idx": "($i)"}})j",
             R"j({"items": [{"idx": 1}, {"idx": 0}]})j",
             {"(items)[0].idx: Invalid value: 1: Expected value: 0",
              "(items)[1].idx: Invalid value: 0: Expected value: 1"}},
        Case{"IndexInExpressionKey",
             R"j({"~i.(items)": {"(idx == $i)": true}})j",
             R"j({"items": [{"idx": 0}, {"idx": 1}]})j",
             {}},
        Case{"KeyBound",
             R"j({"~k.(labels)": "($k)"})j",
             R"j({"labels": {"a": "a", "b": "b"}})j",
             {}},
        Case{"KeyBoundMismatch",
             R"j({"~k.(labels)": "($k)"})j",
             R"j({"labels": {"a": "a", "b": "c"}})j",
             {R"j((labels).b: Invalid value: "c": Expected value: "b")j"}},
        Case{"NamedOverPlainField",
             R"j({"~key.labels": "($key)"})j",
             R"j({"labels": {"x": "x"}})j",
             {}},
        Case{"Nested",
             R"j({"~i.(rows)": {"~j.(@)": "(join(',', [to_string($i), to_string($j)]))"}})j",
             R"j({"rows": [["0,0", "0,1"], ["1,0"]]})j",
             {}},
        Case{"CallerBindingStillVisible",
             R"j({"~.(items)": {"ns": "($namespace)"}})j",
             R"j({"items": [{"ns": "ns1"}, {"ns": "ns2"}]})j",
             {R"j((items)[1].ns: Invalid value: "ns2": Expected value: "ns1")j"}}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    Binding, AssertionCase,
    ::testing::Values(
        Case{"ExpressionKey",
             R"j({"(spec.replicas) -> r": {"($r > `1`)": true}})j",
             R"j({"spec": {"replicas": 3}})j",
             {}},
        Case{"ExpressionKeyMismatch",
             R"j({"(spec.replicas) -> r": {"($r > `1`)": true}})j",
             R"j({"spec": {"replicas": 1}})j",
             {"(spec.replicas).($r > `1`): Invalid value: false: Expected value: true"}},
        Case{"WithoutSpaces",
             R"j({"(spec)->s": {"replicas": "($s.replicas)"}})j",
             R"j({"spec": {"replicas": 2}})j",
             {}},
        Case{"PlainKey",
             R"j({"metadata -> m": {"name": "($m.name)", "labels": {"app": "($m.name)"}}})j",
             R"j({"metadata": {"name": "web", "labels": {"app": "web"}}})j",
             {}},
        Case{"PlainKeyMismatch",
             R"j({"metadata -> m": {"labels": {"app": "($m.name)"}}})j",
             R"j({"metadata": {"name": "web", "labels": {"app": "api"}}})j",
             {R"j(metadata.labels.app: Invalid value: "api": Expected value: "web")j"}},
        Case{"DeepDescendants",
             R"j({"spec -> s": {"template": {"spec": {"(length(containers))": "($s.count)"}}}})j",
             R"j({"spec": {"count": 1, "template": {"spec": {"containers": [{}]}}}})j",
             {}},
        Case{"ForeachAndBinding",
             R"j({"~.(items) -> all": {"(length($all))": 2}})j",
             R"j({"items": [{}, {}]})j",
             {}},
        Case{"ForeachIndexAndBinding",
             R"j({"~i.(items) -> all": {"(name == $all[1].name)": "($i == `1`)"}})j",
             R"j({"items": [{"name": "a"}, {"name": "b"}]})j",
             {}},
        // Bound for descendants only: a sibling does not see it (an undefined variable is an
        // evaluation error, hence hard).
        Case{"NotVisibleToSiblings",
             R"j({"a -> x": {}, "b": "($x)"})j",
             R"j({"a": 1, "b": 1})j",
             {"b: Internal error: variable not defined: $x"},
             true},
        Case{"InnerHidesCaller",
             R"j({"spec -> name": {"n": "($name.n)"}})j",
             R"j({"spec": {"n": 1}})j",
             {}},
        Case{"NotFoundKeyIsSoft",
             R"j({"spec -> s": {"a": 1}})j",
             R"j({})j",
             {"spec: " + kNotFound}}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    Escape, AssertionCase,
    ::testing::Values(
        Case{"LiteralFieldName", R"j({"\\(text)\\": 1})j", R"j({"(text)": 1})j", {}},
        Case{"LiteralFieldNameMissing",
             R"j({"\\(text)\\": 1})j",
             R"j({"text": 1})j",
             {"(text): " + kNotFound}},
        Case{"NotCompiled", R"j({"\\(a[)\\": 1})j", R"j({"(a[)": 1})j", {}},
        Case{"ModifierTextEscaped", R"j({"\\~.(x)\\": 1})j", R"j({"~.(x)": 1})j", {}},
        // kyverno-json strips `~name.` and `-> name` before it looks for the escape.
        Case{"ForeachOverEscapedName", R"j({"~.\\(items)\\": 1})j", R"j({"(items)": [1, 1]})j", {}},
        Case{"BindingOnEscapedName",
             R"j({"\\(spec)\\ -> s": {"n": "($s.n)"}})j",
             R"j({"(spec)": {"n": 1}})j",
             {}}),
    caseName);

// Bindings from the caller (the runner's `$namespace`, step bindings, outputs).
INSTANTIATE_TEST_SUITE_P(
    CallerBindings, AssertionCase,
    ::testing::Values(
        Case{"NamespaceLeaf",
             R"j({"metadata": {"namespace": "($namespace)"}})j",
             R"j({"metadata": {"namespace": "ns1"}})j",
             {}},
        Case{"NamespaceLeafMismatch",
             R"j({"metadata": {"namespace": "($namespace)"}})j",
             R"j({"metadata": {"namespace": "other"}})j",
             {R"j(metadata.namespace: Invalid value: "other": Expected value: "ns1")j"}},
        // No apiVersion/kind: the tree is checked against null with bindings only.
        Case{"NonResourceAssertion", R"j({"($replicas)": 3, "($obj.a[1])": 2})j", "null", {}},
        Case{"NonResourceAssertionMismatch",
             R"j({"($replicas)": 4})j",
             "null",
             {"($replicas): Invalid value: 3: Expected value: 4"}},
        Case{"InPredicate",
             R"j({"(metadata.name == $name)": true})j",
             R"j({"metadata": {"name": "web"}})j",
             {}},
        Case{"BoundObjectAgainstTree", R"j({"($obj)": {"a": [1, 2]}})j", "null", {}},
        Case{"UnknownVariableIsHard",
             R"j({"($nope)": 1})j",
             "null",
             {"($nope): Internal error: variable not defined: $nope"},
             true}),
    caseName);

// ---- compile ----------------------------------------------------------------------------------

std::string compileError(const char* tree) {
    try {
        AssertionTree::compile(Json::parse(tree));
    } catch (const AssertionError& e) {
        return e.what();
    }
    return "";
}

TEST(AssertionCompile, RejectsABadExpressionAnywhere) {
    const char* trees[] = {
        R"j({"(a[)": 1})j",
        R"j({"spec": {"x": {"(a[)": 1}}})j",
        R"j({"items": [1, {"(a[)": 1}]})j",
        R"j({"a": "(a[)"})j",
        R"j({"a": {"b": ["ok", "(a[)"]}})j",
        R"j(["(a[)"])j",
        R"j("(a[)")j",
        R"j({"~.(a[)": 1})j",
        R"j({"~i.(a[)": {}})j",
        R"j({"(a[) -> x": 1})j",
        R"j({"(jp;a[)": 1})j",
        R"j({"a": "(jp;a[)"})j",
    };
    for (const char* tree : trees) {
        SCOPED_TRACE(tree);
        const std::string error = compileError(tree);
        EXPECT_EQ(error.rfind("invalid expression (a[): syntax error", 0), 0u) << error;
    }
}

TEST(AssertionCompile, RejectsAnUnknownFunctionByName) {
    EXPECT_EQ(compileError(R"j({"(x_k8s_get(@))": 1})j"),
              "invalid expression (x_k8s_get(@)): function x_k8s_get is not supported in mcpsim");
}

TEST(AssertionCompile, RefusesCel) {
    EXPECT_EQ(compileError(R"j({"(cel;object.x)": 1})j"),
              "the cel compiler is not supported in mcpsim: (cel;object.x)");
    EXPECT_EQ(compileError(R"j({"a": {"b": "(cel;object.x)"}})j"),
              "the cel compiler is not supported in mcpsim: (cel;object.x)");
    EXPECT_EQ(compileError(R"j({"~.(cel;items)": {}})j"),
              "the cel compiler is not supported in mcpsim: (cel;items)");
}

TEST(AssertionCompile, AcceptsGoodTreesAndKeepsThem) {
    const Json tree = Json::parse(R"j({
      "metadata": {"name": "x", "namespace": "($namespace)"},
      "(length(spec.items) > `0`)": true,
      "~i.(spec.items) -> all": {"name": "($all[0].name)"},
      "\\(a[)\\": "(a)b",
      "(conditions[?type == 'Ready'])[0].status": "True"
    })j");
    AssertionTree compiled;
    ASSERT_NO_THROW(compiled = AssertionTree::compile(tree));
    EXPECT_EQ(compiled.tree(), tree);
}

// ---- templating -------------------------------------------------------------------------------

TEST(TemplateValue, ReplacesWholeExpressionStrings) {
    const Json in = Json::parse(R"j({
      "metadata": {"name": "($name)", "namespace": "($namespace)",
                   "labels": {"ns": "(join('-', ['x', $namespace]))"}},
      "spec": {"replicas": "($replicas)", "list": ["($namespace)", {"deep": ["(`true`)"]}],
               "obj": "($obj)", "first": "($obj.a[0])", "jp": "(jp;$name)",
               "missing": "($obj.nope)"}
    })j");
    const Json want = Json::parse(R"j({
      "metadata": {"name": "web", "namespace": "ns1", "labels": {"ns": "x-ns1"}},
      "spec": {"replicas": 3, "list": ["ns1", {"deep": [true]}],
               "obj": {"a": [1, 2]}, "first": 1, "jp": "web", "missing": null}
    })j");
    EXPECT_EQ(templateValue(in, kVars.bindings()), want);
}

TEST(TemplateValue, LeavesEverythingElseAlone) {
    const Json in = Json::parse(R"j({
      "($namespace)": "keys are not templated",
      "partial": "prefix-($namespace)",
      "trailing": "($namespace)-suffix",
      "inner": "(a)b(c",
      "plain": "ns", "empty": "", "open": "(", "num": 1.5, "int": -2, "flag": false,
      "nothing": null, "list": [1, "x", []], "map": {}
    })j");
    EXPECT_EQ(templateValue(in, kVars.bindings()), in);
    EXPECT_EQ(templateValue(Json("($namespace)"), kVars.bindings()), Json("ns1"));
    EXPECT_EQ(templateValue(Json(7), kVars.bindings()), Json(7));
}

TEST(TemplateValue, FailsOnBadExpressions) {
    const auto fails = [](const char* text) -> std::string {
        try {
            templateValue(Json::parse(text), kVars.bindings());
        } catch (const AssertionError& e) {
            return e.what();
        }
        return "";
    };
    EXPECT_EQ(fails(R"j({"a": ["($nope)"]})j"), "($nope): variable not defined: $nope");
    EXPECT_EQ(
        fails(R"j({"a": "(length(`1`))"})j"),
        "(length(`1`)): length() expected argument 1 to be string, array or object, got number");
    const std::string syntax = fails(R"j({"a": "(a[)"})j");
    EXPECT_EQ(syntax.rfind("invalid expression (a[): syntax error", 0), 0u) << syntax;
    EXPECT_EQ(fails(R"j({"a": "(cel;x)"})j"),
              "the cel compiler is not supported in mcpsim: (cel;x)");
}

TEST(CheckTemplateExpressions, AcceptsGoodTemplates) {
    EXPECT_NO_THROW(checkTemplateExpressions(Json::parse(R"j({
      "a": "($namespace)", "b": ["(length(@))", {"c": "(jp;$x)"}], "d": "x(y)", "e": 1,
      "(a[)": "keys are not templated", "f": "\\(a[)\\"
    })j")));
    EXPECT_NO_THROW(checkTemplateExpressions(Json()));
}

TEST(CheckTemplateExpressions, RejectsBadExpressionsAtAnyDepth) {
    const char* values[] = {R"j("(a[)")j", R"j({"a": "(a[)"})j", R"j({"a": [{"b": ["(a[)"]}]})j",
                            R"j(["x", "(jp;a[)"])j"};
    for (const char* v : values) {
        SCOPED_TRACE(v);
        try {
            checkTemplateExpressions(Json::parse(v));
            ADD_FAILURE() << "did not throw";
        } catch (const AssertionError& e) {
            EXPECT_EQ(std::string(e.what()).rfind("invalid expression (a[): syntax error", 0), 0u)
                << e.what();
        }
    }
    EXPECT_THROW(checkTemplateExpressions(Json::parse(R"j({"a": "(cel;x)"})j")), AssertionError);
    EXPECT_THROW(checkTemplateExpressions(Json::parse(R"j({"a": "(no_such_fn(@))"})j")),
                 AssertionError);
}

// ---- field errors and diffs -------------------------------------------------------------------

TEST(FieldError, Str) {
    EXPECT_EQ((FieldError{"", "value is null"}).str(), "value is null");
    EXPECT_EQ((FieldError{"status.conditions[0].status", "Invalid value: \"False\""}).str(),
              "status.conditions[0].status: Invalid value: \"False\"");
}

TEST(CheckResult, OkMeansNoErrors) {
    CheckResult r;
    EXPECT_TRUE(r.ok());
    EXPECT_FALSE(r.hard);
    r.errors.push_back({"a", "b"});
    EXPECT_FALSE(r.ok());
}

TEST(ProjectLike, KeepsOnlyThePlainKeysOfTheExpectation) {
    const Json expected = Json::parse(R"j({
      "metadata": {"name": "x"},
      "status": {"conditions": [{"type": "Ready"}]},
      "(length(spec))": 1,
      "~.(items)": {},
      "~.items": {},
      "missing": 1,
      "spec -> s": {"replicas": 1},
      "\\(lit)\\": 1
    })j");
    const Json actual = Json::parse(R"j({
      "metadata": {"name": "y", "uid": "u"},
      "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Other"}],
                 "observedGeneration": 2},
      "spec": {"replicas": 3, "paused": false},
      "items": [1],
      "(lit)": 2,
      "extra": true
    })j");
    const Json want = Json::parse(R"j({
      "metadata": {"name": "y"},
      "status": {"conditions": [{"type": "Ready"}, {"type": "Other"}]},
      "spec": {"replicas": 3},
      "(lit)": 2
    })j");
    EXPECT_EQ(projectLike(expected, actual), want);
}

TEST(ProjectLike, ScalarsAndMismatchedShapesAreTheActualValue) {
    EXPECT_EQ(projectLike(Json(1), Json("x")), Json("x"));
    EXPECT_EQ(projectLike(Json::parse(R"j({"a": 1})j"), Json("x")), Json("x"));
    EXPECT_EQ(projectLike(Json::parse("[1]"), Json::parse(R"j({"a": 1})j")),
              Json::parse(R"j({"a": 1})j"));
    EXPECT_EQ(projectLike(Json::parse(R"j([{"a": 1}, {"a": 2}])j"),
                          Json::parse(R"j([{"a": 1, "b": 2}])j")),
              Json::parse(R"j([{"a": 1}])j"));
    EXPECT_EQ(projectLike(Json::parse(R"j({"a": 1})j"), Json()), Json());
}

}  // namespace
}  // namespace mcpsim::sim::scenario
