#pragma once
// metav1.Condition bookkeeping shared by the reconcilers.
#include <string>

#include "mcpsim/core/json.hpp"

namespace mcpsim::gateway {

// The condition of that type in a conditions array, or null.
const Json* findCondition(const Json& conditions, const std::string& type);
bool conditionIsTrue(const Json& conditions, const std::string& type);

// apimachinery SetStatusCondition: adds or replaces the condition of desired["type"] in place;
// lastTransitionTime is kept when the status is unchanged, otherwise set to `now`. Returns true
// when anything changed.
bool setCondition(Json& conditions, Json desired, const std::string& now);
// Removes the condition of that type; true when one was removed.
bool removeCondition(Json& conditions, const std::string& type);

bool hasFinalizer(const Json& object, const std::string& finalizer);
// Adds/removes the finalizer on the object; returns true when it changed.
bool addFinalizer(Json& object, const std::string& finalizer);
bool removeFinalizer(Json& object, const std::string& finalizer);
bool beingDeleted(const Json& object);

}  // namespace mcpsim::gateway
