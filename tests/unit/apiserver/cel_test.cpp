#include <gtest/gtest.h>

#include <string>

#include "cel.hpp"

namespace mcpsim::apiserver {
namespace {

using nlohmann::json;

json eval(const std::string& expr, const json& self = json::object(),
          const json* oldSelf = nullptr) {
    return CelProgram::compile(expr).evaluate(self, oldSelf);
}

std::string evalError(const std::string& expr, const json& self = json::object()) {
    try {
        json v = eval(expr, self);
        return "no error, got " + v.dump();
    } catch (const CelError& e) {
        return e.what();
    }
}

std::string compileError(const std::string& expr) {
    try {
        CelProgram::compile(expr);
        return "compiled";
    } catch (const CelError& e) {
        return e.what();
    }
}

TEST(Cel, ToolPrefixImmutabilityRule) {
    // The rule used by the MCP CRDs, with message "toolPrefix is immutable once set".
    auto rule = CelProgram::compile("self == oldSelf || oldSelf == ''");
    EXPECT_TRUE(rule.usesOldSelf());
    json oldEmpty = "";
    json oldA = "alpha_";
    EXPECT_EQ(rule.evaluate("alpha_", &oldA), json(true));     // unchanged
    EXPECT_EQ(rule.evaluate("beta_", &oldA), json(false));     // changed after being set
    EXPECT_EQ(rule.evaluate("beta_", &oldEmpty), json(true));  // first time set
    EXPECT_EQ(rule.evaluate("", &oldEmpty), json(true));
    // Transition rules cannot run without an old value; the server must skip them on create.
    EXPECT_THROW(rule.evaluate("alpha_", nullptr), CelError);
}

TEST(Cel, UsesOldSelfOnlyWhenReferenced) {
    EXPECT_FALSE(CelProgram::compile("self.size() > 0").usesOldSelf());
    EXPECT_TRUE(CelProgram::compile("self.all(x, x in oldSelf)").usesOldSelf());
    // A comprehension variable named like the builtin shadows it.
    EXPECT_FALSE(CelProgram::compile("self.all(oldSelf, oldSelf > 0)").usesOldSelf());
}

TEST(Cel, LiteralsAndArithmetic) {
    EXPECT_EQ(eval("1 + 2 * 3"), json(7));
    EXPECT_EQ(eval("(1 + 2) * 3"), json(9));
    EXPECT_EQ(eval("7 / 2"), json(3));
    EXPECT_EQ(eval("-7 / 2"), json(-3));  // truncates toward zero
    EXPECT_EQ(eval("-7 % 3"), json(-1));  // sign of the dividend
    EXPECT_EQ(eval("0x10 + 1"), json(17));
    EXPECT_EQ(eval("1.5 * 2.0"), json(3.0));
    EXPECT_EQ(eval("1.5 + 1"), json(2.5));  // documented promotion of mixed int/double
    EXPECT_EQ(eval("'ab' + \"cd\""), json("abcd"));
    EXPECT_EQ(eval("[1, 2] + [3]"), json::parse("[1,2,3]"));
    EXPECT_EQ(eval("[1, 2,]"), json::parse("[1,2]"));
    EXPECT_EQ(eval("-9223372036854775808"), json(INT64_MIN));
    EXPECT_EQ(eval("null"), json(nullptr));
    EXPECT_EQ(eval("!true"), json(false));
    EXPECT_EQ(eval("--3"), json(3));
    EXPECT_EQ(eval("1.0 / 0.0"), json(std::numeric_limits<double>::infinity()));
}

TEST(Cel, ArithmeticErrors) {
    EXPECT_EQ(evalError("1 / 0"), "division by zero");
    EXPECT_EQ(evalError("5 % 0"), "modulus by zero");
    EXPECT_EQ(evalError("9223372036854775807 + 1"), "integer overflow");
    EXPECT_EQ(evalError("-9223372036854775808 - 1"), "integer overflow");
    EXPECT_EQ(evalError("-9223372036854775808 / -1"), "integer overflow");
    EXPECT_EQ(evalError("4611686018427387904 * 2"), "integer overflow");
    EXPECT_EQ(evalError("'a' + 1"), "no such overload: _+_ applied to (string, int)");
    EXPECT_EQ(evalError("1.5 % 1.0"), "no such overload: _%_ applied to (double, double)");
    EXPECT_EQ(evalError("-'a'"), "no such overload: -_ applied to (string)");
    EXPECT_EQ(evalError("!1"), "no such overload: !_ applied to (int)");
}

TEST(Cel, FieldSelectionIndexAndHas) {
    json self = {{"spec", {{"name", "x"}, {"items", {1, 2, 3}}, {"m", {{"k", "v"}}}}}};
    EXPECT_EQ(eval("self.spec.name", self), json("x"));
    EXPECT_EQ(eval("self.spec.items[1]", self), json(2));
    EXPECT_EQ(eval("self.spec.items[2.0]", self), json(3));
    EXPECT_EQ(eval("self.spec.m['k']", self), json("v"));
    EXPECT_EQ(eval("self['spec'].name", self), json("x"));
    EXPECT_EQ(eval("has(self.spec)", self), json(true));
    EXPECT_EQ(eval("has(self.status)", self), json(false));
    EXPECT_EQ(eval("has(self.spec.m.k)", self), json(true));
    EXPECT_EQ(evalError("self.status", self), "no such key: status");
    EXPECT_EQ(evalError("self.spec.m['zz']", self), "no such key: zz");
    EXPECT_EQ(evalError("has(self.status.phase)", self), "no such key: status");
    EXPECT_EQ(evalError("self.spec.items[3]", self), "index out of range: 3");
    EXPECT_EQ(evalError("self.spec.items[-1]", self), "index out of range: -1");
    EXPECT_EQ(evalError("self.spec.name.first", self),
              "type 'string' does not support field selection");
    EXPECT_EQ(evalError("self.spec.items['a']", self),
              "no such overload: _[_] applied to (list, string)");
}

TEST(Cel, KubernetesEscapedPropertyNames) {
    json self = {{"x-y", 1}, {"namespace", "ns"}, {"a.b/c", 2}, {"p__q", 3}, {"plain__dot__", 4}};
    EXPECT_EQ(eval("self.x__dash__y", self), json(1));
    EXPECT_EQ(eval("self.__namespace__", self), json("ns"));
    EXPECT_EQ(eval("self.a__dot__b__slash__c", self), json(2));
    EXPECT_EQ(eval("self.p__underscores__q", self), json(3));
    EXPECT_EQ(eval("self.plain__dot__", self), json(4));  // the literal name wins
    EXPECT_EQ(eval("has(self.x__dash__y)", self), json(true));
    EXPECT_EQ(eval("has(self.x__dash__z)", self), json(false));
    EXPECT_EQ(evalError("self.x__bogus__y", self), "no such key: x__bogus__y");
}

TEST(Cel, UnsignedJsonIntegersAreInts) {
    // json::parse stores non-negative integers as unsigned; CEL must still see int.
    json self = json::parse(R"({"replicas": 5, "items": [1, 2]})");
    EXPECT_EQ(eval("self.replicas - 10", self), json(-5));
    EXPECT_EQ(eval("self.replicas == 5", self), json(true));
    EXPECT_EQ(eval("self.items.map(x, x - 3)", self), json::parse("[-2,-1]"));
    EXPECT_EQ(eval("self.replicas / 2", self), json(2));
}

TEST(Cel, EqualityAndOrdering) {
    EXPECT_EQ(eval("1 == 1.0"), json(true));   // numeric heterogeneous equality
    EXPECT_EQ(eval("1 == '1'"), json(false));  // different types are unequal, not an error
    EXPECT_EQ(eval("'a' != 1"), json(true));
    EXPECT_EQ(eval("null == null"), json(true));
    EXPECT_EQ(eval("[1, 'a'] == [1.0, 'a']"), json(true));
    EXPECT_EQ(eval("[1, 2] == [1]"), json(false));
    json self = {{"a", {{"x", 1}}}, {"b", {{"x", 1}}}, {"c", {{"x", 2}}}};
    EXPECT_EQ(eval("self.a == self.b", self), json(true));
    EXPECT_EQ(eval("self.a == self.c", self), json(false));
    EXPECT_EQ(eval("1 < 1.5"), json(true));
    EXPECT_EQ(eval("2 >= 2"), json(true));
    EXPECT_EQ(eval("'abc' < 'abd'"), json(true));
    EXPECT_EQ(eval("'B' < 'a'"), json(true));  // byte order
    EXPECT_EQ(eval("false < true"), json(true));
    EXPECT_EQ(evalError("'a' < 1"), "no such overload: _<_ applied to (string, int)");
    EXPECT_EQ(evalError("null < null"), "no such overload: _<_ applied to (null_type, null_type)");
}

TEST(Cel, LogicalOperatorsAbsorbErrors) {
    json self = {{"n", 1}};
    EXPECT_EQ(eval("self.missing == 1 || true", self), json(true));
    EXPECT_EQ(eval("true || self.missing == 1", self), json(true));
    EXPECT_EQ(eval("self.missing == 1 && false", self), json(false));
    EXPECT_EQ(eval("false && self.missing == 1", self), json(false));
    EXPECT_EQ(eval("1 || true"), json(true));  // non-bool operand is an error absorbed by true
    EXPECT_EQ(evalError("self.missing == 1 || false", self), "no such key: missing");
    EXPECT_EQ(evalError("true && self.missing == 1", self), "no such key: missing");
    EXPECT_EQ(evalError("1 || false"), "no such overload: _||_ applied to (int)");
    EXPECT_EQ(eval("self.n > 0 && self.n < 2", self), json(true));
    EXPECT_EQ(eval("self.n > 5 || self.n == 1", self), json(true));
}

TEST(Cel, TernaryAndIn) {
    json self = {{"n", 3}, {"tags", {"a", "b"}}, {"labels", {{"app", "web"}}}};
    EXPECT_EQ(eval("self.n > 1 ? 'big' : 'small'", self), json("big"));
    EXPECT_EQ(eval("self.n > 5 ? 'big' : self.n > 2 ? 'mid' : 'small'", self), json("mid"));
    // Only the selected branch is evaluated.
    EXPECT_EQ(eval("true ? 1 : self.missing", self), json(1));
    EXPECT_EQ(evalError("1 ? 2 : 3"), "no such overload: _?_:_ applied to (int)");
    EXPECT_EQ(eval("'a' in self.tags", self), json(true));
    EXPECT_EQ(eval("'z' in self.tags", self), json(false));
    EXPECT_EQ(eval("'app' in self.labels", self), json(true));  // map membership tests keys
    EXPECT_EQ(eval("'web' in self.labels", self), json(false));
    EXPECT_EQ(eval("3 in [1, 2, 3.0]"), json(true));
    EXPECT_EQ(evalError("'a' in 'abc'"), "no such overload: @in applied to (string, string)");
}

TEST(Cel, StringFunctions) {
    EXPECT_EQ(eval("size('héllo')"), json(5));  // code points, not bytes
    EXPECT_EQ(eval("'héllo'.size()"), json(5));
    EXPECT_EQ(eval("[1, 2].size()"), json(2));
    EXPECT_EQ(eval("size(self)", json{{"a", 1}, {"b", 2}}), json(2));
    EXPECT_EQ(eval("'mcp-tools'.startsWith('mcp-')"), json(true));
    EXPECT_EQ(eval("'mcp-tools'.endsWith('tools')"), json(true));
    EXPECT_EQ(eval("'mcp-tools'.endsWith('mcp-tools-x')"), json(false));
    EXPECT_EQ(eval("'mcp-tools'.contains('p-t')"), json(true));
    EXPECT_EQ(eval("'weather_'.matches('^[a-z][a-z0-9_]*$')"), json(true));
    EXPECT_EQ(eval("'Weather'.matches('^[a-z]+$')"), json(false));
    EXPECT_EQ(eval("'abc123'.matches('[0-9]')"), json(true));  // unanchored search, like RE2
    EXPECT_EQ(eval("matches('abc', 'b')"), json(true));
    json self = {{"re", "^x+$"}};
    EXPECT_EQ(eval("'xxx'.matches(self.re)", self), json(true));
    EXPECT_EQ(evalError("'x'.matches(self.bad)", json{{"bad", "("}}),
              "error parsing regexp: missing closing ): `(`");
    // RE2 syntax that ECMAScript lacks, both precompiled (literal) and at run time.
    EXPECT_EQ(eval("'xABCx'.matches('(?i)abc')"), json(true));
    EXPECT_EQ(eval("self.s.matches(self.re)", json{{"s", "Ábc9"}, {"re", R"(^\p{Lu}[\pL\d]*$)"}}),
              json(true));
    EXPECT_EQ(eval("self.s.matches('^a.c$')", json{{"s", "a\nc"}}), json(false));
    EXPECT_EQ(evalError("size(1)"), "no such overload: size applied to (int)");
    EXPECT_EQ(evalError("'a'.startsWith(1)"),
              "no such overload: startsWith applied to (string, int)");
}

TEST(Cel, StringLiteralsAndEscapes) {
    EXPECT_EQ(eval(R"("a\"b" == 'a"b')"), json(true));
    EXPECT_EQ(eval(R"('\u00e9' == 'é')"), json(true));
    EXPECT_EQ(eval(R"('\x41\101' == 'AA')"), json(true));
    EXPECT_EQ(eval(R"('tab\there')"), json("tab\there"));
    EXPECT_EQ(eval(R"(r'\d+')"), json("\\d+"));
    EXPECT_EQ(eval("'''multi\nline'''"), json("multi\nline"));
    EXPECT_EQ(eval("1 + // comment\n 2"), json(3));
}

TEST(Cel, Macros) {
    json self = {{"items", {1, 2, 3}}, {"names", {"a", "bb"}}, {"m", {{"x", 1}, {"y", 2}}}};
    EXPECT_EQ(eval("self.items.all(i, i > 0)", self), json(true));
    EXPECT_EQ(eval("self.items.all(i, i > 1)", self), json(false));
    EXPECT_EQ(eval("self.items.exists(i, i == 2)", self), json(true));
    EXPECT_EQ(eval("self.items.exists(i, i == 9)", self), json(false));
    EXPECT_EQ(eval("self.items.exists_one(i, i > 2)", self), json(true));
    EXPECT_EQ(eval("self.items.exists_one(i, i > 1)", self), json(false));
    EXPECT_EQ(eval("self.items.map(i, i * 10)", self), json::parse("[10,20,30]"));
    EXPECT_EQ(eval("self.items.map(i, i > 1, i * 10)", self), json::parse("[20,30]"));
    EXPECT_EQ(eval("self.items.filter(i, i % 2 == 1)", self), json::parse("[1,3]"));
    EXPECT_EQ(eval("self.names.map(n, n.size())", self), json::parse("[1,2]"));
    EXPECT_EQ(eval("self.m.all(k, k in ['x', 'y'])", self), json(true));  // maps iterate keys
    EXPECT_EQ(eval("self.m.map(k, self.m[k])", self), json::parse("[1,2]"));
    EXPECT_EQ(eval("[].all(x, false)"), json(true));
    EXPECT_EQ(eval("[].exists(x, true)"), json(false));
    // Nested comprehensions see both variables and self.
    EXPECT_EQ(eval("self.items.all(i, self.items.exists(j, j == i))", self), json(true));
    EXPECT_EQ(evalError("self.items.all(i, i)", self),
              "no such overload: all predicate returned int");
    EXPECT_EQ(evalError("'abc'.all(c, true)"), "no such overload: all applied to (string)");
}

TEST(Cel, MacroErrorAbsorption) {
    // all: a false element absorbs another element's error; exists: a true one does.
    EXPECT_EQ(eval("[0, 5].all(x, 10 / x > 5)"), json(false));
    EXPECT_EQ(evalError("[0, 1].all(x, 10 / x > 1)"), "division by zero");
    EXPECT_EQ(eval("[0, 1].exists(x, 10 / x > 1)"), json(true));
    EXPECT_EQ(evalError("[0, 5].exists(x, 10 / x > 5)"), "division by zero");
    EXPECT_EQ(evalError("[0, 1].exists_one(x, 10 / x > 1)"), "division by zero");
    EXPECT_EQ(evalError("[0, 1].map(x, 10 / x)"), "division by zero");
}

TEST(Cel, Conversions) {
    EXPECT_EQ(eval("int('42')"), json(42));
    EXPECT_EQ(eval("int('-7')"), json(-7));
    EXPECT_EQ(eval("int(3.9)"), json(3));
    EXPECT_EQ(eval("int(-3.9)"), json(-3));
    EXPECT_EQ(evalError("int('4x')"), "type conversion error from 'string' to 'int'");
    EXPECT_EQ(evalError("int(1e19)"), "integer overflow");
    EXPECT_EQ(evalError("int(true)"), "no such overload: int applied to (bool)");
    EXPECT_EQ(eval("string(42)"), json("42"));
    EXPECT_EQ(eval("string(1.5)"), json("1.5"));
    EXPECT_EQ(eval("string(1e21)"), json("1e+21"));
    EXPECT_EQ(eval("string(1234567.0)"), json("1.234567e+06"));  // Go %g layout
    EXPECT_EQ(eval("string(0.0001)"), json("0.0001"));
    EXPECT_EQ(eval("string(true)"), json("true"));
    EXPECT_EQ(eval("string('s')"), json("s"));
    EXPECT_EQ(eval("double(2)"), json(2.0));
    EXPECT_EQ(eval("double('2.5')"), json(2.5));
    EXPECT_EQ(eval("string(self.port) + '/tcp'", json{{"port", 8080}}), json("8080/tcp"));
}

TEST(Cel, CompileErrorsArePositionedLikeCelGo) {
    EXPECT_EQ(compileError("self =="),
              "ERROR: <input>:1:8: Syntax error: unexpected <EOF>\n | self ==\n | .......^");
    EXPECT_EQ(compileError("foo == 1"),
              "ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')\n"
              " | foo == 1\n | ^");
    EXPECT_EQ(compileError("self.size() > 0 &&\n bar"),
              "ERROR: <input>:2:2: undeclared reference to 'bar' (in container '')\n | "
              " bar\n | .^");
    EXPECT_EQ(compileError("(1 + 2"),
              "ERROR: <input>:1:7: Syntax error: expected ')', found <EOF>\n | (1 + 2\n | ......^");
}

TEST(Cel, ConstructsOutsideTheSubsetFailAtCompileTime) {
    auto contains = [](const std::string& haystack, const std::string& needle) {
        return haystack.find(needle) != std::string::npos;
    };
    EXPECT_TRUE(contains(compileError("self.lowerAscii() == 'a'"),
                         "unsupported function 'lowerAscii' (not in the mcpsim CEL subset)"));
    EXPECT_TRUE(contains(compileError("quantity(self) > 1"), "unsupported function 'quantity'"));
    EXPECT_TRUE(contains(compileError("frobnicate(self)"),
                         "undeclared reference to 'frobnicate' (in container '')"));
    EXPECT_TRUE(contains(compileError("{'a': 1} == self"), "unsupported construct: map literals"));
    EXPECT_TRUE(contains(compileError("self == 1u"), "unsupported construct: unsigned integer"));
    EXPECT_TRUE(contains(compileError("b'ab' == self"), "unsupported construct: bytes literal"));
    EXPECT_TRUE(contains(compileError("self.all(x.y, true)"), "argument must be a simple name"));
    EXPECT_TRUE(contains(compileError("has(self)"), "invalid argument to has() macro"));
    EXPECT_TRUE(contains(compileError("self.all(x)"),
                         "found no matching overload for 'all' applied to 1 argument(s)"));
    EXPECT_TRUE(
        contains(compileError("self.startsWith()"), "found no matching overload for 'startsWith'"));
    EXPECT_TRUE(contains(compileError("self.matches('[')"),
                         "error parsing regexp: missing closing ]: `[`"));
    EXPECT_TRUE(contains(compileError("self = 1"), "Syntax error"));
    EXPECT_TRUE(contains(compileError("self.if"), "reserved identifier: if"));
    EXPECT_TRUE(contains(compileError("'unterminated"), "unterminated string literal"));
    EXPECT_TRUE(contains(compileError("let == 1"), "reserved identifier: let"));
    EXPECT_TRUE(contains(compileError("self.x y"), "Syntax error: unexpected 'y'"));
    EXPECT_TRUE(contains(compileError("99999999999999999999"), "invalid int literal"));
}

TEST(Cel, ProgramsAreCopyableAndReusable) {
    CelProgram p = CelProgram::compile("self.items.all(x, x.startsWith(self.prefix))");
    CelProgram copy = p;
    EXPECT_EQ(copy.expression(), "self.items.all(x, x.startsWith(self.prefix))");
    json ok = {{"prefix", "a"}, {"items", {"ab", "ac"}}};
    json bad = {{"prefix", "a"}, {"items", {"ab", "bc"}}};
    EXPECT_EQ(copy.evaluate(ok, nullptr), json(true));
    EXPECT_EQ(p.evaluate(bad, nullptr), json(false));
    EXPECT_EQ(copy.evaluate(ok, nullptr), json(true));
}

// Found by fuzz_cel: a string literal with a byte that is not UTF-8 made a value that could not
// be encoded as JSON. cel-go reads the rule as runes, so the byte is U+FFFD.
TEST(Cel, BytesThatAreNotUtf8ReadAsTheReplacementCharacter) {
    const CelProgram p = CelProgram::compile("['a', 'x\xff']");
    EXPECT_EQ(p.evaluate(json::object(), nullptr), json({"a", "x\xEF\xBF\xBD"}));
    EXPECT_EQ(
        CelProgram::compile("self.s == 'caf\xe9'").evaluate({{"s", "caf\xEF\xBF\xBD"}}, nullptr),
        json(true));
}

}  // namespace
}  // namespace mcpsim::apiserver
