// YAML manifests as `kubectl apply -f` and the bootstrap loader read them. Invariant: every
// decoded document re-encodes (toYaml) to YAML that decodes to the same document.
#include "fuzz_support.hpp"
#include "mcpsim/core/yaml.hpp"

using mcpsim::Json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = mcpsim::fuzz::asText(data, size);
    mcpsim::fuzz::plantedBug(text);
    std::vector<Json> docs;
    try {
        docs = mcpsim::core::parseYamlDocuments(text);
    } catch (const mcpsim::core::YamlError& e) {
        FUZZ_CHECK(e.line >= 0 && e.column >= 0, e.what());
        return 0;
    }
    for (const Json& doc : docs) {
        const std::string again = mcpsim::core::toYaml(doc);
        Json back;
        try {
            back = mcpsim::core::parseYaml(again);
        } catch (const mcpsim::core::YamlError& e) {
            FUZZ_CHECK(false,
                       std::string("re-encoded YAML does not decode: ") + e.what() + "\n" + again);
        }
        FUZZ_CHECK(back == doc, "round trip changed the document:\n" + doc.dump() + "\n" + again +
                                    "\n" + back.dump());
    }
    return 0;
}
