#pragma once
// Shared by the libFuzzer targets: invariant checks that abort (so libFuzzer records the input),
// and the planted bug that proves scripts/fuzz.sh notices a crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "mcpsim/core/json.hpp"

namespace mcpsim::fuzz {

// A broken invariant is a finding like a crash: print why, then abort so the input is saved.
[[noreturn]] inline void fail(const char* file, int line, const std::string& what) {
    std::fprintf(stderr, "\nINVARIANT BROKEN at %s:%d: %s\n", file, line, what.c_str());
    std::abort();
}

#define FUZZ_CHECK(cond, what)                                                              \
    do {                                                                                    \
        if (!(cond))                                                                        \
            ::mcpsim::fuzz::fail(__FILE__, __LINE__, std::string(#cond) + " -- " + (what)); \
    } while (0)

inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// MCPSIM_FUZZ_PLANTED_BUG=1 plants a crash on inputs starting with "PLANTED", which libFuzzer's
// comparison tracing finds within seconds: the self-test of scripts/fuzz.sh.
inline void plantedBug(std::string_view input) {
    static const bool planted = [] {
        const char* v = std::getenv("MCPSIM_FUZZ_PLANTED_BUG");
        return v != nullptr && std::strcmp(v, "1") == 0;
    }();
    if (planted && input.substr(0, 7) == "PLANTED") fail(__FILE__, __LINE__, "planted bug");
}

// A Kubernetes Status object as the apiserver sends with every error response.
inline std::string statusProblem(int httpStatus, const Json& body) {
    if (!body.is_object()) return "error body is not a JSON object";
    if (body.value("kind", "") != "Status") return "error body kind is not Status";
    if (body.value("apiVersion", "") != "v1") return "Status apiVersion is not v1";
    if (body.value("status", "") != "Failure") return "Status.status is not Failure";
    if (!body.contains("code") || body["code"] != httpStatus)
        return "Status.code differs from the HTTP status " + std::to_string(httpStatus);
    if (body.value("message", "").empty()) return "Status without a message";
    return {};
}

}  // namespace mcpsim::fuzz

namespace mcpsim::fuzz {

// Inputs are framed so that seeds are easy to write by hand: one selector byte, then fields
// separated by newlines (the last field takes the rest).
struct Framed {
    std::uint8_t mode = 0;
    std::string_view rest;
    // The next field up to '\n' (or the rest when there is none).
    std::string_view field() {
        const auto nl = rest.find('\n');
        std::string_view f = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        return f;
    }
};

inline Framed frame(const std::uint8_t* data, std::size_t size) {
    Framed f;
    if (size == 0) return f;
    f.mode = data[0];
    f.rest = asText(data + 1, size - 1);
    return f;
}

}  // namespace mcpsim::fuzz
