#pragma once
// PATCH bodies for the fake API server: RFC 6902 JSON Patch, RFC 7386 JSON Merge Patch and the
// Kubernetes strategic merge patch. Behaviour, status codes and Status.message texts follow the
// real kube-apiserver (k8s.io/apiserver patch handler, evanphx/json-patch v4,
// k8s.io/apimachinery strategicpatch), including its quirks where a client could notice them.
// All functions are pure: inputs are never modified.
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mcpsim::apiserver {

// Thrown when a patch cannot be decoded or applied. what() is the text the real apiserver puts in
// Status.message. httpCode/reason are what it answers with:
//   400 BadRequest             undecodable body or malformed patch/directive
//   413 RequestEntityTooLarge  JSON patch with more than 10000 operations
//   422 Invalid                patch decoded but does not apply to this document
//   500 "" (StatusReasonUnknown) strategic merge patch errors the apiserver passes through raw,
//                              e.g. a merge-list item without its merge key
// For 422 the apiserver replaces the library's explanation with a generic sentence; `detail`
// keeps that explanation (same as `what()` for the other codes) so it can be logged.
struct PatchError : std::runtime_error {
    int httpCode;
    std::string reason;
    std::string detail;
    PatchError(int code, std::string msg, std::string detailText = {});
};

// Which patch a body is, by its Content-Type (application/json-patch+json, merge-patch+json,
// strategic-merge-patch+json).
enum class PatchBodyFormat { JsonPatch, MergePatch, StrategicMergePatch };

// Parses a PATCH request body. A body that is not JSON fails with 400 and the Go encoding/json
// syntax error the apiserver reports (prefixed "error decoding patch: " for JSON and merge
// patches).
nlohmann::json decodePatchBody(std::string_view body, PatchBodyFormat format);

// RFC 6902 JSON Patch (add, remove, replace, move, copy, test; JSON Pointer with ~0/~1 escapes,
// "-" appends). Like the apiserver: negative array indices count from the end, and "replace" of a
// missing object member adds it. The patch must be an array of operation objects (else 400).
nlohmann::json applyJsonPatch(const nlohmann::json& doc, const nlohmann::json& patch);

// RFC 7386 JSON Merge Patch (null deletes, objects merge recursively, everything else replaces).
// The apiserver only accepts an object as the patch: anything else is a 400.
nlohmann::json applyMergePatch(const nlohmann::json& doc, const nlohmann::json& patch);

// Returns the merge key for the list at the given dotted field path, list indices omitted (e.g.
// "spec.template.spec.containers" -> "name", "spec.template.spec.containers.env" -> "name"), an
// empty string for a list of primitives merged as a set (metadata.finalizers), or std::nullopt if
// the list is atomic (replaced wholesale).
using MergeKeyLookup = std::function<std::optional<std::string>(const std::string& dottedPath)>;

// Kubernetes strategic merge patch as kubectl sends it (kubectl apply for built-in kinds, kubectl
// patch default, kubectl set env): recursive map merge with null = delete; lists merged by merge
// key when the lookup names one, else replaced; directives "$patch" (delete/replace, in a map or a
// list item), "$setElementOrder/<field>", "$retainKeys" and "$deleteFromPrimitiveList/<field>".
// List order follows the apiserver: patch items keep the patch's (or $setElementOrder's) order and
// are interleaved with server-only items by their position in the live list; items new to the list
// go before server-only items that follow them. No directive key survives into the result.
nlohmann::json applyStrategicMergePatch(const nlohmann::json& doc, const nlohmann::json& patch,
                                        const MergeKeyLookup& mergeKeyOf);

// The patchMergeKey/patchStrategy tags of the built-in kinds, keyed by path suffix so that one
// lookup serves Pod (spec.containers), Deployment (spec.template.spec.containers), CronJob, etc.
MergeKeyLookup builtinMergeKeys();

}  // namespace mcpsim::apiserver
