// Raw HTTP/1.1 bytes to the gateway listener of the registration guide's world (routes, the
// broker behind mcp.127-0-0-1.sslip.io/mcp, the proxy mode's absolute-form targets).
// Invariants: an HTTP response or a close, never a 500, and the next client still initializes
// an MCP session.
#include "tcp_harness.hpp"

namespace {

std::string initializeRequest() {
    const std::string body =
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":)"
        R"("2025-06-18","capabilities":{},"clientInfo":{}}})";
    return "POST http://mcp.127-0-0-1.sslip.io:8001/mcp HTTP/1.1\r\n"
           "Host: mcp.127-0-0-1.sslip.io:8001\r\nContent-Type: application/json\r\n"
           "Accept: application/json, text/event-stream\r\nConnection: close\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& w = mcpsim::fuzz::listeningWorld("seed", true);
    const auto at = *w.gatewayEndpoint();
    const auto bytes = mcpsim::fuzz::asText(data, size);
    mcpsim::fuzz::plantedBug(bytes);
    const std::string raw = mcpsim::fuzz::exchangeRaw(w.runtime(), at, bytes);
    const int status = mcpsim::fuzz::firstStatus(raw);
    FUZZ_CHECK(status != 500, "server error: " + raw.substr(0, 400));
    const std::string next = mcpsim::fuzz::exchangeRaw(w.runtime(), at, initializeRequest());
    FUZZ_CHECK(mcpsim::fuzz::firstStatus(next) == 200, "next client not served: " + next);
    return 0;
}
