// The four patch types (JSON patch, merge patch, strategic merge patch, server-side apply) on
// stored objects, main resource and status. Invariants: no answer is a server error; a refused
// patch answers a Status and changes nothing; an accepted patch keeps the object's identity
// (name, namespace, uid) and is what a GET returns.
#include "api_harness.hpp"

using mcpsim::Json;
using mcpsim::fuzz::ApiHarness;

namespace {

struct Target {
    const char* collection;
    const char* name;
    const char* manifest;  // JSON, created before the first input and after each change
};

const Target kTargets[] = {
    {"/api/v1/namespaces/default/configmaps", "fuzz-cm",
     R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fuzz-cm","labels":{"a":"1"}},
         "data":{"k":"v","list":"[1,2]"}})"},
    {"/apis/apps/v1/namespaces/default/deployments", "fuzz-deploy",
     R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"fuzz-deploy"},
         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"f"}},
         "template":{"metadata":{"labels":{"app":"f"}},"spec":{"containers":[
           {"name":"a","image":"i","ports":[{"containerPort":80}],"env":[{"name":"X","value":"1"}]},
           {"name":"b","image":"j"}]}}}})"},
    {"/api/v1/namespaces/default/services", "fuzz-svc",
     R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"fuzz-svc"},
         "spec":{"selector":{"app":"f"},"ports":[{"name":"http","port":80,"targetPort":8080},
         {"name":"mcp","port":9090}]}})"},
    {"/apis/mcp.kagenti.com/v1alpha1/namespaces/default/mcpserverregistrations", "fuzz-reg",
     R"({"apiVersion":"mcp.kagenti.com/v1alpha1","kind":"MCPServerRegistration",
         "metadata":{"name":"fuzz-reg"},"spec":{"toolPrefix":"f_","targetRef":
         {"group":"gateway.networking.k8s.io","kind":"HTTPRoute","name":"r"}}})"},
};
constexpr int kTargetCount = sizeof kTargets / sizeof kTargets[0];

const char* const kPatchTypes[] = {"application/json-patch+json", "application/merge-patch+json",
                                   "application/strategic-merge-patch+json",
                                   "application/apply-patch+yaml"};

// Puts every target back to its manifest: the next input starts from the same objects.
void restore(ApiHarness& h, const Target& t) {
    const std::string path = std::string(t.collection) + "/" + t.name;
    h.call("DELETE", path);
    const auto created = h.call("POST", t.collection, "application/json", t.manifest);
    FUZZ_CHECK(created.status == 201, std::string("cannot create ") + t.name + ": " + created.body);
}

}  // namespace

// mode: bits 0-1 the object, bits 2-3 the patch type, bit 4 the status subresource, bit 5
// dryRun=All. The rest is the patch body.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static ApiHarness* harness = [] {
        auto* h = new ApiHarness();
        for (const Target& t : kTargets) restore(*h, t);
        return h;
    }();
    mcpsim::fuzz::plantedBug(mcpsim::fuzz::asText(data, size));
    auto in = mcpsim::fuzz::frame(data, size);
    const Target& t = kTargets[(in.mode & 3) % kTargetCount];
    const int patchType = (in.mode >> 2) & 3;
    const bool status = in.mode & 16;
    const bool dryRun = in.mode & 32;
    const std::string path = std::string(t.collection) + "/" + t.name;
    std::string query = patchType == 3 ? "?fieldManager=fuzz&force=true" : "";
    if (dryRun) query += query.empty() ? "?dryRun=All" : "&dryRun=All";
    const std::string target = path + (status ? "/status" : "") + query;
    const std::string what = std::string("PATCH (") + kPatchTypes[patchType] + ") " + target;

    const auto before = harness->snapshot(t.collection);
    const auto original = harness->call("GET", path);
    const auto answer =
        harness->call("PATCH", target, kPatchTypes[patchType], std::string(in.rest));
    if (answer.status >= 300) {
        ApiHarness::checkError(answer, what);
        FUZZ_CHECK(harness->snapshot(t.collection) == before,
                   what + " was refused but changed the store: " + answer.body);
        return 0;
    }
    FUZZ_CHECK(answer.status == 200, what + " answered " + std::to_string(answer.status));
    const Json& meta = answer.json["metadata"];
    const Json& was = original.json["metadata"];
    FUZZ_CHECK(meta["name"] == was["name"] && meta["namespace"] == was["namespace"] &&
                   meta["uid"] == was["uid"],
               what + " changed the object's identity: " + answer.body);
    if (dryRun) {
        FUZZ_CHECK(harness->snapshot(t.collection) == before, what + " is a dry run but stored");
        return 0;
    }
    const auto stored = harness->call("GET", path);
    FUZZ_CHECK(stored.json == answer.json, what + " answered one object and stored another:\n" +
                                               answer.body + "\n" + stored.body);
    if (stored.json["metadata"]["resourceVersion"] != was["resourceVersion"]) restore(*harness, t);
    return 0;
}
