#pragma once
// YAML <-> JSON with the scalar rules Kubernetes manifests follow (sigs.k8s.io/yaml, which
// resolves plain scalars the YAML 1.1 way: true/false/yes/no/on/off, ints, floats, null/~).
// Quoted scalars are always strings.
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mcpsim/core/json.hpp"

namespace mcpsim::core {

struct YamlError : std::runtime_error {
    int line;    // 1-based, 0 when unknown
    int column;  // 1-based, 0 when unknown
    YamlError(const std::string& msg, int l, int c) : std::runtime_error(msg), line(l), column(c) {}
};

// Every non-empty document of a stream, in order.
std::vector<Json> parseYamlDocuments(std::string_view text);
// The same for a stream that is part of the program (an embedded manifest, a world profile):
// parsed once per process, later calls with the same text get the same documents. Every world
// boot reads the same CRDs and profiles, and parsing them was 40% of a boot. Not for input that
// varies: each distinct text stays cached. Thread-safe.
const std::vector<Json>& parseYamlDocumentsOnce(std::string_view text);
// A document with the line (1-based) where each of its nodes starts, keyed by JSON pointer
// ("" is the document, "/spec/steps/0" a step): for errors that name the place in the file.
struct YamlSourceDocument {
    Json value;
    std::map<std::string, int> lines;
    // The line of the node at `pointer`, or of its nearest ancestor that has one.
    int lineOf(std::string pointer) const;
};
std::vector<YamlSourceDocument> parseYamlSourceDocuments(std::string_view text);
// Exactly one document (an empty input is null). JSON is valid YAML, so this reads both.
Json parseYaml(std::string_view text);
// Block-style YAML, keys in JSON order, strings quoted only when needed.
std::string toYaml(const Json& value);

}  // namespace mcpsim::core
