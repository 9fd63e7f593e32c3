#include "mcpsim/core/mcp/jsonrpc.hpp"

namespace mcpsim::core::mcp {

Json makeRequest(const Json& id, const std::string& method, Json params) {
    Json m = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
    if (!params.is_null()) m["params"] = std::move(params);
    return m;
}

Json makeNotification(const std::string& method, Json params) {
    Json m = {{"jsonrpc", "2.0"}, {"method", method}};
    if (!params.is_null()) m["params"] = std::move(params);
    return m;
}

Json makeResult(const Json& id, Json result) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Json makeError(const Json& id, int code, const std::string& message, Json data) {
    Json err = {{"code", code}, {"message", message}};
    if (!data.is_null()) err["data"] = std::move(data);
    return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
}

MessageKind classify(const Json& m) {
    if (!m.is_object() || m.value("jsonrpc", Json()) != "2.0") return MessageKind::Invalid;
    const bool hasId = m.contains("id") && (m["id"].is_string() || m["id"].is_number_integer());
    if (m.contains("method")) {
        if (!m["method"].is_string()) return MessageKind::Invalid;
        if (m.contains("id")) return hasId ? MessageKind::Request : MessageKind::Invalid;
        return MessageKind::Notification;
    }
    if ((m.contains("result") || m.contains("error")) && m.contains("id"))
        return MessageKind::Response;
    return MessageKind::Invalid;
}

bool supportedVersion(const std::string& version) {
    for (const char* v : kSupportedVersions) {
        if (version == v) return true;
    }
    return false;
}

std::string supportedVersionsText() {
    std::string out;
    for (const char* v : kSupportedVersions) out += (out.empty() ? "" : ", ") + std::string(v);
    return out;
}

}  // namespace mcpsim::core::mcp
