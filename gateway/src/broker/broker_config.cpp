#include "broker_config.hpp"

#include <algorithm>
#include <cctype>

#include "mcpsim/core/json.hpp"
#include "mcpsim/core/yaml.hpp"

namespace mcpsim::gateway::broker {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// A mapping's value by key, compared case-insensitively (viper lower-cases every key).
const Json* field(const Json& map, const std::string& key) {
    if (!map.is_object()) return nullptr;
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (lower(it.key()) == lower(key)) return &it.value();
    }
    return nullptr;
}

std::string scalarText(const Json* v) {
    if (!v || v->is_null()) return "";
    if (v->is_string()) return v->get<std::string>();
    if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
    return v->dump();
}

}  // namespace

std::variant<BrokerConfig, std::string> parseBrokerConfig(const std::string& yaml) {
    Json doc;
    try {
        doc = core::parseYaml(yaml);
    } catch (const core::YamlError& e) {
        return std::string("While parsing config: ") + e.what();
    }
    BrokerConfig config;
    if (doc.is_null()) return config;
    if (!doc.is_object()) return std::string("While parsing config: not a mapping");
    if (const Json* servers = field(doc, "servers"); servers && !servers->is_null()) {
        if (!servers->is_array()) return std::string("servers: expected a list");
        for (const auto& s : *servers) {
            if (!s.is_object()) return std::string("servers: expected a list of mappings");
            ServerConfig sc;
            sc.name = scalarText(field(s, "name"));
            sc.url = scalarText(field(s, "url"));
            sc.hostname = scalarText(field(s, "hostname"));
            sc.toolPrefix = scalarText(field(s, "toolPrefix"));
            sc.credential = scalarText(field(s, "credential"));
            const Json* enabled = field(s, "enabled");
            sc.enabled = !enabled || !enabled->is_boolean() || enabled->get<bool>();
            config.servers.push_back(std::move(sc));
        }
    }
    if (const Json* vss = field(doc, "virtualServers"); vss && !vss->is_null()) {
        if (!vss->is_array()) return std::string("virtualServers: expected a list");
        for (const auto& vs : *vss) {
            std::vector<std::string> tools;
            if (const Json* t = field(vs, "tools"); t && t->is_array()) {
                for (const auto& name : *t) tools.push_back(scalarText(&name));
            }
            config.virtualServers.emplace_back(scalarText(field(vs, "name")), std::move(tools));
        }
    }
    return config;
}

std::string urlPath(const std::string& url) {
    const auto scheme = url.find("://");
    const auto start = scheme == std::string::npos ? 0 : scheme + 3;
    const auto slash = url.find('/', start);
    if (slash == std::string::npos) return "/";
    const auto query = url.find('?', slash);
    return url.substr(slash, query == std::string::npos ? std::string::npos : query - slash);
}

std::string urlHostPort(const std::string& url) {
    const auto scheme = url.find("://");
    const std::string proto = scheme == std::string::npos ? "http" : url.substr(0, scheme);
    const auto start = scheme == std::string::npos ? 0 : scheme + 3;
    const auto end = url.find_first_of("/?#", start);
    std::string host =
        url.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const bool bracketed = !host.empty() && host[0] == '[';
    const auto colon = host.rfind(':');
    const bool hasPort = colon != std::string::npos && (!bracketed || colon > host.find(']'));
    if (!hasPort) host += proto == "https" ? ":443" : ":80";
    return host;
}

}  // namespace mcpsim::gateway::broker
