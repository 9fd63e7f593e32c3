// Label and field selectors as `?labelSelector=` and `?fieldSelector=` carry them. Invariants: a
// parsed selector prints (str()) as text that parses to the same selector, and that selector
// matches exactly what the original matches.
#include "selectors.hpp"
#include <algorithm>
#include <tuple>
#include <vector>

#include "fuzz_support.hpp"

using mcpsim::Json;
using mcpsim::apiserver::FieldSelector;
using mcpsim::apiserver::LabelSelector;
using mcpsim::apiserver::SelectorError;

namespace {

const Json& sampleLabelSets() {
    static const Json sets = Json::parse(R"([{}, {"app": "a"}, {"app": "b", "x": ""},
        {"y": "z", "tier": "1"}, {"example.com/k": "v", "n": "10"}])");
    return sets;
}

void labelSelector(const std::string& text) {
    LabelSelector sel;
    try {
        sel = LabelSelector::parse(text);
    } catch (const SelectorError& e) {
        FUZZ_CHECK(std::string(e.what()).size() > 0, "empty selector error");
        return;
    }
    const std::string printed = sel.str();
    LabelSelector again;
    try {
        again = LabelSelector::parse(printed);
    } catch (const SelectorError& e) {
        FUZZ_CHECK(false, "printed label selector '" + printed + "' does not parse: " + e.what());
    }
    FUZZ_CHECK(again.str() == printed, "'" + printed + "' reprints as '" + again.str() + "'");
    for (const Json& labels : sampleLabelSets())
        FUZZ_CHECK(again.matches(labels) == sel.matches(labels),
                   "'" + text + "' and its print '" + printed + "' disagree on " + labels.dump());
}

std::vector<std::tuple<std::string, bool, std::string>> termsOf(const FieldSelector& sel) {
    std::vector<std::tuple<std::string, bool, std::string>> out;
    for (const auto& t : sel.terms()) out.emplace_back(t.field, t.notEquals, t.value);
    std::sort(out.begin(), out.end());
    return out;
}

void fieldSelector(const std::string& text) {
    FieldSelector sel;
    try {
        sel = FieldSelector::parse(text);
    } catch (const SelectorError&) {
        return;
    }
    const std::string printed = sel.str();
    FieldSelector again;
    try {
        again = FieldSelector::parse(printed);
    } catch (const SelectorError& e) {
        FUZZ_CHECK(false, "printed field selector '" + printed + "' does not parse: " + e.what());
    }
    // Go sorts the terms by their text before printing "==" as "=", so the order may change
    // (as it does in Go); the terms may not.
    FUZZ_CHECK(termsOf(again) == termsOf(sel), "'" + printed + "' parses to other terms");
    for (const char* name : {"a", "b,c", "x=y"}) {
        const Json object = {{"metadata", {{"name", name}, {"namespace", "default"}}},
                             {"spec", {{"nodeName", "n1"}}}};
        FUZZ_CHECK(again.matches(object) == sel.matches(object),
                   "'" + text + "' and its print '" + printed + "' disagree");
    }
}

}  // namespace

// mode bit 0: field selector (else label selector); the rest is the selector text.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mcpsim::fuzz::plantedBug(mcpsim::fuzz::asText(data, size));
    auto in = mcpsim::fuzz::frame(data, size);
    const std::string text(in.rest);
    if (in.mode & 1)
        fieldSelector(text);
    else
        labelSelector(text);
    return 0;
}
