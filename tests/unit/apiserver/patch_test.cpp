#include "patch.hpp"

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace mcpsim::apiserver {
namespace {

using nlohmann::json;

const std::string kGeneric422 = "the server rejected our request due to an error in our request";

// Runs fn, which must throw PatchError, and returns the error for inspection.
PatchError patchErrorOf(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const PatchError& error) {
        return error;
    }
    ADD_FAILURE() << "expected a PatchError";
    return PatchError(0, "");
}

json deployment() {
    return json::parse(R"({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default",
                     "labels": {"app": "web", "tier": "frontend"}},
        "spec": {
            "replicas": 2,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.25",
                         "env": [{"name": "A", "value": "1"}],
                         "ports": [{"containerPort": 80, "protocol": "TCP"}]},
                        {"name": "sidecar", "image": "envoy:1.30"}
                    ],
                    "tolerations": [{"key": "gpu", "operator": "Exists"}],
                    "nodeSelector": {"disk": "ssd", "zone": "a"}
                }
            }
        }
    })");
}

json containersOf(const json& object) {
    return object["spec"]["template"]["spec"]["containers"];
}

json strategic(const json& doc, const char* patch) {
    return applyStrategicMergePatch(doc, json::parse(patch), builtinMergeKeys());
}

// True if any object key anywhere is a strategic merge patch directive.
bool hasDirectiveKey(const json& value) {
    if (value.is_object()) {
        for (const auto& [key, member] : value.items()) {
            if (key.rfind("$patch", 0) == 0 || key.rfind("$retainKeys", 0) == 0 ||
                key.rfind("$setElementOrder", 0) == 0 ||
                key.rfind("$deleteFromPrimitiveList", 0) == 0 || hasDirectiveKey(member)) {
                return true;
            }
        }
    }
    if (value.is_array()) {
        for (const auto& element : value) {
            if (hasDirectiveKey(element)) return true;
        }
    }
    return false;
}

// ---- JSON Patch (RFC 6902 appendix A examples and apiserver behaviour) --------------------------

TEST(JsonPatch, AddsObjectMemberAndInsertsArrayElement) {
    EXPECT_EQ(applyJsonPatch(json::parse(R"({"foo":"bar"})"),
                             json::parse(R"([{"op":"add","path":"/baz","value":"qux"}])")),
              json::parse(R"({"baz":"qux","foo":"bar"})"));
    EXPECT_EQ(applyJsonPatch(json::parse(R"({"foo":["bar","baz"]})"),
                             json::parse(R"([{"op":"add","path":"/foo/1","value":"qux"}])")),
              json::parse(R"({"foo":["bar","qux","baz"]})"));
}

TEST(JsonPatch, RemovesMemberAndElement) {
    EXPECT_EQ(applyJsonPatch(json::parse(R"({"baz":"qux","foo":"bar"})"),
                             json::parse(R"([{"op":"remove","path":"/baz"}])")),
              json::parse(R"({"foo":"bar"})"));
    EXPECT_EQ(applyJsonPatch(json::parse(R"({"foo":["bar","qux","baz"]})"),
                             json::parse(R"([{"op":"remove","path":"/foo/1"}])")),
              json::parse(R"({"foo":["bar","baz"]})"));
}

TEST(JsonPatch, ReplacesAndMoves) {
    EXPECT_EQ(applyJsonPatch(json::parse(R"({"baz":"qux","foo":"bar"})"),
                             json::parse(R"([{"op":"replace","path":"/baz","value":"boo"}])")),
              json::parse(R"({"baz":"boo","foo":"bar"})"));
    EXPECT_EQ(applyJsonPatch(
                  json::parse(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})"),
                  json::parse(R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])")),
              json::parse(R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"));
    EXPECT_EQ(applyJsonPatch(json::parse(R"({"foo":["all","grass","cows","eat"]})"),
                             json::parse(R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])")),
              json::parse(R"({"foo":["all","cows","eat","grass"]})"));
}

TEST(JsonPatch, CopiesAndAppendsWithDash) {
    EXPECT_EQ(applyJsonPatch(json::parse(R"({"a":{"b":1}})"),
                             json::parse(R"([{"op":"copy","from":"/a","path":"/c"}])")),
              json::parse(R"({"a":{"b":1},"c":{"b":1}})"));
    EXPECT_EQ(
        applyJsonPatch(json::parse(R"({"foo":["bar"]})"),
                       json::parse(R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])")),
        json::parse(R"({"foo":["bar",["abc","def"]]})"));
}

TEST(JsonPatch, TestOperationPassesAndPointerEscapesDecode) {
    const json doc = json::parse(R"({"baz":"qux","foo":["a",2,"c"],"/":9,"~1":10})");
    const json patch = json::parse(R"([
        {"op":"test","path":"/baz","value":"qux"},
        {"op":"test","path":"/foo/1","value":2},
        {"op":"test","path":"/~01","value":10},
        {"op":"test","path":"/~1","value":9}
    ])");
    EXPECT_EQ(applyJsonPatch(doc, patch), doc);
}

TEST(JsonPatch, FailedTestIs422WithGenericMessage) {
    const PatchError error = patchErrorOf([] {
        applyJsonPatch(json::parse(R"({"baz":"qux"})"),
                       json::parse(R"([{"op":"test","path":"/baz","value":"bar"}])"));
    });
    EXPECT_EQ(error.httpCode, 422);
    EXPECT_EQ(error.reason, "Invalid");
    EXPECT_EQ(std::string(error.what()), kGeneric422);
    EXPECT_EQ(error.detail, "testing value /baz failed: test failed");
}

TEST(JsonPatch, AddUnderMissingParentIs422) {
    json doc = deployment();
    doc["metadata"].erase("labels");
    const PatchError error = patchErrorOf([&] {
        applyJsonPatch(
            doc, json::parse(R"([{"op":"add","path":"/metadata/labels/app","value":"web"}])"));
    });
    EXPECT_EQ(error.httpCode, 422);
    EXPECT_EQ(std::string(error.what()), kGeneric422);
    EXPECT_EQ(error.detail,
              R"(add operation does not apply: doc is missing path: "/metadata/labels/app": )"
              "missing value");
}

TEST(JsonPatch, ReplaceOfMissingMemberAddsItLikeTheApiserver) {
    // evanphx/json-patch v4 only requires the parent to exist.
    const json patched = applyJsonPatch(
        deployment(),
        json::parse(R"([{"op":"replace","path":"/metadata/labels/team","value":"payments"}])"));
    EXPECT_EQ(patched["metadata"]["labels"]["team"], "payments");

    const PatchError missingIndex = patchErrorOf([] {
        applyJsonPatch(deployment(),
                       json::parse(R"([{"op":"replace","path":"/spec/template/spec/containers/5",
                                        "value":{}}])"));
    });
    EXPECT_EQ(missingIndex.httpCode, 422);
    EXPECT_EQ(missingIndex.detail,
              "replace operation does not apply: doc is missing key: "
              "/spec/template/spec/containers/5: missing value");

    const PatchError missingParent = patchErrorOf([] {
        applyJsonPatch(deployment(),
                       json::parse(R"([{"op":"replace","path":"/status/replicas","value":1}])"));
    });
    EXPECT_EQ(missingParent.detail,
              "replace operation does not apply: doc is missing path: /status/replicas: "
              "missing value");
}

TEST(JsonPatch, RemoveErrorsCarryLibraryText) {
    const PatchError missingKey = patchErrorOf([] {
        applyJsonPatch(deployment(),
                       json::parse(R"([{"op":"remove","path":"/metadata/labels/nope"}])"));
    });
    EXPECT_EQ(missingKey.httpCode, 422);
    EXPECT_EQ(missingKey.detail,
              "error in remove for path: '/metadata/labels/nope': Unable to remove nonexistent "
              "key: nope: missing value");

    const PatchError dash = patchErrorOf([] {
        applyJsonPatch(json::parse(R"({"a":[1,2]})"),
                       json::parse(R"([{"op":"remove","path":"/a/-"}])"));
    });
    EXPECT_EQ(dash.detail,
              R"(error in remove for path: '/a/-': strconv.Atoi: parsing "-": invalid syntax)");

    const PatchError outOfRange = patchErrorOf([] {
        applyJsonPatch(json::parse(R"({"a":[1]})"),
                       json::parse(R"([{"op":"add","path":"/a/5","value":2}])"));
    });
    EXPECT_EQ(outOfRange.detail,
              "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index "
              "referenced");
}

TEST(JsonPatch, NegativeIndexCountsFromEndLikeTheApiserver) {
    EXPECT_EQ(applyJsonPatch(json::parse(R"({"args":["a","b","c"]})"),
                             json::parse(R"([{"op":"remove","path":"/args/-1"}])")),
              json::parse(R"({"args":["a","b"]})"));
}

TEST(JsonPatch, UnknownOpIs422) {
    const PatchError error = patchErrorOf([] {
        applyJsonPatch(json::parse(R"({"a":1})"),
                       json::parse(R"([{"op":"frobnicate","path":"/a"}])"));
    });
    EXPECT_EQ(error.httpCode, 422);
    EXPECT_EQ(error.detail, "Unexpected kind: frobnicate");
    EXPECT_EQ(patchErrorOf([] {
                  applyJsonPatch(json::parse(R"({"a":1})"), json::parse(R"([{"path":"/a"}])"));
              }).detail,
              "Unexpected kind: unknown");
}

TEST(JsonPatch, BodyThatIsNotAnArrayIs400) {
    const PatchError error = patchErrorOf([] {
        applyJsonPatch(json::parse(R"({"a":1})"),
                       json::parse(R"({"op":"add","path":"/b","value":2})"));
    });
    EXPECT_EQ(error.httpCode, 400);
    EXPECT_EQ(error.reason, "BadRequest");
    EXPECT_EQ(std::string(error.what()),
              "error decoding patch: json: cannot unmarshal object into Go value of type "
              "[]handlers.jsonPatchOp");

    const PatchError badField = patchErrorOf([] {
        applyJsonPatch(json::parse(R"({"a":1})"), json::parse(R"([{"op":5,"path":"/a"}])"));
    });
    EXPECT_EQ(badField.httpCode, 400);
    EXPECT_EQ(std::string(badField.what()),
              "error decoding patch: json: cannot unmarshal number into Go struct field "
              "jsonPatchOp.op of type string");
}

TEST(JsonPatch, MoreThanTenThousandOperationsIs413) {
    json patch = json::array();
    for (int i = 0; i < 10001; ++i) {
        patch.push_back({{"op", "test"}, {"path", "/a"}, {"value", 1}});
    }
    const PatchError error =
        patchErrorOf([&] { applyJsonPatch(json::parse(R"({"a":1})"), patch); });
    EXPECT_EQ(error.httpCode, 413);
    EXPECT_EQ(std::string(error.what()),
              "Request entity too large: The allowed maximum operations in a JSON patch is "
              "10000, got 10001");
}

TEST(JsonPatch, LeavesInputsUntouchedEvenWhenALaterOpFails) {
    const json doc = deployment();
    const json patch = json::parse(R"([
        {"op":"replace","path":"/spec/replicas","value":5},
        {"op":"test","path":"/spec/replicas","value":4}
    ])");
    const json docBefore = doc;
    const json patchBefore = patch;
    EXPECT_THROW(applyJsonPatch(doc, patch), PatchError);
    EXPECT_EQ(doc, docBefore);
    EXPECT_EQ(patch, patchBefore);
}

// ---- JSON Merge Patch (RFC 7386) ---------------------------------------------------------------

TEST(MergePatch, Rfc7386AppendixExamples) {
    struct Case {
        const char* target;
        const char* patch;
        const char* result;
    };
    const Case cases[] = {
        {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
        {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
        {R"({"a":"b"})", R"({"a":null})", R"({})"},
        {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
        {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
        {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
        {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
        {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
        {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
        {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
        {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(applyMergePatch(json::parse(c.target), json::parse(c.patch)),
                  json::parse(c.result))
            << c.target << " + " << c.patch;
    }
}

TEST(MergePatch, NullRemovesLabelAndArraysReplace) {
    const json patch = json::parse(R"({
        "metadata": {"labels": {"tier": null, "team": "payments"}},
        "spec": {"template": {"spec": {"containers": [{"name": "only"}]}}}
    })");
    const json patched = applyMergePatch(deployment(), patch);
    EXPECT_EQ(patched["metadata"]["labels"], json::parse(R"({"app":"web","team":"payments"})"));
    EXPECT_EQ(containersOf(patched), json::parse(R"([{"name":"only"}])"));
    EXPECT_EQ(patched["spec"]["replicas"], 2);
}

TEST(MergePatch, NonObjectBodiesAre400) {
    const PatchError array =
        patchErrorOf([] { applyMergePatch(json::parse(R"({"a":1})"), json::parse(R"(["a"])")); });
    EXPECT_EQ(array.httpCode, 400);
    EXPECT_EQ(std::string(array.what()),
              "error decoding patch: json: cannot unmarshal array into Go value of type "
              "map[string]interface {}");
    const PatchError null =
        patchErrorOf([] { applyMergePatch(json::parse(R"({"a":1})"), json()); });
    EXPECT_EQ(null.httpCode, 400);
    EXPECT_EQ(std::string(null.what()), "Invalid JSON Patch");
}

// ---- Body decoding -----------------------------------------------------------------------------

TEST(DecodePatchBody, ParsesValidJson) {
    EXPECT_EQ(decodePatchBody(R"( {"a":[1,2.5,"x",true,null]} )", PatchBodyFormat::MergePatch),
              json::parse(R"({"a":[1,2.5,"x",true,null]})"));
}

TEST(DecodePatchBody, ReportsGoSyntaxErrorsAs400) {
    struct Case {
        const char* body;
        PatchBodyFormat format;
        const char* message;
    };
    const Case cases[] = {
        {"not json", PatchBodyFormat::MergePatch,
         "error decoding patch: invalid character 'o' in literal null (expecting 'u')"},
        {"{", PatchBodyFormat::JsonPatch, "error decoding patch: unexpected end of JSON input"},
        {"", PatchBodyFormat::MergePatch, "error decoding patch: unexpected end of JSON input"},
        {R"({"a":1,})", PatchBodyFormat::StrategicMergePatch,
         "invalid character '}' looking for beginning of object key string"},
        {R"({"a" 1})", PatchBodyFormat::StrategicMergePatch,
         "invalid character '1' after object key"},
        {"[1,]", PatchBodyFormat::JsonPatch,
         "error decoding patch: invalid character ']' looking for beginning of value"},
        {"{} x", PatchBodyFormat::MergePatch,
         "error decoding patch: invalid character 'x' after top-level value"},
        {"[1 2]", PatchBodyFormat::JsonPatch,
         "error decoding patch: invalid character '2' after array element"},
        {"{'a':1}", PatchBodyFormat::StrategicMergePatch,
         R"(invalid character '\'' looking for beginning of object key string)"},
        {"[-]", PatchBodyFormat::JsonPatch,
         "error decoding patch: invalid character ']' in numeric literal"},
        {"[tru", PatchBodyFormat::JsonPatch,
         "error decoding patch: invalid character ' ' in literal true (expecting 'e')"},
    };
    for (const auto& c : cases) {
        const PatchError error = patchErrorOf([&] { decodePatchBody(c.body, c.format); });
        EXPECT_EQ(error.httpCode, 400) << c.body;
        EXPECT_EQ(std::string(error.what()), c.message) << c.body;
    }
}

// ---- Strategic merge patch ---------------------------------------------------------------------

TEST(StrategicMergePatch, KubectlApplyShapedPatchAppendsEnvInDeclaredOrder) {
    const json patched = strategic(deployment(), R"({"spec":{"template":{"spec":{
        "$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],
        "containers":[{"$setElementOrder/env":[{"name":"A"},{"name":"B"}],
                       "env":[{"name":"B","value":"2"}],"name":"web"}]}}}})");
    const json expected = json::parse(R"([
        {"name":"web","image":"nginx:1.25",
         "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
         "ports":[{"containerPort":80,"protocol":"TCP"}]},
        {"name":"sidecar","image":"envoy:1.30"}
    ])");
    EXPECT_EQ(containersOf(patched), expected);
    EXPECT_FALSE(hasDirectiveKey(patched));
}

TEST(StrategicMergePatch, BriefShapedPatchKeepsUnlistedContainer) {
    // $setElementOrder names only "web": the server-only sidecar keeps its place after it.
    const json patched = strategic(deployment(), R"({"spec":{"template":{"spec":{
        "$setElementOrder/containers":[{"name":"web"}],
        "containers":[{"$setElementOrder/env":[{"name":"A"},{"name":"B"}],
                       "env":[{"name":"B","value":"2"}],"name":"web"}]}}}})");
    ASSERT_EQ(containersOf(patched).size(), 2U);
    EXPECT_EQ(containersOf(patched)[0]["env"],
              json::parse(R"([{"name":"A","value":"1"},{"name":"B","value":"2"}])"));
    EXPECT_EQ(containersOf(patched)[1]["name"], "sidecar");
}

TEST(StrategicMergePatch, MergesContainerByNameAndPortsByContainerPort) {
    const json patched = strategic(deployment(), R"({"spec":{"template":{"spec":{"containers":[
        {"name":"web","image":"nginx:1.27","ports":[{"containerPort":80,"name":"http"}]}]}}}})");
    const json web = containersOf(patched)[0];
    EXPECT_EQ(web["image"], "nginx:1.27");
    EXPECT_EQ(web["env"], json::parse(R"([{"name":"A","value":"1"}])"));
    EXPECT_EQ(web["ports"],
              json::parse(R"([{"containerPort":80,"name":"http","protocol":"TCP"}])"));
    EXPECT_EQ(containersOf(patched)[1]["name"], "sidecar");
}

TEST(StrategicMergePatch, NewListItemGoesFirstWithoutSetElementOrder) {
    // As in the kubectl patch task docs: the added container is listed before the existing one.
    const json pod =
        json::parse(R"({"spec":{"containers":[{"name":"patch-demo-ctr","image":"nginx"}]}})");
    const json patched =
        strategic(pod, R"({"spec":{"containers":[{"name":"patch-demo-ctr-2","image":"redis"}]}})");
    EXPECT_EQ(patched["spec"]["containers"],
              json::parse(R"([{"name":"patch-demo-ctr-2","image":"redis"},
                              {"name":"patch-demo-ctr","image":"nginx"}])"));
}

TEST(StrategicMergePatch, SetElementOrderInterleavesServerOnlyItemsByLivePosition) {
    const json pod =
        json::parse(R"({"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}})");
    const json patched =
        strategic(pod, R"({"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"}]}})");
    EXPECT_EQ(patched["spec"]["containers"],
              json::parse(R"([{"name":"b"},{"name":"c"},{"name":"a"}])"));
}

TEST(StrategicMergePatch, PatchDeleteRemovesContainerByName) {
    const json patched = strategic(deployment(), R"({"spec":{"template":{"spec":{"containers":[
        {"$patch":"delete","name":"sidecar"}]}}}})");
    EXPECT_EQ(containersOf(patched).size(), 1U);
    EXPECT_EQ(containersOf(patched)[0]["name"], "web");
    EXPECT_FALSE(hasDirectiveKey(patched));
}

TEST(StrategicMergePatch, NullRemovesLabelAndMapsMerge) {
    const json patched =
        strategic(deployment(), R"({"metadata":{"labels":{"tier":null,"team":"payments"}}})");
    EXPECT_EQ(patched["metadata"]["labels"], json::parse(R"({"app":"web","team":"payments"})"));
    EXPECT_EQ(patched["metadata"]["name"], "web");
    // A null for a field that does not exist is ignored rather than stored.
    EXPECT_FALSE(strategic(deployment(), R"({"spec":{"paused":null}})")["spec"].contains("paused"));
}

TEST(StrategicMergePatch, AtomicListsAreReplacedWholesale) {
    const json patched = strategic(deployment(), R"({"spec":{"template":{"spec":{
        "tolerations":[{"key":"spot","operator":"Exists","effect":"NoSchedule"}],
        "containers":[{"name":"web","args":["--port","8080"]}]}}}})");
    EXPECT_EQ(patched["spec"]["template"]["spec"]["tolerations"],
              json::parse(R"([{"key":"spot","operator":"Exists","effect":"NoSchedule"}])"));
    const json again = strategic(patched, R"({"spec":{"template":{"spec":{
        "containers":[{"name":"web","args":["--debug"]}]}}}})");
    EXPECT_EQ(containersOf(again)[0]["args"], json::parse(R"(["--debug"])"));
}

TEST(StrategicMergePatch, PatchReplaceOnMapAndOnList) {
    const json mapReplaced = strategic(
        deployment(),
        R"({"spec":{"template":{"spec":{"nodeSelector":{"$patch":"replace","gpu":"true"}}}}})");
    EXPECT_EQ(mapReplaced["spec"]["template"]["spec"]["nodeSelector"],
              json::parse(R"({"gpu":"true"})"));

    const json listReplaced = strategic(deployment(), R"({"spec":{"template":{"spec":{
        "containers":[{"$patch":"replace"},{"name":"solo","image":"busybox"}]}}}})");
    EXPECT_EQ(containersOf(listReplaced), json::parse(R"([{"name":"solo","image":"busybox"}])"));
}

TEST(StrategicMergePatch, PatchDeleteOnMapDropsIt) {
    const json patched = strategic(
        deployment(), R"({"spec":{"template":{"spec":{"nodeSelector":{"$patch":"delete"}}}}})");
    EXPECT_FALSE(patched["spec"]["template"]["spec"].contains("nodeSelector"));
    EXPECT_EQ(strategic(deployment(), R"({"$patch":"delete"})"), json::object());
}

TEST(StrategicMergePatch, RetainKeysDropsUnlistedFields) {
    const json patched = strategic(
        deployment(), R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})");
    EXPECT_EQ(patched["spec"]["strategy"], json::parse(R"({"type":"Recreate"})"));

    const PatchError error = patchErrorOf([] {
        strategic(deployment(), R"({"spec":{"strategy":{"$retainKeys":["type"],
                                   "type":"Recreate","rollingUpdate":{"maxSurge":2}}}})");
    });
    EXPECT_EQ(error.httpCode, 400);
    EXPECT_EQ(std::string(error.what()), "invalid patch format of retainKeys");
}

TEST(StrategicMergePatch, PrimitiveMergeListUnionsAndDeletes) {
    json doc = deployment();
    doc["metadata"]["finalizers"] = {"a", "b"};
    EXPECT_EQ(strategic(doc, R"({"metadata":{"finalizers":["b"]}})")["metadata"]["finalizers"],
              json::parse(R"(["a","b"])"));
    const json patched = strategic(
        doc, R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"],"finalizers":["c"]}})");
    EXPECT_EQ(patched["metadata"]["finalizers"], json::parse(R"(["c","b"])"));
    EXPECT_FALSE(hasDirectiveKey(patched));
}

TEST(StrategicMergePatch, NoDirectiveSurvivesInAddedItems) {
    const json patched = strategic(deployment(), R"({"spec":{"template":{"spec":{"containers":[
        {"name":"debug","image":"busybox",
         "$setElementOrder/env":[{"name":"X"}],
         "env":[{"name":"X","value":"1"},{"name":"Y","$patch":"delete"}],
         "resources":{"$retainKeys":["limits"],"limits":{"cpu":"1"}}}]}}}})");
    EXPECT_FALSE(hasDirectiveKey(patched));
    const json debug = containersOf(patched)[0];
    EXPECT_EQ(debug, json::parse(R"({"name":"debug","image":"busybox",
                                     "env":[{"name":"X","value":"1"}],
                                     "resources":{"limits":{"cpu":"1"}}})"));
    EXPECT_EQ(containersOf(patched).size(), 3U);
}

TEST(StrategicMergePatch, MissingMergeKeyIsPassedThroughAs500) {
    const PatchError error = patchErrorOf([] {
        strategic(json::parse(R"({"spec":{"containers":[{"name":"web","image":"a"}]}})"),
                  R"({"spec":{"containers":[{"image":"nginx"}]}})");
    });
    EXPECT_EQ(error.httpCode, 500);
    EXPECT_EQ(error.reason, "");
    EXPECT_EQ(std::string(error.what()),
              "map: map[image:nginx] does not contain declared merge key: name");
    // Numbers in the map print as Go's fmt does (%v of a float64: 1.2345675e+06).
    EXPECT_EQ(std::string(patchErrorOf([] {
                              strategic(json::parse(R"({"spec":{"containers":[{"name":"web"}]}})"),
                                        R"({"spec":{"containers":[{"cpu":1234567.5,"n":3}]}})");
                          }).what()),
              "map: map[cpu:1.2345675e+06 n:3] does not contain declared merge key: name");
}

TEST(StrategicMergePatch, UnknownDirectivesArePassedThroughAs500) {
    EXPECT_EQ(std::string(patchErrorOf([] {
                              strategic(deployment(),
                                        R"({"metadata":{"labels":{"$patch":"merge","a":"b"}}})");
                          }).what()),
              "unknown patch type: merge in map: map[$patch:merge a:b]");
    EXPECT_EQ(std::string(patchErrorOf([] {
                              strategic(deployment(), R"({"spec":{"template":{"spec":{
                                  "containers":[{"$patch":"merge","name":"web"}]}}}})");
                          }).what()),
              "merging lists cannot yet be specified in the patch");
}

TEST(StrategicMergePatch, MalformedDirectivesAre400) {
    const PatchError order = patchErrorOf([] {
        strategic(deployment(), R"({"spec":{"template":{"spec":{"$setElementOrder":[]}}}})");
    });
    EXPECT_EQ(order.httpCode, 400);
    EXPECT_EQ(std::string(order.what()), "invalid patch format of setElementOrder list");
    const PatchError primitive = patchErrorOf(
        [] { strategic(deployment(), R"({"metadata":{"$deleteFromPrimitiveList":["a"]}})"); });
    EXPECT_EQ(primitive.httpCode, 400);
    EXPECT_EQ(std::string(primitive.what()), "invalid patch format of primitive list");
}

TEST(StrategicMergePatch, SetElementOrderMustCoverPatchItems) {
    const PatchError error = patchErrorOf([] {
        strategic(deployment(), R"({"spec":{"template":{"spec":{
            "$setElementOrder/containers":[{"name":"web"}],
            "containers":[{"name":"other","image":"x"}]}}}})");
    });
    EXPECT_EQ(error.httpCode, 500);
    EXPECT_EQ(std::string(error.what()),
              "The order in patch list:\n[map[image:x name:other]]\n doesn't match "
              "$setElementOrder list:\n[map[name:web]]\n");
}

TEST(StrategicMergePatch, ListsOfListsAre422) {
    const MergeKeyLookup setOfMatrix = [](const std::string& path) -> std::optional<std::string> {
        if (path == "spec.matrix") return "";
        return std::nullopt;
    };
    const PatchError error = patchErrorOf([&] {
        applyStrategicMergePatch(json::parse(R"({"spec":{"matrix":[[1]]}})"),
                                 json::parse(R"({"spec":{"matrix":[[2]]}})"), setOfMatrix);
    });
    EXPECT_EQ(error.httpCode, 422);
    EXPECT_EQ(std::string(error.what()), kGeneric422);
    EXPECT_EQ(error.detail, "lists of lists are not supported");
}

TEST(StrategicMergePatch, NonObjectBodyIs400AndNullIsNoOp) {
    const PatchError error = patchErrorOf([] { strategic(deployment(), R"([1])"); });
    EXPECT_EQ(error.httpCode, 400);
    EXPECT_EQ(std::string(error.what()),
              "json: cannot unmarshal array into Go value of type map[string]interface {}");
    EXPECT_EQ(applyStrategicMergePatch(deployment(), json(), builtinMergeKeys()), deployment());
}

TEST(StrategicMergePatch, LeavesInputsUntouched) {
    const json doc = deployment();
    const json patch = json::parse(R"({"metadata":{"labels":{"tier":null}},
        "spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},
        {"name":"web"}],"containers":[{"name":"web","image":"nginx:2"}]}}}})");
    const json docBefore = doc;
    const json patchBefore = patch;
    const json patched = applyStrategicMergePatch(doc, patch, builtinMergeKeys());
    EXPECT_EQ(doc, docBefore);
    EXPECT_EQ(patch, patchBefore);
    EXPECT_EQ(containersOf(patched)[0]["name"], "sidecar");
    EXPECT_EQ(containersOf(patched)[1]["image"], "nginx:2");
}

TEST(BuiltinMergeKeys, KnowsBuiltInKindsAcrossTemplates) {
    const MergeKeyLookup mergeKeyOf = builtinMergeKeys();
    using Expected = std::optional<std::string>;
    const std::pair<const char*, Expected> cases[] = {
        {"spec.containers", "name"},
        {"spec.template.spec.containers", "name"},
        {"spec.jobTemplate.spec.template.spec.initContainers", "name"},
        {"spec.ephemeralContainers", "name"},
        {"spec.template.spec.containers.env", "name"},
        {"spec.template.spec.initContainers.ports", "containerPort"},
        {"spec.containers.volumeMounts", "mountPath"},
        {"spec.template.spec.containers.envFrom", std::nullopt},
        {"spec.template.spec.containers.args", std::nullopt},
        {"spec.ports", "port"},
        {"spec.template.spec.volumes", "name"},
        {"spec.imagePullSecrets", "name"},
        {"spec.hostAliases", "ip"},
        {"spec.template.spec.tolerations", std::nullopt},
        {"metadata.ownerReferences", "uid"},
        {"metadata.finalizers", ""},
        {"status.conditions", "type"},
    };
    for (const auto& [path, expected] : cases) {
        EXPECT_EQ(mergeKeyOf(path), expected) << path;
    }
}

}  // namespace
}  // namespace mcpsim::apiserver
