#include "type_registry.hpp"

#include <algorithm>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <tuple>

#include "jsonpath.hpp"
#include "mcpsim/core/kube/api_error.hpp"
#include "mcpsim/core/regex.hpp"
#include "mcpsim/core/yaml.hpp"

namespace mcpsim::apiserver {

using core::kube::ApiException;
using core::kube::StatusCause;

bool ResourceType::hasSubresource(std::string_view s) const {
    return std::find(subresources.begin(), subresources.end(), s) != subresources.end();
}

const VersionSpec* ResourceType::version(std::string_view name) const {
    for (const auto& v : versions) {
        if (v.name == name) return &v;
    }
    return nullptr;
}

const VersionSpec& ResourceType::storageVersion() const {
    for (const auto& v : versions) {
        if (v.storage) return v;
    }
    return versions.front();
}

namespace {

std::vector<std::string> strings(const Json& j, const char* key) {
    std::vector<std::string> out;
    if (auto it = j.find(key); it != j.end() && it->is_array()) {
        for (const auto& s : *it) out.push_back(s.get<std::string>());
    }
    return out;
}

// Orders kube-like versions: v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > anything else.
std::tuple<int, int, int> versionPriority(const std::string& v) {
    static const std::regex re("^v([0-9]+)(?:(alpha|beta)([0-9]+))?$");
    std::smatch m;
    // Bounded: <regex> recurses per character, and stoi must not overflow.
    if (v.size() > 20 || !std::regex_match(v, m, re) || m[1].length() > 9 || m[3].length() > 9) {
        return {0, 0, 0};
    }
    int major = std::stoi(m[1]);
    int stage = !m[2].matched ? 3 : (m[2] == "beta" ? 2 : 1);
    int minor = m[3].matched ? std::stoi(m[3]) : 0;
    return {stage, major, minor};
}

PrinterColumn columnFrom(const Json& c) {
    PrinterColumn col;
    col.name = c.value("name", "");
    col.type = c.value("type", "string");
    col.format = c.value("format", "");
    col.description = c.value("description", "");
    col.jsonPath = c.value("jsonPath", "");
    col.compute = c.value("compute", "");
    col.none = c.value("none", "");
    col.priority = c.value("priority", 0);
    col.zero = c.value("zero", false);
    col.raw = c.value("raw", false);
    return col;
}

}  // namespace

void TypeRegistry::loadBuiltins(std::string_view yaml) {
    for (const Json& doc : core::parseYamlDocumentsOnce(yaml)) {
        if (!doc.contains("types")) continue;
        for (const Json& t : doc["types"]) {
            ResourceType rt;
            rt.group = t.value("group", "");
            rt.kind = t.at("kind").get<std::string>();
            rt.listKind = t.value("listKind", rt.kind + "List");
            rt.plural = t.at("plural").get<std::string>();
            rt.singular = t.value("singular", "");
            rt.namespaced = t.value("namespaced", true);
            rt.shortNames = strings(t, "shortNames");
            rt.categories = strings(t, "categories");
            rt.subresources = strings(t, "subresources");
            rt.generation = t.value("generation", false);
            rt.fieldSelectors = strings(t, "fieldSelectors");
            rt.required = strings(t, "required");
            rt.immutable = strings(t, "immutable");
            rt.hooks = strings(t, "hooks");
            rt.nameFormat = t.value("nameFormat", "dns1123Subdomain");
            rt.nameColumnPriority = t.value("nameColumnPriority", 0);
            if (auto it = t.find("defaults"); it != t.end()) {
                for (const auto& d : *it) rt.defaults.push_back({d.at("path"), d.at("value")});
            }
            VersionSpec v;
            v.name = t.at("version").get<std::string>();
            v.storage = true;
            if (auto it = t.find("columns"); it != t.end()) {
                for (const auto& c : *it) v.columns.push_back(columnFrom(c));
            }
            rt.versions.push_back(std::move(v));
            put(std::move(rt));
        }
    }
}

void TypeRegistry::put(ResourceType type) {
    ++epoch_;
    for (auto& t : types_) {
        if (t->group == type.group && t->plural == type.plural) {
            t = std::make_shared<ResourceType>(std::move(type));
            return;
        }
    }
    types_.push_back(std::make_shared<ResourceType>(std::move(type)));
}

void TypeRegistry::remove(const std::string& group, const std::string& plural) {
    auto it = std::remove_if(types_.begin(), types_.end(), [&](const auto& t) {
        return t->group == group && t->plural == plural;
    });
    if (it != types_.end()) {
        types_.erase(it, types_.end());
        ++epoch_;
    }
}

const ResourceType* TypeRegistry::byResource(std::string_view group,
                                             std::string_view plural) const {
    for (const auto& t : types_) {
        if (t->group == group && t->plural == plural) return t.get();
    }
    return nullptr;
}

const ResourceType* TypeRegistry::byKind(std::string_view group, std::string_view kind) const {
    for (const auto& t : types_) {
        if (t->group == group && t->kind == kind) return t.get();
    }
    return nullptr;
}

std::vector<const ResourceType*> TypeRegistry::all() const {
    std::vector<const ResourceType*> builtins, crds;
    for (const auto& t : types_) (t->crd ? crds : builtins).push_back(t.get());
    std::stable_sort(crds.begin(), crds.end(), [](const auto* a, const auto* b) {
        return std::tie(a->group, a->plural) < std::tie(b->group, b->plural);
    });
    builtins.insert(builtins.end(), crds.begin(), crds.end());
    return builtins;
}

namespace {

ResourceType compileCrd(const Json& crd);

}  // namespace

ResourceType TypeRegistry::fromCrd(const Json& crd) {
    struct Compiled {
        std::string name;
        Json spec;
        ResourceType type;
    };
    static std::mutex mutex;
    static std::vector<Compiled> compiled;
    const std::string name = crd.value("/metadata/name"_json_pointer, std::string());
    const auto spec = crd.find("spec");
    {
        std::lock_guard lock(mutex);
        for (const auto& c : compiled) {
            if (c.name == name && spec != crd.end() && c.spec == *spec) return c.type;
        }
    }
    ResourceType type = compileCrd(crd);  // throws for an invalid CRD, which is not kept
    std::lock_guard lock(mutex);
    compiled.push_back({name, spec == crd.end() ? Json() : *spec, type});
    return type;
}

namespace {

ResourceType compileCrd(const Json& crd) {
    std::vector<StatusCause> errs;
    auto fail = [&](const std::string& type, const std::string& field, const std::string& msg) {
        errs.push_back(StatusCause{type, msg, field});
    };
    const std::string name = crd.value("/metadata/name"_json_pointer, std::string());
    const Json spec = crd.value("spec", Json::object());
    const Json names = spec.value("names", Json::object());
    ResourceType rt;
    rt.crd = true;
    rt.generation = true;
    rt.group = spec.value("group", "");
    rt.kind = names.value("kind", "");
    rt.plural = names.value("plural", "");
    rt.singular = names.value("singular", "");
    if (rt.singular.empty()) {
        rt.singular = rt.kind;
        std::transform(rt.singular.begin(), rt.singular.end(), rt.singular.begin(), ::tolower);
    }
    rt.listKind = names.value("listKind", rt.kind + "List");
    rt.shortNames = strings(names, "shortNames");
    rt.categories = strings(names, "categories");
    const std::string scope = spec.value("scope", "");
    rt.namespaced = scope == "Namespaced";

    static const core::Regex lowerDns("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    if (rt.group.empty()) fail("FieldValueRequired", "spec.group", "Required value");
    if (rt.plural.empty()) {
        fail("FieldValueRequired", "spec.names.plural", "Required value");
    } else if (!lowerDns.fullMatch(rt.plural)) {
        fail("FieldValueInvalid", "spec.names.plural",
             "Invalid value: \"" + rt.plural +
                 "\": a lowercase RFC 1123 label must consist of lower case alphanumeric "
                 "characters or '-', and must start and end with an alphanumeric character "
                 "(e.g. 'my-name',  or '123-abc', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    }
    if (rt.kind.empty()) fail("FieldValueRequired", "spec.names.kind", "Required value");
    if (scope.empty()) {
        fail("FieldValueRequired", "spec.scope", "Required value");
    } else if (scope != "Namespaced" && scope != "Cluster") {
        fail("FieldValueNotSupported", "spec.scope",
             "Unsupported value: \"" + scope + "\": supported values: \"Cluster\", \"Namespaced\"");
    }
    if (!rt.plural.empty() && !rt.group.empty() && name != rt.plural + "." + rt.group) {
        fail("FieldValueInvalid", "metadata.name",
             "Invalid value: \"" + name + "\": must be spec.names.plural+\".\"+spec.group");
    }
    int storageCount = 0;
    const Json versions = spec.value("versions", Json::array());
    if (!versions.is_array() || versions.empty()) {
        fail("FieldValueInvalid", "spec.versions",
             "Invalid value: null: must have exactly one version marked as storage version");
    }
    bool statusSub = false, scaleSub = false;
    for (std::size_t i = 0; versions.is_array() && i < versions.size(); ++i) {
        const Json& v = versions[i];
        const std::string path = "spec.versions[" + std::to_string(i) + "]";
        if (v.value("storage", false)) ++storageCount;
        if (!v.value("served", false)) continue;
        VersionSpec vs;
        vs.name = v.value("name", "");
        vs.storage = v.value("storage", false);
        if (auto sub = v.find("subresources"); sub != v.end() && sub->is_object()) {
            statusSub = statusSub || sub->contains("status");
            scaleSub = scaleSub || sub->contains("scale");
        }
        if (auto cols = v.find("additionalPrinterColumns"); cols != v.end() && cols->is_array()) {
            for (std::size_t c = 0; c < cols->size(); ++c) {
                PrinterColumn col = columnFrom((*cols)[c]);
                try {
                    checkJsonPath(col.jsonPath);
                } catch (const JsonPathValidationError& e) {
                    fail("FieldValueInvalid",
                         path + ".additionalPrinterColumns[" + std::to_string(c) + "].jsonPath",
                         "Invalid value: \"" + col.jsonPath + "\": " + e.what());
                    continue;
                } catch (const JsonPathParseError&) {
                    // The real server accepts the CRD but serves only the columns before this.
                    break;
                }
                vs.columns.push_back(std::move(col));
            }
        }
        const Json* openapi = nullptr;
        if (v.contains("schema") && v["schema"].contains("openAPIV3Schema")) {
            openapi = &v["schema"]["openAPIV3Schema"];
        }
        if (openapi) {
            try {
                vs.schema = StructuralSchema::compile(*openapi);
                vs.openApiSchema = std::make_shared<const Json>(*openapi);
            } catch (const std::invalid_argument& e) {
                fail("FieldValueInvalid", path + ".schema", e.what());
            }
        } else {
            fail("FieldValueRequired", path + ".schema.openAPIV3Schema",
                 "Required value: schemas are required");
        }
        rt.versions.push_back(std::move(vs));
    }
    if (versions.is_array() && !versions.empty() && storageCount != 1) {
        fail("FieldValueInvalid", "spec.versions",
             "Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: must have "
             "exactly one version marked as storage version");
    }
    if (!errs.empty()) {
        throw ApiException(core::kube::invalid("CustomResourceDefinition.apiextensions.k8s.io",
                                               "apiextensions.k8s.io", "CustomResourceDefinition",
                                               name, std::move(errs)));
    }
    // Discovery lists versions by Kubernetes version priority: GA before beta before alpha,
    // higher numbers first; the first is the preferred version.
    std::stable_sort(rt.versions.begin(), rt.versions.end(),
                     [](const VersionSpec& a, const VersionSpec& b) {
                         return versionPriority(a.name) > versionPriority(b.name);
                     });
    if (statusSub) rt.subresources.push_back("status");
    if (scaleSub) rt.subresources.push_back("scale");
    return rt;
}

}  // namespace

}  // namespace mcpsim::apiserver
