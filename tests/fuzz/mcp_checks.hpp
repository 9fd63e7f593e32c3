#pragma once
// What every answer of an MCP Streamable HTTP endpoint must look like, whatever it was sent.
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "mcpsim/core/go_json.hpp"
#include "mcpsim/core/http/message.hpp"

namespace mcpsim::fuzz {

// A string member, "" when missing or of another type (Json::value would throw on the latter).
inline std::string member(const Json& object, const char* key) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The JSON-RPC messages of an answer: its JSON body, or the `data:` payloads of an SSE body.
inline std::vector<Json> mcpMessages(const core::http::Response& r, const std::string& what) {
    std::vector<Json> out;
    const std::string type = r.headers.value("Content-Type");
    if (r.body.empty()) return out;
    if (type.rfind("text/event-stream", 0) == 0) {
        std::size_t at = 0;
        while (at < r.body.size()) {
            auto eol = r.body.find('\n', at);
            if (eol == std::string::npos) eol = r.body.size();
            const std::string line = r.body.substr(at, eol - at);
            if (line.rfind("data: ", 0) == 0) {
                Json m = Json::parse(line.substr(6), nullptr, false);
                FUZZ_CHECK(!m.is_discarded(), what + ": SSE event is not JSON: " + line);
                out.push_back(std::move(m));
            }
            at = eol + 1;
        }
        return out;
    }
    if (type.rfind("application/json", 0) != 0) return out;  // plain-text transport errors
    Json m = Json::parse(r.body, nullptr, false);
    FUZZ_CHECK(!m.is_discarded(), what + ": JSON answer does not parse: " + r.body);
    if (m.is_array())
        for (auto& e : m) out.push_back(e);
    else
        out.push_back(std::move(m));
    return out;
}

// `request` is the body that was POSTed. Never a server error; every message is JSON-RPC 2.0;
// unparseable JSON gets -32700; a well-formed request answered 200 gets a response with its id.
inline void checkMcpAnswer(const std::string& request, const core::http::Response& r,
                           const std::string& what) {
    FUZZ_CHECK(r.status < 500, what + " answered " + std::to_string(r.status) + ": " + r.body);
    const auto messages = mcpMessages(r, what);
    bool sawParseError = false;
    for (const Json& m : messages) {
        FUZZ_CHECK(m.is_object() && member(m, "jsonrpc") == "2.0",
                   what + ": not a JSON-RPC 2.0 message: " + m.dump());
        const bool isResult = m.contains("result"), isError = m.contains("error");
        if (!m.contains("method"))
            FUZZ_CHECK(isResult != isError,
                       what + ": response needs result xor error: " + m.dump());
        if (isError) {
            const Json& e = m["error"];
            FUZZ_CHECK(e.is_object() && e["code"].is_number_integer() && e["message"].is_string(),
                       what + ": malformed error object: " + m.dump());
            if (e["code"] == -32700) sawParseError = true;
        }
    }
    // As the servers read it: Go's decoder (and the SDK's UTF-8 decoding) keep bad bytes as U+FFFD.
    const Json sent = core::goJsonDecode(request, false);
    // Transport checks (Accept, Content-Type, session) come first and may answer in plain text;
    // once the body is read as JSON-RPC, unparseable JSON must be a parse error.
    const std::string type = r.headers.value("Content-Type");
    const bool jsonRpcAnswer =
        type.rfind("application/json", 0) == 0 || type.rfind("text/event-stream", 0) == 0;
    if (sent.is_discarded() && jsonRpcAnswer && r.status != 404 && r.status != 406 &&
        r.status != 415)
        FUZZ_CHECK(sawParseError, what + ": invalid JSON without a -32700 error: " + r.body);
    const bool wellFormed = sent.is_object() && member(sent, "jsonrpc") == "2.0" &&
                            sent.contains("method") && sent["method"].is_string() &&
                            sent.contains("id") &&
                            (sent["id"].is_string() || sent["id"].is_number_integer());
    if (wellFormed && r.status == 200) {
        bool answered = false;
        for (const Json& m : messages)
            if (!m.contains("method") && m.contains("id") && m["id"] == sent["id"]) answered = true;
        FUZZ_CHECK(answered,
                   what + ": request id " + sent["id"].dump() + " not answered: " + r.body);
    }
}

}  // namespace mcpsim::fuzz
