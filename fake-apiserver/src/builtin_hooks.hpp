#pragma once
// Kind-specific behaviour of built-in types, named in the type table's `hooks` and `defaults`:
// defaulting that needs code (Service cluster IPs and target ports, Secret stringData), and
// validation that schemas cannot express (Deployment selectors, immutable data, names).
#include <string>
#include <vector>

#include "mcpsim/core/json.hpp"
#include "mcpsim/core/kube/api_error.hpp"
#include "mcpsim/core/random.hpp"
#include "type_registry.hpp"

namespace mcpsim::apiserver {

// Fills table defaults ("a.b[].c") and runs default hooks. `old` is null on create.
void applyBuiltinDefaults(const ResourceType& type, Json& object, const Json* old,
                          core::Random& rng);
// Appends field errors for required fields, immutable fields and hook checks.
void validateBuiltin(const ResourceType& type, const Json& object, const Json* old,
                     std::vector<core::kube::StatusCause>& errs);
// metadata.name (or generateName) format errors for the type's name rule.
void validateObjectMeta(const ResourceType& type, const Json& object,
                        std::vector<core::kube::StatusCause>& errs);

}  // namespace mcpsim::apiserver
