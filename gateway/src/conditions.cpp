#include "conditions.hpp"

#include <algorithm>

namespace mcpsim::gateway {

const Json* findCondition(const Json& conditions, const std::string& type) {
    if (!conditions.is_array()) return nullptr;
    for (const auto& c : conditions) {
        if (c.value("type", "") == type) return &c;
    }
    return nullptr;
}

bool conditionIsTrue(const Json& conditions, const std::string& type) {
    const Json* c = findCondition(conditions, type);
    return c && c->value("status", "") == "True";
}

bool setCondition(Json& conditions, Json desired, const std::string& now) {
    if (!conditions.is_array()) conditions = Json::array();
    const std::string type = desired.value("type", "");
    for (auto& c : conditions) {
        if (c.value("type", "") != type) continue;
        desired["lastTransitionTime"] = c.value("status", "") == desired.value("status", "")
                                            ? c.value("lastTransitionTime", now)
                                            : now;
        if (c == desired) return false;
        c = std::move(desired);
        return true;
    }
    desired["lastTransitionTime"] = now;
    conditions.push_back(std::move(desired));
    return true;
}

bool removeCondition(Json& conditions, const std::string& type) {
    if (!conditions.is_array()) return false;
    auto before = conditions.size();
    Json kept = Json::array();
    for (auto& c : conditions) {
        if (c.value("type", "") != type) kept.push_back(std::move(c));
    }
    conditions = std::move(kept);
    return conditions.size() != before;
}

bool hasFinalizer(const Json& object, const std::string& finalizer) {
    const Json f = object.value("/metadata/finalizers"_json_pointer, Json::array());
    return std::find(f.begin(), f.end(), Json(finalizer)) != f.end();
}

bool addFinalizer(Json& object, const std::string& finalizer) {
    if (hasFinalizer(object, finalizer)) return false;
    object["metadata"]["finalizers"].push_back(finalizer);
    return true;
}

bool removeFinalizer(Json& object, const std::string& finalizer) {
    if (!hasFinalizer(object, finalizer)) return false;
    Json kept = Json::array();
    for (const auto& f : object["metadata"]["finalizers"]) {
        if (f != finalizer) kept.push_back(f);
    }
    object["metadata"]["finalizers"] = kept;
    return true;
}

bool beingDeleted(const Json& object) {
    return object.contains("/metadata/deletionTimestamp"_json_pointer);
}

}  // namespace mcpsim::gateway
