// The HTTP surface kubectl talks to: URL routing, content negotiation (JSON, Table, aggregated
// discovery), body decoding (JSON, YAML, Kubernetes protobuf), watch streams and pod logs.
// Errors are metav1.Status bodies with the matching HTTP code.
#include <boost/asio/io_context.hpp>

#include <strings.h>

#include "api_server_impl.hpp"
#include "mcpsim/core/go_json.hpp"
#include "mcpsim/core/yaml.hpp"
#include "protobuf_decode.hpp"

namespace mcpsim::apiserver {

using core::kube::ApiError;
using core::kube::ApiException;

namespace {

const char* kJson = "application/json";
constexpr std::size_t kWatchBacklogBytes = 8 * 1024 * 1024;
const char* kTable = "application/json;as=Table;v=v1;g=meta.k8s.io";

[[noreturn]] void raise(ApiError e) {
    throw ApiException(std::move(e));
}

// Go's encoder writes a byte that is not UTF-8 as U+FFFD; nlohmann's default would throw.
std::string encodeJson(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

http::Response jsonResponse(int status, const Json& body, const char* type = kJson) {
    return http::makeResponse(status, type, encodeJson(body) + "\n");
}

http::Response errorResponse(const ApiError& e) {
    return jsonResponse(e.code, e.toStatus());
}

std::vector<std::string> splitPath(const std::string& path) {
    std::vector<std::string> segs;
    std::size_t pos = 0;
    while (pos < path.size()) {
        auto slash = path.find('/', pos);
        if (slash == std::string::npos) slash = path.size();
        if (slash > pos) segs.push_back(path.substr(pos, slash - pos));
        pos = slash + 1;
    }
    return segs;
}

bool wantsTable(const http::Request& req) {
    return req.headers.value("Accept").find("as=Table") != std::string::npos;
}

// Go's strconv.ParseBool spellings of true, which the apiserver accepts in query parameters.
bool truthy(const std::optional<std::string>& v) {
    return v &&
           (*v == "1" || *v == "t" || *v == "T" || *v == "true" || *v == "TRUE" || *v == "True");
}

std::string mediaType(const std::string& contentType) {
    std::string t = contentType.substr(0, contentType.find(';'));
    while (!t.empty() && t.back() == ' ') t.pop_back();
    return t;
}

// The apiserver quotes the start of an undecodable body: text if it looks like an object, else hex.
std::string summarizeBody(const std::string& data) {
    constexpr std::size_t kMax = 30;
    if (data.empty()) return "<empty>";
    std::string head = data.substr(0, kMax);
    if (data[0] != '{') {
        static const char hex[] = "0123456789abcdef";
        std::string h;
        for (unsigned char c : head) {
            h += hex[c >> 4];
            h += hex[c & 15];
        }
        head = h;
    }
    return data.size() > kMax ? head + " ..." : head;
}

// Decodes a create/update body: JSON, YAML or (kubectl 1.32+ generators) protobuf.
Json decodeObjectBody(const ApiServer::Impl& impl, const http::Request& req,
                      const ResourceType& type) {
    const TypeRegistry& registry = impl.registry;
    const std::string ct = mediaType(req.headers.value("Content-Type"));
    if (ct == "application/vnd.kubernetes.protobuf" || isKubernetesProtobuf(req.body)) {
        try {
            return decodeKubernetesProtobuf(req.body);
        } catch (const ProtobufUnsupportedKindError&) {
            raise(core::kube::unsupportedMediaType(ct, {"application/json", "application/yaml",
                                                        "application/vnd.kubernetes.protobuf"}));
        } catch (const ProtobufError& e) {
            raise(core::kube::badRequest(e.what()));
        }
    }
    if (!ct.empty() && ct != "application/json" && ct != "application/yaml" && ct != "*/*") {
        raise(core::kube::unsupportedMediaType(
            ct, {"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"}));
    }
    Json body;
    if (ct == "application/yaml") {
        try {
            body = core::parseYaml(req.body);
        } catch (const core::YamlError& e) {
            // go-yaml names the line for parse errors, not for the reader's encoding errors.
            // (sigs.k8s.io/yaml's JSON step reports "json: ..." errors without that prefix.)
            const std::string what = e.what();
            const std::string where = e.line ? "line " + std::to_string(e.line) + ": " : "";
            raise(core::kube::badRequest(
                "error converting YAML to JSON: " +
                (what.rfind("json: ", 0) == 0 ? what : "yaml: " + where + what)));
        }
    } else if (auto syntax = core::goJsonSyntaxError(req.body)) {
        raise(core::kube::badRequest("the object provided is unrecognized (must be of type " +
                                     type.kind +
                                     "): couldn't get version/kind; json parse error: " + *syntax +
                                     " (" + summarizeBody(req.body) + ")"));
    } else {
        body = core::goJsonDecode(req.body);
    }
    if (!body.is_object()) {
        std::string goType = body.is_array()     ? "array"
                             : body.is_string()  ? "string"
                             : body.is_number()  ? "number"
                             : body.is_boolean() ? "bool"
                                                 : "null";
        raise(core::kube::badRequest(
            "the object provided is unrecognized (must be of type " + type.kind +
            "): couldn't get version/kind; json parse error: json: cannot unmarshal " + goType +
            " into Go value of type struct { APIVersion string "
            "\"json:\\\"apiVersion,omitempty\\\"\"; "
            "Kind string \"json:\\\"kind,omitempty\\\"\" } (" +
            summarizeBody(req.body) + ")"));
    }
    // Creation-time generators (1.31) send "creationTimestamp": null; drop it like decoding does.
    if (body.contains("metadata") && body["metadata"].is_object() &&
        body["metadata"].contains("creationTimestamp") &&
        body["metadata"]["creationTimestamp"].is_null()) {
        body["metadata"].erase("creationTimestamp");
    }
    const std::string kind = body.value("kind", "");
    if (!kind.empty() && kind != type.kind) {
        if (type.crd) {
            raise(core::kube::invalid(
                type.qualifiedKind(), type.group, type.kind,
                body.value("/metadata/name"_json_pointer, std::string()),
                {{"FieldValueInvalid",
                  "Invalid value: " + Json(kind).dump() + ": must be " + type.kind, "kind"}}));
        }
        std::string apiVersion = body.value("apiVersion", "");
        std::string version = apiVersion.substr(apiVersion.find('/') + 1);
        const ResourceType* other = registry.byKind(type.group, kind);
        raise(core::kube::badRequest(
            kind + " in version \"" + version + "\" cannot be handled as a " + type.kind + ": " +
            (other ? "converting (" + version + "." + kind + ") to (" +
                         (type.group.empty() ? std::string("core") : type.group) + "." + type.kind +
                         "): unknown conversion"
                   : "no kind \"" + kind + "\" is registered for version \"" + apiVersion +
                         "\" in scheme \"pkg/api/legacyscheme/scheme.go:30\"")));
    }
    return body;
}

WriteContext writeContext(const http::Request& req) {
    WriteContext ctx;
    ctx.fieldManager = req.query("fieldManager").value_or("");
    ctx.dryRun = req.query("dryRun").has_value();
    ctx.fieldValidation = req.query("fieldValidation").value_or("");
    ctx.force = truthy(req.query("force"));
    if (ctx.fieldManager.empty()) {
        // The apiserver derives a manager from the user agent when none is given.
        std::string ua = req.headers.value("User-Agent");
        ctx.fieldManager = ua.substr(0, ua.find('/'));
        if (ctx.fieldManager.empty()) ctx.fieldManager = "unknown";
    }
    return ctx;
}

http::Response withWarnings(http::Response r, const std::vector<std::string>& warnings) {
    for (const auto& w : warnings) r.headers.add("Warning", "299 - " + Json(w).dump());
    return r;
}

}  // namespace

void ApiServer::Impl::handle(http::Request&& req, http::Reply reply) {
    ++requests;
    try {
        const std::string path = req.path();
        const auto segs = splitPath(path);
        if (req.method != "GET" && req.method != "HEAD" && req.method != "POST" &&
            req.method != "PUT" && req.method != "PATCH" && req.method != "DELETE") {
            raise(ApiError{405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource"});
        }
        if (path == "/version" || path == "/version/") {
            reply(jsonResponse(200, versionInfo()));
            return;
        }
        if (path == "/metrics") {
            reply(
                http::makeResponse(200, "text/plain; version=0.0.4; charset=utf-8", metricsText()));
            return;
        }
        if (path == "/healthz" || path == "/livez" || path == "/readyz") {
            reply(http::makeResponse(200, "text/plain; charset=utf-8", "ok"));
            return;
        }
        const std::string accept = req.headers.value("Accept");
        if (path == "/api" || path == "/apis") {
            const bool core = path == "/api";
            if (accept.find("as=APIGroupDiscoveryList") != std::string::npos) {
                // kubectl 1.27 only knows v2beta1; newer ones ask for v2 first.
                const bool v2 = accept.find("v=v2;") != std::string::npos ||
                                accept.find("v=v2,") != std::string::npos ||
                                (accept.find("v=v2") != std::string::npos &&
                                 accept.find("v=v2beta1") == std::string::npos);
                const std::string version = v2 ? "v2" : "v2beta1";
                reply(jsonResponse(
                    200, aggregatedDiscovery(core, "apidiscovery.k8s.io/" + version),
                    v2 ? "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
                       : "application/"
                         "json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"));
            } else {
                reply(jsonResponse(200, core ? legacyApiVersions() : legacyGroupList()));
            }
            return;
        }
        if (path == "/openapi/v2" && accept.find("protobuf") != std::string::npos) {
            reply(http::makeResponse(200,
                                     "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
                                     openApiV2Protobuf(registry, options.kubeMinor)));
            return;
        }
        if (segs.size() >= 1 && segs[0] == "openapi") {
            if (segs.size() == 2 && segs[1] == "v3") {
                reply(jsonResponse(200, openApiIndex()));
                return;
            }
            if (segs.size() >= 3 && segs[1] == "v3") {
                std::optional<Json> doc;
                if (segs.size() == 4 && segs[2] == "api") doc = openApiDocument("", segs[3]);
                if (segs.size() == 5 && segs[2] == "apis") doc = openApiDocument(segs[3], segs[4]);
                if (doc) {
                    reply(jsonResponse(200, *doc));
                    return;
                }
            }
            // No JSON OpenAPI v2: kubectl then uses its compiled-in patch strategies.
            raise(core::kube::genericNotFound());
        }
        ResourceRequest rr;
        std::size_t rest = 0;
        if (segs.size() >= 2 && segs[0] == "api") {
            rr.version = segs[1];
            rest = 2;
            if (segs.size() == 2) {
                if (auto list = legacyResourceList("", rr.version)) {
                    reply(jsonResponse(200, *list));
                    return;
                }
                raise(core::kube::genericNotFound());
            }
        } else if (segs.size() >= 2 && segs[0] == "apis") {
            if (segs.size() == 2) {
                if (auto g = legacyGroup(segs[1])) {
                    reply(jsonResponse(200, *g));
                    return;
                }
                raise(core::kube::genericNotFound());
            }
            rr.version = segs[2];
            rest = 3;
            if (segs.size() == 3) {
                if (auto list = legacyResourceList(segs[1], rr.version)) {
                    reply(jsonResponse(200, *list));
                    return;
                }
                raise(core::kube::genericNotFound());
            }
        } else {
            raise(core::kube::genericNotFound());
        }
        const std::string group = segs[0] == "apis" ? segs[1] : "";
        std::vector<std::string> r(segs.begin() + static_cast<long>(rest), segs.end());
        auto lookup = [&](const std::string& plural) -> const ResourceType* {
            const ResourceType* t = registry.byResource(group, plural);
            return t && t->version(rr.version) ? t : nullptr;
        };
        if (r.size() >= 3 && r[0] == "namespaces" && lookup(r[2]) && lookup(r[2])->namespaced) {
            rr.ns = r[1];
            rr.type = lookup(r[2]);
            if (r.size() >= 4) rr.name = r[3];
            if (r.size() >= 5) rr.subresource = r[4];
            if (r.size() > 5 && rr.subresource != "proxy") raise(core::kube::genericNotFound());
        } else {
            rr.type = lookup(r[0]);
            if (!rr.type) raise(core::kube::genericNotFound());
            if (r.size() >= 2) rr.name = r[1];
            if (r.size() >= 3) rr.subresource = r[2];
            if (r.size() > 3) raise(core::kube::genericNotFound());
            // A namespaced kind addressed without a namespace only supports listing/watching.
            if (rr.type->namespaced && !rr.name.empty()) raise(core::kube::genericNotFound());
        }
        if (!rr.subresource.empty() && !rr.type->hasSubresource(rr.subresource)) {
            raise(core::kube::genericNotFound());
        }
        serveResource(req, rr, reply);
    } catch (const ApiException& e) {
        reply(errorResponse(e.error));
    } catch (const std::exception& e) {
        reply(errorResponse(core::kube::internalError(e.what())));
    }
}

void ApiServer::Impl::serveResource(const http::Request& req, ResourceRequest rr,
                                    http::Reply& reply) {
    const ResourceType& type = *rr.type;
    const ObjectKey key{type.namespaced ? rr.ns : "", rr.name};
    const std::string& method = req.method;
    auto table = [&](const std::vector<Json>& objects) {
        return buildTable(type, rr.version, objects,
                          req.query("includeObject").value_or("Metadata"),
                          std::to_string(store.resourceVersion()), rt.clock().now());
    };
    if (rr.subresource == "log") {
        if (method != "GET") raise(core::kube::methodNotSupported("pods/log", "", method));
        serveLogs(req, rr, reply);
        return;
    }
    if (rr.subresource == "proxy" && options.clusterNetwork && type.group.empty() &&
        (type.kind == "Service" || type.kind == "Pod")) {
        serveProxy(req, rr, reply);
        return;
    }
    if (rr.subresource == "exec" || rr.subresource == "attach" || rr.subresource == "portforward" ||
        rr.subresource == "proxy") {
        raise(core::kube::badRequest("Upgrade request required"));
    }
    const bool status = rr.subresource == "status";
    if (rr.subresource == "scale") {
        if (method == "GET" || method == "PUT" || method == "PATCH") {
            Json obj = engine.get(type, rr.version, key);
            if (method != "GET") {
                Json scale;
                if (method == "PUT") {
                    scale = core::goJsonDecode(req.body, false);
                } else {
                    scale = core::goJsonDecode(req.body, false);
                }
                if (scale.is_discarded() || !scale.is_object())
                    raise(core::kube::badRequest("invalid scale body"));
                auto replicas = scale.value("/spec/replicas"_json_pointer, Json());
                if (!replicas.is_number_integer())
                    raise(core::kube::badRequest("spec.replicas must be an integer"));
                Json patchBody = {{"spec", {{"replicas", replicas}}}};
                obj = engine
                          .patch(type, rr.version, key, PatchKind::Merge, patchBody.dump(),
                                 writeContext(req), false)
                          .object;
            }
            Json md = {{"name", obj["metadata"]["name"]},
                       {"namespace", obj["metadata"].value("namespace", "")},
                       {"uid", obj["metadata"]["uid"]},
                       {"resourceVersion", obj["metadata"]["resourceVersion"]},
                       {"creationTimestamp", obj["metadata"]["creationTimestamp"]}};
            Json scaleObj = {
                {"kind", "Scale"},
                {"apiVersion", "autoscaling/v1"},
                {"metadata", md},
                {"spec", {{"replicas", obj.value("/spec/replicas"_json_pointer, 0)}}},
                {"status",
                 {{"replicas", obj.value("/status/replicas"_json_pointer, 0)}, {"selector", ""}}}};
            reply(jsonResponse(200, scaleObj));
            return;
        }
        raise(core::kube::methodNotSupported(type.plural + "/scale", type.group, method));
    }
    if (method == "GET" || method == "HEAD") {
        if (rr.name.empty()) {
            if (truthy(req.query("watch"))) {
                serveWatch(req, rr, reply);
                return;
            }
            Json list =
                engine.list(type, rr.version, rr.ns, req.query("labelSelector").value_or(""),
                            req.query("fieldSelector").value_or(""));
            if (wantsTable(req)) {
                auto& arr = list["items"].get_ref<Json::array_t&>();
                std::vector<Json> items(std::make_move_iterator(arr.begin()),
                                        std::make_move_iterator(arr.end()));
                reply(jsonResponse(200, table(items), kTable));
            } else {
                reply(jsonResponse(200, list));
            }
            return;
        }
        Json obj = engine.get(type, rr.version, key);
        if (wantsTable(req)) {
            reply(jsonResponse(200, table({obj}), kTable));
        } else {
            reply(jsonResponse(200, obj));
        }
        return;
    }
    if (method == "POST") {
        if (!rr.name.empty())
            raise(core::kube::methodNotSupported(type.plural, type.group, "create"));
        Json body = decodeObjectBody(*this, req, type);
        faults.check(type, "create", false,
                     body.is_object() ? body.value("/metadata/name"_json_pointer, std::string())
                                      : std::string());
        WriteResult r = engine.create(type, rr.version, rr.ns, std::move(body), writeContext(req));
        reply(withWarnings(jsonResponse(201, r.object), r.warnings));
        return;
    }
    if (method == "PUT") {
        if (rr.name.empty())
            raise(core::kube::methodNotSupported(type.plural, type.group, "update"));
        Json body = decodeObjectBody(*this, req, type);
        faults.check(type, "update", status, key.name);
        WriteResult r =
            engine.update(type, rr.version, key, std::move(body), writeContext(req), status);
        reply(withWarnings(jsonResponse(200, r.object), r.warnings));
        return;
    }
    if (method == "PATCH") {
        if (rr.name.empty())
            raise(core::kube::methodNotSupported(type.plural, type.group, "patch"));
        const std::string ct = mediaType(req.headers.value("Content-Type"));
        PatchKind kind;
        if (ct == "application/json-patch+json") {
            kind = PatchKind::Json;
        } else if (ct == "application/merge-patch+json") {
            kind = PatchKind::Merge;
        } else if (ct == "application/strategic-merge-patch+json") {
            kind = PatchKind::Strategic;
        } else if (ct == "application/apply-patch+yaml" || ct == "application/apply-patch+cbor") {
            kind = PatchKind::Apply;
            if (!req.query("fieldManager")) {
                raise(core::kube::badRequest(
                    "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is "
                    "required for apply patch"));
            }
        } else {
            std::vector<std::string> ok = {"application/json-patch+json",
                                           "application/merge-patch+json",
                                           "application/apply-patch+yaml"};
            if (!type.crd) ok.insert(ok.begin() + 2, "application/strategic-merge-patch+json");
            raise(core::kube::unsupportedMediaType(ct, ok));
        }
        faults.check(type, "patch", status, key.name);
        WriteResult r =
            engine.patch(type, rr.version, key, kind, req.body, writeContext(req), status);
        reply(withWarnings(jsonResponse(r.created ? 201 : 200, r.object), r.warnings));
        return;
    }
    if (method == "DELETE") {
        Json options = req.body.empty() ? Json::object() : core::goJsonDecode(req.body, false);
        if (options.is_discarded()) raise(core::kube::badRequest("invalid DeleteOptions body"));
        if (auto pp = req.query("propagationPolicy")) options["propagationPolicy"] = *pp;
        faults.check(type, "delete", false, rr.name);
        if (rr.name.empty()) {
            reply(jsonResponse(200, engine.removeCollection(type, rr.version, rr.ns,
                                                            req.query("labelSelector").value_or(""),
                                                            req.query("fieldSelector").value_or(""),
                                                            writeContext(req))));
            return;
        }
        reply(jsonResponse(200, engine.remove(type, rr.version, key, options, writeContext(req))));
        return;
    }
    raise(core::kube::methodNotSupported(type.plural, type.group, method));
}

// services/NAME[:PORT]/proxy/PATH and pods/NAME[:PORT]/proxy/PATH: the request is forwarded
// into the cluster network, as the real API server proxies to a Service or pod.
void ApiServer::Impl::serveProxy(const http::Request& req, const ResourceRequest& rr,
                                 http::Reply& reply) {
    const ResourceType& type = *rr.type;
    std::string name = rr.name, port;
    if (auto colon = name.find(':'); colon != std::string::npos) {
        port = name.substr(colon + 1);
        name = name.substr(0, colon);
    }
    const Json obj = engine.get(type, rr.version, ObjectKey{rr.ns, name});
    http::Endpoint target;
    if (type.kind == "Service") {
        target.host = name + "." + rr.ns + ".svc.cluster.local";
        const Json ports = obj.value("/spec/ports"_json_pointer, Json::array());
        for (const auto& p : ports) {
            if (port.empty() || p.value("name", "") == port ||
                std::to_string(p.value("port", 0)) == port) {
                target.port = static_cast<std::uint16_t>(p.value("port", 0));
                break;
            }
        }
        if (target.port == 0) {
            raise(core::kube::internalError("no port " + port + " in service " + name));
        }
    } else {
        target.host = obj.value("/status/podIP"_json_pointer, std::string());
        if (target.host.empty()) raise(core::kube::badRequest("pod " + name + " has no IP"));
        target.port = static_cast<std::uint16_t>(port.empty() ? 80 : std::stoi(port));
    }
    const std::string marker = "/" + rr.name + "/proxy";
    std::string rest = req.target.substr(req.target.find(marker) + marker.size());
    if (rest.empty() || rest[0] != '/') rest = "/" + rest;
    http::Request forwarded;
    forwarded.method = req.method;
    forwarded.target = rest;
    forwarded.body = req.body;
    for (const auto& [k, v] : req.headers.items()) {
        if (strcasecmp(k.c_str(), "Host") != 0) forwarded.headers.add(k, v);
    }
    forwarded.headers.set("Host", target.str());
    options.clusterNetwork->request(
        target, std::move(forwarded), [reply, target](std::error_code ec, http::Response resp) {
            if (ec) {
                auto e = core::kube::ApiError{503, "ServiceUnavailable",
                                              "error trying to reach service: dial tcp " +
                                                  target.str() + ": connect: connection refused"};
                reply(errorResponse(e));
                return;
            }
            reply(std::move(resp));
        });
}

void ApiServer::Impl::serveWatch(const http::Request& req, const ResourceRequest& rr,
                                 http::Reply& reply) {
    const ResourceType& type = *rr.type;
    auto filter = engine.selectorFilter(type, req.query("labelSelector").value_or(""),
                                        req.query("fieldSelector").value_or(""));
    const bool asTable = wantsTable(req);
    const std::string includeObject = req.query("includeObject").value_or("Metadata");
    const std::string version = rr.version;
    std::uint64_t since = 0;
    const std::string rvParam = req.query("resourceVersion").value_or("");
    if (!rvParam.empty() && rvParam != "0") {
        try {
            since = std::stoull(rvParam);
        } catch (const std::exception&) {
            raise(core::kube::badRequest("invalid resource version: " + rvParam));
        }
    }
    auto stream = std::make_shared<http::BodyStream>();
    http::Response resp;
    resp.status = 200;
    resp.headers.set("Content-Type", asTable ? kTable : kJson);
    resp.stream = stream;
    auto& rtRef = rt;
    auto& storeRef = store;
    // The type is looked up at each event: a CRD write replaces it while the watch runs.
    auto render = [group = type.group, plural = type.plural, version, asTable, includeObject,
                   &storeRef, &rtRef, this](const std::string& evType, const Json& obj) {
        const ResourceType* current = registry.byResource(group, plural);
        if (!current) return std::string();
        const ResourceType& type = *current;
        std::string key;
        const auto md = obj.find("metadata");
        if (!asTable && md != obj.end() && md->is_object() &&
            md->value("resourceVersion", "") != "") {
            key = group + "/" + plural + "/" + version + "/" + evType + "/" +
                  md->value("resourceVersion", "");
            if (key == lastWatchLine.key) return lastWatchLine.line;
        }
        Json converted = engine.toVersion(type, version, obj);
        if (asTable) {
            converted =
                buildTable(type, version, {converted}, includeObject,
                           converted["metadata"].value("resourceVersion", ""), rtRef.clock().now());
        }
        (void)storeRef;
        std::string line = encodeJson(Json{{"type", evType}, {"object", converted}}) + "\n";
        if (!key.empty()) lastWatchLine = {std::move(key), line};
        return line;
    };
    std::weak_ptr<http::BodyStream> weak = stream;
    if (since == 0) {
        // No resourceVersion: start with the current state, as ADDED events.
        for (const Json* o : store.list(Engine::typeKey(type), type.namespaced ? rr.ns : "")) {
            if (filter && !filter(*o)) continue;
            stream->write(render("ADDED", *o));
        }
    }
    auto id = store.watch(
        Engine::typeKey(type), type.namespaced ? rr.ns : "", filter, since,
        [weak, render](const std::string& evType, const ObjectStore::Document& obj) {
            auto s = weak.lock();
            if (!s) return;
            std::string line = render(evType, *obj);
            if (!line.empty()) s->write(std::move(line));
        },
        // The CRD was deleted: the watch ends, as the apiserver closes it.
        [weak] {
            if (auto s = weak.lock()) s->close();
        },
        // The history was compacted under the watch: ERROR 410, then the stream ends.
        [weak] {
            if (auto s = weak.lock()) {
                s->write(encodeJson(Json{{"type", "ERROR"},
                                         {"object", core::kube::watchExpired().toStatus()}}) +
                         "\n");
                s->close();
            }
        });
    if (!id) {
        ApiError gone{410, "Expired",
                      "too old resource version: " + rvParam + " (" +
                          std::to_string(store.resourceVersion()) + ")"};
        stream->write(encodeJson(Json{{"type", "ERROR"}, {"object", gone.toStatus()}}) + "\n");
        stream->close();
        reply(std::move(resp));
        return;
    }
    const std::uint64_t watchId = *id;
    // Watches end at timeoutSeconds; clients re-watch from the last resourceVersion.
    core::TimerHandle timeout;
    if (auto ts = req.query("timeoutSeconds")) {
        long secs = std::strtol(ts->c_str(), nullptr, 10);
        if (secs > 0) {
            timeout = rt.clock().schedule(std::chrono::seconds(secs), [this, weak, watchId] {
                store.unwatch(watchId);
                if (auto s = weak.lock()) s->close();
            });
        }
    }
    // A watcher that stops reading is closed once this much waits for it.
    stream->limitBacklog(kWatchBacklogBytes);
    stream->onCancel([this, watchId, timeout]() mutable {
        store.unwatch(watchId);
        timeout.cancel();
    });
    reply(std::move(resp));
}

}  // namespace mcpsim::apiserver
