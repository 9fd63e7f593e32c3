#include "patch.hpp"

#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/go_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>
#include <vector>

namespace mcpsim::apiserver {

using core::goQuote;
using nlohmann::json;

namespace {

// ---- Status texts ------------------------------------------------------------------------------
// The apiserver answers with texts from three Go libraries; clients (and the agents driving them)
// see them verbatim, so they are reproduced exactly.

// Mirrors the apiserver: NewGenericServerResponse(422, ...) puts this sentence in Status.message
// and drops the patch library's explanation.
const std::string kUnprocessablePatch =
    "the server rejected our request due to an error in our request";
// Mirrors the apiserver: prefix of the BadRequest it answers when the strict decode of a JSON or
// merge patch body fails.
const std::string kDecodeErrorPrefix = "error decoding patch: ";
// Mirrors evanphx/json-patch ErrBadJSONPatch, which the apiserver answers as 400 for a merge patch
// that is JSON null.
const std::string kInvalidMergePatch = "Invalid JSON Patch";
// Mirrors the apiserver's maxJSONPatchOperations and its NewRequestEntityTooLargeError text.
constexpr std::size_t kMaxJsonPatchOperations = 10000;
const std::string kTooManyOperations =
    "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got ";
// Mirrors genericapiserver's default JSONPatchMaxCopyBytes, armed as the library's
// AccumulatedCopySizeLimit.
constexpr std::size_t kMaxAccumulatedCopyBytes = 3 * 1024 * 1024;

// Mirror evanphx/json-patch v4 sentinel errors, which end every wrapped message.
const std::string kErrMissing = "missing value";
const std::string kErrInvalidIndex = "invalid index referenced";
const std::string kErrTestFailed = "test failed";

// Mirror k8s.io/apimachinery/pkg/util/mergepatch errors (400 except lists of lists, 422).
const std::string kBadPrimitiveList = "invalid patch format of primitive list";
const std::string kBadRetainKeys = "invalid patch format of retainKeys";
const std::string kBadSetElementOrder = "invalid patch format of setElementOrder list";
const std::string kNoListOfLists = "lists of lists are not supported";
// Mirror strategicpatch errors the apiserver passes through unconverted (500, reason Unknown).
const std::string kMergeDirectiveInList = "merging lists cannot yet be specified in the patch";
const std::string kNoMergeKeyForMaps = "cannot merge lists without merge key for type struct";

// Strategic merge patch directive keys.
const std::string kPatchDirective = "$patch";
const std::string kRetainKeysDirective = "$retainKeys";
const std::string kSetElementOrderPrefix = "$setElementOrder";
const std::string kDeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";

[[noreturn]] void failBadRequest(std::string message) {
    throw PatchError(400, std::move(message));
}
[[noreturn]] void failUnprocessable(std::string detail) {
    throw PatchError(422, kUnprocessablePatch, std::move(detail));
}
// Errors the apiserver does not convert to a Status: it answers 500 with the raw text.
[[noreturn]] void failPassedThrough(std::string message) {
    throw PatchError(500, std::move(message));
}

bool startsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

std::string childPath(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

// ---- Go formatting -----------------------------------------------------------------------------
// Error texts embed Go-formatted values (core::goFormatValue is fmt's %v of decoded JSON).

// reflect.TypeOf(v).String() as mergepatch.ErrBadArgType prints it.
std::string goTypeName(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
            return "%!s(<nil>)";
        case json::value_t::object:
            return "map[string]interface {}";
        case json::value_t::array:
            return "[]interface {}";
        case json::value_t::string:
            return "string";
        case json::value_t::boolean:
            return "bool";
        case json::value_t::number_float:
            return "float64";
        case json::value_t::number_unsigned:  // past int64 Kubernetes decodes a float64
            return value.get<std::uint64_t>() > std::uint64_t{INT64_MAX} ? "float64" : "int64";
        default:
            return "int64";
    }
}

// fmt's %s of an interface value, as mergepatch.ErrBadPatchType prints the directive.
std::string goPercentS(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_null()) return "%!s(<nil>)";
    if (value.is_primitive())
        return "%!s(" + goTypeName(value) + "=" + core::goFormatValue(value) + ")";
    return core::goFormatValue(value);
}

// The JSON kind encoding/json names in an UnmarshalTypeError.
std::string goJsonKind(const json& value) {
    if (value.is_object()) return "object";
    if (value.is_array()) return "array";
    if (value.is_string()) return "string";
    if (value.is_boolean()) return "bool";
    return "number";
}

std::string cannotUnmarshal(const json& value, const std::string& goType) {
    return "json: cannot unmarshal " + goJsonKind(value) + " into Go value of type " + goType;
}

// ---- RFC 6902 JSON Patch -----------------------------------------------------------------------
// Follows evanphx/json-patch v4 as vendored by the apiserver, so that the same patch succeeds or
// fails the same way; OpFailure carries the library's error text up to where it is wrapped.

struct OpFailure {
    std::string text;
};
[[noreturn]] void failOp(std::string text) {
    throw OpFailure{std::move(text)};
}

std::string invalidIndex(long long index) {
    return "Unable to access invalid index: " + std::to_string(index) + ": " + kErrInvalidIndex;
}

// strconv.Atoi, with its error texts.
long long goAtoi(const std::string& text) {
    const std::string prefix = "strconv.Atoi: parsing " + goQuote(text) + ": ";
    std::size_t i = 0;
    const bool negative = !text.empty() && text[0] == '-';
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) ++i;
    if (i == text.size()) failOp(prefix + "invalid syntax");
    unsigned long long magnitude = 0;
    bool overflow = false;
    for (; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') failOp(prefix + "invalid syntax");
        const auto digit = static_cast<unsigned long long>(text[i] - '0');
        if (magnitude > (std::numeric_limits<unsigned long long>::max() - digit) / 10) {
            overflow = true;
        } else {
            magnitude = magnitude * 10 + digit;
        }
    }
    const auto limit = static_cast<unsigned long long>(std::numeric_limits<long long>::max());
    if (overflow || magnitude > limit + (negative ? 1 : 0)) failOp(prefix + "value out of range");
    if (negative)
        return magnitude == limit + 1 ? std::numeric_limits<long long>::min()
                                      : -static_cast<long long>(magnitude);
    return static_cast<long long>(magnitude);
}

// RFC 6901 unescaping in one left-to-right pass, so "~01" is "~1" and not "/".
std::string decodeToken(std::string_view token) {
    std::string out;
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '~' && i + 1 < token.size() &&
            (token[i + 1] == '0' || token[i + 1] == '1')) {
            out += token[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            out += token[i];
        }
    }
    return out;
}

// strings.Split(path, "/").
std::vector<std::string> splitPointer(const std::string& path) {
    std::vector<std::string> tokens;
    std::size_t start = 0;
    while (true) {
        const auto slash = path.find('/', start);
        tokens.push_back(path.substr(start, slash - start));
        if (slash == std::string::npos) return tokens;
        start = slash + 1;
    }
}

// Index into an array for reading or replacing: negative counts from the end.
std::size_t existingIndex(const json& array, const std::string& token) {
    long long index = goAtoi(token);
    const auto size = static_cast<long long>(array.size());
    if (index < 0) {
        if (index < -size) failOp(invalidIndex(index));
        index += size;
    }
    if (index >= size) failOp(invalidIndex(index));
    return static_cast<std::size_t>(index);
}

struct Location {
    json* container;  // object or array
    std::string key;  // unescaped last token
};

// The container of the pointer's target. Fails (nullopt) like the library when the pointer has no
// leading "/" or an intermediate value is missing, null, a scalar or out of range.
std::optional<Location> findParent(json& root, const std::string& path) {
    const auto tokens = splitPointer(path);
    if (tokens.size() < 2 || !root.is_structured()) return std::nullopt;
    json* current = &root;
    for (std::size_t i = 1; i + 1 < tokens.size(); ++i) {
        const std::string token = decodeToken(tokens[i]);
        json* next = nullptr;
        if (current->is_object()) {
            const auto it = current->find(token);
            if (it != current->end()) next = &*it;
        } else {
            try {
                next = &(*current)[existingIndex(*current, token)];
            } catch (const OpFailure&) {
                return std::nullopt;
            }
        }
        if (next == nullptr || !next->is_structured()) return std::nullopt;
        current = next;
    }
    return Location{current, decodeToken(tokens.back())};
}

// The value at the location; nullptr for a missing object member (the library reads it as nil).
const json* valueAt(const Location& at) {
    if (at.container->is_object()) {
        const auto it = at.container->find(at.key);
        return it == at.container->end() ? nullptr : &*it;
    }
    return &(*at.container)[existingIndex(*at.container, at.key)];
}

void addAt(const Location& at, json value) {
    json& container = *at.container;
    if (container.is_object()) {
        container[at.key] = std::move(value);
        return;
    }
    if (at.key == "-") {
        container.push_back(std::move(value));
        return;
    }
    long long index = 0;
    try {
        index = goAtoi(at.key);
    } catch (const OpFailure& failure) {
        failOp("value was not a proper array index: '" + at.key + "': " + failure.text);
    }
    const auto newSize = static_cast<long long>(container.size()) + 1;
    if (index >= newSize || index < -newSize) failOp(invalidIndex(index));
    if (index < 0) index += newSize;
    container.insert(container.begin() + index, std::move(value));
}

void removeAt(const Location& at) {
    json& container = *at.container;
    if (container.is_object()) {
        if (!container.contains(at.key)) {
            failOp("Unable to remove nonexistent key: " + at.key + ": " + kErrMissing);
        }
        container.erase(at.key);
        return;
    }
    long long index = goAtoi(at.key);
    const auto size = static_cast<long long>(container.size());
    if (index >= size || index < -size) failOp(invalidIndex(index));
    if (index < 0) index += size;
    container.erase(container.begin() + index);
}

// A string member of an operation; null counts as absent, as it does for the library.
std::optional<std::string> operationField(const json& operation, const char* name) {
    const auto it = operation.find(name);
    if (it == operation.end() || it->is_null()) return std::nullopt;
    return it->get<std::string>();
}

class JsonPatcher {
  public:
    explicit JsonPatcher(json doc) : doc_(std::move(doc)) {}
    json result() && { return std::move(doc_); }

    void apply(const json& operation) {
        const std::string kind = operationField(operation, "op").value_or("unknown");
        if (kind == "add") return add(operation);
        if (kind == "remove") return remove(operation);
        if (kind == "replace") return replace(operation);
        if (kind == "move") return move(operation);
        if (kind == "test") return test(operation);
        if (kind == "copy") return copy(operation);
        failOp("Unexpected kind: " + kind);
    }

  private:
    static json value(const json& operation) {
        const auto it = operation.find("value");
        return it == operation.end() ? json(nullptr) : *it;
    }

    void add(const json& operation) {
        const auto path = operationField(operation, "path");
        if (!path) failOp("add operation failed to decode path: " + kErrMissing);
        const auto at = findParent(doc_, *path);
        if (!at) {
            failOp("add operation does not apply: doc is missing path: \"" + *path +
                   "\": " + kErrMissing);
        }
        try {
            addAt(*at, value(operation));
        } catch (const OpFailure& failure) {
            failOp("error in add for path: '" + *path + "': " + failure.text);
        }
    }

    void remove(const json& operation) {
        const auto path = operationField(operation, "path");
        if (!path) failOp("remove operation failed to decode path: " + kErrMissing);
        const auto at = findParent(doc_, *path);
        if (!at) {
            failOp("remove operation does not apply: doc is missing path: \"" + *path +
                   "\": " + kErrMissing);
        }
        try {
            removeAt(*at);
        } catch (const OpFailure& failure) {
            failOp("error in remove for path: '" + *path + "': " + failure.text);
        }
    }

    // Replacing a missing object member adds it: the library only checks that the parent exists.
    void replace(const json& operation) {
        const auto path = operationField(operation, "path");
        if (!path) {
            failOp("replace operation failed to decode path: operation missing path field: " +
                   kErrMissing);
        }
        if (path->empty()) {
            json whole = value(operation);
            if (!whole.is_structured()) {
                failOp("replace operation value must be object or array: %!w(<nil>)");
            }
            doc_ = std::move(whole);
            return;
        }
        const auto at = findParent(doc_, *path);
        if (!at) {
            failOp("replace operation does not apply: doc is missing path: " + *path + ": " +
                   kErrMissing);
        }
        if (at->container->is_object()) {
            (*at->container)[at->key] = value(operation);
            return;
        }
        try {
            (*at->container)[existingIndex(*at->container, at->key)] = value(operation);
        } catch (const OpFailure&) {
            failOp("replace operation does not apply: doc is missing key: " + *path + ": " +
                   kErrMissing);
        }
    }

    // Removes before resolving the destination, as the library does, so moving a value into
    // itself fails on the destination.
    void move(const json& operation) {
        const auto from = operationField(operation, "from");
        if (!from) {
            failOp("move operation failed to decode from: operation, missing from field: " +
                   kErrMissing);
        }
        const auto source = findParent(doc_, *from);
        if (!source) {
            failOp("move operation does not apply: doc is missing from path: " + *from + ": " +
                   kErrMissing);
        }
        json moved;
        try {
            const json* found = valueAt(*source);
            moved = found ? *found : json(nullptr);
            removeAt(*source);
        } catch (const OpFailure& failure) {
            failOp("error in move for path: '" + source->key + "': " + failure.text);
        }
        const auto path = operationField(operation, "path");
        if (!path) {
            failOp("move operation failed to decode path: operation missing path field: " +
                   kErrMissing);
        }
        const auto target = findParent(doc_, *path);
        if (!target) {
            failOp("move operation does not apply: doc is missing destination path: " + *path +
                   ": " + kErrMissing);
        }
        try {
            addAt(*target, std::move(moved));
        } catch (const OpFailure& failure) {
            failOp("error in move for path: '" + *path + "': " + failure.text);
        }
    }

    // A missing or null target passes only against an absent or null value.
    void test(const json& operation) {
        const auto path = operationField(operation, "path");
        if (!path) {
            failOp("test operation failed to decode path: operation missing path field: " +
                   kErrMissing);
        }
        const std::string failed = "testing value " + *path + " failed: " + kErrTestFailed;
        if (path->empty()) {
            if (doc_ != value(operation)) failOp(failed);
            return;
        }
        const auto at = findParent(doc_, *path);
        if (!at) {
            failOp("test operation does not apply: is missing path: " + *path + ": " + kErrMissing);
        }
        const json* actual = nullptr;
        try {
            actual = valueAt(*at);
        } catch (const OpFailure& failure) {
            failOp("error in test for path: '" + *path + "': " + failure.text);
        }
        const json expected = value(operation);
        if (actual == nullptr || actual->is_null()) {
            if (!expected.is_null()) failOp(failed);
            return;
        }
        if (!operation.contains("value") || *actual != expected) failOp(failed);
    }

    // Copying a missing object member copies null, as the library does.
    void copy(const json& operation) {
        const auto from = operationField(operation, "from");
        if (!from) {
            failOp("copy operation failed to decode from: operation, missing from field: " +
                   kErrMissing);
        }
        const auto source = findParent(doc_, *from);
        if (!source) {
            failOp("copy operation does not apply: doc is missing from path: " + *from + ": " +
                   kErrMissing);
        }
        json copied;
        try {
            const json* found = valueAt(*source);
            copied = found ? *found : json(nullptr);
        } catch (const OpFailure& failure) {
            failOp("error in copy for from: '" + *from + "': " + failure.text);
        }
        const auto path = operationField(operation, "path");
        if (!path) failOp("copy operation failed to decode path: " + kErrMissing);
        const auto target = findParent(doc_, *path);
        if (!target) {
            failOp("copy operation does not apply: doc is missing destination path: " + *path +
                   ": " + kErrMissing);
        }
        if (!copied.is_null()) copiedBytes_ += copied.dump().size();
        if (copiedBytes_ > kMaxAccumulatedCopyBytes) {
            failOp("Unable to complete the copy, the accumulated size increase of copy is " +
                   std::to_string(copiedBytes_) + ", exceeding the limit " +
                   std::to_string(kMaxAccumulatedCopyBytes));
        }
        try {
            addAt(*target, std::move(copied));
        } catch (const OpFailure& failure) {
            failOp("error while adding value during copy: " + failure.text);
        }
    }

    json doc_;
    std::size_t copiedBytes_ = 0;
};

// The apiserver strict-decodes a JSON patch into []jsonPatchOp{Op, Path, From string; Value any}
// first; a shape mismatch there is a 400 with Go's UnmarshalTypeError text.
void checkJsonPatchShape(const json& patch) {
    if (!patch.is_array()) {
        failBadRequest(kDecodeErrorPrefix + cannotUnmarshal(patch, "[]handlers.jsonPatchOp"));
    }
    for (const auto& operation : patch) {
        if (operation.is_null()) continue;  // decodes to an empty operation
        if (!operation.is_object()) {
            failBadRequest(kDecodeErrorPrefix + cannotUnmarshal(operation, "handlers.jsonPatchOp"));
        }
        for (const char* field : {"op", "path", "from"}) {
            const auto it = operation.find(field);
            if (it != operation.end() && !it->is_null() && !it->is_string()) {
                failBadRequest(kDecodeErrorPrefix + "json: cannot unmarshal " + goJsonKind(*it) +
                               " into Go struct field jsonPatchOp." + field + " of type string");
            }
        }
    }
    if (patch.size() > kMaxJsonPatchOperations) {
        throw PatchError(413, kTooManyOperations + std::to_string(patch.size()));
    }
}

// ---- RFC 7386 JSON Merge Patch -----------------------------------------------------------------

// Values that do not merge into an existing object lose their null members, including inside
// arrays (null array elements stay), as evanphx/json-patch's pruneNulls does.
json withoutNulls(const json& value) {
    if (value.is_object()) {
        json out = json::object();
        for (const auto& [key, member] : value.items()) {
            if (!member.is_null()) out[key] = withoutNulls(member);
        }
        return out;
    }
    if (value.is_array()) {
        json out = json::array();
        for (const auto& element : value) {
            out.push_back(element.is_null() ? element : withoutNulls(element));
        }
        return out;
    }
    return value;
}

void mergeInto(json& target, const json& patch) {
    for (const auto& [key, patchValue] : patch.items()) {
        if (patchValue.is_null()) {
            target.erase(key);
            continue;
        }
        const auto it = target.find(key);
        if (it == target.end() || it->is_null() || !it->is_object()) {
            target[key] = withoutNulls(patchValue);
        } else if (!patchValue.is_object()) {
            *it = patchValue;
        } else {
            mergeInto(*it, patchValue);
        }
    }
}

// ---- Strategic merge patch ---------------------------------------------------------------------
// Follows k8s.io/apimachinery strategicpatch as the apiserver runs it (StrategicMergeMapPatch:
// parallel lists merged, unmatched nulls ignored). Where the Go code keeps raw patch values that
// the typed round-trip would later clean up, directives are interpreted here instead so that none
// survives in the stored object.

// JSON kinds as Go's reflect types tell list elements apart (int64 and float64 differ).
enum class ElementKind { Null, Bool, Int, Float, String, Array, Object };
ElementKind elementKindOf(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
            return ElementKind::Null;
        case json::value_t::boolean:
            return ElementKind::Bool;
        case json::value_t::number_float:
            return ElementKind::Float;
        case json::value_t::string:
            return ElementKind::String;
        case json::value_t::array:
            return ElementKind::Array;
        case json::value_t::object:
            return ElementKind::Object;
        default:
            return ElementKind::Int;
    }
}

// Values at the map/list/scalar level of reflect.Kind, which decides merge versus replace.
int structuralKind(const json& value) {
    if (value.is_object()) return 0;
    if (value.is_array()) return 1;
    return 2;
}

std::string noMergeKey(const json& item, const std::string& mergeKey) {
    return "map: " + core::goFormatValue(item) +
           " does not contain declared merge key: " + mergeKey;
}
std::string badArgType(const std::string& expected, const json& actual) {
    return "expected a " + expected + ", but received a " + goTypeName(actual);
}
std::string unknownPatchType(const json& directive, const json& map) {
    return "unknown patch type: " + goPercentS(directive) + " in map: " + core::goFormatValue(map);
}

// "$setElementOrder/containers" -> "containers"; a missing slash is the directive's format error.
std::string directiveField(const std::string& key, const std::string& prefix,
                           const std::string& formatError) {
    const auto slash = key.find('/');
    if (slash == std::string::npos || key.substr(0, slash) != prefix) failBadRequest(formatError);
    return key.substr(slash + 1);
}

// The element kind shared by the lists; lists of lists and mixed kinds are errors.
void checkElementKinds(const json& original, const json& patch) {
    std::optional<ElementKind> shared;
    for (const json* list : {&original, &patch}) {
        for (const auto& element : *list) {
            const ElementKind kind = elementKindOf(element);
            if (!shared) {
                if (kind == ElementKind::Array) failUnprocessable(kNoListOfLists);
                shared = kind;
            } else if (*shared != kind) {
                failPassedThrough("list element types are not identical: " +
                                  core::goFormatValue(json::array({original, patch})));
            }
        }
    }
}

// How list items are identified when ordering: by merge key for maps, by value for primitives.
struct ItemIdentity {
    std::string mergeKey;  // empty: primitives
    json of(const json& item) const {
        if (mergeKey.empty()) return item;
        if (!item.is_object()) return json(nullptr);
        const auto it = item.find(mergeKey);
        return it == item.end() ? json(nullptr) : *it;
    }
    long indexIn(const json& list, const json& item) const {
        const json id = of(item);
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (of(list[i]) == id) return static_cast<long>(i);
        }
        return -1;
    }
};

// The apiserver's list ordering (normalizeElementOrder): items named in `order` come first in
// that order, server-only items keep their live order, and the two are interleaved by live
// position; an item without a live position is emitted before the server-only item it meets.
json orderItems(const json& merged, const json& order, const json& liveOrder,
                const ItemIdentity& identity) {
    std::vector<json> named;
    std::vector<json> serverOnly;
    for (const auto& item : merged) {
        (identity.indexIn(order, item) >= 0 ? named : serverOnly).push_back(item);
    }
    auto sortBy = [&identity](std::vector<json>& items, const json& reference) {
        auto rank = [&](const json& item) {
            const long index = identity.indexIn(reference, item);
            return index < 0 ? std::numeric_limits<long>::max() : index;
        };
        std::stable_sort(items.begin(), items.end(),
                         [&](const json& a, const json& b) { return rank(a) < rank(b); });
    };
    sortBy(named, order);
    sortBy(serverOnly, liveOrder);
    json out = json::array();
    std::size_t left = 0;
    std::size_t right = 0;
    while (left < serverOnly.size() && right < named.size()) {
        const long leftIndex = identity.indexIn(liveOrder, serverOnly[left]);
        const long rightIndex = identity.indexIn(liveOrder, named[right]);
        if (leftIndex >= 0 && rightIndex >= 0 && leftIndex < rightIndex) {
            out.push_back(serverOnly[left++]);
        } else {
            out.push_back(named[right++]);
        }
    }
    while (left < serverOnly.size()) out.push_back(serverOnly[left++]);
    while (right < named.size()) out.push_back(named[right++]);
    return out;
}

void requireMergeKeys(const json& items, const std::string& mergeKey) {
    for (const auto& item : items) {
        if (!item.is_object()) failPassedThrough(badArgType("map[string]interface {}", item));
        if (!item.contains(mergeKey)) failPassedThrough(noMergeKey(item, mergeKey));
    }
}

class StrategicMerger {
  public:
    explicit StrategicMerger(const MergeKeyLookup& mergeKeyOf) : mergeKeyOf_(mergeKeyOf) {}

    // nullopt: the map carried "$patch": "delete".
    std::optional<json> mergeMap(json original, const json& patch, const std::string& path) const {
        if (const auto directive = patch.find(kPatchDirective); directive != patch.end()) {
            if (*directive == "replace") {
                json replacement = patch;
                replacement.erase(kPatchDirective);
                return mergeMap(json::object(), replacement, path);
            }
            if (*directive == "delete") return std::nullopt;
            failPassedThrough(unknownPatchType(*directive, patch));
        }
        if (!original.is_object()) original = json::object();
        json pending = patch;
        applyRetainKeys(original, pending);
        applySetElementOrders(original, pending, path);
        for (const auto& [patchKey, patchValue] : pending.items()) {
            std::string key = patchKey;
            const bool deletion = startsWith(key, kDeleteFromPrimitiveListPrefix);
            if (deletion)
                key = directiveField(key, kDeleteFromPrimitiveListPrefix, kBadPrimitiveList);
            if (patchValue.is_null()) {
                original.erase(key);
                continue;
            }
            if (deletion) {
                deleteFromList(original, key, patchValue);
                continue;
            }
            const std::string fieldPath = childPath(path, key);
            const auto current = original.find(key);
            if (current == original.end() || current->is_null() ||
                structuralKind(*current) != structuralKind(patchValue)) {
                if (auto fresh = materialize(patchValue, fieldPath)) {
                    original[key] = std::move(*fresh);
                } else {
                    original.erase(key);
                }
            } else if (patchValue.is_object()) {
                // A map-level "$patch": "delete" drops the field; for the apiserver's typed
                // objects an emptied map field serializes to nothing as well.
                if (auto merged = mergeMap(*current, patchValue, fieldPath)) {
                    *current = std::move(*merged);
                } else {
                    original.erase(current);
                }
            } else if (patchValue.is_array()) {
                const auto mergeKey = lookup(fieldPath);
                *current = mergeKey ? mergeList(*current, patchValue, fieldPath, *mergeKey)
                                    : atomicList(patchValue, fieldPath);
            } else {
                *current = patchValue;
            }
        }
        return original;
    }

  private:
    std::optional<std::string> lookup(const std::string& path) const {
        return mergeKeyOf_ ? mergeKeyOf_(path) : std::nullopt;
    }

    // A patch value with nothing to merge into, with its directives interpreted.
    std::optional<json> materialize(const json& value, const std::string& path) const {
        if (value.is_object()) return mergeMap(json::object(), value, path);
        if (value.is_array()) {
            const auto mergeKey = lookup(path);
            return mergeKey ? mergeList(json::array(), value, path, *mergeKey)
                            : atomicList(value, path);
        }
        return value;
    }

    // A list replaced wholesale; a "$patch" key in an item is dropped, as the typed decode would.
    json atomicList(const json& list, const std::string& path) const {
        json out = json::array();
        for (const auto& element : list) {
            if (element.is_object()) {
                json item = element;
                item.erase(kPatchDirective);
                out.push_back(mergeMap(json::object(), item, path).value_or(json::object()));
            } else if (element.is_array()) {
                out.push_back(atomicList(element, path));
            } else {
                out.push_back(element);
            }
        }
        return out;
    }

    json mergeList(const json& original, const json& patch, const std::string& path,
                   const std::string& mergeKey) const {
        if (original.empty() && patch.empty()) return original;
        checkElementKinds(original, patch);
        const bool ofMaps = (!original.empty() ? original[0] : patch[0]).is_object();
        if (!ofMaps) {
            // A set of primitives: union without duplicates.
            json merged = json::array();
            for (const json* list : {&original, &patch}) {
                for (const auto& value : *list) {
                    if (std::find(merged.begin(), merged.end(), value) == merged.end()) {
                        merged.push_back(value);
                    }
                }
            }
            return orderItems(merged, patch, original, ItemIdentity{});
        }
        if (mergeKey.empty()) failPassedThrough(kNoMergeKeyForMaps);

        json live = original;
        json plainItems = json::array();
        bool replaceList = false;
        for (const auto& item : patch) {
            const auto directive = item.find(kPatchDirective);
            if (directive == item.end()) {
                plainItems.push_back(item);
            } else if (*directive == "delete") {
                if (!item.contains(mergeKey)) failPassedThrough(noMergeKey(item, mergeKey));
                const json& doomed = item[mergeKey];
                live.erase(std::remove_if(live.begin(), live.end(),
                                          [&](const json& existing) {
                                              const auto it = existing.find(mergeKey);
                                              return it != existing.end() && *it == doomed;
                                          }),
                           live.end());
            } else if (*directive == "replace") {
                replaceList = true;  // the list becomes the patch's other items
            } else if (*directive == "merge") {
                failPassedThrough(kMergeDirectiveInList);
            } else {
                failPassedThrough(unknownPatchType(*directive, item));
            }
        }
        const ItemIdentity identity{mergeKey};
        if (replaceList) {
            json replacement = json::array();
            for (const auto& item : plainItems) {
                replacement.push_back(
                    mergeMap(json::object(), item, path).value_or(json::object()));
            }
            requireMergeKeys(replacement, mergeKey);
            return replacement;
        }
        json merged = live;
        for (const auto& item : plainItems) {
            if (!item.contains(mergeKey)) failPassedThrough(noMergeKey(item, mergeKey));
            const long index = identity.indexIn(merged, item);
            if (index >= 0) {
                auto& existing = merged[static_cast<std::size_t>(index)];
                existing = mergeMap(existing, item, path).value_or(json::object());
            } else {
                merged.push_back(mergeMap(json::object(), item, path).value_or(json::object()));
            }
        }
        requireMergeKeys(merged, mergeKey);
        return orderItems(merged, plainItems, live, identity);
    }

    void deleteFromList(json& original, const std::string& key, const json& doomed) const {
        if (!doomed.is_array()) failBadRequest(kBadPrimitiveList);
        const auto current = original.find(key);
        if (current == original.end() || !current->is_array()) return;
        json kept = json::array();
        for (const auto& value : *current) {
            if (std::find(doomed.begin(), doomed.end(), value) == doomed.end()) {
                kept.push_back(value);
            }
        }
        *current = std::move(kept);
    }

    // "$retainKeys": every key the patch sets must be listed; unlisted live keys are dropped.
    static void applyRetainKeys(json& original, json& pending) {
        const auto directive = pending.find(kRetainKeysDirective);
        if (directive == pending.end()) return;
        const json retained = *directive;
        pending.erase(directive);
        if (!retained.is_array()) failBadRequest(kBadRetainKeys);
        auto listed = [&retained](const std::string& key) {
            return std::find(retained.begin(), retained.end(), json(key)) != retained.end();
        };
        for (const auto& [key, value] : pending.items()) {
            if (value.is_null() || startsWith(key, kDeleteFromPrimitiveListPrefix) ||
                startsWith(key, kSetElementOrderPrefix)) {
                continue;
            }
            if (!listed(key)) failBadRequest(kBadRetainKeys);
        }
        for (auto it = original.begin(); it != original.end();) {
            it = listed(it.key()) ? std::next(it) : original.erase(it);
        }
    }

    // The patch's items must appear in the "$setElementOrder" list in the same relative order.
    static void checkOrderMatchesPatch(const json& patchList, const json& order,
                                       const std::string& mergeKey) {
        if (order.empty() || patchList.empty()) return;
        std::vector<const json*> items;
        for (const auto& item : patchList) {
            if (!mergeKey.empty()) {
                if (!item.is_object()) {
                    failPassedThrough(badArgType("map[string]interface {}", item));
                }
                const auto directive = item.find(kPatchDirective);
                if (directive != item.end() && *directive == "delete") continue;
            }
            items.push_back(&item);
        }
        std::size_t itemIndex = 0;
        std::size_t orderIndex = 0;
        while (itemIndex < items.size() && orderIndex < order.size()) {
            const json& item = *items[itemIndex];
            const json& ordered = order[orderIndex];
            if (item.is_object() && item.contains(kPatchDirective)) {
                ++itemIndex;
                continue;
            }
            bool same = false;
            if (mergeKey.empty()) {
                same = item == ordered;
            } else {
                for (const json* side : {&item, &ordered}) {
                    if (!side->is_object()) {
                        failPassedThrough(badArgType("map[string]interface {}", *side));
                    }
                    if (!side->contains(mergeKey)) failPassedThrough(noMergeKey(*side, mergeKey));
                }
                same = item[mergeKey] == ordered[mergeKey];
            }
            if (same) ++itemIndex;
            ++orderIndex;
        }
        if (itemIndex < items.size()) {
            failPassedThrough("The order in patch list:\n" + core::goFormatValue(patchList) +
                              "\n doesn't match " + kSetElementOrderPrefix + " list:\n" +
                              core::goFormatValue(order) + "\n");
        }
    }

    // "$setElementOrder/<field>": merges the field's list now and orders it by the directive.
    void applySetElementOrders(json& original, json& pending, const std::string& path) const {
        std::vector<std::string> directives;
        for (const auto& [key, value] : pending.items()) {
            if (startsWith(key, kSetElementOrderPrefix)) directives.push_back(key);
        }
        for (const auto& directive : directives) {
            const json order = pending[directive];
            pending.erase(directive);
            if (!order.is_array()) failPassedThrough(badArgType("[]interface {}", order));
            const std::string field =
                directiveField(directive, kSetElementOrderPrefix, kBadSetElementOrder);
            const bool inLive = original.contains(field);
            const bool inPatch = pending.contains(field);
            if (inLive && !original[field].is_array()) {
                failPassedThrough(badArgType("[]interface {}", original[field]));
            }
            if (inPatch && !pending[field].is_array()) {
                failPassedThrough(badArgType("[]interface {}", pending[field]));
            }
            const std::string listPath = childPath(path, field);
            const auto mergeKey = lookup(listPath);
            const ItemIdentity identity{mergeKey.value_or("")};
            checkOrderMatchesPatch(inPatch ? pending[field] : json::array(), order,
                                   identity.mergeKey);
            if (!inLive && !inPatch) continue;

            const json live = inLive ? original[field] : json::array();
            json merged;
            if (!inPatch) {
                merged = live;
            } else if (!inLive) {
                merged = *materialize(pending[field], listPath);
            } else {
                merged = mergeKey ? mergeList(live, pending[field], listPath, *mergeKey)
                                  : atomicList(pending[field], listPath);
            }
            if (!identity.mergeKey.empty()) {
                requireMergeKeys(merged, identity.mergeKey);
                for (std::size_t i = 0; i < order.size(); ++i) {
                    if (!order[i].is_object()) {
                        failPassedThrough("value for key " + std::to_string(i) + " is not a map.");
                    }
                }
            }
            original[field] = orderItems(merged, order, live, identity);
            pending.erase(field);
        }
    }

    const MergeKeyLookup& mergeKeyOf_;
};

bool endsWithSegments(std::string_view path, std::string_view suffix) {
    if (path == suffix) return true;
    return path.size() > suffix.size() && path.ends_with(suffix) &&
           path[path.size() - suffix.size() - 1] == '.';
}

}  // namespace

PatchError::PatchError(int code, std::string msg, std::string detailText)
    : std::runtime_error(msg), httpCode(code), detail(detailText.empty() ? msg : detailText) {
    switch (code) {
        case 400:
            reason = "BadRequest";
            break;
        case 413:
            reason = "RequestEntityTooLarge";
            break;
        case 422:
            reason = "Invalid";
            break;
        default:
            break;  // metav1.StatusReasonUnknown
    }
}

json decodePatchBody(std::string_view body, PatchBodyFormat format) {
    // Only the strict decode of JSON and merge patches prefixes its errors.
    const std::string prefix =
        format == PatchBodyFormat::StrategicMergePatch ? "" : kDecodeErrorPrefix;
    if (auto syntaxError = core::goJsonSyntaxError(body)) {
        failBadRequest(prefix + *syntaxError);
    }
    try {
        return core::goJsonDecode(body);
    } catch (const json::parse_error& error) {
        // Valid to Go but not to nlohmann (e.g. invalid UTF-8, which Go replaces).
        failBadRequest(prefix + error.what());
    }
}

json applyJsonPatch(const json& doc, const json& patch) {
    if (patch.is_null()) return doc;  // decodes to an empty patch
    checkJsonPatchShape(patch);
    JsonPatcher patcher(doc);
    for (const auto& operation : patch) {
        try {
            patcher.apply(operation.is_null() ? json::object() : operation);
        } catch (const OpFailure& failure) {
            failUnprocessable(failure.text);
        }
    }
    return std::move(patcher).result();
}

json applyMergePatch(const json& doc, const json& patch) {
    if (patch.is_null()) failBadRequest(kInvalidMergePatch);
    if (!patch.is_object()) {
        failBadRequest(kDecodeErrorPrefix + cannotUnmarshal(patch, "map[string]interface {}"));
    }
    if (!doc.is_object()) return withoutNulls(patch);
    json result = doc;
    mergeInto(result, patch);
    return result;
}

json applyStrategicMergePatch(const json& doc, const json& patch,
                              const MergeKeyLookup& mergeKeyOf) {
    if (patch.is_null()) return doc;  // decodes to an empty map: nothing to do
    if (!patch.is_object()) failBadRequest(cannotUnmarshal(patch, "map[string]interface {}"));
    const StrategicMerger merger(mergeKeyOf);
    return merger.mergeMap(doc, patch, "").value_or(json::object());
}

MergeKeyLookup builtinMergeKeys() {
    return [](const std::string& path) -> std::optional<std::string> {
        // Fields of a container, in any pod template (containers, initContainers, ...).
        const auto lastDot = path.rfind('.');
        if (lastDot != std::string::npos) {
            const std::string_view parent = std::string_view(path).substr(0, lastDot);
            const std::string_view field = std::string_view(path).substr(lastDot + 1);
            if (endsWithSegments(parent, "containers") ||
                endsWithSegments(parent, "initContainers") ||
                endsWithSegments(parent, "ephemeralContainers")) {
                if (field == "env") return "name";
                if (field == "ports") return "containerPort";
                if (field == "volumeMounts") return "mountPath";
                if (field == "volumeDevices") return "devicePath";
                return std::nullopt;  // envFrom, args, command, resizePolicy, ...: atomic
            }
        }
        if (path == "spec.ports") return "port";        // Service
        if (path == "secrets") return "name";           // ServiceAccount
        if (path == "webhooks") return "name";          // admission webhook configurations
        if (path == "spec.podCIDRs") return "";         // Node
        if (path == "status.addresses") return "type";  // Node
        struct SuffixRule {
            std::string_view suffix;
            std::string_view mergeKey;
        };
        static constexpr SuffixRule kRules[] = {
            {"spec.containers", "name"},
            {"spec.initContainers", "name"},
            {"spec.ephemeralContainers", "name"},
            {"spec.volumes", "name"},
            {"spec.imagePullSecrets", "name"},
            {"spec.hostAliases", "ip"},
            {"spec.topologySpreadConstraints", "topologyKey"},
            {"spec.resourceClaims", "name"},
            {"spec.schedulingGates", "name"},
            {"metadata.ownerReferences", "uid"},
            {"metadata.finalizers", ""},
            {"status.conditions", "type"},
            {"status.podIPs", "ip"},
            {"status.hostIPs", "ip"},
        };
        for (const auto& rule : kRules) {
            if (endsWithSegments(path, rule.suffix)) return std::string(rule.mergeKey);
        }
        return std::nullopt;  // tolerations, args, ...: atomic
    };
}

}  // namespace mcpsim::apiserver
