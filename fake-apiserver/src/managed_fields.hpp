#pragma once
// metadata.managedFields bookkeeping and server-side apply. Field sets use the FieldsV1 layout
// ("f:spec": {"f:replicas": {}}); lists are tracked as whole fields (atomic), a documented
// simplification of the real structured-merge-diff sets.
#include <string>
#include <string_view>

#include "mcpsim/core/json.hpp"
#include "type_registry.hpp"

namespace mcpsim::apiserver {

// Updates the managedFields entry of (manager, operation, subresource) after a write: the manager
// now owns the fields it changed, which other managers lose.
void recordManagedFields(Json& object, const Json* old, const std::string& manager,
                         const std::string& operation, const std::string& apiVersion,
                         const std::string& time, const std::string& subresource);

// Parses an apply-patch+yaml body (kubectl sends JSON; YAML is accepted too). 400 if invalid.
Json decodeApplyConfiguration(std::string_view body);
// FieldsV1 set of the fields an apply configuration specifies.
Json applyFieldSet(const Json& config);
// Replaces the Apply entry of the manager with the given set; true if anything changed.
bool setApplyOwnership(Json& object, const std::string& manager, const std::string& apiVersion,
                       const std::string& time, const Json& fieldSet,
                       const std::string& subresource);
// Merges an apply configuration into the live object: fields the manager applied before and
// dropped now are removed; conflicts with other managers are a 409 unless force is set.
Json serverSideApply(const ResourceType& type, const Json& live, const Json& config,
                     const std::string& manager, bool force);

}  // namespace mcpsim::apiserver
