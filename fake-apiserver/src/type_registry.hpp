#pragma once
// The table of resource types the server knows: built-in kinds loaded from data, and one entry per
// established CustomResourceDefinition. Everything the server does per kind (discovery, routing,
// validation, printing) is driven by these entries.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcpsim/core/json.hpp"
#include "schema.hpp"

namespace mcpsim::apiserver {

struct PrinterColumn {
    std::string name;
    std::string type = "string";
    std::string format;
    std::string description;
    std::string jsonPath;  // evaluated with kubectl-style JSONPath
    std::string compute;   // or a named cell function (built-in kinds only)
    std::string none;      // text for an absent value (built-ins print "<none>" in places)
    int priority = 0;
    bool zero = false;  // absent integer renders as 0
    bool raw = false;   // a date column printed as the timestamp itself
};

struct VersionSpec {
    std::string name;
    bool storage = false;
    std::vector<PrinterColumn> columns;
    StructuralSchema schema;  // empty for built-ins
    // As declared, for /openapi/v3; shared, as every world of a process reads the same CRDs.
    std::shared_ptr<const Json> openApiSchema;
};

struct DefaultRule {
    std::string path;  // dotted; "[]" after a segment means every list item
    Json value;
};

struct ResourceType {
    std::string group;
    std::string kind;
    std::string listKind;
    std::string plural;
    std::string singular;
    bool namespaced = true;
    std::vector<std::string> shortNames;
    std::vector<std::string> categories;
    std::vector<std::string> subresources;
    std::vector<VersionSpec> versions;  // served versions, preferred first
    bool crd = false;
    bool generation = false;                  // metadata.generation is maintained
    std::vector<std::string> fieldSelectors;  // beyond metadata.name / metadata.namespace
    std::vector<std::string> required;        // dotted paths (built-ins)
    std::vector<std::string> immutable;       // dotted paths (built-ins)
    std::vector<std::string> hooks;           // named kind-specific behaviours
    std::vector<DefaultRule> defaults;        // built-ins
    std::string nameFormat = "dns1123Subdomain";
    int nameColumnPriority = 0;

    bool hasSubresource(std::string_view s) const;
    bool hasStatus() const { return hasSubresource("status"); }
    // "<plural>" for core, "<plural>.<group>" otherwise, as in error messages.
    std::string qualifiedResource() const { return group.empty() ? plural : plural + "." + group; }
    // "<Kind>" for core, "<Kind>.<group>" otherwise (Invalid errors).
    std::string qualifiedKind() const { return group.empty() ? kind : kind + "." + group; }
    const VersionSpec* version(std::string_view name) const;
    const VersionSpec& storageVersion() const;
    std::string apiVersion(std::string_view version) const {
        return group.empty() ? std::string(version) : group + "/" + std::string(version);
    }
};

class TypeRegistry {
  public:
    // `yaml` is the program's own type table (parsed once per process).
    void loadBuiltins(std::string_view yaml);
    // Adds or replaces the type (matched by group + plural).
    void put(ResourceType type);
    void remove(const std::string& group, const std::string& plural);
    const ResourceType* byResource(std::string_view group, std::string_view plural) const;
    const ResourceType* byKind(std::string_view group, std::string_view kind) const;
    // All types, built-ins first in table order, then CRDs by group and plural.
    std::vector<const ResourceType*> all() const;
    // Changes whenever the set of types changes; discovery and OpenAPI hashes derive from it.
    std::uint64_t epoch() const { return epoch_; }

    // Builds a type from a CustomResourceDefinition object. Throws core::kube::ApiException
    // (Invalid) when the CRD is not acceptable, with the apiserver's field errors.
    // Throws ApiException (Invalid) with the CRD's field errors. Memoized per process: the same
    // CRD (name and spec) compiles to the same type, and every world applies the same ones.
    static ResourceType fromCrd(const Json& crd);

  private:
    std::vector<std::shared_ptr<ResourceType>> types_;
    std::uint64_t epoch_ = 1;
};

}  // namespace mcpsim::apiserver
