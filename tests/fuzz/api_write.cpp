// JSON and YAML request bodies for create (POST) and update (PUT) into the engine, against the
// built-in schemas and the CRD schemas of the gateway kinds. Invariants: no answer is a server
// error; a refused write answers a Status and leaves the store (its resourceVersion and the
// collection) exactly as it was; an accepted write is stored as answered (unless dry-run).
#include "api_harness.hpp"

using mcpsim::Json;
using mcpsim::fuzz::ApiHarness;

namespace {

const char* const kCollections[] = {
    "/api/v1/namespaces/default/configmaps",
    "/api/v1/namespaces/default/secrets",
    "/api/v1/namespaces/default/services",
    "/apis/apps/v1/namespaces/default/deployments",
    "/api/v1/namespaces",
    "/apis/mcp.kagenti.com/v1alpha1/namespaces/default/mcpserverregistrations",
    "/apis/mcp.kagenti.com/v1alpha1/namespaces/default/mcpvirtualservers",
    "/apis/mcp.kagenti.com/v1alpha1/namespaces/default/mcpgatewayextensions",
    "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
};
constexpr int kCollectionCount = sizeof kCollections / sizeof kCollections[0];

// The name a PUT goes to: the body's own, else one that does not exist.
std::string nameIn(const Json& body) {
    if (body.is_object() && body.contains("metadata") && body["metadata"].is_object()) {
        const Json& name = body["metadata"]["name"];
        if (name.is_string() && !name.get<std::string>().empty()) return name;
    }
    return "fuzz-missing";
}

}  // namespace

// mode: bits 0-3 the collection, bit 4 update (PUT) instead of create, bit 5 YAML instead of
// JSON, bit 6 dryRun=All. The rest is the request body.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static ApiHarness* harness = new ApiHarness();  // one server for the whole run
    mcpsim::fuzz::plantedBug(mcpsim::fuzz::asText(data, size));
    auto in = mcpsim::fuzz::frame(data, size);
    const std::string collection = kCollections[(in.mode & 15) % kCollectionCount];
    const bool update = in.mode & 16;
    const std::string contentType = (in.mode & 32) ? "application/yaml" : "application/json";
    const bool dryRun = in.mode & 64;
    const std::string body(in.rest);
    const Json parsed = Json::parse(body, nullptr, false);

    const std::string target =
        (update ? collection + "/" + nameIn(parsed) : collection) + (dryRun ? "?dryRun=All" : "");
    const auto before = harness->snapshot(collection);
    const auto answer = harness->call(update ? "PUT" : "POST", target, contentType, body);
    const std::string what = (update ? "PUT " : "POST ") + target;

    if (answer.status >= 300) {
        ApiHarness::checkError(answer, what);
        FUZZ_CHECK(harness->snapshot(collection) == before,
                   what + " was refused but changed the store: " + answer.body);
        return 0;
    }
    FUZZ_CHECK(answer.json.is_object() && answer.json.contains("metadata"),
               what + " accepted without an object: " + answer.body);
    const Json& meta = answer.json["metadata"];
    const std::string name = meta.value("name", "");
    FUZZ_CHECK(!name.empty() && !meta.value("uid", "").empty(),
               what + " answered an object without name or uid: " + answer.body);
    // A dry-run create is never stored, so it has no resourceVersion.
    FUZZ_CHECK(dryRun != !meta.value("resourceVersion", "").empty() || update,
               what + " answered a resourceVersion that does not match dryRun: " + answer.body);
    if (dryRun) {
        FUZZ_CHECK(harness->snapshot(collection).resourceVersion == before.resourceVersion,
                   what + " is a dry run but stored something");
        return 0;
    }
    const auto stored = harness->call("GET", collection + "/" + name);
    FUZZ_CHECK(stored.status == 200, what + " accepted but GET answers " + stored.body);
    FUZZ_CHECK(stored.json["metadata"]["uid"] == meta["uid"],
               what + " stored another object than it answered");
    // Keep the store small and the next inputs independent of this one.
    if (!update) {
        const auto deleted = harness->call("DELETE", collection + "/" + name);
        if (deleted.status >= 300) ApiHarness::checkError(deleted, "DELETE " + name);
    }
    return 0;
}
