#pragma once
// Go's encoding/json syntax errors, word for word. The real API server reports malformed bodies
// with these texts, so clients (and users reading kubectl output) see the same message here.
#include <optional>
#include <string>
#include <string_view>

#include "mcpsim/core/json.hpp"

namespace mcpsim::core {

// nullopt when text is valid JSON; else e.g. "invalid character 'x' looking for beginning of
// value" or "unexpected end of JSON input".
std::optional<std::string> goJsonSyntaxError(std::string_view text);

// Decodes JSON from the wire as Go's encoding/json does: a byte of a string that is not UTF-8
// becomes U+FFFD (nlohmann would refuse the whole text). Otherwise as Json::parse: throws
// Json::parse_error, or returns a discarded value when allowExceptions is false.
Json goJsonDecode(std::string_view text, bool allowExceptions = true);

}  // namespace mcpsim::core
