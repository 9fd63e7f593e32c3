#pragma once
// Applying manifests through a Client, for bootstrapping worlds and for tests: each document is
// created, or replaces the live object (keeping its resourceVersion), in order. A document's
// `status` is then written through the status subresource, as a controller would have.
#include <string_view>
#include <vector>

#include "mcpsim/core/kube/client.hpp"

namespace mcpsim::core::kube {

// Stops at the first failure; the error names the document ("MCPServerRegistration mcp-test/x").
Result<std::vector<Json>> applyDocuments(Client& client, const std::vector<Json>& documents,
                                         const WriteOptions& options = {});
// Parses a YAML stream first; a parse error is a 400 BadRequest.
Result<std::vector<Json>> applyYaml(Client& client, std::string_view yaml,
                                    const WriteOptions& options = {});

}  // namespace mcpsim::core::kube
