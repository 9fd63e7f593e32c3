#pragma once
// Responses the way Go's net/http writes them, for servers that imitate Go programs.
#include <string>

#include "mcpsim/core/http/message.hpp"

namespace mcpsim::core::http {

// net/http's http.Error: text/plain, nosniff, the message plus a newline.
Response goHttpError(int status, const std::string& message);

}  // namespace mcpsim::core::http
