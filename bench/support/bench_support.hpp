#pragma once
// Small helpers every benchmark uses: overrides from the environment and the JSON-RPC message
// of an MCP reply.
#include <cstdlib>
#include <string>

#include "http_client.hpp"
#include "mcpsim/core/json.hpp"

namespace mcpsim::bench {

// A positive integer from the environment, or `fallback`.
inline int envInt(const char* name, int fallback) {
    const char* v = std::getenv(name);
    const int n = v ? std::atoi(v) : 0;
    return n > 0 ? n : fallback;
}

// The JSON-RPC message of an MCP reply: a JSON body, or the last `data:` event of an SSE body.
inline Json mcpMessage(const Reply& r) {
    if (lower(headerValue(r.headers, "content-type")).find("text/event-stream") !=
        std::string::npos) {
        const auto at = r.body.rfind("data: ");
        if (at == std::string::npos) return Json();
        const auto end = r.body.find('\n', at);
        return Json::parse(r.body.substr(at + 6, end == std::string::npos ? end : end - at - 6),
                           nullptr, false);
    }
    return Json::parse(r.body, nullptr, false);
}

}  // namespace mcpsim::bench
