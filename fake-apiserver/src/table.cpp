// meta.k8s.io/v1 Table responses for `kubectl get`: printer columns from the type table or the
// CRD's additionalPrinterColumns, cells rendered as the apiserver renders them.
#include <functional>
#include <map>

#include "api_server_impl.hpp"
#include "jsonpath.hpp"
#include "mcpsim/core/go_format.hpp"

namespace mcpsim::apiserver {

namespace {

using Cell = std::function<Json(const Json& obj, core::WallTime now)>;

std::string str(const Json& o, const Json::json_pointer& p, const std::string& dflt = "") {
    if (!o.contains(p)) return dflt;
    const Json& v = o.at(p);
    return v.is_string() ? v.get<std::string>() : (v.is_null() ? dflt : v.dump());
}

std::string ageSince(const std::string& timestamp, core::WallTime now) {
    auto t = core::parseRfc3339(timestamp);
    if (!t) return "<unknown>";
    return core::humanDuration(now - *t);
}

std::string joinLabels(const Json& m) {
    std::string out;
    for (auto it = m.begin(); m.is_object() && it != m.end(); ++it) {
        if (!out.empty()) out += ",";
        out += it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump());
    }
    return out;
}

const std::map<std::string, Cell>& cellFunctions() {
    static const std::map<std::string, Cell> fns = {
        {"age",
         [](const Json& o, core::WallTime now) {
             return Json(ageSince(str(o, "/metadata/creationTimestamp"_json_pointer), now));
         }},
        {"dataCount",
         [](const Json& o, core::WallTime) {
             std::size_t n = 0;
             for (const char* k : {"data", "binaryData"}) {
                 if (o.contains(k) && o[k].is_object()) n += o[k].size();
             }
             return Json(n);
         }},
        {"secretsCount",
         [](const Json& o, core::WallTime) {
             return Json(o.contains("secrets") && o["secrets"].is_array() ? o["secrets"].size()
                                                                          : 0);
         }},
        {"serviceClusterIP",
         [](const Json& o, core::WallTime) {
             if (str(o, "/spec/type"_json_pointer) == "ExternalName") return Json("<none>");
             return Json(str(o, "/spec/clusterIP"_json_pointer, "<none>"));
         }},
        {"serviceExternalIP",
         [](const Json& o, core::WallTime) {
             const std::string type = str(o, "/spec/type"_json_pointer);
             if (type == "ExternalName") return Json(str(o, "/spec/externalName"_json_pointer));
             if (type == "LoadBalancer") {
                 std::string ips;
                 for (const auto& in :
                      o.value("/status/loadBalancer/ingress"_json_pointer, Json::array())) {
                     if (!ips.empty()) ips += ",";
                     ips += in.value("ip", in.value("hostname", ""));
                 }
                 return Json(ips.empty() ? "<pending>" : ips);
             }
             std::string ext;
             for (const auto& ip : o.value("/spec/externalIPs"_json_pointer, Json::array())) {
                 if (!ext.empty()) ext += ",";
                 ext += ip.get<std::string>();
             }
             return Json(ext.empty() ? "<none>" : ext);
         }},
        {"servicePorts",
         [](const Json& o, core::WallTime) {
             std::string out;
             for (const auto& p : o.value("/spec/ports"_json_pointer, Json::array())) {
                 if (!out.empty()) out += ",";
                 out += std::to_string(p.value("port", 0));
                 if (p.contains("nodePort")) out += ":" + std::to_string(p.value("nodePort", 0));
                 out += "/" + p.value("protocol", std::string("TCP"));
             }
             return Json(out.empty() ? "<none>" : out);
         }},
        {"serviceSelector",
         [](const Json& o, core::WallTime) {
             std::string s = joinLabels(o.value("/spec/selector"_json_pointer, Json::object()));
             return Json(s.empty() ? "<none>" : s);
         }},
        {"endpointsList",
         [](const Json& o, core::WallTime) {
             std::vector<std::string> eps;
             for (const auto& subset : o.value("subsets", Json::array())) {
                 for (const auto& a : subset.value("addresses", Json::array())) {
                     auto ports = subset.value("ports", Json::array());
                     if (ports.empty()) eps.push_back(a.value("ip", ""));
                     for (const auto& p : ports) {
                         eps.push_back(a.value("ip", "") + ":" +
                                       std::to_string(p.value("port", 0)));
                     }
                 }
             }
             if (eps.empty()) return Json("<none>");
             std::string out;
             for (std::size_t i = 0; i < eps.size() && i < 3; ++i) out += (i ? "," : "") + eps[i];
             if (eps.size() > 3) out += " + " + std::to_string(eps.size() - 3) + " more...";
             return Json(out);
         }},
        {"podReady",
         [](const Json& o, core::WallTime) {
             std::size_t total = o.value("/spec/containers"_json_pointer, Json::array()).size();
             std::size_t ready = 0;
             for (const auto& c :
                  o.value("/status/containerStatuses"_json_pointer, Json::array())) {
                 if (c.value("ready", false)) ++ready;
             }
             return Json(std::to_string(ready) + "/" + std::to_string(total));
         }},
        {"podStatus",
         [](const Json& o, core::WallTime) {
             if (o.contains("/metadata/deletionTimestamp"_json_pointer)) return Json("Terminating");
             std::string reason = str(o, "/status/reason"_json_pointer);
             if (reason.empty()) reason = str(o, "/status/phase"_json_pointer, "Pending");
             for (const auto& c :
                  o.value("/status/containerStatuses"_json_pointer, Json::array())) {
                 if (c.contains("/state/waiting/reason"_json_pointer)) {
                     reason = c["state"]["waiting"]["reason"].get<std::string>();
                 } else if (c.contains("/state/terminated/reason"_json_pointer)) {
                     reason = c["state"]["terminated"]["reason"].get<std::string>();
                 }
             }
             return Json(reason);
         }},
        {"podRestarts",
         [](const Json& o, core::WallTime) {
             long long n = 0;
             for (const auto& c :
                  o.value("/status/containerStatuses"_json_pointer, Json::array())) {
                 n += c.value("restartCount", 0);
             }
             return Json(std::to_string(n));
         }},
        {"podReadinessGates", [](const Json&, core::WallTime) { return Json("<none>"); }},
        {"deploymentReady",
         [](const Json& o, core::WallTime) {
             return Json(std::to_string(o.value("/status/readyReplicas"_json_pointer, 0)) + "/" +
                         std::to_string(o.value("/spec/replicas"_json_pointer, 1)));
         }},
        {"templateContainers",
         [](const Json& o, core::WallTime) {
             std::string out;
             for (const auto& c :
                  o.value("/spec/template/spec/containers"_json_pointer, Json::array())) {
                 out += (out.empty() ? "" : ",") + c.value("name", std::string());
             }
             return Json(out);
         }},
        {"templateImages",
         [](const Json& o, core::WallTime) {
             std::string out;
             for (const auto& c :
                  o.value("/spec/template/spec/containers"_json_pointer, Json::array())) {
                 out += (out.empty() ? "" : ",") + c.value("image", std::string());
             }
             return Json(out);
         }},
        {"labelSelector",
         [](const Json& o, core::WallTime) {
             std::string s =
                 joinLabels(o.value("/spec/selector/matchLabels"_json_pointer, Json::object()));
             return Json(s.empty() ? "<none>" : s);
         }},
        {"eventLastSeen",
         [](const Json& o, core::WallTime now) {
             std::string t = str(o, "/lastTimestamp"_json_pointer);
             if (t.empty()) t = str(o, "/eventTime"_json_pointer);
             if (t.empty()) t = str(o, "/metadata/creationTimestamp"_json_pointer);
             return Json(ageSince(t, now));
         }},
        {"eventFirstSeen",
         [](const Json& o, core::WallTime now) {
             std::string t = str(o, "/firstTimestamp"_json_pointer);
             if (t.empty()) t = str(o, "/eventTime"_json_pointer);
             return Json(ageSince(t, now));
         }},
        {"eventObject",
         [](const Json& o, core::WallTime) {
             std::string kind = str(o, "/involvedObject/kind"_json_pointer);
             std::transform(kind.begin(), kind.end(), kind.begin(), ::tolower);
             return Json(kind + "/" + str(o, "/involvedObject/name"_json_pointer));
         }},
        {"eventSource",
         [](const Json& o, core::WallTime) {
             std::string s = str(o, "/source/component"_json_pointer);
             std::string host = str(o, "/source/host"_json_pointer);
             if (!host.empty()) s += ", " + host;
             return Json(s);
         }},
        {"nodeStatus",
         [](const Json& o, core::WallTime) {
             for (const auto& c : o.value("/status/conditions"_json_pointer, Json::array())) {
                 if (c.value("type", "") == "Ready") {
                     return Json(c.value("status", "") == "True" ? "Ready" : "NotReady");
                 }
             }
             return Json("Unknown");
         }},
        {"nodeRoles",
         [](const Json& o, core::WallTime) {
             std::string roles;
             const std::string prefix = "node-role.kubernetes.io/";
             const Json labels = o.value("/metadata/labels"_json_pointer, Json::object());
             for (auto it = labels.begin(); it != labels.end(); ++it) {
                 const std::string& k = it.key();
                 if (k.rfind(prefix, 0) == 0)
                     roles += (roles.empty() ? "" : ",") + k.substr(prefix.size());
             }
             return Json(roles.empty() ? "<none>" : roles);
         }},
        {"nodeInternalIP",
         [](const Json& o, core::WallTime) {
             for (const auto& a : o.value("/status/addresses"_json_pointer, Json::array())) {
                 if (a.value("type", "") == "InternalIP") return Json(a.value("address", ""));
             }
             return Json("<none>");
         }},
        {"nodeExternalIP",
         [](const Json& o, core::WallTime) {
             for (const auto& a : o.value("/status/addresses"_json_pointer, Json::array())) {
                 if (a.value("type", "") == "ExternalIP") return Json(a.value("address", ""));
             }
             return Json("<none>");
         }},
        {"sliceports",
         [](const Json& o, core::WallTime) {
             std::string out;
             for (const auto& p : o.value("ports", Json::array())) {
                 out += (out.empty() ? "" : ",") + std::to_string(p.value("port", 0));
             }
             return Json(out.empty() ? "<unset>" : out);
         }},
        {"sliceEndpoints",
         [](const Json& o, core::WallTime) {
             std::string out;
             for (const auto& e : o.value("endpoints", Json::array())) {
                 for (const auto& a : e.value("addresses", Json::array())) {
                     out += (out.empty() ? "" : ",") + a.get<std::string>();
                 }
             }
             return Json(out.empty() ? "<unset>" : out);
         }},
        {"bindingRole",
         [](const Json& o, core::WallTime) {
             return Json(str(o, "/roleRef/kind"_json_pointer) + "/" +
                         str(o, "/roleRef/name"_json_pointer));
         }},
    };
    return fns;
}

Json columnCell(const PrinterColumn& col, const Json& obj, core::WallTime now) {
    if (!col.compute.empty()) {
        auto it = cellFunctions().find(col.compute);
        return it == cellFunctions().end() ? Json() : it->second(obj, now);
    }
    std::vector<Json> matches = evalJsonPath(col.jsonPath, obj);
    Json cell = printerCell(matches, col.raw ? "string" : col.type, now);
    if (cell.is_null()) {
        if (col.zero) return 0;
        if (!col.none.empty()) return col.none;
    }
    return cell;
}

Json partialMetadata(const Json& obj) {
    Json md = obj.value("metadata", Json::object());
    return {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", md}};
}

}  // namespace

Json buildTable(const ResourceType& type, const std::string& version,
                const std::vector<Json>& objects, const std::string& includeObject,
                const std::string& resourceVersion, core::WallTime now) {
    const VersionSpec* vs = type.version(version);
    std::vector<PrinterColumn> columns = vs ? vs->columns : std::vector<PrinterColumn>{};
    if (columns.empty()) {
        PrinterColumn age;
        age.name = "Age";
        age.type = "date";
        age.jsonPath = ".metadata.creationTimestamp";
        columns.push_back(age);
    }
    Json defs = Json::array();
    const bool leadingName = type.nameColumnPriority == 0;
    if (leadingName) {
        defs.push_back({{"name", "Name"},
                        {"type", "string"},
                        {"format", "name"},
                        {"description",
                         "Name must be unique within a namespace. Is required when creating "
                         "resources, although some resources may allow a client to request the "
                         "generation of an appropriate name automatically. Name is primarily "
                         "intended for creation idempotence and configuration definition. Cannot "
                         "be updated. More info: "
                         "https://kubernetes.io/docs/concepts/overview/working-with-objects/"
                         "names#names"},
                        {"priority", 0}});
    }
    for (const auto& c : columns) {
        std::string format = c.format;
        if (!leadingName && c.name == "Name") format = "name";
        defs.push_back({{"name", c.name},
                        {"type", c.type == "date" && !type.crd ? "string" : c.type},
                        {"format", format},
                        {"description", c.description},
                        {"priority", c.priority}});
    }
    Json rows = Json::array();
    for (const Json& obj : objects) {
        Json cells = Json::array();
        if (leadingName) cells.push_back(obj.value("/metadata/name"_json_pointer, std::string()));
        for (const auto& c : columns) cells.push_back(columnCell(c, obj, now));
        Json row = {{"cells", cells}};
        if (includeObject == "Object") {
            row["object"] = obj;
        } else if (includeObject != "None") {
            row["object"] = partialMetadata(obj);
        }
        rows.push_back(std::move(row));
    }
    return {{"kind", "Table"},
            {"apiVersion", "meta.k8s.io/v1"},
            {"metadata", {{"resourceVersion", resourceVersion}}},
            {"columnDefinitions", defs},
            {"rows", rows}};
}

}  // namespace mcpsim::apiserver
