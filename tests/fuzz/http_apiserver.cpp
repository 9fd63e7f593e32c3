// Raw HTTP/1.1 bytes to the API server's TCP listener: request lines, headers, chunked bodies,
// absolute-form targets, pipelining. Invariants: whatever arrives, the answer is an HTTP response
// (or the connection closes), never a server error, and the next client is served normally.
#include "tcp_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& w = mcpsim::fuzz::listeningWorld("bare", false);
    const auto bytes = mcpsim::fuzz::asText(data, size);
    mcpsim::fuzz::plantedBug(bytes);
    const std::string raw = mcpsim::fuzz::exchangeRaw(w.runtime(), w.apiEndpoint(), bytes);
    const int status = mcpsim::fuzz::firstStatus(raw);
    FUZZ_CHECK(status < 500, "server error: " + raw.substr(0, 400));
    const std::string next =
        mcpsim::fuzz::exchangeRaw(w.runtime(), w.apiEndpoint(),
                                  "GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    FUZZ_CHECK(mcpsim::fuzz::firstStatus(next) == 200, "next client not served: " + next);
    return 0;
}
