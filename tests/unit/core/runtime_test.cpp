#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "mcpsim/core/random.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mcpsim/core/yaml.hpp"

namespace mcpsim::core {
namespace {

using namespace std::chrono_literals;

TEST(Runtime, VirtualTimeOnlyMovesWhenIdle) {
    Runtime rt(RuntimeOptions{7, true});
    std::vector<std::string> order;
    rt.clock().schedule(60s, [&] { order.push_back("requeue-60s"); });
    rt.clock().schedule(2s, [&] {
        order.push_back("requeue-2s");
        rt.clock().schedule(1s, [&] { order.push_back("chained-3s"); });
    });
    const WallTime start = rt.clock().now();
    EXPECT_TRUE(rt.runUntilIdle());
    EXPECT_EQ(order, (std::vector<std::string>{"requeue-2s", "chained-3s", "requeue-60s"}));
    EXPECT_EQ(rt.clock().now() - start, Duration(60s));
}

TEST(Runtime, RunUntilIdleReportsARunawayTimerLoop) {
    Runtime rt(RuntimeOptions{7, true});
    std::function<void()> again = [&] { rt.clock().schedule(1s, again); };
    again();
    EXPECT_FALSE(rt.runUntilIdle(100));
}

// Settle jumps virtual time only while a component says it is busy: a 2 s requeue runs, a 60 s
// periodic tick that nobody waits for does not.
TEST(Runtime, SettleJumpsTimeWhileSomethingIsBusy) {
    Runtime rt(RuntimeOptions{7, true});
    bool requeued = false;
    int ticks = 0;
    std::function<void()> tick = [&] {
        ++ticks;
        rt.clock().schedule(60s, tick);
    };
    rt.clock().schedule(60s, tick);
    auto busy = rt.activity().add("controller x", [&]() -> std::optional<std::string> {
        if (requeued) return std::nullopt;
        return "requeue of ns/a in 2s";
    });
    rt.clock().schedule(2s, [&] { requeued = true; });
    const SteadyTime start = rt.clock().steady();
    SettleResult r = rt.settle(30s);
    EXPECT_TRUE(r.converged) << r.describe();
    EXPECT_EQ(rt.clock().steady() - start, Duration(2s));
    EXPECT_EQ(r.advanced, Duration(2s));
    EXPECT_EQ(ticks, 0);
    // Already idle: a second settle costs no time.
    EXPECT_TRUE(rt.settle(30s).converged);
    EXPECT_EQ(rt.clock().steady() - start, Duration(2s));
}

TEST(Runtime, SettleThatCannotConvergeSaysWhatWasBusy) {
    Runtime rt(RuntimeOptions{7, true});
    std::function<void()> poll = [&] { rt.clock().schedule(5s, poll); };
    poll();
    auto busy = rt.activity().add("controller mcpserverregistration", [] {
        return std::optional<std::string>("requeue of a/b in 5s");
    });
    SettleResult r = rt.settle(20s);
    EXPECT_FALSE(r.converged);
    EXPECT_EQ(r.timersFired, 4u);  // 5, 10, 15, 20 s; the next (25 s) is past the horizon
    ASSERT_EQ(r.busy.size(), 1u);
    EXPECT_EQ(r.busy[0], "controller mcpserverregistration: requeue of a/b in 5s");
    EXPECT_NE(r.describe().find("not settled after 20000ms"), std::string::npos) << r.describe();
    // Unregistering the probe (the component stopped) makes the world idle.
    busy.reset();
    EXPECT_TRUE(rt.settle(20s).converged);
}

TEST(Runtime, SettleRunsTimersAlreadyDueEvenWhenNothingIsBusy) {
    Runtime rt(RuntimeOptions{7, true});
    bool collected = false;
    rt.clock().schedule(0s, [&] { collected = true; });  // e.g. garbage collection
    EXPECT_TRUE(rt.settle(1s).converged);
    EXPECT_TRUE(collected);
}

// serve --clock virtual: the clock follows the wall clock and jumps ahead on settle; it never
// runs behind real time.
// A runner drives a world that runs on its own thread: each timer's work, posted to the loop,
// must run at the timer's virtual time, before the clock moves on. Inside a handler Asio's
// nested poll() loses count of such work after the first and stops running it; between
// handlers it cannot.
TEST(Runtime, WorkPostedByTimersRunsInTimeWhenDrivenBetweenHandlers) {
    RuntimeOptions o;
    o.virtualTime = true;
    Runtime rt(o);
    std::thread loop([&] { rt.run(); });
    std::promise<std::vector<std::int64_t>> done;
    auto seen = done.get_future();
    rt.runBetweenHandlers([&] {
        const SteadyTime start = rt.clock().steady();
        auto at = std::make_shared<std::vector<std::int64_t>>();
        for (int i = 1; i <= 20; ++i) {
            rt.clock().schedule(std::chrono::seconds(i), [&rt, at, start] {
                rt.post([&rt, at, start] {
                    at->push_back(std::chrono::duration_cast<std::chrono::seconds>(
                                      rt.clock().steady() - start)
                                      .count());
                });
            });
        }
        rt.runFor(std::chrono::seconds(30));
        done.set_value(*at);
        rt.stop();
    });
    const auto times = seen.get();
    loop.join();
    std::vector<std::int64_t> expected;
    for (int i = 1; i <= 20; ++i) expected.push_back(i);
    EXPECT_EQ(times, expected);
}

// An owner about to destroy its components drops what pending timers hold, on either clock,
// without running them; a timer scheduled afterwards still works.
TEST(Runtime, DiscardPendingWorkDropsWhatTimersHoldWithoutFiringThem) {
    for (const bool virtualTime : {true, false}) {
        RuntimeOptions o;
        o.virtualTime = virtualTime;
        Runtime rt(o);
        auto held = std::make_shared<int>(1);
        std::weak_ptr<int> watch = held;
        bool fired = false;
        for (int i = 0; i < 3; ++i) {
            rt.clock().schedule(std::chrono::hours(1), [held, &fired] { fired = true; });
        }
        held.reset();
        ASSERT_FALSE(watch.expired());
        rt.discardPendingWork();
        EXPECT_TRUE(watch.expired()) << (virtualTime ? "virtual" : "real") << " clock";
        EXPECT_FALSE(fired);
        bool later = false;
        rt.clock().schedule(Duration::zero(), [&] { later = true; });
        if (virtualTime) {
            rt.runUntilIdle();
        } else {
            const SteadyTime until = rt.clock().steady() + std::chrono::seconds(5);
            while (!later && rt.step(until)) {
            }
        }
        EXPECT_TRUE(later);
    }
}

TEST(VirtualClock, FollowingRealTimeJumpsAheadButNeverFallsBehind) {
    Runtime rt(RuntimeOptions{.seed = 1, .virtualTime = true, .followRealTime = true});
    const auto wallBefore = std::chrono::system_clock::now();
    EXPECT_GE(rt.clock().now(), std::chrono::time_point_cast<Duration>(wallBefore));
    bool done = false;
    auto busy = rt.activity().add("x", [&]() -> std::optional<std::string> {
        return done ? std::nullopt : std::optional<std::string>("waiting");
    });
    rt.clock().schedule(30s, [&] { done = true; });
    SettleResult r = rt.settle(60s);
    EXPECT_TRUE(r.converged) << r.describe();
    const auto ahead = rt.clock().now() - std::chrono::system_clock::now();
    EXPECT_GT(ahead, Duration(29s));
    EXPECT_LE(ahead, Duration(30s));
    // Monotonic: reading again never goes back.
    const auto a = rt.clock().steady();
    EXPECT_GE(rt.clock().steady(), a);
}

TEST(Activity, RegistrationsUnregisterWhenDestroyedOrMoved) {
    ActivityRegistry reg;
    {
        auto a = reg.add("a", [] { return std::optional<std::string>("busy"); });
        auto b = std::move(a);
        EXPECT_EQ(reg.busy(), std::vector<std::string>{"a: busy"});
        auto c = reg.add("c", [] { return std::optional<std::string>("also"); });
        c = std::move(b);  // c's own probe goes, a's stays (now held by c)
        EXPECT_EQ(reg.busy(), std::vector<std::string>{"a: busy"});
    }
    EXPECT_TRUE(reg.busy().empty());
}

TEST(Random, ForkedStreamsAreIndependentAndReproducible) {
    Random a(5), b(5);
    Random aUid = a.fork("uid"), bUid = b.fork("uid");
    Random other = a.fork("tokens");
    (void)other.next();  // drawing from one stream does not shift another
    EXPECT_EQ(aUid.uuid(), bUid.uuid());
    std::string u = Random(9).uuid();
    EXPECT_EQ(u.size(), 36u);
    EXPECT_EQ(u[14], '4');
    EXPECT_NE(Random(9).fork("x").next(), Random(9).fork("y").next());
}

TEST(Yaml, KubernetesScalarRules) {
    auto docs =
        parseYamlDocuments("a: yes\nb: 'yes'\nc: 010\nd: 1.5\ne: ~\nf: \"7\"\n---\n---\n- x\n");
    ASSERT_EQ(docs.size(), 2u);
    EXPECT_EQ(docs[0],
              (Json{{"a", true}, {"b", "yes"}, {"c", 8}, {"d", 1.5}, {"e", nullptr}, {"f", "7"}}));
    EXPECT_EQ(docs[1], Json::array({"x"}));
    EXPECT_EQ(parseYaml("base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n")["derived"],
              (Json{{"x", 1}, {"y", 2}}));
    EXPECT_THROW(parseYaml("a: [1, 2"), YamlError);
    EXPECT_EQ(parseYaml("ip: 10.244.0.10\nv: 1.31\nx: .5\n"),
              (Json{{"ip", "10.244.0.10"}, {"v", 1.31}, {"x", 0.5}}));
    Json round = {
        {"servers",
         Json::array({{{"enabled", true}, {"name", "mcp-test/a"}, {"toolPrefix", "t_"}}})},
        {"virtualServers", Json::array()}};
    EXPECT_EQ(
        toYaml(round),
        "servers:\n- enabled: true\n  name: mcp-test/a\n  toolPrefix: t_\nvirtualServers: []\n");
    EXPECT_EQ(parseYaml(toYaml(round)), round);
    // Like go-yaml v2, a key or value that would read back as a bool/number/null is quoted.
    EXPECT_EQ(toYaml(Json{{"v", "true"}, {"n", "1"}, {"e", ""}}),
              "e: \"\"\n\"n\": \"1\"\nv: \"true\"\n");
}

// What parseYamlDocuments says about text: "accepted", or its error (reader errors have no line).
std::string yamlProblem(std::string_view text) {
    try {
        parseYamlDocuments(text);
        return "accepted";
    } catch (const YamlError& e) {
        return e.what();
    }
}

// Found by fuzz_yaml_decode: yaml-cpp kept bytes that are not UTF-8 in strings, which then
// could not be encoded as JSON (an exception that ended the process). go-yaml's reader refuses
// them, and control characters, before parsing.
TEST(Yaml, ProgramTextsAreParsedOncePerProcess) {
    const std::string text = "a: 1\n---\nb: [x, y]\n";
    const std::vector<Json>& first = parseYamlDocumentsOnce(text);
    EXPECT_EQ(first, parseYamlDocuments(text));
    EXPECT_EQ(&parseYamlDocumentsOnce(std::string(text)), &first) << "the same text, one parse";
    const std::vector<Json>& other = parseYamlDocumentsOnce("a: 2\n");
    EXPECT_NE(&other, &first);
    EXPECT_EQ(other.at(0).at("a"), 2);
    EXPECT_THROW(parseYamlDocumentsOnce("a: [\n"), YamlError);
}

TEST(Yaml, RefusesWhatGoYamlsReaderRefuses) {
    EXPECT_EQ(yamlProblem("a: \x95\n"), "invalid leading UTF-8 octet");
    try {
        parseYamlDocuments("a: \x95\n");
    } catch (const YamlError& e) {
        EXPECT_EQ(e.line, 0);  // go-yaml names no line for the reader's errors
    }
    EXPECT_EQ(yamlProblem("a: \xc3(\n"), "invalid trailing UTF-8 octet");
    EXPECT_EQ(yamlProblem("a: \xe2\x82"), "incomplete UTF-8 octet sequence");
    EXPECT_EQ(yamlProblem("a: \xc0\xaf\n"), "invalid length of a UTF-8 sequence");
    EXPECT_EQ(yamlProblem("a: \xed\xa0\x80\n"), "invalid Unicode character");
    EXPECT_EQ(yamlProblem(std::string_view("a: \0\n", 5)), "control characters are not allowed");
    EXPECT_EQ(yamlProblem("a: \x1b[0m\n"), "control characters are not allowed");
    EXPECT_EQ(yamlProblem("a: \"caf\xc3\xa9 \xf0\x9f\x98\x80\"\r\nb: \"\t\"\n"), "accepted");
    EXPECT_THROW(parseYaml("k: \xff"), YamlError);
}

// Found by fuzz_yaml_decode: a key past YAML's 1024-character limit for implicit keys was
// written as one, so the output did not parse. Long keys are explicit ("? key"), as go-yaml does.
TEST(Yaml, LongKeysAreWrittenAsExplicitEntries) {
    const std::string longKey(1500, 'k');
    const Json doc = {{longKey, {{"a", 1}}}, {"list", {{{longKey, "v"}, {"b", 2}}}}, {"s", "x"}};
    const std::string text = toYaml(doc);
    EXPECT_NE(text.find("? " + longKey + "\n:\n"), std::string::npos) << text;
    EXPECT_EQ(parseYaml(text), doc);
}

// Found by fuzz_yaml_decode: std::regex recursed once per character of a 4000-digit scalar and
// overflowed the stack. Number shapes are matched by hand.
TEST(Yaml, LongNumericScalarsResolveWithoutRecursion) {
    const std::string digits(20000, '7');
    EXPECT_EQ(parseYaml("a: " + digits), (Json{{"a", digits}}));  // past double: stays text
    EXPECT_EQ(parseYaml("a: 0" + std::string(20000, '0') + "z"),
              (Json{{"a", "0" + std::string(20000, '0') + "z"}}));
    EXPECT_EQ(parseYaml("[0x1_F, -0o7, 017, +12, 1_0, 0, -0, 3., .5e-1, 1e+2, 0x, 1e]"),
              (Json{31, "-0o7", 15, 12, 10, 0, 0, 3.0, 0.05, 100.0, "0x", "1e"}));
}

// Found by fuzz_yaml_decode: a plain scalar ending in ':' reads back as a mapping inside an
// explicit key ("? k:" then ": v"), so it is quoted, short or long.
TEST(Yaml, ScalarsEndingInAColonAreQuoted) {
    const std::string longKey(1000, '0');
    const Json doc = {{longKey + ":", nullptr}, {"a:", "b:"}, {"list", {"c:", "d::"}}};
    const std::string text = toYaml(doc);
    EXPECT_NE(text.find("\"a:\": \"b:\"\n"), std::string::npos) << text;
    EXPECT_EQ(parseYaml(text), doc);
}

// Found by fuzz_yaml_decode: ".INF" decoded to a double JSON cannot hold, written back as null.
// sigs.k8s.io/yaml refuses it when it converts to JSON.
TEST(Yaml, InfinityAndNanAreRefusedAsJsonCannotHoldThem) {
    EXPECT_EQ(yamlProblem(".INF"), "json: unsupported value: +Inf");
    EXPECT_EQ(yamlProblem("a: [-.inf]"), "json: unsupported value: -Inf");
    EXPECT_EQ(yamlProblem("a: .nan"), "json: unsupported value: NaN");
    EXPECT_EQ(yamlProblem("a: \".nan\"\nb: inf"), "accepted");  // quoted, and not YAML's spelling
    EXPECT_EQ(toYaml(Json{{"a", ".nan"}}), "a: \".nan\"\n");
}

// Found by fuzz_yaml_decode: ".e2" passed our float pattern and std::stod threw. go-yaml's
// float pattern needs a digit before or after the point; what ParseFloat cannot hold stays text.
TEST(Yaml, FloatsFollowGoYamlsPattern) {
    EXPECT_EQ(
        parseYaml("a: .e2\nb: 1_000.5\nc: 1e400\nd: -.5e1\ne: 1.\nf: 99999999999999999999\n"),
        (Json{{"a", ".e2"}, {"b", 1000.5}, {"c", "1e400"}, {"d", -5.0}, {"e", 1.0}, {"f", 1e20}}));
}

// Found by fuzz_yaml_decode: `0x__` has a prefix and no digits once the underscores go, and
// stoll's exception ended the process. go-yaml keeps it a string; `0x_1` is still 1.
// Found by fuzz_yaml_decode: a string starting with "..." was written plain, and read back as
// the end of the document (null).
TEST(Yaml, StringsThatLookLikeDocumentMarkersAreQuoted) {
    for (const std::string s : {"...", "...  ...", "...x", "---"}) {
        EXPECT_EQ(parseYaml(toYaml(Json{{"v", s}}))["v"], s) << toYaml(Json{{"v", s}});
        EXPECT_EQ(parseYaml(toYaml(Json(s))), s) << toYaml(Json(s));
    }
}

TEST(Yaml, PrefixedIntegersNeedADigit) {
    EXPECT_EQ(parseYaml("a: 0x__\nb: -0x_\nc: 0x_1\nd: 0_7\n"),
              (Json{{"a", "0x__"}, {"b", "-0x_"}, {"c", 1}, {"d", 7}}));
}

// Found by fuzz_yaml_decode (a timeout): yaml-cpp's LoadAll made null documents forever from a
// stray ',' at block level, holding the loop and eating memory. Now it is an error.
TEST(Yaml, AStrayFlowIndicatorIsAnErrorNotAnEndlessStream) {
    EXPECT_THROW(parseYamlDocuments(",r mcpsim from thsharv1"), YamlError);
    EXPECT_THROW(parseYamlDocuments("a: 1\n---\n,b\n"), YamlError);
    EXPECT_EQ(parseYamlDocuments("a: 1\n---\nb: 2\n...\n---\n").size(), 2u);
}

TEST(Logs, SlogTextFormat) {
    VirtualClock clock(WallTime(std::chrono::seconds(1767225600)));
    LogStore store;
    Logger log(clock, store, "mcp-system/controller", {{"controller", "mcpserverregistration"}});
    log.info("Discovered tools", {{"upstream mcp server", "mcp-test/a"}, {"#tools", "3"}});
    ASSERT_EQ(store.lines("mcp-system/controller").size(), 1u);
    EXPECT_EQ(store.lines("mcp-system/controller")[0].text,
              "time=2026-01-01T00:00:00Z level=INFO msg=\"Discovered tools\" "
              "controller=mcpserverregistration \"upstream mcp server\"=mcp-test/a #tools=3");
    // Values that need quoting get strconv.Quote, as slog's TextHandler does.
    EXPECT_EQ(slogQuote("plain"), "plain");
    EXPECT_EQ(slogQuote(""), "\"\"");
    EXPECT_EQ(slogQuote("a\tb\a\x01"
                        "\xff"),
              R"("a\tb\a\x01\xff")");
}

TEST(Logs, EachSourceKeepsItsNewestTenMebibytes) {
    VirtualClock clock(WallTime(std::chrono::seconds(1767225600)));
    LogStore store;
    const std::string big(1024 * 1024, 'x');  // 1 MiB lines
    for (int i = 0; i < 25; ++i) store.append("a", LogLine{clock.now(), std::to_string(i) + big});
    store.append("b", LogLine{clock.now(), "small"});
    const auto& a = store.lines("a");
    std::size_t bytes = 0;
    for (const auto& l : a) bytes += l.text.size() + 1;
    EXPECT_LE(bytes, LogStore::kMaxBytes);
    EXPECT_EQ(a.size(), 9u);  // nine lines of 1 MiB + 3 bytes fit, ten do not
    EXPECT_EQ(a.front().text.substr(0, 2), "16");
    EXPECT_EQ(a.back().text.substr(0, 2), "24");
    EXPECT_EQ(store.lines("b").size(), 1u);  // sources are capped separately
    // A line larger than the cap is still kept, alone.
    store.append("a", LogLine{clock.now(), std::string(LogStore::kMaxBytes + 10, 'y')});
    EXPECT_EQ(store.lines("a").size(), 1u);
}

}  // namespace
}  // namespace mcpsim::core
