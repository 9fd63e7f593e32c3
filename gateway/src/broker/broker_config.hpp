#pragma once
// The broker's view of the mcp-gateway-config file (spec/broker.md section 2): upstream servers
// and virtual servers. Keys are matched case-insensitively, as viper reads them.
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace mcpsim::gateway::broker {

struct ServerConfig {
    std::string name;      // namespace/name of the MCPServerRegistration
    std::string url;       // direct upstream URL (discovery)
    std::string hostname;  // routing host of the upstream's HTTPRoute (tools/call)
    std::string toolPrefix;
    std::string credential;  // full Authorization header value
    bool enabled = true;     // parsed and ignored, as the reference does

    // <name>:<toolPrefix>:<hostname>
    std::string id() const { return name + ":" + toolPrefix + ":" + hostname; }
    bool operator==(const ServerConfig&) const = default;
};

// A served tool as the router routes it: the server owning it, its name upstream and the
// x-mcp-annotation-hints of its definition.
struct RoutedTool {
    ServerConfig server;
    std::string upstreamName;
    std::string annotationHints;
};

struct BrokerConfig {
    std::vector<ServerConfig> servers;
    std::vector<std::pair<std::string, std::vector<std::string>>> virtualServers;
};

// The parsed file, or why it cannot be read.
std::variant<BrokerConfig, std::string> parseBrokerConfig(const std::string& yaml);

// The path part of a URL ("/mcp" for http://host:9090/mcp; "/" when it has none).
std::string urlPath(const std::string& url);
// host:port of an http(s) URL, with the scheme's default port when none is given.
std::string urlHostPort(const std::string& url);

}  // namespace mcpsim::gateway::broker
