// Decoder for Kubernetes protobuf request bodies (Content-Type
// application/vnd.kubernetes.protobuf).
//
// kubectl >= 1.32 sends generator objects (`kubectl create namespace|secret|configmap|deployment|
// service|...`) as protobuf instead of JSON. The fake apiserver stores JSON, so this turns such a
// body into the JSON object kubectl 1.31 would have sent for the same command. Decoding is driven
// by a declarative schema table (message -> field number -> JSON name and type) in the .cpp file;
// supporting another kind means adding its messages to that table.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mcpsim::apiserver {

inline constexpr std::string_view kKubernetesProtobufContentType =
    "application/vnd.kubernetes.protobuf";

// Truncated or otherwise invalid protobuf input (the server answers 400 BadRequest).
struct ProtobufError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The envelope is well formed but its apiVersion/kind has no schema (the server answers 415
// UnsupportedMediaType). what() names the kind; the fields carry it for the Status message.
struct ProtobufUnsupportedKindError : ProtobufError {
    ProtobufUnsupportedKindError(std::string apiVersion, std::string kind);
    std::string apiVersion;
    std::string kind;
};

// True when body starts with the k8s protobuf magic "k8s\0".
bool isKubernetesProtobuf(std::string_view body);

// Decodes a k8s protobuf envelope (magic + runtime.Unknown) into the object's JSON, with
// "apiVersion" and "kind" taken from the envelope. Zero-valued omitempty fields are left out as
// Go's encoding/json would; zero timestamps (Go's `null`) are left out too. Throws
// ProtobufUnsupportedKindError for a kind the schema table does not know and ProtobufError for
// any other malformed input.
nlohmann::json decodeKubernetesProtobuf(std::string_view body);

}  // namespace mcpsim::apiserver
