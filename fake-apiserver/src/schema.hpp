#pragma once
// Structural OpenAPI v3 schemas as CRDs declare them: defaulting, pruning of unknown fields and
// validation (types, required, enum, bounds, patterns, list types and x-kubernetes-validations CEL
// rules), producing field errors in the apiserver's words.
#include <memory>
#include <string>
#include <vector>

#include "mcpsim/core/json.hpp"
#include "mcpsim/core/kube/api_error.hpp"

namespace mcpsim::apiserver {

struct SchemaNode;

class StructuralSchema {
public:
    // Throws std::invalid_argument naming the bad part (for example a CEL rule outside our subset).
    static StructuralSchema compile(const Json& openApiV3Schema);
    StructuralSchema() = default;
    bool empty() const { return !root_; }

    // Fills absent fields that declare a default (recursively, including inside defaults).
    void applyDefaults(Json& object) const;
    // Drops fields the schema does not declare; returns their paths (".spec.foo" style without
    // the leading dot: "spec.foo"), so Strict field validation can reject them.
    std::vector<std::string> prune(Json& object) const;
    // Validates the whole object (metadata excluded). `old` enables transition rules (oldSelf).
    // Messages follow the apiserver of the given minor version (they changed in 1.32).
    std::vector<core::kube::StatusCause> validate(const Json& object, const Json* old,
                                                  int kubeMinor = 31) const;
    bool hasCelRules() const;
    // The list-type map keys at a dotted path (for server-side apply list merging), empty if the
    // list there is atomic or a set.
    std::vector<std::string> listMapKeys(const std::string& dottedPath) const;

private:
    std::shared_ptr<const SchemaNode> root_;
};

}  // namespace mcpsim::apiserver
