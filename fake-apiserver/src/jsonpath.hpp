#pragma once
// kubectl-style JSONPath for CRD `additionalPrinterColumns`, following what the real API server
// does (apiextensions-apiserver tableconvertor + client-go util/jsonpath):
//
//  * The column path is parsed as the template "{" + jsonPath + "}" with missing keys allowed.
//    Supported: `.a.b`, escaped dots `.a\.b`, `[0]`, `[-1]`, slices `[1:3]`, `[*]`, `.*`,
//    unions `[0,2]`, `..name` (recursive descent), filters `[?(@.k=='v')]`, `[?(@.k)]` with
//    == != < <= > >= against '..' / ".." strings, numbers, true/false or other @-paths.
//  * client-go quirks kept on purpose: `['a.b']` is the same as `.a.b` (the key is re-parsed as
//    a dotted path; write `.a\.b` for a key containing dots); `["a"]` is a parse error; `[*]` on
//    a map is an error (use `.*`); `.length()` parses as a field literally named "length()" and so
//    matches nothing on a list (`.spec.tools.length()` renders an empty cell).
//  * Runtime errors (index out of bounds, filtering a non-list, comparing a number with a string,
//    comparing an int with a double) make the whole cell empty, as FindResults fails.
//  * Map iteration (`.*`, `..`) visits keys in sorted order.
//
// Only the first match of a column is rendered (the tableconvertor uses results[0][0]), so a
// path such as `.status.addresses[*].value` shows the first address only.
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mcpsim::apiserver {

// CRD validation itself rejects the path (validateSimpleJSONPath): the CRD write fails with
// `<field>.jsonPath: Invalid value: "<path>": <what()>`.
struct JsonPathValidationError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// client-go cannot parse the path. The real API server still accepts the CRD: it logs
// `unrecognized column definition "<path>"` (what()) and serves Tables with only the columns
// declared before this one. parserError() holds the parser's reason.
class JsonPathParseError : public std::invalid_argument {
  public:
    JsonPathParseError(const std::string& path, std::string parserError);
    const std::string& parserError() const { return parserError_; }

  private:
    std::string parserError_;
};

// Evaluates a printer-column JSONPath such as ".spec.toolPrefix",
// ".status.conditions[?(@.type=='Ready')].status", ".spec.hostnames",
// ".status.addresses[*].value", ".metadata.creationTimestamp" or ".spec.tools.length()".
// Returns all matches in order; empty when nothing matches, the path does not parse, or
// evaluation fails at runtime.
std::vector<nlohmann::json> evalJsonPath(const std::string& path, const nlohmann::json& obj);

// Validates a path at CRD registration: throws JsonPathValidationError for what CRD validation
// rejects ("must not be empty", "must be a simple json path starting with .") and
// JsonPathParseError for paths client-go's parser rejects.
void checkJsonPath(const std::string& path);

using PrinterClock = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;

// Renders a Table cell like the tableconvertor for a column of the given type ("string",
// "integer", "number", "boolean", "date"):
//  * no match -> null; otherwise only the first match is used.
//  * string: strings as-is, numbers/bools printed (floats with Go's %v), lists and maps as
//    compact JSON (e.g. ["a.example","b.example"]), a JSON null as "<no value>".
//  * integer: ints as-is, doubles truncated; number: any number as a double (integral values are
//    returned as JSON integers so they serialize like Go's "3", not "3.0"); boolean: bools.
//    A value of another JSON type gives null.
//  * date: RFC 3339 string -> age relative to `now` as duration.HumanDuration prints it ("90s",
//    "5m3s", "3d4h", "2y10d"), "<unknown>" for the zero time or "", "<invalid>" when unparsable
//    or 2 s or more in the future; non-strings give null.
//  * unknown column types give null.
// Pass the simulation clock's time as `now` so dates age with virtual time.
nlohmann::json printerCell(
    const std::vector<nlohmann::json>& matches, const std::string& type,
    PrinterClock now =
        std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now()));

}  // namespace mcpsim::apiserver
