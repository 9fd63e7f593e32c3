#include "schema.hpp"

#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>

#include "cel.hpp"
#include "mcpsim/core/regex.hpp"

namespace mcpsim::apiserver {

using core::kube::StatusCause;

struct CelRule {
    CelProgram program;
    std::string rule;
    std::string message;
    std::string fieldPath;
    std::string reason;
};

struct SchemaNode {
    std::string type;  // object, array, string, integer, number, boolean, or "" (any)
    bool nullable = false;
    bool preserveUnknown = false;
    bool intOrString = false;
    bool embeddedResource = false;
    std::map<std::string, std::shared_ptr<SchemaNode>> properties;
    std::shared_ptr<SchemaNode> additionalProperties;  // schema for map values
    bool additionalAllowed = false;                    // additionalProperties: true
    std::shared_ptr<SchemaNode> items;
    std::vector<std::string> required;
    std::optional<Json> defaultValue;
    std::vector<Json> enumValues;
    std::optional<double> minimum, maximum;
    bool exclusiveMinimum = false, exclusiveMaximum = false;
    std::optional<std::int64_t> minLength, maxLength, minItems, maxItems, minProperties,
        maxProperties;
    std::optional<core::Regex> pattern;
    std::string patternText;
    std::string format;
    std::string listType;
    std::vector<std::string> listMapKeys;
    std::vector<CelRule> rules;
};

namespace {

std::shared_ptr<SchemaNode> compileNode(const Json& s, const std::string& path) {
    auto n = std::make_shared<SchemaNode>();
    if (!s.is_object()) return n;
    n->type = s.value("type", "");
    n->nullable = s.value("nullable", false);
    n->preserveUnknown = s.value("x-kubernetes-preserve-unknown-fields", false);
    n->intOrString = s.value("x-kubernetes-int-or-string", false);
    n->embeddedResource = s.value("x-kubernetes-embedded-resource", false);
    if (auto it = s.find("properties"); it != s.end() && it->is_object()) {
        for (auto p = it->begin(); p != it->end(); ++p) {
            n->properties[p.key()] = compileNode(p.value(), path + "." + p.key());
        }
    }
    if (auto it = s.find("additionalProperties"); it != s.end()) {
        if (it->is_boolean()) {
            n->additionalAllowed = it->get<bool>();
        } else {
            n->additionalProperties = compileNode(*it, path + "[*]");
        }
    }
    if (auto it = s.find("items"); it != s.end()) n->items = compileNode(*it, path + "[*]");
    if (auto it = s.find("required"); it != s.end() && it->is_array()) {
        for (const auto& r : *it) n->required.push_back(r.get<std::string>());
    }
    if (auto it = s.find("default"); it != s.end()) n->defaultValue = *it;
    if (auto it = s.find("enum"); it != s.end() && it->is_array()) {
        n->enumValues.assign(it->begin(), it->end());
    }
    if (s.contains("minimum")) n->minimum = s["minimum"].get<double>();
    if (s.contains("maximum")) n->maximum = s["maximum"].get<double>();
    n->exclusiveMinimum = s.value("exclusiveMinimum", false);
    n->exclusiveMaximum = s.value("exclusiveMaximum", false);
    auto optInt = [&s](const char* key) -> std::optional<std::int64_t> {
        if (!s.contains(key)) return std::nullopt;
        return s[key].get<std::int64_t>();
    };
    n->minLength = optInt("minLength");
    n->maxLength = optInt("maxLength");
    n->minItems = optInt("minItems");
    n->maxItems = optInt("maxItems");
    n->minProperties = optInt("minProperties");
    n->maxProperties = optInt("maxProperties");
    if (auto it = s.find("pattern"); it != s.end()) {
        n->patternText = it->get<std::string>();
        try {
            n->pattern.emplace(n->patternText);
        } catch (const core::RegexError&) {
            throw std::invalid_argument(path + ".pattern: Invalid value: \"" + n->patternText +
                                        "\": must be a valid regular expression");
        }
    }
    n->format = s.value("format", "");
    n->listType = s.value("x-kubernetes-list-type", "");
    if (auto it = s.find("x-kubernetes-list-map-keys"); it != s.end() && it->is_array()) {
        for (const auto& k : *it) n->listMapKeys.push_back(k.get<std::string>());
    }
    if (auto it = s.find("x-kubernetes-validations"); it != s.end() && it->is_array()) {
        for (const auto& r : *it) {
            CelRule rule;
            rule.rule = r.value("rule", "");
            rule.message = r.value("message", "");
            rule.fieldPath = r.value("fieldPath", "");
            rule.reason = r.value("reason", "");
            try {
                rule.program = CelProgram::compile(rule.rule);
            } catch (const CelError& e) {
                throw std::invalid_argument(path + ".x-kubernetes-validations: Invalid value: \"" +
                                            rule.rule + "\": compilation failed: " + e.what());
            }
            n->rules.push_back(std::move(rule));
        }
    }
    return n;
}

std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

std::string typeName(const Json& v) {
    switch (v.type()) {
        case Json::value_t::null:
            return "null";
        case Json::value_t::boolean:
            return "boolean";
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
            return "integer";
        case Json::value_t::number_float:
            return "number";
        case Json::value_t::string:
            return "string";
        case Json::value_t::array:
            return "array";
        case Json::value_t::object:
            return "object";
        default:
            return "unknown";
    }
}

bool isInteger(const Json& v) {
    if (v.is_number_integer()) return true;
    if (v.is_number_float()) {
        double d = v.get<double>();
        return std::isfinite(d) && std::floor(d) == d;
    }
    return false;
}

bool typeMatches(const SchemaNode& n, const Json& v) {
    if (n.intOrString) return v.is_string() || isInteger(v);
    if (n.type.empty()) return true;
    if (n.type == "object") return v.is_object();
    if (n.type == "array") return v.is_array();
    if (n.type == "string") return v.is_string();
    if (n.type == "integer") return isInteger(v);
    if (n.type == "number") return v.is_number();
    if (n.type == "boolean") return v.is_boolean();
    return true;
}

// The value as the apiserver quotes it inside "Invalid value: ..." (Go %#v-like).
std::string quoteValue(const Json& v) {
    if (v.is_string()) return Json(v.get<std::string>()).dump();
    return v.dump();
}

void defaults(const SchemaNode& n, Json& v) {
    if (v.is_object()) {
        for (const auto& [key, child] : n.properties) {
            if (!v.contains(key) && child->defaultValue) {
                v[key] = *child->defaultValue;
            }
            if (v.contains(key)) defaults(*child, v[key]);
        }
        if (n.additionalProperties) {
            for (auto it = v.begin(); it != v.end(); ++it) {
                if (!n.properties.count(it.key())) defaults(*n.additionalProperties, it.value());
            }
        }
    } else if (v.is_array() && n.items) {
        for (auto& item : v) defaults(*n.items, item);
    }
}

void pruneNode(const SchemaNode& n, Json& v, const std::string& path,
               std::vector<std::string>& dropped, bool isRoot) {
    if (v.is_object()) {
        if (n.embeddedResource || (isRoot)) {
            // apiVersion, kind and metadata are always kept on (embedded) resources.
        }
        std::vector<std::string> remove;
        for (auto it = v.begin(); it != v.end(); ++it) {
            const std::string& key = it.key();
            if (isRoot && (key == "apiVersion" || key == "kind" || key == "metadata")) continue;
            if (n.embeddedResource && (key == "apiVersion" || key == "kind" || key == "metadata")) {
                continue;
            }
            auto p = n.properties.find(key);
            if (p != n.properties.end()) {
                pruneNode(*p->second, it.value(), join(path, key), dropped, false);
            } else if (n.additionalProperties) {
                pruneNode(*n.additionalProperties, it.value(), join(path, key), dropped, false);
            } else if (!n.preserveUnknown && !n.additionalAllowed) {
                remove.push_back(key);
            }
        }
        for (const auto& key : remove) {
            dropped.push_back(join(path, key));
            v.erase(key);
        }
    } else if (v.is_array() && n.items) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            pruneNode(*n.items, v[i], path + "[" + std::to_string(i) + "]", dropped, false);
        }
    }
}

struct Validator {
    std::vector<StatusCause>& errs;
    int kubeMinor = 31;
    bool runCel = true;

    void add(const std::string& type, const std::string& field, const std::string& msg) {
        errs.push_back(StatusCause{type, msg, field});
    }

    void validate(const SchemaNode& n, const Json& v, const Json* old, const std::string& path) {
        if (v.is_null()) {
            if (!n.nullable && !n.type.empty()) {
                add("FieldValueTypeInvalid", path,
                    "Invalid value: \"null\": " + path + " in body must be of type " + n.type +
                        ": \"null\"");
            }
            return;
        }
        if (!typeMatches(n, v)) {
            std::string expected = n.intOrString ? "integer,string" : n.type;
            add("FieldValueTypeInvalid", path,
                "Invalid value: \"" + typeName(v) + "\": " + path + " in body must be of type " +
                    expected + ": \"" + typeName(v) + "\"");
            return;
        }
        if (!n.enumValues.empty()) {
            bool found = false;
            for (const auto& e : n.enumValues) {
                if (e == v) found = true;
            }
            if (!found) {
                std::string supported;
                for (std::size_t i = 0; i < n.enumValues.size(); ++i) {
                    supported += (i ? ", " : "") + quoteValue(n.enumValues[i]);
                }
                add("FieldValueNotSupported", path,
                    "Unsupported value: " + quoteValue(v) + ": supported values: " + supported);
            }
        }
        if (v.is_string()) {
            const auto& s = v.get_ref<const std::string&>();
            auto len = static_cast<std::int64_t>(s.size());
            if (n.maxLength && len > *n.maxLength) {
                // apimachinery 1.32 reworded this message.
                add("FieldValueTooLong", path,
                    kubeMinor >= 32
                        ? "Too long: may not be more than " + std::to_string(*n.maxLength) +
                              " bytes"
                        : "Too long: may not be longer than " + std::to_string(*n.maxLength));
            }
            if (n.minLength && len < *n.minLength) {
                add("FieldValueInvalid", path,
                    "Invalid value: " + quoteValue(v) + ": " + path +
                        " in body should be at least " + std::to_string(*n.minLength) +
                        " chars long");
            }
            if (n.pattern && !n.pattern->search(s)) {
                add("FieldValueInvalid", path,
                    "Invalid value: " + quoteValue(v) + ": " + path + " in body should match '" +
                        n.patternText + "'");
            }
        }
        if (v.is_number()) {
            double d = v.get<double>();
            if (n.minimum && (d < *n.minimum || (n.exclusiveMinimum && d == *n.minimum))) {
                add("FieldValueInvalid", path,
                    "Invalid value: " + v.dump() + ": " + path +
                        " in body should be greater than " +
                        std::string(n.exclusiveMinimum ? "" : "or equal to ") +
                        Json(*n.minimum).dump());
            }
            if (n.maximum && (d > *n.maximum || (n.exclusiveMaximum && d == *n.maximum))) {
                add("FieldValueInvalid", path,
                    "Invalid value: " + v.dump() + ": " + path + " in body should be less than " +
                        std::string(n.exclusiveMaximum ? "" : "or equal to ") +
                        Json(*n.maximum).dump());
            }
        }
        if (v.is_array()) {
            auto size = static_cast<std::int64_t>(v.size());
            if (n.maxItems && size > *n.maxItems) {
                add("FieldValueTooMany", path,
                    "Too many: " + std::to_string(size) + ": must have at most " +
                        std::to_string(*n.maxItems) + " items");
            }
            if (n.minItems && size < *n.minItems) {
                add("FieldValueInvalid", path,
                    "Invalid value: " + std::to_string(size) + ": " + path +
                        " in body should have at least " + std::to_string(*n.minItems) + " items");
            }
            checkListType(n, v, path);
            if (n.items) {
                for (std::size_t i = 0; i < v.size(); ++i) {
                    const Json* oldItem = correlateItem(n, v[i], old);
                    validate(*n.items, v[i], oldItem, path + "[" + std::to_string(i) + "]");
                }
            }
        }
        if (v.is_object()) {
            for (const auto& r : n.required) {
                if (!v.contains(r)) add("FieldValueRequired", join(path, r), "Required value");
            }
            for (auto it = v.begin(); it != v.end(); ++it) {
                const SchemaNode* child = nullptr;
                if (auto p = n.properties.find(it.key()); p != n.properties.end()) {
                    child = p->second.get();
                } else if (n.additionalProperties) {
                    child = n.additionalProperties.get();
                }
                if (!child) continue;
                const Json* oldChild = nullptr;
                if (old && old->is_object() && old->contains(it.key())) {
                    oldChild = &(*old)[it.key()];
                }
                validate(*child, it.value(), oldChild, join(path, it.key()));
            }
        }
        runRules(n, v, old, path);
    }

    // Map-type lists correlate old items by key so transition rules can see oldSelf.
    const Json* correlateItem(const SchemaNode& n, const Json& item, const Json* old) {
        if (!old || !old->is_array() || n.listType != "map" || !item.is_object()) return nullptr;
        for (const auto& o : *old) {
            bool same = o.is_object();
            for (const auto& k : n.listMapKeys) {
                if (!same) break;
                same = o.value(k, Json()) == item.value(k, Json());
            }
            if (same) return &o;
        }
        return nullptr;
    }

    void checkListType(const SchemaNode& n, const Json& v, const std::string& path) {
        if (n.listType == "set") {
            for (std::size_t i = 0; i < v.size(); ++i) {
                for (std::size_t j = 0; j < i; ++j) {
                    if (v[i] == v[j]) {
                        add("FieldValueDuplicate", path + "[" + std::to_string(i) + "]",
                            "Duplicate value: " + quoteValue(v[i]));
                    }
                }
            }
        } else if (n.listType == "map" && !n.listMapKeys.empty()) {
            for (std::size_t i = 0; i < v.size(); ++i) {
                for (std::size_t j = 0; j < i; ++j) {
                    bool same = v[i].is_object() && v[j].is_object();
                    for (const auto& k : n.listMapKeys) {
                        if (!same) break;
                        same = v[i].value(k, Json()) == v[j].value(k, Json());
                    }
                    if (same) {
                        Json keyObj = Json::object();
                        for (const auto& k : n.listMapKeys) keyObj[k] = v[i].value(k, Json());
                        add("FieldValueDuplicate", path + "[" + std::to_string(i) + "]",
                            "Duplicate value: " + keyObj.dump());
                    }
                }
            }
        }
    }

    void runRules(const SchemaNode& n, const Json& v, const Json* old, const std::string& path) {
        if (!runCel) return;
        for (const auto& rule : n.rules) {
            // Transition rules only run on update, when the old value exists.
            if (rule.program.usesOldSelf() && !old) continue;
            std::string field = path;
            if (!rule.fieldPath.empty()) field = path + rule.fieldPath;
            try {
                Json result = rule.program.evaluate(v, old);
                if (!result.is_boolean()) {
                    add("FieldValueInvalid", field,
                        "Invalid value: \"" + typeName(v) + "\": rule compiled to non-bool");
                    continue;
                }
                if (!result.get<bool>()) {
                    std::string msg =
                        rule.message.empty() ? "failed rule: " + rule.rule : rule.message;
                    // The apiserver names the schema type where other errors show the value.
                    std::string shown = n.type.empty() ? typeName(v) : n.type;
                    if (rule.reason == "FieldValueForbidden") {
                        add(rule.reason, field, "Forbidden: " + msg);
                    } else if (rule.reason == "FieldValueRequired") {
                        add(rule.reason, field, "Required value: " + msg);
                    } else if (rule.reason == "FieldValueDuplicate") {
                        add(rule.reason, field, "Duplicate value: \"" + shown + "\"");
                    } else {
                        add("FieldValueInvalid", field, "Invalid value: \"" + shown + "\": " + msg);
                    }
                }
            } catch (const CelError& e) {
                add("FieldValueInvalid", field,
                    "Invalid value: \"" + typeName(v) + "\": rule evaluation error: " + e.what());
            }
        }
    }
};

const SchemaNode* nodeAt(const SchemaNode* n, const std::string& dotted) {
    std::size_t pos = 0;
    while (n && pos < dotted.size()) {
        auto dot = dotted.find('.', pos);
        std::string key =
            dotted.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
        pos = dot == std::string::npos ? dotted.size() : dot + 1;
        if (n->type == "array" && n->items) n = n->items.get();
        auto p = n->properties.find(key);
        if (p != n->properties.end()) {
            n = p->second.get();
        } else if (n->additionalProperties) {
            n = n->additionalProperties.get();
        } else {
            return nullptr;
        }
    }
    return n;
}

bool anyRules(const SchemaNode& n) {
    if (!n.rules.empty()) return true;
    for (const auto& [k, c] : n.properties) {
        if (anyRules(*c)) return true;
    }
    return (n.items && anyRules(*n.items)) ||
           (n.additionalProperties && anyRules(*n.additionalProperties));
}

void validateRoot(Validator& v, const SchemaNode& root, const Json& object, const Json* old) {
    const SchemaNode* root_ = &root;
    // Metadata is validated by the generic object-meta rules, not the CRD schema.
    for (const auto& r : root_->required) {
        if (!object.contains(r)) v.add("FieldValueRequired", r, "Required value");
    }
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (it.key() == "metadata" || it.key() == "apiVersion" || it.key() == "kind") continue;
        auto p = root_->properties.find(it.key());
        if (p == root_->properties.end()) continue;
        const Json* oldChild = old && old->contains(it.key()) ? &(*old)[it.key()] : nullptr;
        v.validate(*p->second, it.value(), oldChild, it.key());
    }
    v.runRules(*root_, object, old, "<root>");
}

}  // namespace

StructuralSchema StructuralSchema::compile(const Json& openApiV3Schema) {
    StructuralSchema s;
    s.root_ = compileNode(openApiV3Schema, "openAPIV3Schema");
    return s;
}

void StructuralSchema::applyDefaults(Json& object) const {
    if (root_) defaults(*root_, object);
}

std::vector<std::string> StructuralSchema::prune(Json& object) const {
    std::vector<std::string> dropped;
    if (root_) pruneNode(*root_, object, "", dropped, true);
    return dropped;
}

bool StructuralSchema::hasCelRules() const {
    return root_ && anyRules(*root_);
}

std::vector<StatusCause> StructuralSchema::validate(const Json& object, const Json* old,
                                                    int kubeMinor) const {
    std::vector<StatusCause> errs;
    if (!root_ || !object.is_object()) return errs;
    // The apiserver skips CEL rules when schema errors make the object unsafe to evaluate, and
    // says so in an extra cause.
    std::vector<StatusCause> schemaOnly;
    {
        Validator probe{schemaOnly, kubeMinor, false};
        validateRoot(probe, *root_, object, old);
    }
    bool blocking = false;
    for (const auto& c : schemaOnly) {
        blocking = blocking || c.reason == "FieldValueNotSupported" ||
                   c.reason == "FieldValueRequired" || c.reason == "FieldValueTooLong" ||
                   c.reason == "FieldValueTooMany" || c.reason == "FieldValueTypeInvalid";
    }
    if (blocking && hasCelRules()) {
        schemaOnly.push_back({"FieldValueInvalid",
                              "Invalid value: \"null\": some validation rules were not checked "
                              "because the object was invalid; correct the existing errors to "
                              "complete validation",
                              "<nil>"});
        return schemaOnly;
    }
    Validator v{errs, kubeMinor, true};
    validateRoot(v, *root_, object, old);
    return errs;
}

std::vector<std::string> StructuralSchema::listMapKeys(const std::string& dottedPath) const {
    const SchemaNode* n = nodeAt(root_.get(), dottedPath);
    if (!n || n->listType != "map") return {};
    return n->listMapKeys;
}

}  // namespace mcpsim::apiserver
