#include "mcpsim/core/kube/apply.hpp"

#include "mcpsim/core/kube/api_error.hpp"
#include "mcpsim/core/yaml.hpp"

namespace mcpsim::core::kube {

namespace {

ApiError naming(ApiError e, const Json& doc) {
    const std::string name = ObjectKey::ofObject(doc).str();
    e.message = doc.value("kind", std::string("object")) + " " + name + ": " + e.message;
    return e;
}

}  // namespace

Result<std::vector<Json>> applyDocuments(Client& client, const std::vector<Json>& documents,
                                         const WriteOptions& options) {
    std::vector<Json> applied;
    for (Json doc : documents) {
        if (!doc.is_object()) continue;
        Json status = doc.value("status", Json());
        doc.erase("status");
        const Gvk gvk = Gvk::ofObject(doc);
        auto live = client.get(gvk, ObjectKey::ofObject(doc));
        Result<Json> written = ApiError{};
        if (live.ok()) {
            doc["metadata"]["resourceVersion"] = live.value()["metadata"]["resourceVersion"];
            written = client.update(doc, options);
        } else {
            written = client.create(doc, options);
        }
        if (!written.ok()) return naming(written.error(), doc);
        if (!status.is_null()) {
            Json withStatus = std::move(written).value();
            withStatus["status"] = status;
            written = client.updateStatus(withStatus, options);
            if (!written.ok()) return naming(written.error(), doc);
        }
        applied.push_back(std::move(written).value());
    }
    return applied;
}

Result<std::vector<Json>> applyYaml(Client& client, std::string_view yaml,
                                    const WriteOptions& options) {
    std::vector<Json> docs;
    try {
        docs = parseYamlDocuments(yaml);
    } catch (const std::exception& e) {
        return badRequest(std::string("invalid YAML: ") + e.what());
    }
    return applyDocuments(client, docs, options);
}

}  // namespace mcpsim::core::kube
