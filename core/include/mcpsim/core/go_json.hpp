#pragma once
// Go's encoding/json syntax errors, word for word. The real API server reports malformed bodies
// with these texts, so clients (and users reading kubectl output) see the same message here.
#include <optional>
#include <string>
#include <string_view>

namespace mcpsim::core {

// nullopt when text is valid JSON; else e.g. "invalid character 'x' looking for beginning of
// value" or "unexpected end of JSON input".
std::optional<std::string> goJsonSyntaxError(std::string_view text);

}  // namespace mcpsim::core
