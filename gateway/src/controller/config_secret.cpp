#include "config_secret.hpp"

#include <unordered_map>

#include "../kinds.hpp"
#include "mcpsim/core/go_format.hpp"
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
    if (!config.is_object()) {
        throw std::runtime_error("failed to unmarshal broker config: not a mapping");
    }
    if (!config.contains("servers") || config["servers"].is_null()) {
        config["servers"] = Json::array();
    }
    // The shapes the reference's typed unmarshal rejects (and our edits would trip over).
    auto fail = [](const std::string& why) {
        return std::runtime_error("failed to unmarshal broker config: " + why);
    };
    if (!config["servers"].is_array()) throw fail("servers is not a list");
    for (auto& server : config["servers"]) {
        if (!server.is_object()) throw fail("a servers entry is not a mapping");
        for (const char* key : {"name", "url", "hostname", "toolPrefix", "credential"}) {
            if (server.contains(key) && server[key].is_null()) server.erase(key);  // zero value
            if (server.contains(key) && !server[key].is_string()) {
                throw fail(std::string("servers.") + key + " is not a string");
            }
        }
    }
    const Json vs = config.value("virtualServers", Json());
    if (!vs.is_null() && !vs.is_array()) throw fail("virtualServers is not a list");
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

namespace {
// data.config.yaml as stored (base64), or "" when absent; by reference, as it may be large.
const std::string& storedText(const Json& secret) {
    static const std::string kNone;
    auto data = secret.find("data");
    if (data == secret.end() || !data->is_object()) return kNone;
    auto field = data->find(kConfigKey);
    return field != data->end() && field->is_string() ? field->get_ref<const std::string&>()
                                                      : kNone;
}
}  // namespace

ConfigSecret::Parsed& ConfigSecret::cachedConfig(const core::kube::ObjectKey& key,
                                                 const Json& secret) {
    // Compared in place: the stored text is as large as the config.
    const std::string* encoded = &storedText(secret);
    auto it = parsed_.find(key);
    if (it == parsed_.end() || it->second.encoded != *encoded) {
        Json config = parse(configText(secret));
        it = parsed_.insert_or_assign(key, Parsed{*encoded, std::move(config)}).first;
    }
    return it->second;
}

ConfigSecret::Error ConfigSecret::modify(const std::string& ns, const Change& change) {
    return modify({ns, kConfigSecretName}, true, change);
}

ConfigSecret::Error ConfigSecret::modify(const core::kube::ObjectKey& key, bool create,
                                         const Change& change) {
    for (int attempt = 0; attempt < 4; ++attempt) {
        log_.info("SecretReaderWriter readOrCreateConfigSecret", {{"namespace", key.ns}});
        auto got = client_.get(kinds::kSecret, key);
        if (got.isNotFound() && create) {
            auto created = client_.create(newSecret(key.ns));
            if (!created.ok() && created.error().reason != "AlreadyExists") {
                return "failed to create config secret: " + created.error().message;
            }
            got = client_.get(kinds::kSecret, key);
        }
        if (!got.ok()) return "failed to get config secret: " + got.error().message;
        Json secret = std::move(got.value());
        Parsed* parsed = nullptr;
        try {
            parsed = &cachedConfig(key, secret);
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        Json* config = &parsed->config;
        std::string raw;  // a Raw change sets it; a Config change is rendered below
        const Write write = change(*config, raw);
        parsed->firstByName.reset();  // the change may have edited the config in place
        if (write == Write::None) return std::nullopt;
        if (write == Write::Config) raw = render(*config);
        secret["stringData"] = {{kConfigKey, std::move(raw)}};
        auto updated = client_.update(secret);
        if (updated.ok()) {
            // The cache now describes what was written (a raw write is re-parsed when read).
            const std::string stored =
                updated.value().value("/data/config.yaml"_json_pointer, std::string());
            if (write == Write::Config && !stored.empty()) {
                parsed_[key].encoded = stored;
            } else {
                parsed_.erase(key);
            }
            return std::nullopt;
        }
        parsed_.erase(key);  // the in-place edit did not land
        if (!updated.isConflict()) {
            return "failed to update config secret: " + updated.error().message;
        }
    }
    return "failed to update config secret: conflict persisted after retries";
}

ConfigSecret::Error ConfigSecret::ensureExists(const std::string& ns) {
    flushStaged();
    return modify(ns, [](Json&, std::string&) { return Write::None; });
}

ConfigSecret::Error ConfigSecret::writeEmpty(const std::string& ns) {
    flushStaged();
    return modify(ns, [](Json&, std::string& raw) {
        raw = kEmptyConfig;
        return Write::Raw;
    });
}

namespace {
// A string field compared in place (no copy per entry of a large config).
bool fieldIs(const Json& object, const char* key, const std::string& value) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() && it->get_ref<const std::string&>() == value;
}

// Replaces each server with the entry's name in place, else appends it; false when the config
// already says exactly this. The reference writes even then, which the API server treats as a
// no-op; skipping the write is indistinguishable and saves a render.
bool mergeEntry(Json& config, const Json& entry) {
    const std::string name = entry.value("name", "");
    bool found = false, changed = false;
    for (auto& s : config["servers"]) {
        if (!fieldIs(s, "name", name)) continue;
        found = true;
        if (s != entry) {
            s = entry;
            changed = true;
        }
    }
    if (!found) config["servers"].push_back(entry);
    return changed || !found;
}

// mergeEntry for a burst of entries, with the servers indexed by name once rather than
// searched once per entry.
bool mergeEntries(Json& config, const std::vector<Json>& entries) {
    Json& servers = config["servers"];
    std::unordered_map<std::string, std::vector<std::size_t>> byName;
    for (std::size_t i = 0; i < servers.size(); ++i) {
        const Json& s = servers[i];
        if (!s.is_object()) continue;
        auto name = s.find("name");
        if (name != s.end() && name->is_string())
            byName[name->get_ref<const std::string&>()].push_back(i);
    }
    bool changed = false;
    for (const auto& entry : entries) {
        const std::string name = entry.value("name", "");
        auto at = byName.find(name);
        if (at == byName.end()) {
            byName[name].push_back(servers.size());
            servers.push_back(entry);
            changed = true;
            continue;
        }
        for (std::size_t i : at->second) {
            if (servers[i] != entry) {
                servers[i] = entry;
                changed = true;
            }
        }
    }
    return changed;
}
}  // namespace

bool ConfigSecret::holds(const std::string& ns, const Json& entry) const {
    auto it = parsed_.find({ns, kConfigSecretName});
    if (it == parsed_.end()) return false;
    auto servers = it->second.config.find("servers");
    if (servers == it->second.config.end() || !servers->is_array()) return false;
    const Parsed& parsed = it->second;
    if (!parsed.firstByName) {
        parsed.firstByName.emplace();
        for (std::size_t i = 0; i < servers->size(); ++i) {
            const Json& server = (*servers)[i];
            if (!server.is_object()) continue;
            auto name = server.find("name");
            if (name != server.end() && name->is_string())
                parsed.firstByName->emplace(name->get_ref<const std::string&>(), i);
        }
    }
    auto found = parsed.firstByName->find(entry.value("name", ""));
    return found != parsed.firstByName->end() && (*servers)[found->second] == entry;
}

void ConfigSecret::observe(const Json& secret, bool deleted) {
    auto it = parsed_.find(core::kube::ObjectKey::ofObject(secret));
    if (it == parsed_.end()) return;
    if (deleted || storedText(secret) != it->second.encoded) parsed_.erase(it);
}

ConfigSecret::Error ConfigSecret::upsert(const std::string& ns, const Json& entry) {
    flushStaged();
    return modify(ns, [&entry](Json& config, std::string&) {
        return mergeEntry(config, entry) ? Write::Config : Write::None;
    });
}

void ConfigSecret::stage(const std::string& ns, const Json& entry) {
    staged_[ns].push_back(entry);
    stagedNames_.insert(entry.value("name", ""));
}

ConfigSecret::Error ConfigSecret::flushStaged() {
    Error first;
    // Taken first: a failure callback may stage again.
    auto staged = std::move(staged_);
    staged_.clear();
    stagedNames_.clear();
    for (const auto& [ns, batch] : staged) {
        const std::vector<Json>& entries = batch;  // a structured binding cannot be captured
        auto err = modify(ns, [&entries](Json& config, std::string&) {
            return mergeEntries(config, entries) ? Write::Config : Write::None;
        });
        if (!err) continue;
        if (!first) first = err;
        if (onStagedWriteFailed) {
            std::vector<std::string> names;
            for (const auto& entry : entries) names.push_back(entry.value("name", ""));
            onStagedWriteFailed(names);
        }
    }
    return first;
}

ConfigSecret::Error ConfigSecret::remove(const std::string& serverName) {
    flushStaged();
    auto list = client_.list(kinds::kSecret, {"", "mcp.kagenti.com/aggregated=true", ""});
    if (!list.ok()) return "failed to list config secrets: " + list.error().message;
    Error last;
    for (const auto& secret : list.value()["items"]) {
        Json config;
        try {
            config = parse(configText(secret));
        } catch (const std::exception& e) {
            last = e.what();
            continue;
        }
        bool present = false;
        for (const auto& s : config["servers"]) {
            present = present || s.value("name", "") == serverName;
        }
        if (!present) continue;
        // The Secret itself, whatever its name: any labelled Secret may carry entries.
        const core::kube::ObjectKey key = core::kube::ObjectKey::ofObject(secret);
        if (auto err = modify(key, false, [&serverName](Json& c, std::string&) {
                Json kept = Json::array();
                for (auto& s : c["servers"]) {
                    if (s.value("name", "") != serverName) kept.push_back(s);
                }
                c["servers"] = kept;
                return Write::Config;
            })) {
            last = err;
        }
    }
    return last;
}

ConfigSecret::Error ConfigSecret::writeVirtualServers(const Json& virtualServers) {
    flushStaged();
    return modify(kVirtualServerNamespace, [&virtualServers](Json& config, std::string&) {
        config["virtualServers"] = virtualServers;
        return Write::Config;
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
