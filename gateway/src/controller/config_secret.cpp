#include "config_secret.hpp"

#include "../kinds.hpp"
#include "mcpsim/core/base64.hpp"
#include "mcpsim/core/yaml.hpp"

namespace mcpsim::gateway {

namespace {

Json newSecret(const std::string& ns) {
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata",
             {{"name", kConfigSecretName},
              {"namespace", ns},
              {"labels", {{"app", "mcp-gateway"}, {"mcp.kagenti.com/aggregated", "true"}}}}},
            {"type", "Opaque"},
            {"stringData", {{kConfigKey, kEmptyConfig}}}};
}

std::string configText(const Json& secret) {
    auto encoded = secret.value("/data/config.yaml"_json_pointer, std::string());
    return core::base64Decode(encoded).value_or("");
}

}  // namespace

ConfigSecret::ConfigSecret(core::kube::Client& client, core::Logger log)
    : client_(client), log_(std::move(log)) {}

Json ConfigSecret::parse(const std::string& yaml) {
    Json config;
    try {
        config = core::parseYaml(yaml);
    } catch (const core::YamlError& e) {
        throw std::runtime_error(std::string("failed to unmarshal broker config: ") + e.what());
    }
    if (config.is_null()) config = Json::object();
    if (!config.is_object()) throw std::runtime_error("failed to unmarshal broker config: not a mapping");
    if (!config.contains("servers") || config["servers"].is_null()) config["servers"] = Json::array();
    return config;
}

std::string ConfigSecret::render(const Json& config) {
    Json out = Json::object();
    out["servers"] = config.value("servers", Json::array());
    if (out["servers"].is_null()) out["servers"] = Json::array();
    Json vs = config.value("virtualServers", Json::array());
    if (vs.is_array() && !vs.empty()) out["virtualServers"] = vs;
    return core::toYaml(out);
}

ConfigSecret::Error ConfigSecret::modify(const std::string& ns,
                                         const std::function<bool(Json&, std::string&)>& change) {
    for (int attempt = 0; attempt < 4; ++attempt) {
        log_.debug("SecretReaderWriter readOrCreateConfigSecret", {{"namespace", ns}});
        auto got = client_.get(kinds::kSecret, {ns, kConfigSecretName});
        if (got.isNotFound()) {
            auto created = client_.create(newSecret(ns));
            if (!created.ok() && created.error().reason != "AlreadyExists") {
                return "failed to create config secret: " + created.error().message;
            }
            got = client_.get(kinds::kSecret, {ns, kConfigSecretName});
        }
        if (!got.ok()) return "failed to get config secret: " + got.error().message;
        Json secret = got.value();
        std::string raw = configText(secret);
        Json config;
        try {
            config = parse(raw);
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        if (!change(config, raw)) return std::nullopt;
        secret["stringData"] = {{kConfigKey, raw}};
        auto updated = client_.update(secret);
        if (updated.ok()) return std::nullopt;
        if (!updated.isConflict()) return "failed to update config secret: " + updated.error().message;
    }
    return "failed to update config secret: conflict persisted after retries";
}

ConfigSecret::Error ConfigSecret::ensureExists(const std::string& ns) {
    return modify(ns, [](Json&, std::string&) { return false; });
}

ConfigSecret::Error ConfigSecret::writeEmpty(const std::string& ns) {
    return modify(ns, [](Json&, std::string& raw) {
        raw = kEmptyConfig;
        return true;
    });
}

ConfigSecret::Error ConfigSecret::upsert(const std::string& ns, const Json& entry) {
    return modify(ns, [&entry](Json& config, std::string& raw) {
        bool replaced = false;
        for (auto& s : config["servers"]) {
            if (s.value("name", "") == entry.value("name", "")) {
                s = entry;
                replaced = true;
            }
        }
        if (!replaced) config["servers"].push_back(entry);
        // The reference writes even when nothing changed; the server then keeps the version.
        raw = render(config);
        return true;
    });
}

ConfigSecret::Error ConfigSecret::remove(const std::string& serverName) {
    auto list = client_.list(kinds::kSecret, {"", "mcp.kagenti.com/aggregated=true", ""});
    if (!list.ok()) return "failed to list config secrets: " + list.error().message;
    Error last;
    for (const auto& secret : list.value()["items"]) {
        const std::string ns = secret["metadata"].value("namespace", "");
        Json config;
        try {
            config = parse(configText(secret));
        } catch (const std::exception& e) {
            last = e.what();
            continue;
        }
        bool present = false;
        for (const auto& s : config["servers"]) present = present || s.value("name", "") == serverName;
        if (!present) continue;
        if (auto err = modify(ns, [&serverName](Json& c, std::string& raw) {
                Json kept = Json::array();
                for (auto& s : c["servers"]) {
                    if (s.value("name", "") != serverName) kept.push_back(s);
                }
                c["servers"] = kept;
                raw = render(c);
                return true;
            })) {
            last = err;
        }
    }
    return last;
}

ConfigSecret::Error ConfigSecret::writeVirtualServers(const Json& virtualServers) {
    return modify(kVirtualServerNamespace, [&virtualServers](Json& config, std::string& raw) {
        config["virtualServers"] = virtualServers;
        raw = render(config);
        return true;
    });
}

std::optional<Json> ConfigSecret::read(const std::string& ns) {
    auto got = client_.get(kinds::kSecret, {ns, kConfigSecretName});
    if (!got.ok()) return std::nullopt;
    try {
        return parse(configText(got.value()));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace mcpsim::gateway
