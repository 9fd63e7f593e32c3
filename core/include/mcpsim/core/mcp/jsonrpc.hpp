#pragma once
// JSON-RPC 2.0 message helpers and the MCP error codes.
#include <string>

#include "mcpsim/core/json.hpp"

namespace mcpsim::core::mcp {

namespace codes {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kServerError = -32000;  // transport-level errors of the Streamable HTTP spec
inline constexpr int kSessionNotFound = -32001;
}  // namespace codes

Json makeRequest(const Json& id, const std::string& method, Json params);
Json makeNotification(const std::string& method, Json params);
Json makeResult(const Json& id, Json result);
Json makeError(const Json& id, int code, const std::string& message, Json data = nullptr);

enum class MessageKind { Request, Notification, Response, Invalid };
// Classifies one JSON-RPC message (not a batch).
MessageKind classify(const Json& message);

// Protocol versions this implementation speaks, newest first.
inline constexpr const char* kSupportedVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                     "2024-11-05", "2024-10-07"};
inline constexpr const char* kLatestVersion = "2025-06-18";
bool supportedVersion(const std::string& version);
std::string supportedVersionsText();  // "2025-11-25, 2025-06-18, ..."

}  // namespace mcpsim::core::mcp
