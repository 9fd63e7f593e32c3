#pragma once
// An upstream tool as the reference broker serves it: re-serialised through mcp-go's Tool model
// (spec/broker.md section 8.1), which keeps only the fields it knows, in its own order.
#include <string>

#include "mcpsim/core/json.hpp"

namespace mcpsim::gateway::broker {

using OrderedJson = nlohmann::ordered_json;

// The tool under its served name. `keepUpstreamMeta`: carry the upstream's own _meta (the
// x-authorized-tools path); otherwise _meta is the gateway's, emptied before it is sent.
OrderedJson servedTool(const Json& upstream, const std::string& servedName, bool keepUpstreamMeta);
// The x-mcp-annotation-hints header value for a tool.
std::string annotationHints(const Json& upstream);

}  // namespace mcpsim::gateway::broker
