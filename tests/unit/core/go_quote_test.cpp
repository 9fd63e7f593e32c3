#include "mcpsim/core/go_quote.hpp"

#include <gtest/gtest.h>

namespace mcpsim::core {
namespace {

// Expected values are what Go's strconv.Quote returns for the same bytes.
TEST(GoQuote, EscapesLikeStrconvQuote) {
    EXPECT_EQ(goQuote(""), R"("")");
    EXPECT_EQ(goQuote("Bearer x"), R"("Bearer x")");
    EXPECT_EQ(goQuote("say \"hi\"\\"), R"("say \"hi\"\\")");
    EXPECT_EQ(goQuote("\a\b\f\n\r\t\v"), R"("\a\b\f\n\r\t\v")");
    EXPECT_EQ(goQuote(std::string("\x00\x01\x1f\x7f", 4)), R"("\x00\x01\x1f\x7f")");
    EXPECT_EQ(goQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(GoSimpleEscape, MapsTheOneLetterEscapes) {
    EXPECT_EQ(goSimpleEscape('n'), '\n');
    EXPECT_EQ(goSimpleEscape('v'), '\v');
    EXPECT_EQ(goSimpleEscape('\\'), '\\');
    EXPECT_EQ(goSimpleEscape('x'), std::nullopt);  // takes digits: not a one-letter escape
    EXPECT_EQ(goSimpleEscape('"'), std::nullopt);  // quote rules differ between languages
}

}  // namespace
}  // namespace mcpsim::core
