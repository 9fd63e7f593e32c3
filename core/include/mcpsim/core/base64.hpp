#pragma once
// Standard base64 (RFC 4648, with padding), as Kubernetes uses for Secret data.
#include <optional>
#include <string>
#include <string_view>

namespace mcpsim::core {

std::string base64Encode(std::string_view bytes);
// nullopt when the text is not valid padded base64.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace mcpsim::core
