#include <gtest/gtest.h>

#include <string>

#include "mcpsim/core/go_json.hpp"

namespace mcpsim::core {
namespace {

// The error goJsonSyntaxError reports, or "<valid>" when it accepts the text.
std::string errorFor(std::string_view text) {
    return goJsonSyntaxError(text).value_or("<valid>");
}

TEST(GoJsonSyntaxError, AcceptsValidJson) {
    for (std::string_view text :
         {R"({})", R"([])", R"({"a":1})", R"( {"a" : [1, -2.5e+3, 0, true, false, null]} )",
          R"("esc \" \\ \/ \b \f \n \r \t \u00e9")", R"(-0.0E-1)", "\"\xc3\xa9\xff\"",
          "\t\r\n1\n"}) {
        EXPECT_EQ(goJsonSyntaxError(text), std::nullopt) << text;
    }
}

TEST(GoJsonSyntaxError, ReportsBadStartOfValue) {
    EXPECT_EQ(errorFor("apiVersion: v1"), "invalid character 'a' looking for beginning of value");
    EXPECT_EQ(errorFor("[1,]"), "invalid character ']' looking for beginning of value");
}

TEST(GoJsonSyntaxError, ReportsObjectErrors) {
    EXPECT_EQ(errorFor(R"({"a" 1})"), "invalid character '1' after object key");
    EXPECT_EQ(errorFor(R"({"a":1 "b":2})"), "invalid character '\"' after object key:value pair");
    EXPECT_EQ(errorFor(R"({"a":1,})"),
              "invalid character '}' looking for beginning of object key string");
}

TEST(GoJsonSyntaxError, ReportsArrayErrors) {
    EXPECT_EQ(errorFor("[1 2]"), "invalid character '2' after array element");
}

TEST(GoJsonSyntaxError, ReportsUnexpectedEnd) {
    EXPECT_EQ(errorFor(""), "unexpected end of JSON input");
    EXPECT_EQ(errorFor("  \n"), "unexpected end of JSON input");
    EXPECT_EQ(errorFor("{"), "unexpected end of JSON input");
    EXPECT_EQ(errorFor(R"({"a":1,)"), "unexpected end of JSON input");
    EXPECT_EQ(errorFor("[1"), "unexpected end of JSON input");
    EXPECT_EQ(errorFor(R"("abc)"), "unexpected end of JSON input");
}

// At end of input Go's scanner is fed a virtual space; states that reject a space report it.
TEST(GoJsonSyntaxError, ReportsVirtualSpaceAtEndOfInput) {
    EXPECT_EQ(errorFor("tru"), "invalid character ' ' in literal true (expecting 'e')");
    EXPECT_EQ(errorFor("-"), "invalid character ' ' in numeric literal");
    EXPECT_EQ(errorFor("1."), "invalid character ' ' after decimal point in numeric literal");
    EXPECT_EQ(errorFor("1e"), "invalid character ' ' in exponent of numeric literal");
    EXPECT_EQ(errorFor(R"("\)"), "invalid character ' ' in string escape code");
    EXPECT_EQ(errorFor(R"("\u12)"), "invalid character ' ' in \\u hexadecimal character escape");
}

TEST(GoJsonSyntaxError, ReportsBadLiteral) {
    EXPECT_EQ(errorFor("nul1"), "invalid character '1' in literal null (expecting 'l')");
    EXPECT_EQ(errorFor("fals"), "invalid character ' ' in literal false (expecting 'e')");
}

TEST(GoJsonSyntaxError, ReportsTrailingData) {
    EXPECT_EQ(errorFor(R"({"a":1}x)"), "invalid character 'x' after top-level value");
    EXPECT_EQ(errorFor("1 2"), "invalid character '2' after top-level value");
}

TEST(GoJsonSyntaxError, ReportsStringErrors) {
    EXPECT_EQ(errorFor("\"a\x01\""), "invalid character '\\x01' in string literal");
    EXPECT_EQ(errorFor("\"a\tb\""), "invalid character '\\t' in string literal");
    EXPECT_EQ(errorFor(R"("\q")"), "invalid character 'q' in string escape code");
    EXPECT_EQ(errorFor(R"("\u12g4")"), "invalid character 'g' in \\u hexadecimal character escape");
}

TEST(GoJsonSyntaxError, ReportsNumberErrors) {
    EXPECT_EQ(errorFor("-x"), "invalid character 'x' in numeric literal");
    EXPECT_EQ(errorFor("1.e"), "invalid character 'e' after decimal point in numeric literal");
    EXPECT_EQ(errorFor("1e+x"), "invalid character 'x' in exponent of numeric literal");
    EXPECT_EQ(errorFor("01"), "invalid character '1' after top-level value");
}

// Go shows a byte >= 0x80 as the rune of that value: escaped when not printable.
TEST(GoJsonSyntaxError, QuotesHighBytesAsRunes) {
    EXPECT_EQ(errorFor("\x80"), "invalid character '\\u0080' looking for beginning of value");
    EXPECT_EQ(errorFor("[1]\xe9"), "invalid character '\xc3\xa9' after top-level value");
}

TEST(GoJsonSyntaxError, QuotesSpecialCharacters) {
    EXPECT_EQ(errorFor("'"), "invalid character '\\'' looking for beginning of value");
    EXPECT_EQ(errorFor("\\"), "invalid character '\\\\' looking for beginning of value");
    EXPECT_EQ(errorFor("\x7f"), "invalid character '\\x7f' looking for beginning of value");
}

TEST(GoJsonSyntaxError, CapsNestingDepthAt10000) {
    EXPECT_EQ(goJsonSyntaxError(std::string(10000, '[') + std::string(10000, ']')), std::nullopt);
    EXPECT_EQ(errorFor(std::string(10001, '[')), "invalid character '[' exceeded max depth");
    EXPECT_EQ(errorFor(std::string(10001, '{')),
              "invalid character '{' looking for beginning of object key string");
    EXPECT_EQ(errorFor(R"({"a":)" + std::string(10000, '[')),
              "invalid character '[' exceeded max depth");
}

}  // namespace
}  // namespace mcpsim::core
