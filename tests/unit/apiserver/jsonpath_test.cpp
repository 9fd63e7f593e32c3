#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jsonpath.hpp"

namespace mcpsim::apiserver {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Matches = std::vector<json>;

const json kServer = json::parse(R"({
  "apiVersion": "mcp.example.io/v1alpha1",
  "kind": "MCPServer",
  "metadata": {"name": "weather", "creationTimestamp": "2024-01-01T00:00:00Z",
               "labels": {"app.kubernetes.io/name": "weather", "app": "w"}},
  "spec": {"toolPrefix": "weather_", "hostnames": ["a.example", "b.example"],
           "tools": [{"name": "forecast"}, {"name": "alerts"}], "replicas": 3,
           "ratio": 0.5, "nothing": null,
           "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}],
           "a.b": "dotted", "a": {"b": "nested"}},
  "status": {"conditions": [{"type": "Accepted", "status": "True"},
                            {"type": "Ready", "status": "False", "reason": "Pending"}],
             "addresses": [{"value": "10.0.0.1"}, {"value": "10.0.0.2"}]}
})");

Matches matchesOf(const std::string& path) {
    return evalJsonPath(path, kServer);
}

TEST(JsonPath, SimpleFields) {
    EXPECT_EQ(matchesOf(".spec.toolPrefix"), Matches{"weather_"});
    EXPECT_EQ(matchesOf(".metadata.creationTimestamp"), Matches{"2024-01-01T00:00:00Z"});
    EXPECT_EQ(matchesOf(".spec.hostnames"), Matches{json({"a.example", "b.example"})});
    EXPECT_EQ(matchesOf(".spec.replicas"), Matches{3});
    EXPECT_EQ(matchesOf(".spec.missing"), Matches{});
    EXPECT_EQ(matchesOf(".spec.missing.deeper"), Matches{});
    EXPECT_EQ(matchesOf(".spec.nothing"), Matches{nullptr});         // a present null is a match
    EXPECT_EQ(matchesOf("$.spec.toolPrefix"), Matches{"weather_"});  // "$" and "@" are skipped
    EXPECT_EQ(matchesOf(".spec.toolPrefix.x"), Matches{});  // fields of a string do not exist
}

TEST(JsonPath, LengthIsAFieldNameAndMatchesNothing) {
    // client-go has no length(); the parser reads a field literally named "length()".
    EXPECT_EQ(matchesOf(".spec.tools.length()"), Matches{});
    EXPECT_NO_THROW(checkJsonPath(".spec.tools.length()"));
    EXPECT_EQ(printerCell(matchesOf(".spec.tools.length()"), "integer"), json(nullptr));
    EXPECT_EQ(evalJsonPath(".x.length()", json::parse(R"js({"x": {"length()": 7}})js")),
              Matches{7});
}

TEST(JsonPath, Filters) {
    EXPECT_EQ(matchesOf(".status.conditions[?(@.type=='Ready')].status"), Matches{"False"});
    EXPECT_EQ(matchesOf(R"(.status.conditions[?(@.type=="Accepted")].status)"), Matches{"True"});
    EXPECT_EQ(matchesOf(".status.conditions[?(@.type == 'Ready')].reason"), Matches{"Pending"});
    EXPECT_EQ(matchesOf(".status.conditions[?(@.type!='Ready')].type"), Matches{"Accepted"});
    EXPECT_EQ(matchesOf(".status.conditions[?(@.reason)].type"), Matches{"Ready"});
    EXPECT_EQ(matchesOf(".status.conditions[?(@.type=='Gone')].status"), Matches{});
    EXPECT_EQ(matchesOf(".spec.ports[?(@.port==443)].name"), Matches{"https"});
    EXPECT_EQ(matchesOf(".spec.ports[?(@.port>=80)].name"), (Matches{"http", "https"}));
    EXPECT_EQ(matchesOf(".spec.ports[?(@.port<100)].name"), Matches{"http"});
    EXPECT_EQ(matchesOf(".spec.ports[?(@.name>'http')].port"), Matches{443});
    // Comparing different kinds is an error in client-go, which empties the whole column.
    EXPECT_EQ(matchesOf(".spec.ports[?(@.port=='80')].name"), Matches{});
    EXPECT_EQ(matchesOf(".spec.ports[?(@.port==80.0)].name"), Matches{});
    EXPECT_EQ(matchesOf(".spec.ports[?(@.port=80)].name"), Matches{});  // unknown operator "="
    EXPECT_EQ(matchesOf(".spec.toolPrefix[?(@.x)]"), Matches{});        // filtering a non-list
    // A missing left side skips the element instead of failing.
    EXPECT_EQ(matchesOf(".status.conditions[?(@.reason=='Pending')].type"), Matches{"Ready"});
}

TEST(JsonPath, IndexesSlicesWildcardsAndUnions) {
    EXPECT_EQ(matchesOf(".spec.hostnames[0]"), Matches{"a.example"});
    EXPECT_EQ(matchesOf(".spec.hostnames[-1]"), Matches{"b.example"});
    EXPECT_EQ(matchesOf(".spec.tools[*].name"), (Matches{"forecast", "alerts"}));
    EXPECT_EQ(matchesOf(".spec.tools[0:1].name"), Matches{"forecast"});
    EXPECT_EQ(matchesOf(".spec.tools[1:].name"), Matches{"alerts"});
    EXPECT_EQ(matchesOf(".spec.tools[:1].name"), Matches{"forecast"});
    EXPECT_EQ(matchesOf(".spec.tools[-2:-1].name"), Matches{"forecast"});
    EXPECT_EQ(matchesOf(".spec.tools[::2].name"), Matches{"forecast"});
    EXPECT_EQ(matchesOf(".status.addresses[*].value"), (Matches{"10.0.0.1", "10.0.0.2"}));
    EXPECT_EQ(matchesOf(".spec.hostnames[1,0]"), (Matches{"b.example", "a.example"}));
    EXPECT_EQ(matchesOf(".spec['toolPrefix','replicas']"), (Matches{"weather_", 3}));
    EXPECT_EQ(matchesOf(".metadata.labels.*"), (Matches{"w", "weather"}));  // sorted keys
    // Out-of-range indexes and [*] on a map are errors, so nothing is returned.
    EXPECT_EQ(matchesOf(".spec.hostnames[2]"), Matches{});
    EXPECT_EQ(matchesOf(".spec.hostnames[-3]"), Matches{});
    EXPECT_EQ(matchesOf(".metadata.labels[*]"), Matches{});
    EXPECT_EQ(matchesOf(".spec.missing[0]"), Matches{});
    EXPECT_EQ(evalJsonPath(".items[0]", json::parse(R"({"items": []})")), Matches{});
}

TEST(JsonPath, KeysWithDots) {
    // ['a.b'] is re-parsed as .a.b by client-go; escape the dot to reach a dotted key.
    EXPECT_EQ(matchesOf(".spec['a.b']"), Matches{"nested"});
    EXPECT_EQ(matchesOf(R"(.spec.a\.b)"), Matches{"dotted"});
    EXPECT_EQ(matchesOf(R"(.metadata.labels.app\.kubernetes\.io/name)"), Matches{"weather"});
    EXPECT_EQ(matchesOf(".spec['toolPrefix']"), Matches{"weather_"});
}

TEST(JsonPath, RecursiveDescent) {
    json obj = json::parse(R"({"a": {"name": "x", "b": [{"name": "y"}, {"c": {"name": "z"}}]}})");
    EXPECT_EQ(evalJsonPath("..name", obj), (Matches{"x", "y", "z"}));
    EXPECT_EQ(matchesOf(".spec.tools..name"), (Matches{"forecast", "alerts"}));
}

TEST(JsonPath, CheckRejectsWhatTheApiServerRejects) {
    auto validationError = [](const std::string& path) -> std::string {
        try {
            checkJsonPath(path);
            return "accepted";
        } catch (const JsonPathValidationError& e) {
            return e.what();
        } catch (const JsonPathParseError& e) {
            return std::string("parse: ") + e.what() + " (" + e.parserError() + ")";
        }
    };
    EXPECT_EQ(validationError(""), "must not be empty");
    EXPECT_EQ(validationError("spec.toolPrefix"), "must be a simple json path starting with .");
    EXPECT_EQ(validationError(".spec["),
              R"(parse: unrecognized column definition ".spec[" (unterminated array))");
    EXPECT_EQ(validationError(R"(.spec["x"])"),
              R"(parse: unrecognized column definition ".spec[\"x\"]" (invalid array index "x"))");
    EXPECT_EQ(validationError(".a | .b"), R"(parse: unrecognized column definition ".a | .b" )"
                                          R"((unrecognized character in action: U+007C '|'))");
    EXPECT_EQ(
        validationError(".a[?(@.x=='y')"),
        R"js(parse: unrecognized column definition ".a[?(@.x=='y')" (unclosed array expect ]))js");
    EXPECT_EQ(validationError("..a..b"), "accepted");
    EXPECT_EQ(
        validationError("....a"),
        R"(parse: unrecognized column definition "....a" (invalid multiple recursive descent))");
    EXPECT_EQ(validationError(".a[x]"),
              R"(parse: unrecognized column definition ".a[x]" (invalid array index x))");
    EXPECT_EQ(validationError(".a['open]"),
              R"(parse: unrecognized column definition ".a['open]" (invalid array index 'open))");
    // quotes inside [] are not parsed
    EXPECT_EQ(
        validationError(".a[1:2:3:4]"),
        R"(parse: unrecognized column definition ".a[1:2:3:4]" (invalid array index 1:2:3:4))");
    EXPECT_EQ(validationError(".a[-]"),
              R"(parse: unrecognized column definition ".a[-]" (array index - is not a number))");
    EXPECT_EQ(validationError(".a[?(@.b==)]"),
              R"js(parse: unrecognized column definition ".a[?(@.b==)]" )js"
              R"js((unrecognized character in action: U+003D '='))js");
    for (const char* ok : {".spec.toolPrefix", ".status.conditions[?(@.type=='Ready')].status",
                           ".spec.hostnames", ".status.addresses[*].value",
                           ".metadata.creationTimestamp", ".spec.tools.length()", "."}) {
        EXPECT_EQ(validationError(ok), "accepted") << ok;
    }
    // Unparsable paths evaluate to nothing instead of throwing.
    EXPECT_EQ(matchesOf(".spec["), Matches{});
}

TEST(PrinterCell, NoMatchIsNullAndOnlyTheFirstMatchIsUsed) {
    for (const char* type : {"string", "integer", "number", "boolean", "date"}) {
        EXPECT_EQ(printerCell({}, type), json(nullptr)) << type;
    }
    EXPECT_EQ(printerCell(matchesOf(".status.addresses[*].value"), "string"), json("10.0.0.1"));
}

TEST(PrinterCell, StringColumnsPrintLikeClientGo) {
    EXPECT_EQ(printerCell({"weather_"}, "string"), json("weather_"));
    EXPECT_EQ(printerCell(matchesOf(".spec.hostnames"), "string"),
              json(R"(["a.example","b.example"])"));
    EXPECT_EQ(printerCell({json::parse(R"({"b": 1, "a": "<x&y>"})")}, "string"),
              json(R"({"a":"\u003cx\u0026y\u003e","b":1})"));
    EXPECT_EQ(printerCell({json::parse("[1.0, 0.5, 1e-7, 1e21, -0.0]")}, "string"),
              json("[1,0.5,1e-7,1e+21,-0]"));
    EXPECT_EQ(printerCell({42}, "string"), json("42"));
    EXPECT_EQ(printerCell({1.5}, "string"), json("1.5"));
    EXPECT_EQ(printerCell({1234567.0}, "string"), json("1.234567e+06"));
    EXPECT_EQ(printerCell({0.00001}, "string"), json("1e-05"));
    EXPECT_EQ(printerCell({100000.0}, "string"), json("100000"));
    EXPECT_EQ(printerCell({true}, "string"), json("true"));
    EXPECT_EQ(printerCell({nullptr}, "string"), json("<no value>"));
    EXPECT_EQ(printerCell({"tab\there"}, "string"), json("tab\there"));
}

// A quoted literal can hold bytes that are not UTF-8; the cell goes into a JSON Table, where
// Go writes each such byte as U+FFFD (found by fuzz_jsonpath: the Table encoder threw).
TEST(PrinterCell, StringCellsAreValidUtf8) {
    const json cell = printerCell(matchesOf("\"\xddn\""), "string");
    EXPECT_EQ(cell, json("\xef\xbf\xbdn"));
    EXPECT_NO_THROW((void)cell.dump());
}

TEST(PrinterCell, TypedColumns) {
    EXPECT_EQ(printerCell({3}, "integer"), json(3));
    EXPECT_EQ(printerCell({3.9}, "integer"), json(3));
    EXPECT_EQ(printerCell({-3.9}, "integer"), json(-3));
    EXPECT_EQ(printerCell({"3"}, "integer"), json(nullptr));
    EXPECT_EQ(printerCell({3}, "number"), json(3));
    EXPECT_EQ(printerCell({0.5}, "number"), json(0.5));
    EXPECT_EQ(printerCell({"0.5"}, "number"), json(nullptr));
    EXPECT_EQ(printerCell({true}, "boolean"), json(true));
    EXPECT_EQ(printerCell({"true"}, "boolean"), json(nullptr));
    EXPECT_EQ(printerCell({nullptr}, "integer"), json(nullptr));
    EXPECT_EQ(printerCell({"x"}, "widget"), json(nullptr));
}

TEST(PrinterCell, DateColumnsShowAge) {
    PrinterClock created{std::chrono::seconds(1704067200)};  // 2024-01-01T00:00:00Z
    const json ts = "2024-01-01T00:00:00Z";
    EXPECT_EQ(printerCell({ts}, "date", created + 90s), json("90s"));
    EXPECT_EQ(printerCell({ts}, "date", created + 5min + 3s), json("5m3s"));
    EXPECT_EQ(printerCell({ts}, "date", created + 76h), json("3d4h"));
    EXPECT_EQ(printerCell({"2024-01-01T01:00:00+01:00"}, "date", created + 5min), json("5m"));
    EXPECT_EQ(printerCell({"2023-12-31T23:59:59.5Z"}, "date", created + 119s), json("119s"));
    EXPECT_EQ(printerCell({ts}, "date", created - 1s), json("0s"));  // small clock skew
    EXPECT_EQ(printerCell({ts}, "date", created - 5s), json("<invalid>"));
    EXPECT_EQ(printerCell({""}, "date", created), json("<unknown>"));
    EXPECT_EQ(printerCell({"0001-01-01T00:00:00Z"}, "date", created), json("<unknown>"));
    EXPECT_EQ(printerCell({"yesterday"}, "date", created), json("<invalid>"));
    EXPECT_EQ(printerCell({"2024-02-30T00:00:00Z"}, "date", created), json("<invalid>"));
    EXPECT_EQ(printerCell({"2024-01-01 00:00:00Z"}, "date", created), json("<invalid>"));
    EXPECT_EQ(printerCell({42}, "date", created), json(nullptr));
    EXPECT_EQ(printerCell(matchesOf(".metadata.creationTimestamp"), "date", created + 48h),
              json("2d"));
}

TEST(PrinterCell, DateAgesFollowHumanDuration) {
    PrinterClock t0{std::chrono::seconds(1704067200)};
    auto age = [&](std::chrono::nanoseconds d) {
        return printerCell({"2024-01-01T00:00:00Z"}, "date", t0 + d).get<std::string>();
    };
    EXPECT_EQ(age(0s), "0s");
    EXPECT_EQ(age(-1500ms), "0s");
    EXPECT_EQ(age(-2s), "<invalid>");
    EXPECT_EQ(age(119s), "119s");
    EXPECT_EQ(age(2min), "2m");
    EXPECT_EQ(age(5min + 3s), "5m3s");
    EXPECT_EQ(age(10min + 30s), "10m");
    EXPECT_EQ(age(179min), "179m");
    EXPECT_EQ(age(3h), "3h");
    EXPECT_EQ(age(3h + 30min), "3h30m");
    EXPECT_EQ(age(8h + 30min), "8h");
    EXPECT_EQ(age(47h), "47h");
    EXPECT_EQ(age(48h), "2d");
    EXPECT_EQ(age(50h), "2d2h");
    EXPECT_EQ(age(24h * 8), "8d");
    EXPECT_EQ(age(24h * 729), "729d");
    EXPECT_EQ(age(24h * 730), "2y");
    EXPECT_EQ(age(24h * 731), "2y1d");
    EXPECT_EQ(age(24h * 365 * 9), "9y");
    // Older than time.Duration can hold: time.Since saturates at about 292 years.
    EXPECT_EQ(printerCell({"1600-01-01T00:00:00Z"}, "date", t0), json("292y"));
}

}  // namespace
}  // namespace mcpsim::apiserver
