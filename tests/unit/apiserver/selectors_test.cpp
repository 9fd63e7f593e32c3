#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "selectors.hpp"

namespace mcpsim::apiserver {
namespace {

using nlohmann::json;

std::string labelError(const std::string& text) {
    try {
        LabelSelector::parse(text);
        return "parsed";
    } catch (const SelectorError& e) {
        return e.what();
    }
}

std::string jsonSelectorError(const json& sel) {
    try {
        LabelSelector::fromLabelSelectorJson(sel);
        return "parsed";
    } catch (const SelectorError& e) {
        return e.what();
    }
}

std::string fieldError(const std::string& text) {
    try {
        FieldSelector::parse(text);
        return "parsed";
    } catch (const SelectorError& e) {
        return e.what();
    }
}

const char* const kNamePartRegexError =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const char* const kLabelValueRegexError =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  "
    "or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

TEST(LabelSelector, EmptySelectsEverything) {
    LabelSelector all = LabelSelector::parse("");
    EXPECT_TRUE(all.empty());
    EXPECT_TRUE(all.matches(json{{"app", "web"}}));
    EXPECT_TRUE(all.matches(nullptr));
    EXPECT_TRUE(LabelSelector::parse("  \t").empty());
}

TEST(LabelSelector, EqualityBasedRequirements) {
    json web = {{"app", "web"}, {"tier", "fe"}};
    json db = {{"app", "db"}};
    json none = json::object();
    auto eq = LabelSelector::parse("app=web");
    EXPECT_FALSE(eq.empty());
    EXPECT_TRUE(eq.matches(web));
    EXPECT_FALSE(eq.matches(db));
    EXPECT_FALSE(eq.matches(none));
    EXPECT_FALSE(eq.matches(nullptr));
    EXPECT_TRUE(LabelSelector::parse("app==web").matches(web));
    auto ne = LabelSelector::parse("app!=web");
    EXPECT_FALSE(ne.matches(web));
    EXPECT_TRUE(ne.matches(db));
    EXPECT_TRUE(ne.matches(none));  // a missing label is "not equal"
    auto both = LabelSelector::parse(" app = web , tier == fe ");
    EXPECT_TRUE(both.matches(web));
    EXPECT_FALSE(both.matches(json{{"app", "web"}}));
    // An empty value is allowed and requires the label to be present and empty.
    auto emptyValue = LabelSelector::parse("app=");
    EXPECT_TRUE(emptyValue.matches(json{{"app", ""}}));
    EXPECT_FALSE(emptyValue.matches(none));
}

TEST(LabelSelector, SetBasedRequirements) {
    json fe = {{"tier", "fe"}};
    json be = {{"tier", "be"}};
    json none = json::object();
    auto in = LabelSelector::parse("tier in (fe, mid)");
    EXPECT_TRUE(in.matches(fe));
    EXPECT_FALSE(in.matches(be));
    EXPECT_FALSE(in.matches(none));
    auto notin = LabelSelector::parse("tier notin (fe)");
    EXPECT_FALSE(notin.matches(fe));
    EXPECT_TRUE(notin.matches(be));
    EXPECT_TRUE(notin.matches(none));
    auto exists = LabelSelector::parse("tier");
    EXPECT_TRUE(exists.matches(be));
    EXPECT_FALSE(exists.matches(none));
    auto absent = LabelSelector::parse("!tier");
    EXPECT_FALSE(absent.matches(be));
    EXPECT_TRUE(absent.matches(none));
    EXPECT_TRUE(absent.matches(nullptr));
    // "in" and "notin" are ordinary words in value position.
    auto keywords = LabelSelector::parse("x in (in, notin),y=in");
    EXPECT_TRUE(keywords.matches(json{{"x", "notin"}, {"y", "in"}}));
    // "()" is the set holding the empty string, as in apimachinery.
    auto emptySet = LabelSelector::parse("x in ()");
    EXPECT_TRUE(emptySet.matches(json{{"x", ""}}));
    EXPECT_FALSE(emptySet.matches(json{{"x", "a"}}));
    auto gt = LabelSelector::parse("replicas>2,weight<10");
    EXPECT_TRUE(gt.matches(json{{"replicas", "3"}, {"weight", "-1"}}));
    EXPECT_FALSE(gt.matches(json{{"replicas", "2"}, {"weight", "1"}}));
    EXPECT_FALSE(gt.matches(json{{"replicas", "many"}, {"weight", "1"}}));
}

TEST(LabelSelector, CanonicalStringSortsByKey) {
    EXPECT_EQ(LabelSelector::parse("tier in (b,a),app=web,!canary,env,x notin (q)").str(),
              "app=web,!canary,env,tier in (a,b),x notin (q)");
    EXPECT_EQ(LabelSelector::parse("a==b,c!=d,n>1").str(), "a==b,c!=d,n>1");
    LabelSelector sel = LabelSelector::parse("b,a=1");
    const auto& reqs = sel.requirements();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0].key, "a");
    EXPECT_EQ(reqs[0].op, LabelSelector::Op::Equals);
    EXPECT_EQ(reqs[0].values, std::vector<std::string>{"1"});
    EXPECT_EQ(reqs[1].op, LabelSelector::Op::Exists);
}

TEST(LabelSelector, ParseErrorsMatchTheApiServer) {
    EXPECT_EQ(labelError("app:web"),
              std::string("unable to parse requirement: <nil>: Invalid value: \"app:web\": ") +
                  kNamePartRegexError);
    EXPECT_EQ(labelError("app.kubernetes_io/name=x"),
              "unable to parse requirement: <nil>: Invalid value: \"app.kubernetes_io/name\": "
              "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
              "characters, '-' or '.', and must start and end with an alphanumeric character "
              "(e.g. 'example.com', regex used for validation is "
              "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    EXPECT_EQ(labelError("a/b/c=d"),
              "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must "
              "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
              "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
              "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
              "subdomain prefix and '/' (e.g. 'example.com/MyName')");
    EXPECT_EQ(labelError(std::string(64, 'k')),
              "unable to parse requirement: <nil>: Invalid value: \"" + std::string(64, 'k') +
                  "\": name part must be no more than 63 characters");
    EXPECT_EQ(labelError("app=b@d"),
              std::string("unable to parse requirement: values[0][app]: Invalid value: \"b@d\": ") +
                  kLabelValueRegexError);
    EXPECT_EQ(labelError("n>x"),
              "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' "
              "operators, the value must be an integer");
    EXPECT_EQ(labelError("a b"),
              "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    EXPECT_EQ(labelError("a in b"), "unable to parse requirement: found 'b' expected: '('");
    EXPECT_EQ(labelError("a in (b c)"),
              "unable to parse requirement: found 'c', expected: ',' or ')'");
    EXPECT_EQ(labelError("a in (b"), "unable to parse requirement: found '', expected: ',' or ')'");
    EXPECT_EQ(labelError("a in (=)"),
              "unable to parse requirement: found '=', expected: ',', ')' or identifier");
    EXPECT_EQ(labelError("a=(b)"), "unable to parse requirement: found '(', expected: identifier");
    EXPECT_EQ(labelError("! =a"), "unable to parse requirement: found '=', expected: identifier");
    EXPECT_EQ(labelError("!=a"), "found '!=', expected: !, identifier, or 'end of string'");
    EXPECT_EQ(labelError("a=b c"), "found 'c', expected: ',' or 'end of string'");
    EXPECT_EQ(labelError("!a=b"), "found '=', expected: ',' or 'end of string'");
    EXPECT_EQ(labelError("a=b,"), "found '', expected: identifier after ','");
    EXPECT_EQ(labelError(",a"), "found ',', expected: !, identifier, or 'end of string'");
    EXPECT_EQ(labelError("(a)"), "found '(', expected: !, identifier, or 'end of string'");
}

TEST(LabelSelector, FromLabelSelectorJson) {
    auto sel = LabelSelector::fromLabelSelectorJson(json::parse(R"({
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]},
                             {"key": "canary", "operator": "DoesNotExist"},
                             {"key": "env", "operator": "Exists"},
                             {"key": "zone", "operator": "NotIn", "values": ["x"]}]})"));
    EXPECT_EQ(sel.str(), "app=web,!canary,env,tier in (be,fe),zone notin (x)");
    EXPECT_TRUE(sel.matches(json{{"app", "web"}, {"tier", "be"}, {"env", "prod"}}));
    EXPECT_FALSE(sel.matches(json{{"app", "web"}, {"tier", "be"}}));
    EXPECT_FALSE(sel.matches(json{{"app", "web"}, {"tier", "be"}, {"env", "p"}, {"canary", "1"}}));
    EXPECT_FALSE(sel.matches(json{{"app", "web"}, {"tier", "be"}, {"env", "p"}, {"zone", "x"}}));

    auto all = LabelSelector::fromLabelSelectorJson(json::object());
    EXPECT_TRUE(all.empty());
    EXPECT_TRUE(all.matches(nullptr));
    auto none = LabelSelector::fromLabelSelectorJson(nullptr);  // a nil selector selects nothing
    EXPECT_FALSE(none.empty());
    EXPECT_FALSE(none.matches(json{{"app", "web"}}));
    EXPECT_FALSE(LabelSelector::nothing().matches(json::object()));
}

TEST(LabelSelector, FromLabelSelectorJsonErrors) {
    EXPECT_EQ(
        jsonSelectorError(json::parse(
            R"({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["b"]}]})")),
        "\"Equals\" is not a valid label selector operator");
    EXPECT_EQ(jsonSelectorError(json::parse(
                  R"({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]})")),
              "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set "
              "can't be empty");
    EXPECT_EQ(
        jsonSelectorError(json::parse(
            R"({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["b"]}]})")),
        "values: Invalid value: []string{\"b\"}: values set must be empty for exists and "
        "does not exist");
    EXPECT_EQ(jsonSelectorError(json::parse(R"({"matchLabels": {"bad key": "v"}})")),
              std::string("key: Invalid value: \"bad key\": ") + kNamePartRegexError);
    EXPECT_EQ(jsonSelectorError(json::parse(R"({"matchLabels": {"app": "a b"}})")),
              std::string("values[0][app]: Invalid value: \"a b\": ") + kLabelValueRegexError);
    // Several problems are aggregated in brackets.
    EXPECT_EQ(jsonSelectorError(json::parse(R"({"matchLabels": {"bad key": "a b"}})")),
              std::string("[key: Invalid value: \"bad key\": ") + kNamePartRegexError +
                  ", values[0][bad key]: Invalid value: \"a b\": " + kLabelValueRegexError + "]");
    EXPECT_EQ(jsonSelectorError("app=web"), "label selector must be an object");
}

TEST(FieldSelector, ParsesAndMatchesDottedPaths) {
    json pod = json::parse(R"({"metadata": {"name": "web-1", "namespace": "prod"},
                               "spec": {"nodeName": "node-1", "hostNetwork": true},
                               "status": {"phase": "Running"}})");
    json event = json::parse(R"({"type": "Warning", "involvedObject": {"uid": "u-1"}})");
    EXPECT_TRUE(FieldSelector::parse("").empty());
    EXPECT_TRUE(FieldSelector::parse("").matches(pod));
    EXPECT_TRUE(FieldSelector::parse("metadata.name=web-1").matches(pod));
    EXPECT_TRUE(FieldSelector::parse("metadata.name==web-1").matches(pod));
    EXPECT_FALSE(FieldSelector::parse("metadata.name!=web-1").matches(pod));
    EXPECT_TRUE(FieldSelector::parse("status.phase=Running,spec.nodeName=node-1").matches(pod));
    EXPECT_FALSE(FieldSelector::parse("status.phase=Running,spec.nodeName=node-2").matches(pod));
    EXPECT_TRUE(FieldSelector::parse("spec.hostNetwork=true").matches(pod));
    EXPECT_TRUE(FieldSelector::parse("involvedObject.uid=u-1,type=Warning").matches(event));
    // Absent fields compare as the empty string.
    EXPECT_TRUE(FieldSelector::parse("spec.nodeName=").matches(event));
    EXPECT_FALSE(FieldSelector::parse("spec.nodeName!=").matches(event));
    EXPECT_TRUE(FieldSelector::parse("spec.nodeName!=").matches(pod));
    EXPECT_EQ(FieldSelector::fieldValue(json{{"spec", {{"replicas", 3}}}}, "spec.replicas"), "3");
    EXPECT_EQ(FieldSelector::fieldValue(pod, "spec"), "");
}

TEST(FieldSelector, KeysAreInTheApiServersOrder) {
    auto sel = FieldSelector::parse("status.phase=Running,metadata.name=a,,spec.foo!=x");
    EXPECT_EQ(sel.keys(), (std::vector<std::string>{"metadata.name", "spec.foo", "status.phase"}));
    EXPECT_EQ(sel.str(), "metadata.name=a,spec.foo!=x,status.phase=Running");
    EXPECT_EQ(fieldLabelNotSupportedMessage("spec.foo"), "field label not supported: spec.foo");
    EXPECT_EQ(kFieldLabelNotSupported, "field label not supported: ");
}

TEST(FieldSelector, EscapedValues) {
    auto sel = FieldSelector::parse(R"(metadata.name=a\,b,metadata.namespace=c\=d\\e)");
    ASSERT_EQ(sel.terms().size(), 2u);
    EXPECT_EQ(sel.terms()[0].value, "a,b");
    EXPECT_EQ(sel.terms()[1].value, R"(c=d\e)");
    EXPECT_TRUE(sel.matches(json{{"metadata", {{"name", "a,b"}, {"namespace", R"(c=d\e)"}}}}));
    EXPECT_EQ(sel.str(), R"(metadata.name=a\,b,metadata.namespace=c\=d\\e)");
}

// Found by fuzz_selectors: a byte that is not UTF-8 hid the '=' after it, so a value Go rejects
// parsed, and printed as text that did not parse. Go ranges over runes: each bad byte is one
// U+FFFD, and the '=' after it is seen.
TEST(FieldSelector, InvalidUtf8DoesNotHideAnEscapeCharacter) {
    EXPECT_EQ(fieldError("a!=x\xff\xff\xff=b"),
              "invalid field selector: unescaped character in value: 61");
    const FieldSelector sel = FieldSelector::parse("a=x\xff\\,");
    ASSERT_EQ(sel.terms().size(), 1u);
    EXPECT_EQ(sel.terms()[0].value, "x\xEF\xBF\xBD,");
    EXPECT_EQ(FieldSelector::parse(sel.str()).str(), sel.str());
}

TEST(FieldSelector, ErrorsMatchTheApiServer) {
    EXPECT_EQ(fieldError("metadata.name"),
              "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
    EXPECT_EQ(fieldError("a=b,oops"), "invalid selector: 'a=b,oops'; can't understand 'oops'");
    EXPECT_EQ(fieldError("a=b=c"), "invalid field selector: unescaped character in value: 61");
    EXPECT_EQ(fieldError(R"(a=b\x)"), R"(invalid field selector: invalid escape sequence: \x)");
    EXPECT_EQ(fieldError(R"(a=b\)"), R"(invalid field selector: invalid escape sequence: \)");
    // "!=" binds before "=": the field name is "a" and the value "b".
    auto ne = FieldSelector::parse("a!=b");
    EXPECT_TRUE(ne.terms()[0].notEquals);
    EXPECT_EQ(ne.terms()[0].field, "a");
    // The field name is not trimmed, so a space makes it an unsupported field.
    EXPECT_EQ(FieldSelector::parse("metadata.name = x").keys(),
              std::vector<std::string>{"metadata.name "});
}

}  // namespace
}  // namespace mcpsim::apiserver
