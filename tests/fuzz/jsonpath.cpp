// Printer-column JSONPath (CRD additionalPrinterColumns) against stored objects. Invariants: a
// path is either accepted or rejected with one of the two validation errors; evaluation never
// throws and renders a cell of the column's type for whatever it finds.
#include "jsonpath.hpp"
#include "fuzz_support.hpp"

using mcpsim::Json;
namespace api = mcpsim::apiserver;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mcpsim::fuzz::plantedBug(mcpsim::fuzz::asText(data, size));
    // mode: the column type; then the path, a newline and the object as JSON.
    auto in = mcpsim::fuzz::frame(data, size);
    static const char* const kTypes[] = {"string", "integer", "number", "boolean", "date"};
    const std::string type = kTypes[in.mode % 5];
    const std::string path(in.field());
    Json object = Json::parse(in.rest, nullptr, false);
    if (object.is_discarded())
        object = {{"metadata", {{"name", "x"}, {"creationTimestamp", "2026-01-01T00:00:00Z"}}},
                  {"spec", {{"items", {1, 2.5, "three", {{"k", "v"}}}}}}};
    try {
        api::checkJsonPath(path);
    } catch (const api::JsonPathValidationError&) {
    } catch (const api::JsonPathParseError& e) {
        FUZZ_CHECK(!e.parserError().empty(), "parse error without a reason");
    }
    const std::vector<Json> matches = api::evalJsonPath(path, object);
    const Json cell = api::printerCell(matches, type, api::PrinterClock{});
    FUZZ_CHECK(cell.is_null() || cell.is_string() || cell.is_number() || cell.is_boolean(),
               "cell of type " + type + " is " + cell.dump());
    (void)cell.dump();  // a cell with invalid UTF-8 would throw here, as the Table encoder does
    return 0;
}
