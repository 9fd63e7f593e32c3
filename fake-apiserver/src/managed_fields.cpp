#include "managed_fields.hpp"

#include <set>
#include <vector>

#include "mcpsim/core/kube/api_error.hpp"
#include "mcpsim/core/go_json.hpp"
#include "mcpsim/core/yaml.hpp"
#include "patch.hpp"

namespace mcpsim::apiserver {

using core::kube::ApiException;

namespace {

using Path = std::vector<std::string>;

// Leaf paths of a value: scalars, arrays and empty objects are leaves.
void leaves(const Json& v, Path& prefix, std::set<Path>& out) {
    if (v.is_object() && !v.empty()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            prefix.push_back(it.key());
            leaves(it.value(), prefix, out);
            prefix.pop_back();
        }
        return;
    }
    out.insert(prefix);
}

std::set<Path> leafSet(const Json& obj, bool skipIdentity) {
    std::set<Path> out;
    Path prefix;
    if (!obj.is_object()) return out;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        if (it.key() == "apiVersion" || it.key() == "kind") continue;
        if (it.key() == "metadata") {
            // Only the user-owned parts of metadata are tracked.
            for (const char* k : {"labels", "annotations", "finalizers", "ownerReferences"}) {
                if (!it->contains(k)) continue;
                prefix = {"metadata", k};
                leaves((*it)[k], prefix, out);
            }
            (void)skipIdentity;
            continue;
        }
        prefix = {it.key()};
        leaves(it.value(), prefix, out);
    }
    return out;
}

const Json* lookup(const Json& v, const Path& p) {
    const Json* cur = &v;
    for (const auto& k : p) {
        if (!cur->is_object()) return nullptr;
        auto it = cur->find(k);
        if (it == cur->end()) return nullptr;
        cur = &*it;
    }
    return cur;
}

Json toFieldsV1(const std::set<Path>& paths) {
    Json out = Json::object();
    for (const auto& p : paths) {
        Json* cur = &out;
        for (const auto& k : p) cur = &(*cur)["f:" + k];
        if (cur->is_null()) *cur = Json::object();
    }
    return out;
}

void fromFieldsV1(const Json& f, Path& prefix, std::set<Path>& out) {
    bool any = false;
    for (auto it = f.begin(); f.is_object() && it != f.end(); ++it) {
        if (it.key().rfind("f:", 0) != 0) continue;
        any = true;
        prefix.push_back(it.key().substr(2));
        fromFieldsV1(it.value(), prefix, out);
        prefix.pop_back();
    }
    if (!any && !prefix.empty()) out.insert(prefix);
}

std::set<Path> setOf(const Json& fieldsV1) {
    std::set<Path> out;
    Path prefix;
    fromFieldsV1(fieldsV1, prefix, out);
    return out;
}

bool within(const Path& p, const Path& prefix) {
    return p.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), p.begin());
}

std::string dotted(const Path& p) {
    std::string s;
    for (const auto& k : p) s += "." + k;
    return s;
}

void erasePath(Json& v, const Path& p) {
    if (p.empty()) return;
    Json* cur = &v;
    std::vector<Json*> chain;
    for (std::size_t i = 0; i + 1 < p.size(); ++i) {
        if (!cur->is_object() || !cur->contains(p[i])) return;
        chain.push_back(cur);
        cur = &(*cur)[p[i]];
    }
    if (cur->is_object()) cur->erase(p.back());
    // Drop parents left empty by the removal.
    for (std::size_t i = chain.size(); i-- > 0;) {
        Json& parent = *chain[i];
        if (parent[p[i]].is_object() && parent[p[i]].empty()) {
            parent.erase(p[i]);
        } else {
            break;
        }
    }
}

Json mergeApply(const Json& live, const Json& config, const std::string& path,
                const ResourceType& type, const MergeKeyLookup& builtinKeys) {
    if (!config.is_object() || !live.is_object()) {
        if (config.is_array() && live.is_array()) {
            std::vector<std::string> keys;
            if (type.crd) {
                keys = type.storageVersion().schema.listMapKeys(path);
            } else if (auto k = builtinKeys(path); k && !k->empty()) {
                keys = {*k};
            }
            if (keys.empty()) return config;
            Json out = live;
            for (const auto& item : config) {
                bool merged = false;
                for (auto& existing : out) {
                    bool same = existing.is_object() && item.is_object();
                    for (const auto& k : keys) {
                        if (!same) break;
                        same = existing.value(k, Json()) == item.value(k, Json());
                    }
                    if (same) {
                        existing = mergeApply(existing, item, path, type, builtinKeys);
                        merged = true;
                        break;
                    }
                }
                if (!merged) out.push_back(item);
            }
            return out;
        }
        return config;
    }
    Json out = live;
    for (auto it = config.begin(); it != config.end(); ++it) {
        const std::string child = path.empty() ? it.key() : path + "." + it.key();
        out[it.key()] = out.contains(it.key())
                            ? mergeApply(out[it.key()], it.value(), child, type, builtinKeys)
                            : it.value();
    }
    return out;
}

}  // namespace

void recordManagedFields(Json& object, const Json* old, const std::string& manager,
                         const std::string& operation, const std::string& apiVersion,
                         const std::string& time, const std::string& subresource) {
    std::set<Path> now = leafSet(object, true);
    std::set<Path> changed;
    if (!old) {
        changed = now;
    } else {
        std::set<Path> before = leafSet(*old, true);
        for (const auto& p : now) {
            const Json* a = lookup(object, p);
            const Json* b = lookup(*old, p);
            if (!b || *a != *b) changed.insert(p);
        }
        (void)before;
    }
    Json& md = object["metadata"];
    Json entries = md.value("managedFields", Json::array());
    Json result = Json::array();
    bool found = false;
    for (auto& e : entries) {
        std::set<Path> owned = setOf(e.value("fieldsV1", Json::object()));
        const bool mine = e.value("manager", "") == manager &&
                          e.value("operation", "") == operation &&
                          e.value("subresource", "") == subresource;
        std::set<Path> kept;
        for (const auto& p : owned) {
            if (!lookup(object, p)) continue;  // field gone: nobody owns it
            if (!mine && changed.count(p)) continue;
            kept.insert(p);
        }
        if (mine) {
            found = true;
            kept.insert(changed.begin(), changed.end());
            if (!changed.empty()) e["time"] = time;
            e["apiVersion"] = apiVersion;
        }
        if (kept.empty()) continue;
        e["fieldsV1"] = toFieldsV1(kept);
        result.push_back(e);
    }
    if (!found && !changed.empty()) {
        Json e = {{"manager", manager},       {"operation", operation},
                  {"apiVersion", apiVersion}, {"time", time},
                  {"fieldsType", "FieldsV1"}, {"fieldsV1", toFieldsV1(changed)}};
        if (!subresource.empty()) e["subresource"] = subresource;
        result.push_back(e);
    }
    if (result.empty()) {
        md.erase("managedFields");
    } else {
        md["managedFields"] = std::move(result);
    }
}

Json decodeApplyConfiguration(std::string_view body) {
    Json config;
    try {
        config = core::goJsonDecode(body);
    } catch (const Json::parse_error&) {
        try {
            config = core::parseYaml(body);
        } catch (const core::YamlError& e) {
            throw ApiException(
                core::kube::badRequest(std::string("error decoding YAML: ") + e.what()));
        }
    }
    if (!config.is_object()) {
        throw ApiException(core::kube::badRequest(
            "error decoding YAML: the apply configuration must be an object"));
    }
    return config;
}

Json applyFieldSet(const Json& config) {
    return toFieldsV1(leafSet(config, true));
}

bool setApplyOwnership(Json& object, const std::string& manager, const std::string& apiVersion,
                       const std::string& time, const Json& fieldSet,
                       const std::string& subresource) {
    Json& md = object["metadata"];
    Json entries = md.value("managedFields", Json::array());
    std::set<Path> applied = setOf(fieldSet);
    Json result = Json::array();
    bool changed = false;
    bool found = false;
    for (auto& e : entries) {
        const bool mine = e.value("manager", "") == manager &&
                          e.value("operation", "") == "Apply" &&
                          e.value("subresource", "") == subresource;
        if (mine) {
            found = true;
            if (e.value("fieldsV1", Json()) != fieldSet) {
                e["fieldsV1"] = fieldSet;
                e["time"] = time;
                changed = true;
            }
            result.push_back(e);
            continue;
        }
        if (e.value("manager", "") == manager) {
            // The applier's earlier Update ownership of these fields moves to its Apply entry.
            std::set<Path> owned = setOf(e.value("fieldsV1", Json::object()));
            std::set<Path> kept;
            for (const auto& p : owned) {
                if (!applied.count(p)) kept.insert(p);
            }
            if (kept.size() != owned.size()) changed = true;
            if (kept.empty()) continue;
            e["fieldsV1"] = toFieldsV1(kept);
        }
        result.push_back(e);
    }
    if (!found && !applied.empty()) {
        Json e = {{"manager", manager}, {"operation", "Apply"},     {"apiVersion", apiVersion},
                  {"time", time},       {"fieldsType", "FieldsV1"}, {"fieldsV1", fieldSet}};
        if (!subresource.empty()) e["subresource"] = subresource;
        result.push_back(e);
        changed = true;
    }
    md["managedFields"] = std::move(result);
    return changed;
}

Json serverSideApply(const ResourceType& type, const Json& live, const Json& config,
                     const std::string& manager, bool force) {
    std::set<Path> wanted = leafSet(config, true);
    std::set<Path> previous;
    std::vector<std::pair<std::string, std::set<Path>>> others;
    for (const auto& e : live.value("/metadata/managedFields"_json_pointer, Json::array())) {
        std::set<Path> owned = setOf(e.value("fieldsV1", Json::object()));
        if (e.value("manager", "") == manager && e.value("operation", "") == "Apply") {
            previous = owned;
        } else if (e.value("manager", "") != manager) {
            others.emplace_back(e.value("manager", "") + "\x1f" + e.value("apiVersion", ""), owned);
        }
    }
    // Conflicts: a field this apply sets to a different value, owned by another manager.
    std::vector<core::kube::StatusCause> causes;
    std::string firstManager, firstVersion;
    for (const auto& p : wanted) {
        const Json* current = lookup(live, p);
        const Json* desired = lookup(config, p);
        if (!current || *current == *desired) continue;
        for (const auto& [who, owned] : others) {
            bool owns = false;
            for (const auto& o : owned) owns = owns || within(p, o) || within(o, p);
            if (!owns) continue;
            auto sep = who.find('\x1f');
            std::string m = who.substr(0, sep), v = who.substr(sep + 1);
            if (firstManager.empty()) {
                firstManager = m;
                firstVersion = v;
            }
            causes.push_back(
                {"FieldManagerConflict", "conflict with \"" + m + "\" using " + v, dotted(p)});
        }
    }
    if (!causes.empty() && !force) {
        core::kube::ApiError e;
        e.code = 409;
        e.reason = "Conflict";
        e.kind = type.plural;
        e.group = type.group;
        e.name = live.value("/metadata/name"_json_pointer, std::string());
        if (causes.size() == 1) {
            e.message =
                "Apply failed with 1 conflict: " + causes[0].message + ": " + causes[0].field;
        } else {
            e.message = "Apply failed with " + std::to_string(causes.size()) + " conflicts: ";
            for (std::size_t i = 0; i < causes.size(); ++i) {
                e.message += (i ? "\n" : "") + causes[i].message + ": " + causes[i].field;
            }
        }
        e.causes = std::move(causes);
        throw ApiException(e);
    }
    Json result = live;
    for (const auto& p : previous) {
        if (!wanted.count(p) && !(p.size() >= 1 && (p[0] == "apiVersion" || p[0] == "kind"))) {
            erasePath(result, p);
        }
    }
    Json body = config;
    body.erase("apiVersion");
    body.erase("kind");
    if (body.contains("metadata")) {
        Json md = Json::object();
        for (const char* k : {"labels", "annotations", "finalizers", "ownerReferences"}) {
            if (body["metadata"].contains(k)) md[k] = body["metadata"][k];
        }
        body["metadata"] = md;
    }
    return mergeApply(result, body, "", type, builtinMergeKeys());
}

}  // namespace mcpsim::apiserver
