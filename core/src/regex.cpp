#include "mcpsim/core/regex.hpp"

#include <re2/re2.h>

namespace mcpsim::core {
namespace {

// Go's regexp/syntax ErrorCode strings for RE2's error codes.
const char* goErrorCode(RE2::ErrorCode code) {
    switch (code) {
        case RE2::ErrorBadEscape:
            return "invalid escape sequence";
        case RE2::ErrorBadCharClass:
            return "invalid character class";
        case RE2::ErrorBadCharRange:
            return "invalid character class range";
        case RE2::ErrorMissingBracket:
            return "missing closing ]";
        case RE2::ErrorMissingParen:
            return "missing closing )";
        case RE2::ErrorUnexpectedParen:
            return "unexpected )";
        case RE2::ErrorTrailingBackslash:
            return "trailing backslash at end of expression";
        case RE2::ErrorRepeatArgument:
            return "missing argument to repetition operator";
        case RE2::ErrorRepeatSize:
            return "invalid repeat count";
        case RE2::ErrorRepeatOp:
            return "invalid nested repetition operator";
        case RE2::ErrorBadPerlOp:
            return "invalid or unsupported Perl syntax";
        case RE2::ErrorBadUTF8:
            return "invalid UTF-8";
        case RE2::ErrorBadNamedCapture:
            return "invalid named capture";
        case RE2::ErrorPatternTooLarge:
            return "expression too large";
        default:
            return "regexp/syntax: internal error";
    }
}

RE2::Options goOptions() {
    RE2::Options o;  // defaults are Go's syntax: UTF-8, Perl classes, \b, leftmost-first
    o.set_log_errors(false);
    o.set_never_capture(true);  // callers only ask whether it matches
    return o;
}

}  // namespace

struct Regex::Impl {
    std::string pattern;
    RE2 re;
    explicit Impl(std::string_view p) : pattern(p), re(pattern, goOptions()) {}
};

Regex::Regex(std::string_view pattern) : impl_(std::make_shared<const Impl>(pattern)) {
    if (!impl_->re.ok()) {
        throw RegexError(std::string("error parsing regexp: ") +
                         goErrorCode(impl_->re.error_code()) + ": `" + impl_->re.error_arg() + "`");
    }
}

Regex::~Regex() = default;
Regex::Regex(const Regex&) = default;
Regex& Regex::operator=(const Regex&) = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

bool Regex::search(std::string_view text) const {
    return RE2::PartialMatch(text, impl_->re);
}

bool Regex::fullMatch(std::string_view text) const {
    return RE2::FullMatch(text, impl_->re);
}

const std::string& Regex::pattern() const {
    return impl_->pattern;
}

}  // namespace mcpsim::core
