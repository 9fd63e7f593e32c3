// The JMESPath engine. Expected values of the standard syntax and functions were checked against
// @jmespath-community/jmespath 1.3.0 (the dialect Chainsaw uses); where that implementation and
// go-jmespath (what Chainsaw runs) differ, the case says so and follows Go. The kyverno-json and
// Chainsaw extras follow the Go functions they wrap.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <ostream>
#include <string>

#include "scenario/jmespath.hpp"

namespace mcpsim::sim::scenario::jmespath {
namespace {

const Json kGeneral = Json::parse(R"({
  "a": {"b": {"c": "nested"}},
  "list": [0, 1, 2, 3, 4, 5],
  "mixed": [1, null, "two", [3, 4], {"five": 5}],
  "nested": [[1, 2], [3, [4, 5]], 6],
  "people": [{"name": "ann", "age": 31, "tags": ["x"]},
             {"name": "bob", "age": 25},
             {"name": "cy", "age": 40, "tags": ["y", "z"]}],
  "obj": {"x": 1, "y": null, "z": 3},
  "str": "héllo",
  "empty": {"s": "", "a": [], "o": {}, "f": false, "z": 0},
  "with space": 1, "quote\"d": 2,
  "n": null,
  "floats": [1.5, 2.5, -0.5]
})");

const Json kServer = Json::parse(R"({
  "apiVersion": "mcp.kagenti.com/v1alpha1", "kind": "MCPServerRegistration",
  "metadata": {"name": "weather", "namespace": "mcp-test",
               "labels": {"app": "weather", "app.kubernetes.io/name": "weather"}},
  "spec": {"toolPrefix": "weather_", "tools": [{"name": "forecast"}, {"name": "alerts"}],
           "targetRef": {"kind": "HTTPRoute", "name": "weather-route"}},
  "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready"},
                            {"type": "Programmed", "status": "False", "reason": "Pending"}],
             "discoveredTools": 2}
})");

struct Case {
    const char* expression;
    const char* expected;  // JSON text; compared as dumped, so 2 and 2.0 differ
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.expression;
}

void expectEvaluates(const Case& c, const Json& data, const Bindings& bindings = {}) {
    SCOPED_TRACE(c.expression);
    Json result;
    try {
        result = Expression::compile(c.expression).evaluate(data, bindings);
    } catch (const Error& e) {
        FAIL() << "threw: " << e.what();
    }
    EXPECT_EQ(result.dump(), Json::parse(c.expected).dump());
}

// ---- syntax over general data ------------------------------------------------------------------

class Syntax : public testing::TestWithParam<Case> {};
TEST_P(Syntax, Evaluates) {
    expectEvaluates(GetParam(), kGeneral);
}

INSTANTIATE_TEST_SUITE_P(
    Identifiers, Syntax,
    testing::Values(Case{"a.b.c", R"("nested")"}, Case{"a.b.missing", "null"},
                    Case{"a.b.c.d", "null"}, Case{R"("with space")", "1"},
                    Case{R"("quote\"d")", "2"}, Case{R"("\u0061".b.c)", R"("nested")"},
                    Case{R"(a."b".c)", R"("nested")"}, Case{"a | @.b", R"({"c":"nested"})"},
                    Case{"$.a.b.c", R"("nested")"}, Case{"(a.b).c", R"("nested")"}));

INSTANTIATE_TEST_SUITE_P(
    IndexesAndSlices, Syntax,
    testing::Values(Case{"list[0]", "0"}, Case{"list[-1]", "5"}, Case{"list[10]", "null"},
                    Case{"list[-7]", "null"}, Case{"obj[0]", "null"}, Case{"list[1:3]", "[1,2]"},
                    Case{"list[::2]", "[0,2,4]"}, Case{"list[::-1]", "[5,4,3,2,1,0]"},
                    Case{"list[-2:]", "[4,5]"}, Case{"list[:2]", "[0,1]"},
                    Case{"list[5:1:-2]", "[5,3]"}, Case{"list[:-1:-1]", "[]"},
                    Case{"list[100:]", "[]"}, Case{"list[1::9223372036854775807]", "[1]"},
                    Case{"list[4::-9223372036854775808]", "[4]"},
                    Case{"list[-9223372036854775808:2]", "[0,1]"}, Case{"obj[0:1]", "null"},
                    Case{"str[1:3]", R"("él")"}, Case{"str[::-1]", R"("olléh")"},
                    Case{"`[1, 2]`[1]", "2"},
                    // a sliced string is not projected: what follows applies to it whole
                    Case{"str[0:2].length(@)", "2"}, Case{"str[0:2][0]", "null"},
                    Case{"people[*].name[0:2]", R"(["an","bo","cy"])"}));

INSTANTIATE_TEST_SUITE_P(
    Projections, Syntax,
    testing::Values(
        Case{"people[*].name", R"(["ann","bob","cy"])"},
        // bob has no tags: a projection drops the null
        Case{"people[*].tags", R"([["x"],["y","z"]])"}, Case{"people[*].tags[0]", R"(["x","y"])"},
        Case{"people[].tags[]", R"(["x","y","z"])"}, Case{"people[*].age[]", "[31,25,40]"},
        Case{"nested[]", "[1,2,3,[4,5],6]"}, Case{"nested[][]", "[1,2,3,4,5,6]"},
        Case{"mixed[*]", R"([1,"two",[3,4],{"five":5}])"},
        Case{"mixed[]", R"([1,"two",3,4,{"five":5}])"}, Case{"mixed[*].five", "[5]"},
        Case{"`[[1, null], null]`[]", "[1]"}, Case{"obj.*", "[1,3]"},
        Case{"a.b.*", R"(["nested"])"}, Case{"a.*.c", R"(["nested"])"},
        // `.` after a value projection's right side applies to the list (the reference parses
        // it so too)
        Case{"a.*.c.d", "null"}, Case{"*.c", "[]"}, Case{"str[*]", "null"}, Case{"str.*", "null"},
        Case{"[]", "null"}, Case{"people[0:2].name", R"(["ann","bob"])"},
        // a pipe stops the projection; `[0]` then indexes the whole list
        Case{"people[*].name | [0]", R"("ann")"}, Case{"people[*].name[0]", "[]"},
        Case{"(people[*].name)[0]", R"("ann")"}, Case{"people[*].tags | [0]", R"(["x"])"},
        Case{"people[*].tags[?@ == 'z']", R"([[],["z"]])"},
        Case{"people[*].tags[] | [?@ != 'x']", R"(["y","z"])"}));

INSTANTIATE_TEST_SUITE_P(
    Filters, Syntax,
    testing::Values(Case{"people[?age > `30`].name", R"(["ann","cy"])"},
                    Case{"people[?tags].name", R"(["ann","cy"])"},
                    Case{"people[?!tags].name", R"(["bob"])"},
                    Case{"people[?age >= `31` && age < `40`].name", R"(["ann"])"},
                    Case{"people[?name == 'bob' || age == `40`].name", R"(["bob","cy"])"},
                    Case{"people[?age > `100`]", "[]"},
                    Case{"people[?name == $.people[1].name].age", "[25]"},
                    Case{"people[?age > `30`] | [*].name", R"(["ann","cy"])"},
                    Case{"people[?age > `30`] | [-1].tags[0]", R"("y")"},
                    Case{"list[?@ > `3`]", "[4,5]"}, Case{"list[?@ > `1`][0]", "[]"},
                    Case{"nested[?@ == `6`]", "[6]"}, Case{"@.list[?@ > `3`] | length(@)", "2"},
                    Case{"people[?contains(tags || `[]`, 'y')].name", R"(["cy"])"}));

INSTANTIATE_TEST_SUITE_P(
    MultiSelect, Syntax,
    testing::Values(
        Case{"people[*].[name, age]", R"([["ann",31],["bob",25],["cy",40]])"},
        Case{"people[*].{n: name, t: tags}",
             R"([{"n":"ann","t":["x"]},{"n":"bob","t":null},{"n":"cy","t":["y","z"]}])"},
        Case{"[a.b.c, list[0]]", R"(["nested",0])"},
        Case{"{first: list[0], last: list[-1]}", R"({"first":0,"last":5})"}, Case{"n.[a]", "null"},
        Case{"n.{a: a}", "null"},
        // only `.` stops at a null; a multi-select itself does not
        Case{"`null` | [a]", "[null]"}, Case{"`null` | {k: a}", R"({"k":null})"},
        Case{"mixed[*].{k: five}", R"([{"k":null},{"k":null},{"k":null},{"k":null},{"k":5}])"},
        Case{"mixed[*].[five]", "[[null],[null],[null],[null],[5]]"}, Case{"n.length(@)", "null"},
        Case{"missing.to_string(@)", "null"}, Case{"to_string(missing)", R"("null")"}));

INSTANTIATE_TEST_SUITE_P(Literals, Syntax,
                         testing::Values(Case{"'raw'", R"("raw")"}, Case{R"('it\'s')", R"("it's")"},
                                         Case{R"('a\\b')", R"("a\\b")"},
                                         Case{R"('a\nb')", R"("a\\nb")"},
                                         Case{R"(`{"a": 1}`)", R"({"a":1})"}, Case{"`1`", "1"},
                                         Case{"`true`", "true"}, Case{R"(`"x"`)", R"("x")"},
                                         Case{R"(`"a\`b"`)", R"("a`b")"}));

INSTANTIATE_TEST_SUITE_P(Comparisons, Syntax,
                         testing::Values(Case{"`1` == `1.0`", "true"},
                                         Case{R"(`[1, {"a": 2}]` == `[1.0, {"a": 2.0}]`)", "true"},
                                         Case{R"(`{"a": 1}` != `{"a": 1}`)", "false"},
                                         Case{"'a' == 'a'", "true"}, Case{"'a' < 'b'", "null"},
                                         Case{"`1` < `2`", "true"}, Case{"`2` <= `2`", "true"},
                                         Case{"`3` > `2.5`", "true"}, Case{"`2` >= `3`", "false"},
                                         Case{"`true` < `false`", "null"},
                                         Case{"list != `[]`", "true"}, Case{"n == `null`", "true"},
                                         Case{"missing == n", "true"}));

INSTANTIATE_TEST_SUITE_P(Logic, Syntax,
                         testing::Values(Case{"!(empty.s)", "true"}, Case{"!(empty.a)", "true"},
                                         Case{"!(empty.o)", "true"}, Case{"!(empty.f)", "true"},
                                         // 0 is true in JMESPath
                                         Case{"!(empty.z)", "false"}, Case{"!(a.b)", "false"},
                                         Case{"!!list", "true"}, Case{"!n", "true"},
                                         // `!` binds tighter than `.`: (!a).b
                                         Case{"!a.b", "null"},
                                         Case{"empty.s || 'default'", R"("default")"},
                                         Case{"empty.z || 'x'", "0"}, Case{"empty.a && 'x'", "[]"},
                                         Case{"list && 'x'", R"("x")"},
                                         Case{"`null` || `false`", "false"},
                                         Case{"a.b.c == 'nested' && list[0] == `0`", "true"},
                                         Case{"people[*].age | max(@)", "40"}));

// ---- Kubernetes-style assertions ---------------------------------------------------------------

class Kubernetes : public testing::TestWithParam<Case> {};
TEST_P(Kubernetes, Evaluates) {
    expectEvaluates(GetParam(), kServer);
}

INSTANTIATE_TEST_SUITE_P(
    Registration, Kubernetes,
    testing::Values(
        Case{"status.conditions[?type == 'Ready'] | [0].status", R"("True")"},
        Case{"status.conditions[?type == 'Ready'].status | [0]", R"("True")"},
        Case{"status.conditions[?type == 'Ready'].status", R"(["True"])"},
        Case{"status.conditions[?type == 'Missing'] | [0].status", "null"},
        Case{"status.conditions[?type == 'Programmed' && status == 'False'].reason | [0]",
             R"("Pending")"},
        Case{"(length(spec.tools) > `0`)", "true"},
        Case{"length(status.conditions[?status == 'True'])", "1"},
        Case{"length(status.conditions[?status != 'True']) == `1`", "true"},
        Case{R"(metadata.labels."app.kubernetes.io/name")", R"("weather")"},
        Case{"spec.tools[*].name", R"(["forecast","alerts"])"},
        Case{"contains(spec.tools[*].name, 'forecast')", "true"},
        Case{"join(',', sort(spec.tools[*].name))", R"("alerts,forecast")"},
        Case{"status.discoveredTools == length(spec.tools)", "true"},
        Case{"spec.targetRef.{kind: kind, name: name}",
             R"({"kind":"HTTPRoute","name":"weather-route"})"},
        Case{"[metadata.name, spec.targetRef.name]", R"(["weather","weather-route"])"},
        Case{"status.conditions[*].type", R"(["Ready","Programmed"])"},
        Case{"status.conditions[0:1].type", R"(["Ready"])"},
        Case{"status.conditions[].type", R"(["Ready","Programmed"])"},
        Case{"spec.tools[?starts_with(name, 'fore')] | length(@)", "1"},
        Case{"status.*.type", "[]"},
        Case{"keys(metadata.labels)", R"(["app","app.kubernetes.io/name"])"},
        Case{"spec.tools[?name == $.spec.tools[0].name].name", R"(["forecast"])"},
        Case{"metadata.labels.app == 'weather' && kind == 'MCPServerRegistration'", "true"}));

// ---- functions ---------------------------------------------------------------------------------

class Functions : public testing::TestWithParam<Case> {
  protected:
    // env() reads the process environment.
    static void SetUpTestSuite() {
        setenv("MCPSIM_JMESPATH_TEST_VALUE", "from-env", 1);
        unsetenv("MCPSIM_JMESPATH_TEST_UNSET");
    }
};
TEST_P(Functions, Evaluates) {
    expectEvaluates(GetParam(), kGeneral);
}

INSTANTIATE_TEST_SUITE_P(
    Standard, Functions,
    testing::Values(
        Case{"length(str)", "5"}, Case{"length(list)", "6"}, Case{"length(obj)", "3"},
        Case{"contains(list, `3`)", "true"}, Case{"contains(list, `3.0`)", "true"},
        Case{"contains(list, `9`)", "false"}, Case{"contains(str, 'll')", "true"},
        // go-jmespath: false (the npm package gives null)
        Case{"contains(str, `1`)", "false"},
        Case{"join(', ', people[*].name)", R"("ann, bob, cy")"}, Case{"join('-', `[]`)", R"("")"},
        Case{"keys(obj)", R"(["x","y","z"])"}, Case{"values(obj)", "[1,null,3]"},
        Case{"starts_with(str, 'hé')", "true"}, Case{"ends_with(str, 'lo')", "true"},
        Case{"starts_with(str, 'lo')", "false"}, Case{"to_string(list)", R"("[0,1,2,3,4,5]")"},
        Case{"to_string(`1.0`)", R"("1")"}, Case{"to_string(`1.5`)", R"("1.5")"},
        Case{"to_string(`1e21`)", R"("1e+21")"}, Case{"to_string(`0.000001`)", R"("0.000001")"},
        Case{"to_string('x')", R"("x")"},
        Case{"to_string(obj)", R"("{\"x\":1,\"y\":null,\"z\":3}")"},
        Case{"to_string(`null`)", R"("null")"},
        // Go's json.Marshal escapes <, > and & (the npm package does not)
        Case{R"(to_string(`[1, "<a>"]`))", R"("[1,\"\\u003ca\\u003e\"]")"},
        Case{"to_number('42')", "42"}, Case{"to_number('-1.5')", "-1.5"},
        Case{"to_number('1e3')", "1000"}, Case{"to_number('abc')", "null"},
        // strconv.ParseFloat refuses spaces (the npm package gives 2)
        Case{"to_number(' 2')", "null"}, Case{"to_number(`true`)", "null"},
        Case{"to_number(`7`)", "7"}, Case{"to_array(`1`)", "[1]"},
        Case{"to_array(list[:2])", "[0,1]"}, Case{"to_array(`null`)", "[null]"},
        Case{"type(str)", R"("string")"}, Case{"type(list)", R"("array")"},
        Case{"type(obj)", R"("object")"}, Case{"type(`true`)", R"("boolean")"},
        Case{"type(`1.5`)", R"("number")"}, Case{"type(n)", R"("null")"},
        Case{"not_null(n, missing, 'x', 'y')", R"("x")"}, Case{"not_null(n)", "null"},
        Case{"max(list)", "5"}, Case{"max(people[*].name)", R"("cy")"}, Case{"max(`[]`)", "null"},
        Case{"min(floats)", "-0.5"}, Case{"min(people[*].name)", R"("ann")"},
        Case{"sort(`[3, 1.5, 2]`)", "[1.5,2,3]"},
        Case{R"(sort(`["b", "a", "c"]`))", R"(["a","b","c"])"},
        Case{"sort_by(people, &age)[*].name", R"(["bob","ann","cy"])"},
        Case{"sort_by(people, &name)[*].name", R"(["ann","bob","cy"])"},
        Case{"sort_by(people, &age)[-1].name", R"("cy")"},
        Case{"max_by(people, &age).name", R"("cy")"}, Case{"min_by(people, &age).name", R"("bob")"},
        // the spec allows string keys (the npm package returns null here)
        Case{"max_by(people, &name).name", R"("cy")"}, Case{"max_by(`[]`, &age)", "null"},
        Case{"sum(list)", "15"}, Case{"sum(floats)", "3.5"}, Case{"sum(`[]`)", "0"},
        Case{"sum(`[1, 2.5]`)", "3.5"}, Case{"avg(list)", "2.5"},
        Case{"avg(floats)", "1.1666666666666667"}, Case{"avg(`[1, 2, 3]`)", "2"},
        Case{"avg(`[]`)", "null"}, Case{"abs(`-3`)", "3"}, Case{"abs(`-2.5`)", "2.5"},
        Case{"abs(`-2.0`)", "2"}, Case{"ceil(`1.2`)", "2"}, Case{"ceil(`-1.2`)", "-1"},
        Case{"floor(`1.8`)", "1"}, Case{"floor(`-1.2`)", "-2"}, Case{"floor(`3`)", "3"},
        Case{"reverse(list)", "[5,4,3,2,1,0]"}, Case{"reverse(str)", R"("olléh")"},
        Case{R"(merge(obj, `{"x": 10, "w": 0}`))", R"({"w":0,"x":10,"y":null,"z":3})"},
        Case{"merge(`{}`)", "{}"}, Case{"map(&name, people)", R"(["ann","bob","cy"])"},
        // map keeps nulls, unlike a projection
        Case{"map(&tags[0], people)", R"(["x",null,"y"])"}, Case{"map(&@, `[]`)", "[]"},
        Case{"length(people[?age > `30`])", "2"}));

// Chainsaw and kyverno-json extras (not in the npm package): Go's strings, base64, regexp.
INSTANTIATE_TEST_SUITE_P(
    Extras, Functions,
    testing::Values(
        Case{R"(trim_space(`"  a b \t\n"`))", R"("a b")"},
        Case{R"(trim_space(`"\u00a0x\u3000"`))", R"("x")"}, Case{"as_string('x')", R"("x")"},
        Case{"as_string(`1`)", "null"}, Case{"as_string(n)", "null"},
        Case{"base64_encode('hello')", R"("aGVsbG8=")"},
        Case{"base64_decode('aGVsbG8=')", R"("hello")"},
        Case{"split('a,b,,c', ',')", R"(["a","b","","c"])"}, Case{"split('', ',')", R"([""])"},
        Case{"split('héy', '')", R"(["h","é","y"])"}, Case{"trim('xxhixyx', 'xy')", R"("hi")"},
        Case{"trim('hi', '')", R"("hi")"}, Case{"to_upper('Ready')", R"("READY")"},
        Case{"to_lower('ReAdY')", R"("ready")"},
        Case{"replace_all('a-b-c', '-', '_')", R"("a_b_c")"},
        Case{"replace_all('ab', '', '.')", R"(".a.b.")"},
        Case{"regex_match('^weather-.*$', 'weather-route')", "true"},
        Case{R"(regex_match('^\d+$', '123'))", "true"}, Case{"regex_match('^a', 'ba')", "false"},
        Case{"regex_match('ea', 'weather')", "true"}, Case{"regex_match('^[0-9]+$', `42`)", "true"},
        Case{R"(parse_json('{"a": [1, 2]}').a[1])", "2"}, Case{"json_parse('[true]')", "[true]"},
        Case{R"(parse_yaml(`"a: 1\nb: [x, yes]"`))", R"({"a":1,"b":["x",true]})"},
        Case{"parse_yaml('replicas: 3').replicas", "3"},
        Case{"concat('mcp-', 'test')", R"("mcp-test")"},
        Case{"env('MCPSIM_JMESPATH_TEST_VALUE')", R"("from-env")"},
        Case{"env('MCPSIM_JMESPATH_TEST_UNSET')", "null"}));

// ---- variables ---------------------------------------------------------------------------------

class Variables : public testing::Test {
  protected:
    std::map<std::string, Json, std::less<>> values{
        {"namespace", "mcp-test"},
        {"config", Json::parse(R"({"k": [1, 2, 3]})")},
        {"nothing", nullptr},
    };
    Bindings bindings = [this](std::string_view name) -> const Json* {
        const auto it = values.find(name);
        return it == values.end() ? nullptr : &it->second;
    };
};

TEST_F(Variables, ResolveThroughBindings) {
    for (const Case& c :
         {Case{"$namespace", R"("mcp-test")"}, Case{"$config.k[-1]", "3"},
          Case{"$config.k[*]", "[1,2,3]"}, Case{"$config.k[?@ > `1`]", "[2,3]"},
          Case{"$config | keys(@)", R"(["k"])"}, Case{"$nothing", "null"},
          Case{"metadata.namespace == $namespace", "true"},
          Case{"spec.tools[*].concat($namespace, name)",
               R"(["mcp-testforecast","mcp-testalerts"])"},
          Case{"map(&concat($namespace, name), spec.tools)",
               R"(["mcp-testforecast","mcp-testalerts"])"},
          Case{"spec.tools[?name == $.spec.tools[1].name] | [0].name", R"("alerts")"}}) {
        expectEvaluates(c, kServer, bindings);
    }
}

TEST_F(Variables, UnboundIsAnError) {
    const Expression expression = Expression::compile("$missing.name");
    try {
        expression.evaluate(kServer, bindings);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "variable not defined: $missing");
    }
    EXPECT_THROW(Expression::compile("$namespace").evaluate(kServer), Error);
}

// ---- errors ------------------------------------------------------------------------------------

struct ErrorCase {
    const char* expression;
    const char* message;  // a part of what() that names the problem
};

void PrintTo(const ErrorCase& c, std::ostream* os) {
    *os << c.expression;
}

class EvaluationErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(EvaluationErrors, Throw) {
    const Expression expression = Expression::compile(GetParam().expression);
    try {
        const Json result = expression.evaluate(kGeneral);
        FAIL() << "expected an error, got " << result.dump();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(GetParam().message), std::string::npos) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    WrongTypes, EvaluationErrors,
    testing::Values(
        ErrorCase{"length(`1`)",
                  "length() expected argument 1 to be string, array or object, got number"},
        ErrorCase{"contains(obj, 'x')",
                  "contains() expected argument 1 to be array or string, got object"},
        ErrorCase{"starts_with(list, 'x')",
                  "starts_with() expected argument 1 to be string, got array"},
        ErrorCase{"join(', ', list)", "join() expected argument 2 to be array of strings"},
        ErrorCase{"keys(list)", "keys() expected argument 1 to be object, got array"},
        ErrorCase{"values(str)", "values() expected argument 1 to be object, got string"},
        ErrorCase{"max(mixed)", "max() expected argument 1 to be array of numbers or of strings"},
        ErrorCase{"min(`[1, \"a\"]`)", "min() expected argument 1"},
        ErrorCase{"sort(mixed)", "sort() expected argument 1 to be array of numbers or of strings"},
        ErrorCase{"sort_by(people, &tags)",
                  "sort_by() expected the expression to give all numbers"},
        ErrorCase{"sort_by(people, age)",
                  "sort_by() expected argument 2 to be expression, got null"},
        ErrorCase{"max_by(people, &tags)", "max_by() expected the expression"},
        ErrorCase{"min_by(list, list)", "min_by() expected argument 2 to be expression"},
        ErrorCase{"map(name, people)", "map() expected argument 1 to be expression, got null"},
        ErrorCase{"map(&name, obj)", "map() expected argument 2 to be array, got object"},
        ErrorCase{"sum(people[*].name)", "sum() expected argument 1 to be array of numbers"},
        ErrorCase{"avg(str)", "avg() expected argument 1 to be array, got string"},
        ErrorCase{"abs('x')", "abs() expected argument 1 to be number, got string"},
        ErrorCase{"ceil('x')", "ceil() expected argument 1 to be number"},
        ErrorCase{"floor(n)", "floor() expected argument 1 to be number, got null"},
        ErrorCase{"reverse(obj)",
                  "reverse() expected argument 1 to be array or string, got object"},
        ErrorCase{"merge(obj, list)", "merge() expected argument 2 to be object, got array"},
        ErrorCase{"to_string(&name)",
                  "to_string() expected argument 1 to be a value, got expression"},
        ErrorCase{"trim_space(`1`)", "trim_space() expected argument 1 to be string, got number"},
        ErrorCase{"split(`1`, ',')", "split() expected argument 1 to be string"},
        ErrorCase{"trim('x', n)", "trim() expected argument 2 to be string, got null"},
        ErrorCase{"to_upper(list)", "to_upper() expected argument 1 to be string"},
        ErrorCase{"replace_all('a', 'b', `1`)", "replace_all() expected argument 3 to be string"},
        ErrorCase{"regex_match('a', obj)",
                  "regex_match() expected argument 2 to be string or number, got object"},
        ErrorCase{"regex_match('a', `true`)",
                  "regex_match() expected argument 2 to be string or number, got boolean"},
        ErrorCase{"concat('a', `1`)", "concat() expected argument 2 to be string, got number"},
        ErrorCase{"env(`1`)", "env() expected argument 1 to be string"},
        ErrorCase{"parse_yaml(list)", "parse_yaml() expected argument 1 to be string"}));

INSTANTIATE_TEST_SUITE_P(
    BadInput, EvaluationErrors,
    testing::Values(
        ErrorCase{"base64_decode('!!')", "base64_decode() illegal base64 data at input byte 0"},
        ErrorCase{"parse_json('{')", "parse_json() unexpected end of JSON input"},
        ErrorCase{"json_parse('[1,]')", "json_parse() invalid character ']'"},
        ErrorCase{"parse_yaml('a: [1')", "parse_yaml() "},
        ErrorCase{"regex_match('(', 'x')", "regex_match() error parsing regexp: missing closing )"},
        ErrorCase{"&name", "only allowed as a function argument"},
        ErrorCase{"n | length(@)",
                  "length() expected argument 1 to be string, array or object, got null"},
        ErrorCase{"$anything", "variable not defined: $anything"}));

class CompileErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(CompileErrors, Throw) {
    try {
        Expression::compile(GetParam().expression);
        FAIL() << "expected a compile error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(GetParam().message), std::string::npos) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, CompileErrors,
    testing::Values(ErrorCase{"", "syntax error in `` at column 1: unexpected end of expression"},
                    ErrorCase{"a.",
                              "syntax error in `a.` at column 3: expected an identifier, '*', '[' "
                              "or '{' after '.', found end of expression"},
                    ErrorCase{"a..b", "column 3: expected an identifier"},
                    ErrorCase{"a[", "column 3: expected a number, ':' or '*' after '['"},
                    ErrorCase{"a]", "column 2: unexpected ']'"},
                    ErrorCase{"[a b]", "column 4: expected ',' or ']' in a multi-select list"},
                    ErrorCase{"{a}", "column 3: expected ':' after a multi-select hash key"},
                    ErrorCase{"{}", "column 2: expected a key in a multi-select hash"},
                    ErrorCase{"a ==", "column 5: unexpected end of expression"},
                    ErrorCase{"a = b", "column 3: '=' is not an operator"},
                    ErrorCase{"a[1.5]", "column 4: expected a number, ':' or ']'"},
                    ErrorCase{"a[1:2:3:4]", "too many ':' in a slice"},
                    ErrorCase{"a[::0]", "slice step cannot be 0"},
                    ErrorCase{"`{bad`", "column 1: invalid JSON literal"},
                    ErrorCase{"'unterminated", "column 1: unterminated raw string"},
                    ErrorCase{"\"unterminated", "column 1: unterminated quoted identifier"},
                    ErrorCase{"`1", "unterminated JSON literal"},
                    ErrorCase{R"("\q")", "invalid escape in quoted identifier"},
                    ErrorCase{"foo bar", "column 5: unexpected 'bar'"},
                    ErrorCase{"(a", "column 3: expected ')'"},
                    ErrorCase{"a[?]", "column 4: unexpected ']'"},
                    ErrorCase{"a[?b", "expected ']' closing the filter"},
                    ErrorCase{"a #", "column 3: unexpected character '#'"},
                    ErrorCase{"a - b", "unexpected character '-'"},
                    ErrorCase{R"("length"(a))", "a function name must be an unquoted identifier"},
                    ErrorCase{"length()", "length() takes 1 argument, got 0"},
                    ErrorCase{"length(a, b)", "length() takes 1 argument, got 2"},
                    ErrorCase{"merge()", "merge() takes at least 1 argument, got 0"},
                    ErrorCase{"replace_all('a', 'b')", "replace_all() takes 3 arguments, got 2"},
                    ErrorCase{"length(a", "expected ',' or ')' in the arguments"},
                    ErrorCase{"a[*]b", "column 5: unexpected 'b'"},
                    ErrorCase{"a[*]{b: c}", "column 5: unexpected '{' after a projection"},
                    ErrorCase{"list[99999999999999999999]", "number out of range"}));

TEST(UnsupportedFunctions, FailAtCompileByName) {
    for (const char* text : {"x_k8s_get(@, 'v1', 'Pod', $namespace, 'p')", "length(x_k8s_get(@))",
                             "spec.tools[?x_k8s_get(name)]"}) {
        try {
            Expression::compile(text);
            ADD_FAILURE() << "compiled: " << text;
        } catch (const Error& e) {
            EXPECT_STREQ(e.what(), "function x_k8s_get is not supported in mcpsim") << text;
        }
    }
    EXPECT_THROW(Expression::compile("time_since('', '', '')"), Error);
}

TEST(Expressions, KeepTheirTextAndEvaluateRepeatedly) {
    const Expression expression = Expression::compile("spec.tools[*].name | length(@)");
    EXPECT_EQ(expression.text(), "spec.tools[*].name | length(@)");
    EXPECT_EQ(expression.evaluate(kServer), Json(2));
    EXPECT_EQ(expression.evaluate(Json::parse(R"({"spec": {"tools": []}})")), Json(0));
    const Expression copy = expression;  // copies share the parsed tree
    EXPECT_EQ(copy.evaluate(kServer), Json(2));
}

TEST(Expressions, DeepNestingIsAnErrorNotACrash) {
    const std::string deep = std::string(5000, '(') + "a" + std::string(5000, ')');
    EXPECT_THROW(Expression::compile(deep), Error);
    EXPECT_THROW(Expression::compile(std::string(5000, '!') + "a"), Error);
    EXPECT_THROW(Expression::compile(std::string(5000, '[') + "a"), Error);
    // a flat chain is as deep a tree as nested parentheses
    std::string chain = "a";
    for (int i = 0; i < 100000; ++i) chain += ".a";
    EXPECT_THROW(Expression::compile(chain), Error);
    std::string pipes = "a";
    for (int i = 0; i < 100000; ++i) pipes += " | a";
    EXPECT_THROW(Expression::compile(pipes), Error);
    EXPECT_THROW(Expression::compile("`" + std::string(100000, '[') + "`"), Error);
    // while real expressions are nowhere near the limits
    std::string fine = "a";
    for (int i = 0; i < 100; ++i) fine += ".a";
    EXPECT_EQ(Expression::compile(fine).evaluate(kGeneral), Json(nullptr));
}

TEST(Expressions, NumbersKeepTheirKind) {
    EXPECT_TRUE(Expression::compile("length(list)").evaluate(kGeneral).is_number_integer());
    EXPECT_TRUE(Expression::compile("sum(list)").evaluate(kGeneral).is_number_integer());
    EXPECT_TRUE(Expression::compile("floor(`2.5`)").evaluate(kGeneral).is_number_integer());
    EXPECT_TRUE(Expression::compile("avg(floats)").evaluate(kGeneral).is_number_float());
    // 2^63 - 1 plus 1 overflows int64: the sum falls back to a double
    const Json big = Expression::compile("sum(`[9223372036854775807, 1]`)").evaluate(kGeneral);
    EXPECT_TRUE(big.is_number_float());
    EXPECT_DOUBLE_EQ(big.get<double>(), 9223372036854775808.0);
    // integers compare exactly, not through double
    EXPECT_EQ(Expression::compile("`9007199254740993` > `9007199254740992`").evaluate(kGeneral),
              Json(true));
}

}  // namespace
}  // namespace mcpsim::sim::scenario::jmespath
