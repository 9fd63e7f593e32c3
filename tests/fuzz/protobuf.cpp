// application/vnd.kubernetes.protobuf request bodies (kubectl create/replace of built-in kinds).
// Invariants: decoding fails only with ProtobufError; a decoded object is a JSON object with
// apiVersion and kind, and serializes (valid UTF-8 throughout).
#include "fuzz_support.hpp"
#include "protobuf_decode.hpp"

using mcpsim::Json;
namespace api = mcpsim::apiserver;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto body = mcpsim::fuzz::asText(data, size);
    mcpsim::fuzz::plantedBug(body);
    // Most inputs should get past the magic prefix to reach the message decoder.
    std::string framed = std::string("k8s\0", 4) + std::string(body);
    for (const std::string_view candidate : {body, std::string_view(framed)}) {
        if (!api::isKubernetesProtobuf(candidate)) continue;
        Json object;
        try {
            object = api::decodeKubernetesProtobuf(candidate);
        } catch (const api::ProtobufError& e) {
            FUZZ_CHECK(std::string(e.what()).size() > 0, "protobuf error without a message");
            continue;
        }
        FUZZ_CHECK(object.is_object(), "decoded body is not an object: " + object.dump());
        FUZZ_CHECK(object.contains("kind") && object.contains("apiVersion"),
                   "decoded object without apiVersion/kind: " + object.dump());
        (void)object.dump();
    }
    return 0;
}
