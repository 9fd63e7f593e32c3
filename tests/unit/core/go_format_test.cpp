// core/go_format against what Go itself prints: tests/data/go-format/goldens.json is the output of
// tests/data/go-format/generate.go (Go's standard library only), so every expectation here is
// Go's answer, not ours.
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/regex.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <fstream>
#include <sstream>

namespace mcpsim::core {
namespace {

using namespace std::chrono_literals;

const Json& goldens() {
    static const Json doc = [] {
        std::ifstream in(MCPSIM_GO_GOLDENS);
        std::stringstream text;
        text << in.rdbuf();
        return Json::parse(text.str());
    }();
    return doc;
}

std::string fromHex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

std::string toHex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (char c : bytes) {
        out.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
        out.push_back(kDigits[static_cast<unsigned char>(c) & 0xF]);
    }
    return out;
}

TEST(GoGoldens, CoverEverySection) {
    for (const char* section :
         {"floats", "quotes", "rfc3339", "durations", "base64", "values", "regexps"}) {
        ASSERT_TRUE(goldens().contains(section)) << section;
        EXPECT_GE(goldens()[section].size(), 10u) << section;
    }
}

TEST(GoFormatFloat, MatchesStrconvFmtAndEncodingJson) {
    for (const auto& c : goldens()["floats"]) {
        const double v =
            std::bit_cast<double>(std::stoull(c["bits"].get<std::string>(), nullptr, 16));
        const std::string json = c["json"];
        EXPECT_EQ(goFormatFloat(v), c["g"]) << c.dump();
        EXPECT_EQ(goFormatFloat(v), c["v"]) << c.dump();  // fmt's %v is the same layout
        EXPECT_EQ(goJsonFloat(v), json.empty() ? "null" : json) << c.dump();
    }
    EXPECT_EQ(goFormatFloat(1234567.5), "1.2345675e+06");  // the case patch.cpp once got wrong
}

TEST(GoQuote, MatchesStrconvQuote) {
    for (const auto& c : goldens()["quotes"]) {
        EXPECT_EQ(goQuote(fromHex(c["in"])), c["out"]) << c.dump();
    }
}

TEST(GoFormatValue, MatchesFmtOfKubernetesDecodedJson) {
    for (const auto& c : goldens()["values"]) {
        const Json value = Json::parse(c["json"].get<std::string>());
        EXPECT_EQ(goFormatValue(value), c["v"]) << c.dump();
        if (!c["q"].get<std::string>().empty()) {
            EXPECT_EQ(goQuote(value.get<std::string>()), c["q"]);
        }
    }
}

TEST(GoRfc3339, ParsesAndFormatsAsTimePackage) {
    for (const auto& c : goldens()["rfc3339"]) {
        const std::string in = c["in"];
        const auto parsed = parseRfc3339Unix(in);
        ASSERT_EQ(parsed.has_value(), c["ok"].get<bool>()) << in;
        if (!parsed) {
            EXPECT_FALSE(parseRfc3339(in).has_value()) << in;
            continue;
        }
        EXPECT_EQ(parsed->seconds, c["seconds"].get<std::int64_t>()) << in;
        EXPECT_EQ(parsed->nanos, c["nanos"].get<std::int32_t>()) << in;
        EXPECT_EQ(formatRfc3339(*parsed), c["rfc3339"]) << in;
        // WallTime (int64 nanoseconds) holds 1678-2262: the year-1 and year-9999 cases do not fit.
        if (const auto wall = parseRfc3339(in)) {
            EXPECT_EQ(formatRfc3339(*wall), c["rfc3339"]) << in;
            EXPECT_EQ(formatRfc3339Nano(*wall), c["rfc3339Nano"]) << in;
        } else {
            EXPECT_TRUE(parsed->seconds < -9'000'000'000LL || parsed->seconds > 9'000'000'000LL)
                << in;
        }
    }
}

// The same second twice, then the next one, then back: the kept last second must not leak.
TEST(GoLogTime, IsTheLogPackagesStandardPrefix) {
    const auto t = parseRfc3339("2026-12-08T03:04:05.25Z");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(formatGoLogTime(*t), "2026/12/08 03:04:05");
    EXPECT_EQ(formatRfc3339Nano(*t), "2026-12-08T03:04:05.25Z");
    EXPECT_EQ(formatGoLogTime(*t + std::chrono::milliseconds(500)), "2026/12/08 03:04:05");
    EXPECT_EQ(formatGoLogTime(*t + std::chrono::seconds(55)), "2026/12/08 03:05:00");
    EXPECT_EQ(formatGoLogTime(*t), "2026/12/08 03:04:05");
}

TEST(GoDuration, ParsesAndPrintsAsTimePackage) {
    for (const auto& c : goldens()["durations"]) {
        const std::string in = c["in"];
        const auto parsed = goParseDuration(in);
        ASSERT_EQ(parsed.has_value(), c["ok"].get<bool>()) << in;
        if (!parsed) continue;
        EXPECT_EQ(parsed->count(), c["nanos"].get<std::int64_t>()) << in;
        EXPECT_EQ(goFormatDuration(*parsed), c["string"]) << in;
    }
    EXPECT_EQ(goFormatDuration(Duration(std::numeric_limits<std::int64_t>::min())),
              "-2562047h47m16.854775808s");
    EXPECT_EQ(goFormatDuration(1500us), "1.5ms");
    EXPECT_FALSE(goParseDuration("9223372036854775807ns9223372036854775807ns").has_value());
}

TEST(GoBase64, DecodesAndNamesTheBadByteAsEncodingBase64) {
    for (const auto& c : goldens()["base64"]) {
        const std::string in = c["in"];
        std::string error;
        const auto decoded = base64Decode(in, &error);
        ASSERT_EQ(decoded.has_value(), c["ok"].get<bool>()) << in;
        if (!decoded) {
            EXPECT_EQ(error, c["error"]) << in;
            continue;
        }
        EXPECT_EQ(toHex(*decoded), c["out"]) << in;
        EXPECT_EQ(base64Encode(*decoded), c["reencoded"]) << in;
    }
}

// apimachinery's HumanDuration is not in Go's standard library, so these come from kubectl's
// AGE column as users see it rather than from generate.go.
TEST(HumanDuration, MatchesKubectlAges) {
    EXPECT_EQ(humanDuration(-3s), "<invalid>");
    EXPECT_EQ(humanDuration(-1500ms), "0s");
    EXPECT_EQ(humanDuration(5s), "5s");
    EXPECT_EQ(humanDuration(119s), "119s");
    EXPECT_EQ(humanDuration(182s), "3m2s");
    EXPECT_EQ(humanDuration(9min), "9m");
    EXPECT_EQ(humanDuration(150min), "150m");
    EXPECT_EQ(humanDuration(3h + 20min), "3h20m");
    EXPECT_EQ(humanDuration(30h), "30h");
    EXPECT_EQ(humanDuration(51h), "2d3h");
    EXPECT_EQ(humanDuration(400 * 24h), "400d");
    EXPECT_EQ(humanDuration((3 * 365 + 10) * 24h), "3y10d");
    EXPECT_EQ(humanDuration(10 * 365 * 24h), "10y");
}

TEST(GoRunes, DecodeAndAppendAsUtf8Package) {
    std::size_t width = 0;
    EXPECT_EQ(goDecodeRune("\xc3\xa9x", width), U'\u00e9');
    EXPECT_EQ(width, 2u);
    EXPECT_EQ(goDecodeRune("\xc0\x80", width), 0xFFFDu);  // overlong
    EXPECT_EQ(width, 1u);
    EXPECT_EQ(goDecodeRune("\xed\xa0\x80", width), 0xFFFDu);  // surrogate half
    EXPECT_EQ(goDecodeRune("", width), 0xFFFDu);
    EXPECT_EQ(width, 0u);
    std::string out;
    goAppendRune(out, U'\U0001F600');
    goAppendRune(out, 0xD800);
    EXPECT_EQ(out, "\xf0\x9f\x98\x80\xef\xbf\xbd");
}

TEST(GoJsonMarshal, EscapesHtmlAndSeparatorsAsEncodingJson) {
    const Json v = {{"b", "<a&b>"}, {"a", {1.5, 1e21, nullptr, "\xe2\x80\xa8"}}};
    EXPECT_EQ(goJsonMarshal(v), R"({"a":[1.5,1e+21,null,"\u2028"],"b":"\u003ca\u0026b\u003e"})");
}

TEST(GoSimpleEscape, MapsTheOneLetterEscapes) {
    EXPECT_EQ(goSimpleEscape('n'), '\n');
    EXPECT_EQ(goSimpleEscape('v'), '\v');
    EXPECT_EQ(goSimpleEscape('\\'), '\\');
    EXPECT_EQ(goSimpleEscape('x'), std::nullopt);  // takes digits: not a one-letter escape
    EXPECT_EQ(goSimpleEscape('"'), std::nullopt);  // quote rules differ between languages
}

TEST(GoRegexp, CompilesAndMatchesAsRegexpPackage) {
    for (const auto& c : goldens()["regexps"]) {
        const std::string pattern = c["pattern"];
        if (!c["ok"].get<bool>()) {
            try {
                (void)Regex(pattern);
                ADD_FAILURE() << "compiled: " << pattern;
            } catch (const RegexError& e) {
                EXPECT_EQ(std::string(e.what()), c["error"].get<std::string>()) << pattern;
            }
            continue;
        }
        const Regex re(pattern);
        EXPECT_EQ(re.search(c["text"].get<std::string>()), c["search"].get<bool>()) << pattern;
        EXPECT_EQ(re.fullMatch(c["text"].get<std::string>()), c["full"].get<bool>()) << pattern;
    }
}

TEST(GoRegexp, RejectsInvalidUtf8AndStaysLinearOnHostilePatterns) {
    EXPECT_NO_THROW(Regex(R"(a\xffb)"));  // the escape \xff is U+00FF; a raw 0xff byte is not UTF-8
    try {
        (void)Regex(std::string("a") + std::string(1, '\xff'));
        ADD_FAILURE() << "raw 0xff byte accepted";
    } catch (const RegexError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("error parsing regexp: invalid UTF-8", 0), 0u);
    }
    // Catastrophic backtracking for a backtracking engine; RE2 answers at once.
    const Regex nested("(a+)+$");
    EXPECT_FALSE(nested.search(std::string(100000, 'a') + "!"));
    // A long subject does not recurse per character (std::regex overflowed the stack here).
    EXPECT_TRUE(Regex("[a-z0-9]([-a-z0-9]*[a-z0-9])?").fullMatch(std::string(1 << 20, 'a')));
    // Copies share the compiled program and keep the pattern text.
    const Regex copy = nested;
    EXPECT_EQ(copy.pattern(), "(a+)+$");
    EXPECT_TRUE(copy.search("aa"));
}

}  // namespace
}  // namespace mcpsim::core
