// Discovery (/version, /api, /apis, legacy lists) and OpenAPI v3, all derived from the registry.
#include <set>

#include "api_server_impl.hpp"

namespace mcpsim::apiserver {

namespace {

const Json kVerbs = {"create", "delete", "deletecollection", "get",
                     "list",   "patch",  "update",           "watch"};

Json responseKind(const std::string& group, const std::string& version, const std::string& kind) {
    return {{"group", group}, {"version", version}, {"kind", kind}};
}

// Subresources as discovery lists them: (name, response kind, verbs).
struct Sub {
    std::string name;
    Json kind;
    Json verbs;
};

std::vector<Sub> subresourcesOf(const ResourceType& t, const std::string& version) {
    std::vector<Sub> out;
    for (const auto& s : t.subresources) {
        if (s == "status") {
            out.push_back({s, responseKind(t.group, version, t.kind), {"get", "patch", "update"}});
        } else if (s == "scale") {
            out.push_back(
                {s, responseKind("autoscaling", "v1", "Scale"), {"get", "patch", "update"}});
        } else if (s == "log") {
            out.push_back({s, responseKind("", "v1", "Pod"), {"get"}});
        } else if (s == "exec" || s == "attach" || s == "portforward") {
            std::string kind = s == "exec"     ? "PodExecOptions"
                               : s == "attach" ? "PodAttachOptions"
                                               : "PodPortForwardOptions";
            out.push_back({s, responseKind("", "v1", kind), {"create", "get"}});
        } else if (s == "proxy") {
            std::string kind = t.kind + "ProxyOptions";
            out.push_back(
                {s, responseKind("", "v1", kind), {"create", "delete", "get", "patch", "update"}});
        } else if (s == "finalize") {
            out.push_back({s, responseKind("", "v1", "Namespace"), {"update"}});
        } else if (s == "binding") {
            out.push_back({s, responseKind("", "v1", "Binding"), {"create"}});
        } else if (s == "eviction") {
            out.push_back({s, responseKind("policy", "v1", "Eviction"), {"create"}});
        } else if (s == "ephemeralcontainers") {
            out.push_back({s, responseKind("", "v1", "Pod"), {"get", "patch", "update"}});
        }
    }
    return out;
}

// Groups in registry order, each with its served versions in preference order.
std::vector<std::pair<std::string, std::vector<std::string>>> groupsOf(const TypeRegistry& reg) {
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    for (const ResourceType* t : reg.all()) {
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const auto& g) { return g.first == t->group; });
        if (it == groups.end()) {
            groups.emplace_back(t->group, std::vector<std::string>{});
            it = std::prev(groups.end());
        }
        for (const auto& v : t->versions) {
            if (std::find(it->second.begin(), it->second.end(), v.name) == it->second.end()) {
                it->second.push_back(v.name);
            }
        }
    }
    return groups;
}

std::string versionLabel(int minor) {
    return "v1." + std::to_string(minor) + ".0";
}

}  // namespace

Json ApiServer::Impl::versionInfo() const {
    return {{"major", "1"},
            {"minor", std::to_string(options.kubeMinor)},
            {"gitVersion", versionLabel(options.kubeMinor)},
            {"gitCommit", "0000000000000000000000000000000000000000"},
            {"gitTreeState", "clean"},
            {"buildDate", "2026-01-01T00:00:00Z"},
            {"goVersion", "go1.23.4"},
            {"compiler", "gc"},
            {"platform", "linux/amd64"}};
}

Json ApiServer::Impl::aggregatedDiscovery(bool core, const std::string& apiVersion) const {
    Json items = Json::array();
    for (const auto& [group, versions] : groupsOf(registry)) {
        if (core != group.empty()) continue;
        Json groupItem = {{"metadata", {{"name", group}}}, {"versions", Json::array()}};
        if (core) groupItem["metadata"] = {{"creationTimestamp", nullptr}};
        for (const auto& version : versions) {
            Json resources = Json::array();
            for (const ResourceType* t : registry.all()) {
                if (t->group != group || !t->version(version)) continue;
                Json r = {{"resource", t->plural},
                          {"responseKind", responseKind(t->group, version, t->kind)},
                          {"scope", t->namespaced ? "Namespaced" : "Cluster"},
                          {"singularResource", t->singular},
                          {"verbs", kVerbs}};
                if (!t->shortNames.empty()) r["shortNames"] = t->shortNames;
                if (!t->categories.empty()) r["categories"] = t->categories;
                Json subs = Json::array();
                for (const auto& s : subresourcesOf(*t, version)) {
                    subs.push_back(
                        {{"subresource", s.name}, {"responseKind", s.kind}, {"verbs", s.verbs}});
                }
                if (!subs.empty()) r["subresources"] = subs;
                resources.push_back(std::move(r));
            }
            groupItem["versions"].push_back(
                {{"version", version}, {"resources", resources}, {"freshness", "Current"}});
        }
        items.push_back(std::move(groupItem));
    }
    return {{"kind", "APIGroupDiscoveryList"},
            {"apiVersion", apiVersion},
            {"metadata", Json::object()},
            {"items", items}};
}

Json ApiServer::Impl::legacyApiVersions() const {
    return {{"kind", "APIVersions"},
            {"versions", {"v1"}},
            {"serverAddressByClientCIDRs",
             {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "127.0.0.1:6443"}}}}};
}

std::optional<Json> ApiServer::Impl::legacyGroup(const std::string& group) const {
    for (const auto& [g, versions] : groupsOf(registry)) {
        if (g != group || g.empty()) continue;
        Json vs = Json::array();
        for (const auto& v : versions)
            vs.push_back({{"groupVersion", g + "/" + v}, {"version", v}});
        return Json{{"kind", "APIGroup"},
                    {"apiVersion", "v1"},
                    {"name", g},
                    {"versions", vs},
                    {"preferredVersion", vs[0]}};
    }
    return std::nullopt;
}

Json ApiServer::Impl::legacyGroupList() const {
    Json groups = Json::array();
    for (const auto& [g, versions] : groupsOf(registry)) {
        if (g.empty()) continue;
        Json group = *legacyGroup(g);
        group.erase("kind");
        group.erase("apiVersion");
        groups.push_back(group);
    }
    return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<Json> ApiServer::Impl::legacyResourceList(const std::string& group,
                                                        const std::string& version) const {
    Json resources = Json::array();
    bool any = false;
    for (const ResourceType* t : registry.all()) {
        if (t->group != group || !t->version(version)) continue;
        any = true;
        Json r = {{"name", t->plural},
                  {"singularName", t->singular},
                  {"namespaced", t->namespaced},
                  {"kind", t->kind},
                  {"verbs", kVerbs}};
        if (!t->shortNames.empty()) r["shortNames"] = t->shortNames;
        if (!t->categories.empty()) r["categories"] = t->categories;
        resources.push_back(std::move(r));
        for (const auto& s : subresourcesOf(*t, version)) {
            Json sub = {{"name", t->plural + "/" + s.name},
                        {"singularName", ""},
                        {"namespaced", t->namespaced},
                        {"kind", s.kind["kind"]},
                        {"verbs", s.verbs}};
            if (!s.kind["group"].get<std::string>().empty()) sub["group"] = s.kind["group"];
            if (s.kind["version"] != version) sub["version"] = s.kind["version"];
            resources.push_back(std::move(sub));
        }
    }
    if (!any) return std::nullopt;
    return Json{{"kind", "APIResourceList"},
                {"apiVersion", "v1"},
                {"groupVersion", group.empty() ? version : group + "/" + version},
                {"resources", resources}};
}

Json ApiServer::Impl::openApiIndex() const {
    Json paths = Json::object();
    const std::string hash = std::to_string(registry.epoch());
    for (const auto& [g, versions] : groupsOf(registry)) {
        for (const auto& v : versions) {
            std::string key = g.empty() ? "api/" + v : "apis/" + g + "/" + v;
            paths[key] = {{"serverRelativeURL", "/openapi/v3/" + key + "?hash=" + hash}};
        }
    }
    return {{"paths", paths}};
}

std::optional<Json> ApiServer::Impl::openApiDocument(const std::string& group,
                                                     const std::string& version) const {
    Json paths = Json::object();
    Json schemas = Json::object();
    bool any = false;
    for (const ResourceType* t : registry.all()) {
        if (t->group != group) continue;
        const VersionSpec* vs = t->version(version);
        if (!vs) continue;
        any = true;
        const std::string base =
            group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
        const std::string path =
            base + (t->namespaced ? "/namespaces/{namespace}/" : "/") + t->plural + "/{name}";
        const Json gvk = {{"group", group}, {"version", version}, {"kind", t->kind}};
        // kubectl looks for a PATCH with this GVK declaring fieldValidation to choose
        // server-side field validation.
        Json params = Json::array(
            {{{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
             {{"name", "fieldManager"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
             {{"name", "dryRun"}, {"in", "query"}, {"schema", {{"type", "string"}}}}});
        paths[path] = {{"patch",
                        {{"x-kubernetes-group-version-kind", gvk},
                         {"x-kubernetes-action", "patch"},
                         {"parameters", params},
                         {"responses", {{"200", {{"description", "OK"}}}}}}}};
        if (vs->openApiSchema && !vs->openApiSchema->is_null()) {
            std::string schemaName = (group.empty() ? std::string("io.k8s.api.core") : group) +
                                     "." + version + "." + t->kind;
            Json s = *vs->openApiSchema;
            s["x-kubernetes-group-version-kind"] = Json::array({gvk});
            schemas[schemaName] = s;
        }
    }
    if (!any) return std::nullopt;
    return Json{{"openapi", "3.0.0"},
                {"info", {{"title", "Kubernetes"}, {"version", versionLabel(options.kubeMinor)}}},
                {"paths", paths},
                {"components", {{"schemas", schemas}}}};
}

}  // namespace mcpsim::apiserver
