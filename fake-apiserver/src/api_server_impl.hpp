#pragma once
// Internal state of ApiServer shared by its translation units.
#include <cstdint>
#include <memory>
#include <string>

#include "engine.hpp"
#include "mcpsim/apiserver/api_server.hpp"
#include "object_store.hpp"
#include "type_registry.hpp"
#include "write_faults.hpp"

namespace mcpsim::apiserver {

namespace http = core::http;

// What a resource URL names, once parsed against the registry.
struct ResourceRequest {
    const ResourceType* type = nullptr;
    std::string version;
    std::string ns;           // namespace from the URL (empty for cluster scope or all namespaces)
    std::string name;         // empty for collections
    std::string subresource;  // status, scale, log, ...
};

struct ApiServer::Impl {
    Impl(core::Runtime& runtime, ApiServerOptions options);

    core::Runtime& rt;
    ApiServerOptions options;
    TypeRegistry registry;
    ObjectStore store;
    Engine engine;
    WriteFaults faults;  // injected failures of client writes
    std::unique_ptr<core::kube::Client> client;
    std::uint64_t requests = 0;
    // The last JSON watch event line rendered, by type, version, event type and resourceVersion:
    // an event goes to every watcher of its collection in turn, and is encoded once for them.
    struct {
        std::string key;
        std::string line;
    } lastWatchLine;

    void handle(http::Request&& req, http::Reply reply);
    void registerCrd(const Json& crd, bool deleted);
    void seedCluster();
    // Creates each object, or replaces it keeping its resourceVersion (ApiServer::applyManifests).
    void applyDocuments(const std::vector<Json>& docs, const std::string& fieldManager);

    // Routes (http_routes.cpp).
    void serveResource(const http::Request& req, ResourceRequest rr, http::Reply& reply);
    void serveWatch(const http::Request& req, const ResourceRequest& rr, http::Reply& reply);
    void serveLogs(const http::Request& req, const ResourceRequest& rr, http::Reply& reply);
    void serveProxy(const http::Request& req, const ResourceRequest& rr, http::Reply& reply);

    // GET /metrics in Prometheus' text format (metrics.cpp).
    std::string metricsText() const;

    // Discovery and OpenAPI (discovery.cpp).
    Json versionInfo() const;
    Json aggregatedDiscovery(bool core, const std::string& apiVersion) const;
    Json legacyApiVersions() const;
    Json legacyGroupList() const;
    std::optional<Json> legacyResourceList(const std::string& group,
                                           const std::string& version) const;
    std::optional<Json> legacyGroup(const std::string& group) const;
    Json openApiIndex() const;
    std::optional<Json> openApiDocument(const std::string& group, const std::string& version) const;
};

// Table rendering (table.cpp). includeObject: "None", "Metadata" (default) or "Object".
Json buildTable(const ResourceType& type, const std::string& version,
                const std::vector<Json>& objects, const std::string& includeObject,
                const std::string& resourceVersion, core::WallTime now);

std::unique_ptr<core::kube::Client> makeInProcessClient(ApiServer::Impl& impl);

// The OpenAPI v2 document kubectl 1.27-1.30 needs, in its protobuf encoding (openapi_v2.cpp).
std::string openApiV2Protobuf(const TypeRegistry& registry, int kubeMinor);

}  // namespace mcpsim::apiserver
