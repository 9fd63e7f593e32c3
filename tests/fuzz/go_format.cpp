// The Go-compatible parsers (base64, RFC 3339, durations) and quoting. Invariants: what parses
// formats back to text that parses to the same value; strconv.Quote output is printable ASCII
// or valid UTF-8 inside double quotes.
#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_support.hpp"
#include "mcpsim/core/go_format.hpp"

namespace core = mcpsim::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = mcpsim::fuzz::asText(data, size);
    mcpsim::fuzz::plantedBug(text);

    std::string error;
    if (auto bytes = core::base64Decode(text, &error)) {
        const std::string encoded = core::base64Encode(*bytes);
        auto again = core::base64Decode(encoded);
        FUZZ_CHECK(again && *again == *bytes, "base64 round trip failed for " + encoded);
    } else {
        FUZZ_CHECK(error.rfind("illegal base64 data at input byte ", 0) == 0, error);
    }

    if (auto t = core::parseRfc3339(text)) {
        const std::string printed = core::formatRfc3339Nano(*t);
        auto again = core::parseRfc3339(printed);
        FUZZ_CHECK(again && *again == *t, "RFC 3339 round trip failed: " + printed);
    }

    if (auto d = core::goParseDuration(text)) {
        const std::string printed = core::goFormatDuration(*d);
        auto again = core::goParseDuration(printed);
        FUZZ_CHECK(again && *again == *d, "duration round trip failed: " + printed);
        (void)core::humanDuration(*d);
    }

    const std::string quoted = core::goQuote(text);
    FUZZ_CHECK(quoted.size() >= 2 && quoted.front() == '"' && quoted.back() == '"', quoted);
    for (std::size_t i = 0; i < quoted.size();) {
        std::size_t width = 0;
        const char32_t r = core::goDecodeRune(std::string_view(quoted).substr(i), width);
        FUZZ_CHECK(width > 0 && !(r == 0xFFFD && width == 1),
                   "strconv.Quote output is not valid UTF-8");
        FUZZ_CHECK(r >= 0x20 && r != 0x7F, "strconv.Quote output has a control character");
        i += width;
    }
    return 0;
}
