#pragma once
// Go's strconv.Quote (what fmt's %q prints for a string). Kubernetes and the upstream MCP servers
// embed %q-quoted values in their error texts; mcpsim reproduces them with this.
#include <optional>
#include <string>
#include <string_view>

namespace mcpsim::core {

// Escapes quotes, backslashes and control bytes (\a \b \f \n \r \t \v, others as \xNN);
// printable ASCII and UTF-8 pass through.
std::string goQuote(std::string_view text);

// The byte a one-letter backslash escape stands for in Go, CEL and JSONPath string literals
// (\a \b \f \n \r \t \v \\); nullopt for any other letter.
std::optional<char> goSimpleEscape(char letter);

}  // namespace mcpsim::core
