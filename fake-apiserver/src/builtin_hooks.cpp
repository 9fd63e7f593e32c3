#include "builtin_hooks.hpp"

#include <algorithm>
#include <optional>

#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/regex.hpp"
#include "selectors.hpp"

namespace mcpsim::apiserver {

using core::kube::StatusCause;

namespace {

// A selector the API server cannot turn into one (an invalid label key or value): the field
// error of the part that is wrong, then the whole selector's, as ValidateDeploymentSpec reports
// them; the template is then not checked against it.
void invalidSelector(const Json& sel, const std::string& why, std::vector<StatusCause>& errs) {
    const std::string keyPrefix = "key: ";
    const bool inMatchLabels = why.rfind(keyPrefix, 0) == 0 && sel.contains("matchLabels");
    if (inMatchLabels) {
        errs.push_back(
            {"FieldValueInvalid", why.substr(keyPrefix.size()), "spec.selector.matchLabels"});
    }
    std::string shown = "v1.LabelSelector{MatchLabels:";
    const Json labels = sel.value("matchLabels", Json());
    if (labels.is_object() && !labels.empty()) {
        shown += "map[string]string{";
        bool first = true;
        for (auto it = labels.begin(); it != labels.end(); ++it) {  // sorted, as Go prints maps
            shown += (first ? "" : ", ") + core::goQuote(it.key()) + ":" +
                     (it->is_string() ? core::goQuote(it->get<std::string>()) : it->dump());
            first = false;
        }
        shown += "}";
    } else {
        shown += "map[string]string(nil)";
    }
    shown += ", MatchExpressions:[]v1.LabelSelectorRequirement";
    shown += sel.value("matchExpressions", Json::array()).empty() ? "(nil)" : "{...}";
    shown += "}";
    errs.push_back({"FieldValueInvalid",
                    inMatchLabels ? "Invalid value: " + shown + ": invalid label selector" : why,
                    "spec.selector"});
}

bool hasHook(const ResourceType& t, const char* name) {
    return std::find(t.hooks.begin(), t.hooks.end(), name) != t.hooks.end();
}

// Walks "a.b[].c" and sets the leaf where absent.
void fillDefault(Json& node, const std::vector<std::string>& parts, std::size_t i, const Json& v) {
    if (!node.is_object()) return;
    std::string key = parts[i];
    bool each = key.size() > 2 && key.compare(key.size() - 2, 2, "[]") == 0;
    if (each) key.resize(key.size() - 2);
    if (i + 1 == parts.size()) {
        if (!each && !node.contains(key)) node[key] = v;
        return;
    }
    if (each) {
        auto it = node.find(key);
        if (it == node.end() || !it->is_array()) return;
        for (auto& item : *it) fillDefault(item, parts, i + 1, v);
        return;
    }
    auto it = node.find(key);
    if (it == node.end()) it = node.emplace(key, Json::object()).first;
    fillDefault(*it, parts, i + 1, v);
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (true) {
        auto n = s.find(sep, pos);
        out.push_back(s.substr(pos, n == std::string::npos ? std::string::npos : n - pos));
        if (n == std::string::npos) break;
        pos = n + 1;
    }
    return out;
}

const Json* at(const Json& obj, const std::string& dotted) {
    const Json* cur = &obj;
    for (const auto& part : split(dotted, '.')) {
        if (!cur->is_object()) return nullptr;
        auto it = cur->find(part);
        if (it == cur->end()) return nullptr;
        cur = &*it;
    }
    return cur;
}

bool isBase64(const std::string& s) {
    return core::base64Decode(s).has_value();
}

// RE2, not <regex>: libstdc++'s matcher recurses per character, so a long name would
// exhaust the stack before the length check could reject it.
const core::Regex& dns1123Subdomain() {
    static const core::Regex re(
        R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)");
    return re;
}
const core::Regex& dns1123Label() {
    static const core::Regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    return re;
}
const core::Regex& dns1035Label() {
    static const core::Regex re("[a-z]([-a-z0-9]*[a-z0-9])?");
    return re;
}

const char* kSubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char* kLabelMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char* kDns1035Msg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

void checkLabels(const Json& md, std::vector<StatusCause>& errs) {
    static const core::Regex value("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    auto labels = md.find("labels");
    if (labels == md.end() || !labels->is_object()) return;
    for (auto it = labels->begin(); it != labels->end(); ++it) {
        if (!it->is_string()) continue;
        const std::string& v = it->get_ref<const std::string&>();
        if (v.size() > 63 || !value.fullMatch(v)) {
            errs.push_back(StatusCause{
                "FieldValueInvalid",
                "Invalid value: " + Json(v).dump() +
                    ": a valid label must be an empty string or consist of alphanumeric "
                    "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                    "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
                    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                "metadata.labels"});
        }
    }
}

}  // namespace

void validateObjectMeta(const ResourceType& type, const Json& object,
                        std::vector<StatusCause>& errs) {
    const Json& md = object["metadata"];
    const std::string name = md.value("name", "");
    if (name.empty()) {
        errs.push_back({"FieldValueRequired", "Required value: name or generateName is required",
                        "metadata.name"});
        return;
    }
    const core::Regex* re = &dns1123Subdomain();
    const char* msg = kSubdomainMsg;
    std::size_t maxLen = 253;
    if (type.nameFormat == "dns1123Label") {
        re = &dns1123Label();
        msg = kLabelMsg;
        maxLen = 63;
    } else if (type.nameFormat == "dns1035Label") {
        re = &dns1035Label();
        msg = kDns1035Msg;
        maxLen = 63;
    }
    if (!re->fullMatch(name)) {
        errs.push_back({"FieldValueInvalid", "Invalid value: " + Json(name).dump() + ": " + msg,
                        "metadata.name"});
    } else if (name.size() > maxLen) {
        errs.push_back({"FieldValueInvalid",
                        "Invalid value: " + Json(name).dump() + ": must be no more than " +
                            std::to_string(maxLen) + " characters",
                        "metadata.name"});
    }
    checkLabels(md, errs);
}

void applyBuiltinDefaults(const ResourceType& type, Json& object, const Json* old,
                          core::Random& rng) {
    // Secrets accept write-only stringData, merged into base64 data (it wins on conflicts).
    if (type.group.empty() && type.kind == "Secret") {
        if (auto sd = object.find("stringData"); sd != object.end()) {
            if (sd->is_object()) {
                for (auto it = sd->begin(); it != sd->end(); ++it) {
                    if (it->is_string())
                        object["data"][it.key()] = core::base64Encode(it->get<std::string>());
                }
            }
            object.erase("stringData");
        }
    }
    for (const auto& d : type.defaults) fillDefault(object, split(d.path, '.'), 0, d.value);
    if (hasHook(type, "serviceDefaults")) {
        Json& spec = object["spec"];
        const std::string svcType = spec.value("type", "ClusterIP");
        if (svcType != "ExternalName") {
            if (old && old->contains("spec") && (*old)["spec"].contains("clusterIP")) {
                if (!spec.contains("clusterIP")) spec["clusterIP"] = (*old)["spec"]["clusterIP"];
            } else if (!spec.contains("clusterIP")) {
                spec["clusterIP"] = "10.96." + std::to_string(rng.below(254) + 1) + "." +
                                    std::to_string(rng.below(253) + 2);
            }
            if (spec["clusterIP"] != "None" && !spec.contains("clusterIPs")) {
                spec["clusterIPs"] = Json::array({spec["clusterIP"]});
            }
            if (!spec.contains("ipFamilies")) spec["ipFamilies"] = Json::array({"IPv4"});
            if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";
            if (!spec.contains("internalTrafficPolicy")) spec["internalTrafficPolicy"] = "Cluster";
        }
        if (auto ports = spec.find("ports"); ports != spec.end() && ports->is_array()) {
            for (auto& p : *ports) {
                if (p.is_object() && !p.contains("targetPort") && p.contains("port")) {
                    p["targetPort"] = p["port"];
                }
            }
        }
        if (!object.contains("status")) object["status"] = {{"loadBalancer", Json::object()}};
    }
}

void validateBuiltin(const ResourceType& type, const Json& object, const Json* old,
                     std::vector<StatusCause>& errs) {
    for (const auto& path : type.required) {
        const Json* v = at(object, path);
        if (!v || v->is_null() || (v->is_array() && v->empty()) ||
            (v->is_string() && v->get_ref<const std::string&>().empty())) {
            errs.push_back({"FieldValueRequired", "Required value", path});
        }
    }
    if (old) {
        for (const auto& path : type.immutable) {
            const Json* a = at(object, path);
            const Json* b = at(*old, path);
            if ((a ? *a : Json()) != (b ? *b : Json())) {
                errs.push_back(
                    {"FieldValueInvalid",
                     "Invalid value: " + (a ? a->dump() : "null") + ": field is immutable", path});
            }
        }
    }
    if (type.group.empty() && (type.kind == "Secret" || type.kind == "ConfigMap")) {
        if (type.kind == "Secret") {
            if (auto data = object.find("data"); data != object.end() && data->is_object()) {
                for (auto it = data->begin(); it != data->end(); ++it) {
                    if (!it->is_string() || !isBase64(it->get<std::string>())) {
                        errs.push_back({"FieldValueInvalid",
                                        "Invalid value: " + it->dump() +
                                            ": a valid secret value must be base64 encoded",
                                        "data[" + it.key() + "]"});
                    }
                }
            }
        }
        if (old && old->value("immutable", false)) {
            for (const char* field : {"data", "binaryData", "stringData"}) {
                if (object.value(field, Json()) != old->value(field, Json())) {
                    errs.push_back({"FieldValueForbidden",
                                    "Forbidden: field is immutable when `immutable` is set",
                                    field});
                }
            }
            if (!object.value("immutable", false)) {
                errs.push_back({"FieldValueForbidden",
                                "Forbidden: field is immutable when `immutable` is set",
                                "immutable"});
            }
        }
    }
    if (hasHook(type, "selectorMatchesTemplate")) {
        const Json* sel = at(object, "spec.selector");
        const Json* labels = at(object, "spec.template.metadata.labels");
        std::optional<LabelSelector> parsed;
        if (sel && sel->is_object()) {
            try {
                parsed = LabelSelector::fromLabelSelectorJson(*sel);
            } catch (const SelectorError& e) {
                invalidSelector(*sel, e.what(), errs);
            }
        }
        if (parsed) {
            const LabelSelector& selector = *parsed;
            if (selector.empty()) {
                errs.push_back(
                    {"FieldValueInvalid",
                     "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
                     "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty "
                     "selector is invalid for deployment",
                     "spec.selector"});
            } else if (!selector.matches(labels ? *labels : Json())) {
                std::string shown = "map[string]string{";
                bool first = true;
                if (labels && labels->is_object()) {
                    for (auto it = labels->begin(); it != labels->end(); ++it) {
                        shown += (first ? "" : ", ") + Json(it.key()).dump() + ":" + it->dump();
                        first = false;
                    }
                }
                shown += "}";
                errs.push_back(
                    {"FieldValueInvalid",
                     "Invalid value: " + shown + ": `selector` does not match template `labels`",
                     "spec.template.metadata.labels"});
            }
        }
        if (const Json* r = at(object, "spec.replicas");
            r && r->is_number_integer() && r->get<long long>() < 0) {
            errs.push_back({"FieldValueInvalid",
                            "Invalid value: " + r->dump() + ": must be greater than or equal to 0",
                            "spec.replicas"});
        }
    }
}

}  // namespace mcpsim::apiserver
