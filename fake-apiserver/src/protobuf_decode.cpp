#include "protobuf_decode.hpp"

#include "mcpsim/core/go_format.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mcpsim::apiserver {

ProtobufUnsupportedKindError::ProtobufUnsupportedKindError(std::string av, std::string k)
    : ProtobufError("the protobuf encoding is not supported for " + av + ", Kind=" + k +
                    "; send it as application/json"),
      apiVersion(std::move(av)),
      kind(std::move(k)) {}

namespace {

using nlohmann::json;

constexpr std::string_view kMagic{"k8s\0", 4};

// ----------------------------------------------------------------------------------------------
// Protobuf wire format
// ----------------------------------------------------------------------------------------------

enum class WireType : uint8_t { Varint = 0, Fixed64 = 1, Len = 2, Fixed32 = 5 };

std::string wireTypeName(WireType wt) {
    switch (wt) {
        case WireType::Varint:
            return "varint";
        case WireType::Fixed64:
            return "64-bit";
        case WireType::Len:
            return "length-delimited";
        case WireType::Fixed32:
            return "32-bit";
    }
    return "wire type " + std::to_string(static_cast<int>(wt));
}

// Reads one message's bytes. Every read is bounds-checked; errors say what ran out.
class WireReader {
  public:
    explicit WireReader(std::string_view data) : data_(data) {}

    bool atEnd() const { return pos_ == data_.size(); }

    uint64_t varint() {
        uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ == data_.size()) throw ProtobufError("truncated varint");
            auto byte = static_cast<uint8_t>(data_[pos_++]);
            value |= static_cast<uint64_t>(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0) return value;
        }
        throw ProtobufError("varint longer than 10 bytes");
    }

    uint64_t fixed(size_t width) {
        if (data_.size() - pos_ < width) throw ProtobufError("truncated fixed-width field");
        uint64_t value = 0;
        for (size_t i = 0; i < width; ++i) {
            value |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
        }
        pos_ += width;
        return value;
    }

    std::string_view lengthDelimited() {
        uint64_t len = varint();
        size_t left = data_.size() - pos_;
        if (len > left) {
            throw ProtobufError("length-delimited field of " + std::to_string(len) +
                                " bytes runs past the end of its message (" + std::to_string(left) +
                                " bytes left)");
        }
        std::string_view out = data_.substr(pos_, len);
        pos_ += len;
        return out;
    }

    // Returns {field number, wire type}.
    std::pair<uint32_t, WireType> tag() {
        uint64_t key = varint();
        uint64_t number = key >> 3;
        if (number == 0 || number > 536870911) {
            throw ProtobufError("invalid field number " + std::to_string(number));
        }
        auto wt = static_cast<WireType>(key & 7);
        switch (wt) {
            case WireType::Varint:
            case WireType::Fixed64:
            case WireType::Len:
            case WireType::Fixed32:
                break;
            default:  // 3/4 are deprecated groups, 6/7 do not exist; Kubernetes emits neither
                throw ProtobufError("unsupported wire type " + std::to_string(key & 7) +
                                    " for field " + std::to_string(number));
        }
        return {static_cast<uint32_t>(number), wt};
    }

    void skip(WireType wt) {
        switch (wt) {
            case WireType::Varint:
                varint();
                return;
            case WireType::Fixed64:
                fixed(8);
                return;
            case WireType::Len:
                lengthDelimited();
                return;
            case WireType::Fixed32:
                fixed(4);
                return;
        }
    }

  private:
    std::string_view data_;
    size_t pos_ = 0;
};

void expectWireType(WireType got, WireType want) {
    if (got != want) {
        throw ProtobufError("unexpected " + wireTypeName(got) + " value, expected " +
                            wireTypeName(want));
    }
}

// Calls onField(number, wireType, reader) for each field; it returns false to have the value
// skipped. Used for the fixed small messages (envelope, map entries, Time, IntOrString, ...).
template <typename OnField>
void forEachField(std::string_view data, OnField&& onField) {
    WireReader reader(data);
    while (!reader.atEnd()) {
        auto [number, wt] = reader.tag();
        if (!onField(number, wt, reader)) reader.skip(wt);
    }
}

std::string_view readLen(WireType wt, WireReader& reader) {
    expectWireType(wt, WireType::Len);
    return reader.lengthDelimited();
}

uint64_t readVarint(WireType wt, WireReader& reader) {
    expectWireType(wt, WireType::Varint);
    return reader.varint();
}

// nlohmann::json::dump() throws on invalid UTF-8, so reject it here with a protobuf error.
std::string_view checkUtf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        size_t width = 0;
        if (core::goDecodeRune(s.substr(i), width) == 0xFFFD && width == 1) {
            throw ProtobufError("string is not valid UTF-8");
        }
        i += width;
    }
    return s;
}

// ----------------------------------------------------------------------------------------------
// Well-known Kubernetes value types with a custom JSON form
// ----------------------------------------------------------------------------------------------

// metav1.Time {1 seconds, 2 nanos}. Go encodes the zero time as an empty message and its JSON as
// null; we return null so the caller omits it. Non-zero times are RFC 3339 with second precision
// (metav1.Time drops nanos in both its protobuf decoding and JSON).
json decodeTime(std::string_view data) {
    if (data.empty()) return nullptr;
    int64_t seconds = 0;
    forEachField(data, [&](uint32_t number, WireType wt, WireReader& r) {
        if (number != 1) return false;
        seconds = static_cast<int64_t>(readVarint(wt, r));
        return true;
    });
    // Go's MarshalJSON rejects years outside [0, 9999]; this also keeps chrono from overflowing.
    constexpr int64_t kYear0 = -62167219200, kYear10000 = 253402300800;
    if (seconds < kYear0 || seconds >= kYear10000) {
        throw ProtobufError("timestamp " + std::to_string(seconds) + " is outside years 0-9999");
    }
    return core::formatRfc3339(core::UnixTime{seconds, 0});
}

// intstr.IntOrString {1 type, 2 intVal, 3 strVal}: JSON is the number or the string.
json decodeIntOrString(std::string_view data) {
    int64_t type = 0;
    int32_t intVal = 0;
    std::string strVal;
    forEachField(data, [&](uint32_t number, WireType wt, WireReader& r) {
        switch (number) {
            case 1:
                type = static_cast<int64_t>(readVarint(wt, r));
                return true;
            case 2:
                intVal = static_cast<int32_t>(readVarint(wt, r));
                return true;
            case 3:
                strVal = checkUtf8(readLen(wt, r));
                return true;
        }
        return false;
    });
    if (type == 1) return strVal;
    return intVal;
}

// resource.Quantity {1 string}: JSON is the string; Go prints the zero Quantity as "0".
json decodeQuantity(std::string_view data) {
    std::string value;
    forEachField(data, [&](uint32_t number, WireType wt, WireReader& r) {
        if (number != 1) return false;
        value = checkUtf8(readLen(wt, r));
        return true;
    });
    return value.empty() ? std::string("0") : value;
}

// metav1.FieldsV1 {1 Raw}: Raw is JSON and is embedded as-is (null when empty, like Go).
json decodeFieldsV1(std::string_view data) {
    std::string_view raw;
    forEachField(data, [&](uint32_t number, WireType wt, WireReader& r) {
        if (number != 1) return false;
        raw = readLen(wt, r);
        return true;
    });
    if (raw.empty()) return nullptr;
    json parsed = json::parse(raw, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) throw ProtobufError("FieldsV1 raw value is not valid JSON");
    return parsed;
}

// ----------------------------------------------------------------------------------------------
// Schema
// ----------------------------------------------------------------------------------------------

enum class Type : uint8_t {
    String,
    Bytes,  // base64 in JSON
    Int32,
    Int64,
    Bool,
    Message,
    Time,
    IntOrString,
    Quantity,
    FieldsV1,
};
enum class Shape : uint8_t { Single, Repeated, Map };

// Go encoding/json omits zero scalars of `omitempty` value fields. Everything else that is on the
// wire is emitted: gogo-protobuf writes pointer fields only when non-nil and always writes value
// fields, and encoding/json never omits structs. So only scalar fields need a flag.
enum FieldFlags : uint8_t {
    kOmitEmpty = 0,
    kKeep = 1,    // scalar emitted even when zero: Go pointer field or field without omitempty
    kInline = 2,  // embedded Go struct (`json:",inline"`): its fields merge into the parent
};

// One table row. `type` is Go-like: "string", "[]Container", "map[string]bytes", "Time", ...
struct FieldRow {
    uint32_t number;
    std::string_view json;
    std::string_view type;
    uint8_t flags = kOmitEmpty;
};

struct MessageSchema;

struct FieldSchema {
    uint32_t number;
    std::string_view json;
    Shape shape;
    Type type;
    std::string_view messageName;  // Type::Message only
    const MessageSchema* message = nullptr;
    bool keep;
    bool inlined;
};

struct MessageSchema {
    std::string_view name;
    std::vector<FieldSchema> fields;

    const FieldSchema* find(uint32_t number) const {
        for (const auto& f : fields) {
            if (f.number == number) return &f;
        }
        return nullptr;
    }
};

class Schema {
  public:
    void message(std::string_view name, std::initializer_list<FieldRow> rows) {
        auto [it, inserted] = messages_.try_emplace(name, MessageSchema{name, {}});
        if (!inserted) throw std::logic_error("protobuf schema: duplicate message " + str(name));
        for (const FieldRow& row : rows) it->second.fields.push_back(parseRow(name, row));
    }

    // A top-level kind; its message carries the kind's name.
    void kind(std::string_view apiVersion, std::string_view kind) {
        kinds_.emplace(std::pair{apiVersion, kind}, kind);
    }

    // Links message references and checks the table; a mistake is a programming error.
    void resolve() {
        for (auto& [name, msg] : messages_) {
            for (auto& f : msg.fields) {
                if (msg.find(f.number) != &f) fail(msg, f, "duplicate field number");
                if (f.type != Type::Message) continue;
                auto it = messages_.find(f.messageName);
                if (it == messages_.end()) fail(msg, f, "unknown message " + str(f.messageName));
                f.message = &it->second;
            }
        }
        for (const auto& [key, message] : kinds_) {
            if (!messages_.contains(message)) {
                throw std::logic_error("protobuf schema: no message for kind " + str(message));
            }
        }
    }

    const MessageSchema* forKind(std::string_view apiVersion, std::string_view kind) const {
        auto it = kinds_.find(std::pair{apiVersion, kind});
        return it == kinds_.end() ? nullptr : &messages_.at(it->second);
    }

  private:
    static std::string str(std::string_view s) { return std::string(s); }

    [[noreturn]] static void fail(const MessageSchema& msg, const FieldSchema& f,
                                  const std::string& why) {
        throw std::logic_error("protobuf schema: " + str(msg.name) + " field " +
                               std::to_string(f.number) + ": " + why);
    }

    static FieldSchema parseRow(std::string_view message, const FieldRow& row) {
        std::string_view type = row.type;
        Shape shape = Shape::Single;
        if (type.starts_with("[]")) {
            shape = Shape::Repeated;
            type.remove_prefix(2);
        } else if (type.starts_with("map[string]")) {
            shape = Shape::Map;
            type.remove_prefix(11);
        }
        static const std::map<std::string_view, Type> kBuiltins = {
            {"string", Type::String},
            {"bytes", Type::Bytes},
            {"int32", Type::Int32},
            {"int64", Type::Int64},
            {"bool", Type::Bool},
            {"Time", Type::Time},
            {"IntOrString", Type::IntOrString},
            {"Quantity", Type::Quantity},
            {"FieldsV1", Type::FieldsV1},
        };
        auto builtin = kBuiltins.find(type);
        FieldSchema f{
            .number = row.number,
            .json = row.json,
            .shape = shape,
            .type = builtin == kBuiltins.end() ? Type::Message : builtin->second,
            .messageName = builtin == kBuiltins.end() ? type : std::string_view{},
            .keep = (row.flags & kKeep) != 0,
            .inlined = (row.flags & kInline) != 0,
        };
        bool ok = f.number > 0 &&
                  (f.inlined ? f.json.empty() && f.type == Type::Message && shape == Shape::Single
                             : !f.json.empty());
        if (!ok) {
            throw std::logic_error("protobuf schema: " + str(message) + " field " +
                                   std::to_string(row.number) + " has an invalid row");
        }
        return f;
    }

    std::map<std::string_view, MessageSchema, std::less<>> messages_;
    std::map<std::pair<std::string_view, std::string_view>, std::string_view> kinds_;
};

// Field numbers are from the k8s.io/api and k8s.io/apimachinery generated.proto files; JSON names,
// kKeep (pointer or no omitempty) and kInline from the Go struct tags. Only fields a client could
// plausibly send are listed; unlisted fields are skipped like unknown protobuf fields.
Schema buildSchema() {
    Schema s;
    // One row per field reads better as a table than as clang-format lays it out.
    // clang-format off

    // ---- meta/v1 ----
    s.message("ObjectMeta", {
        {1, "name", "string"},
        {2, "generateName", "string"},
        {3, "namespace", "string"},
        {4, "selfLink", "string"},
        {5, "uid", "string"},
        {6, "resourceVersion", "string"},
        {7, "generation", "int64"},
        {8, "creationTimestamp", "Time"},
        {9, "deletionTimestamp", "Time"},
        {10, "deletionGracePeriodSeconds", "int64", kKeep},
        {11, "labels", "map[string]string"},
        {12, "annotations", "map[string]string"},
        {13, "ownerReferences", "[]OwnerReference"},
        {14, "finalizers", "[]string"},
        {17, "managedFields", "[]ManagedFieldsEntry"},
    });
    s.message("OwnerReference", {
        {1, "kind", "string", kKeep},
        {3, "name", "string", kKeep},
        {4, "uid", "string", kKeep},
        {5, "apiVersion", "string", kKeep},
        {6, "controller", "bool", kKeep},
        {7, "blockOwnerDeletion", "bool", kKeep},
    });
    s.message("ManagedFieldsEntry", {
        {1, "manager", "string"},
        {2, "operation", "string"},
        {3, "apiVersion", "string"},
        {4, "time", "Time"},
        {6, "fieldsType", "string"},
        {7, "fieldsV1", "FieldsV1"},
        {8, "subresource", "string"},
    });
    s.message("LabelSelector", {
        {1, "matchLabels", "map[string]string"},
        {2, "matchExpressions", "[]LabelSelectorRequirement"},
    });
    s.message("LabelSelectorRequirement", {
        {1, "key", "string", kKeep},
        {2, "operator", "string", kKeep},
        {3, "values", "[]string"},
    });
    s.message("Condition", {
        {1, "type", "string", kKeep},
        {2, "status", "string", kKeep},
        {3, "observedGeneration", "int64"},
        {4, "lastTransitionTime", "Time"},
        {5, "reason", "string", kKeep},
        {6, "message", "string", kKeep},
    });

    // ---- core/v1: Namespace, Secret, ConfigMap, ServiceAccount, ResourceQuota ----
    s.message("Namespace", {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "NamespaceSpec"},
        {3, "status", "NamespaceStatus"},
    });
    s.message("NamespaceSpec", {{1, "finalizers", "[]string"}});
    s.message("NamespaceStatus", {
        {1, "phase", "string"},
        {2, "conditions", "[]NamespaceCondition"},
    });
    s.message("NamespaceCondition", {
        {1, "type", "string", kKeep},
        {2, "status", "string", kKeep},
        {4, "lastTransitionTime", "Time"},
        {5, "reason", "string"},
        {6, "message", "string"},
    });
    s.message("Secret", {
        {1, "metadata", "ObjectMeta"},
        {2, "data", "map[string]bytes"},
        {3, "type", "string"},
        {4, "stringData", "map[string]string"},
        {5, "immutable", "bool", kKeep},
    });
    s.message("ConfigMap", {
        {1, "metadata", "ObjectMeta"},
        {2, "data", "map[string]string"},
        {3, "binaryData", "map[string]bytes"},
        {4, "immutable", "bool", kKeep},
    });
    s.message("ServiceAccount", {
        {1, "metadata", "ObjectMeta"},
        {2, "secrets", "[]ObjectReference"},
        {3, "imagePullSecrets", "[]LocalObjectReference"},
        {4, "automountServiceAccountToken", "bool", kKeep},
    });
    s.message("ObjectReference", {
        {1, "kind", "string"},
        {2, "namespace", "string"},
        {3, "name", "string"},
        {4, "uid", "string"},
        {5, "apiVersion", "string"},
        {6, "resourceVersion", "string"},
        {7, "fieldPath", "string"},
    });
    s.message("LocalObjectReference", {{1, "name", "string"}});
    s.message("TypedLocalObjectReference", {
        {1, "apiGroup", "string", kKeep},
        {2, "kind", "string", kKeep},
        {3, "name", "string", kKeep},
    });
    s.message("ResourceQuota", {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "ResourceQuotaSpec"},
        {3, "status", "ResourceQuotaStatus"},
    });
    s.message("ResourceQuotaSpec", {
        {1, "hard", "map[string]Quantity"},
        {2, "scopes", "[]string"},
        {3, "scopeSelector", "ScopeSelector"},
    });
    s.message("ScopeSelector", {{1, "matchExpressions", "[]ScopedResourceSelectorRequirement"}});
    s.message("ScopedResourceSelectorRequirement", {
        {1, "scopeName", "string", kKeep},
        {2, "operator", "string", kKeep},
        {3, "values", "[]string"},
    });
    s.message("ResourceQuotaStatus", {
        {1, "hard", "map[string]Quantity"},
        {2, "used", "map[string]Quantity"},
    });

    // ---- core/v1: Service ----
    s.message("Service", {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "ServiceSpec"},
        {3, "status", "ServiceStatus"},
    });
    s.message("ServiceSpec", {
        {1, "ports", "[]ServicePort"},
        {2, "selector", "map[string]string"},
        {3, "clusterIP", "string"},
        {4, "type", "string"},
        {5, "externalIPs", "[]string"},
        {7, "sessionAffinity", "string"},
        {8, "loadBalancerIP", "string"},
        {9, "loadBalancerSourceRanges", "[]string"},
        {10, "externalName", "string"},
        {11, "externalTrafficPolicy", "string"},
        {12, "healthCheckNodePort", "int32"},
        {13, "publishNotReadyAddresses", "bool"},
        {14, "sessionAffinityConfig", "SessionAffinityConfig"},
        {17, "ipFamilyPolicy", "string", kKeep},
        {18, "clusterIPs", "[]string"},
        {19, "ipFamilies", "[]string"},
        {20, "allocateLoadBalancerNodePorts", "bool", kKeep},
        {21, "loadBalancerClass", "string", kKeep},
        {22, "internalTrafficPolicy", "string", kKeep},
        {23, "trafficDistribution", "string", kKeep},
    });
    s.message("ServicePort", {
        {1, "name", "string"},
        {2, "protocol", "string"},
        {3, "port", "int32", kKeep},
        {4, "targetPort", "IntOrString"},
        {5, "nodePort", "int32"},
        {6, "appProtocol", "string", kKeep},
    });
    s.message("SessionAffinityConfig", {{1, "clientIP", "ClientIPConfig"}});
    s.message("ClientIPConfig", {{1, "timeoutSeconds", "int32", kKeep}});
    s.message("ServiceStatus", {
        {1, "loadBalancer", "LoadBalancerStatus"},
        {2, "conditions", "[]Condition"},
    });
    s.message("LoadBalancerStatus", {{1, "ingress", "[]LoadBalancerIngress"}});
    s.message("LoadBalancerIngress", {
        {1, "ip", "string"},
        {2, "hostname", "string"},
        {3, "ipMode", "string", kKeep},
        {4, "ports", "[]PortStatus"},
    });
    s.message("PortStatus", {
        {1, "port", "int32", kKeep},
        {2, "protocol", "string", kKeep},
        {3, "error", "string", kKeep},
    });

    // ---- core/v1: Pod and the pod template used by workloads ----
    s.message("Pod", {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "PodSpec"},
        {3, "status", "PodStatus"},
    });
    s.message("PodStatus", {
        {1, "phase", "string"},
        {2, "conditions", "[]PodCondition"},
        {3, "message", "string"},
        {4, "reason", "string"},
        {5, "hostIP", "string"},
        {6, "podIP", "string"},
        {7, "startTime", "Time"},
        {9, "qosClass", "string"},
        {11, "nominatedNodeName", "string"},
        {17, "observedGeneration", "int64"},
    });
    s.message("PodCondition", {
        {1, "type", "string", kKeep},
        {2, "status", "string", kKeep},
        {3, "lastProbeTime", "Time"},
        {4, "lastTransitionTime", "Time"},
        {5, "reason", "string"},
        {6, "message", "string"},
        {7, "observedGeneration", "int64"},
    });
    s.message("PodTemplateSpec", {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "PodSpec"},
    });
    s.message("PodSpec", {
        {1, "volumes", "[]Volume"},
        {2, "containers", "[]Container"},
        {3, "restartPolicy", "string"},
        {4, "terminationGracePeriodSeconds", "int64", kKeep},
        {5, "activeDeadlineSeconds", "int64", kKeep},
        {6, "dnsPolicy", "string"},
        {7, "nodeSelector", "map[string]string"},
        {8, "serviceAccountName", "string"},
        {9, "serviceAccount", "string"},
        {10, "nodeName", "string"},
        {11, "hostNetwork", "bool"},
        {12, "hostPID", "bool"},
        {13, "hostIPC", "bool"},
        {14, "securityContext", "PodSecurityContext"},
        {15, "imagePullSecrets", "[]LocalObjectReference"},
        {16, "hostname", "string"},
        {17, "subdomain", "string"},
        {19, "schedulerName", "string"},
        {20, "initContainers", "[]Container"},
        {21, "automountServiceAccountToken", "bool", kKeep},
        {22, "tolerations", "[]Toleration"},
        {23, "hostAliases", "[]HostAlias"},
        {24, "priorityClassName", "string"},
        {25, "priority", "int32", kKeep},
        {27, "shareProcessNamespace", "bool", kKeep},
        {28, "readinessGates", "[]PodReadinessGate"},
        {29, "runtimeClassName", "string", kKeep},
        {30, "enableServiceLinks", "bool", kKeep},
        {31, "preemptionPolicy", "string", kKeep},
        {32, "overhead", "map[string]Quantity"},
        {35, "setHostnameAsFQDN", "bool", kKeep},
        {36, "os", "PodOS"},
        {37, "hostUsers", "bool", kKeep},
        {38, "schedulingGates", "[]PodSchedulingGate"},
        {40, "resources", "ResourceRequirements"},
    });
    s.message("PodSecurityContext", {
        {2, "runAsUser", "int64", kKeep},
        {3, "runAsNonRoot", "bool", kKeep},
        {4, "supplementalGroups", "[]int64"},
        {5, "fsGroup", "int64", kKeep},
        {6, "runAsGroup", "int64", kKeep},
        {7, "sysctls", "[]Sysctl"},
        {9, "fsGroupChangePolicy", "string", kKeep},
        {10, "seccompProfile", "SeccompProfile"},
        {12, "supplementalGroupsPolicy", "string", kKeep},
    });
    s.message("Sysctl", {
        {1, "name", "string", kKeep},
        {2, "value", "string", kKeep},
    });
    s.message("SeccompProfile", {
        {1, "type", "string", kKeep},
        {2, "localhostProfile", "string", kKeep},
    });
    s.message("HostAlias", {
        {1, "ip", "string", kKeep},
        {2, "hostnames", "[]string"},
    });
    s.message("PodReadinessGate", {{1, "conditionType", "string", kKeep}});
    s.message("PodSchedulingGate", {{1, "name", "string", kKeep}});
    s.message("PodOS", {{1, "name", "string", kKeep}});
    s.message("Toleration", {
        {1, "key", "string"},
        {2, "operator", "string"},
        {3, "value", "string"},
        {4, "effect", "string"},
        {5, "tolerationSeconds", "int64", kKeep},
    });
    s.message("Container", {
        {1, "name", "string", kKeep},
        {2, "image", "string"},
        {3, "command", "[]string"},
        {4, "args", "[]string"},
        {5, "workingDir", "string"},
        {6, "ports", "[]ContainerPort"},
        {7, "env", "[]EnvVar"},
        {8, "resources", "ResourceRequirements"},
        {9, "volumeMounts", "[]VolumeMount"},
        {10, "livenessProbe", "Probe"},
        {11, "readinessProbe", "Probe"},
        {13, "terminationMessagePath", "string"},
        {14, "imagePullPolicy", "string"},
        {15, "securityContext", "SecurityContext"},
        {16, "stdin", "bool"},
        {17, "stdinOnce", "bool"},
        {18, "tty", "bool"},
        {19, "envFrom", "[]EnvFromSource"},
        {20, "terminationMessagePolicy", "string"},
        {22, "startupProbe", "Probe"},
        {24, "restartPolicy", "string", kKeep},
    });
    s.message("SecurityContext", {
        {1, "capabilities", "Capabilities"},
        {2, "privileged", "bool", kKeep},
        {4, "runAsUser", "int64", kKeep},
        {5, "runAsNonRoot", "bool", kKeep},
        {6, "readOnlyRootFilesystem", "bool", kKeep},
        {7, "allowPrivilegeEscalation", "bool", kKeep},
        {8, "runAsGroup", "int64", kKeep},
        {9, "procMount", "string", kKeep},
        {11, "seccompProfile", "SeccompProfile"},
    });
    s.message("Capabilities", {
        {1, "add", "[]string"},
        {2, "drop", "[]string"},
    });
    s.message("ContainerPort", {
        {1, "name", "string"},
        {2, "hostPort", "int32"},
        {3, "containerPort", "int32", kKeep},
        {4, "protocol", "string"},
        {5, "hostIP", "string"},
    });
    s.message("EnvVar", {
        {1, "name", "string", kKeep},
        {2, "value", "string"},
        {3, "valueFrom", "EnvVarSource"},
    });
    s.message("EnvVarSource", {
        {1, "fieldRef", "ObjectFieldSelector"},
        {2, "resourceFieldRef", "ResourceFieldSelector"},
        {3, "configMapKeyRef", "ConfigMapKeySelector"},
        {4, "secretKeyRef", "SecretKeySelector"},
    });
    s.message("ObjectFieldSelector", {
        {1, "apiVersion", "string"},
        {2, "fieldPath", "string", kKeep},
    });
    s.message("ResourceFieldSelector", {
        {1, "containerName", "string"},
        {2, "resource", "string", kKeep},
        {3, "divisor", "Quantity"},
    });
    s.message("ConfigMapKeySelector", {
        {1, "", "LocalObjectReference", kInline},
        {2, "key", "string", kKeep},
        {3, "optional", "bool", kKeep},
    });
    s.message("SecretKeySelector", {
        {1, "", "LocalObjectReference", kInline},
        {2, "key", "string", kKeep},
        {3, "optional", "bool", kKeep},
    });
    s.message("EnvFromSource", {
        {1, "prefix", "string"},
        {2, "configMapRef", "ConfigMapEnvSource"},
        {3, "secretRef", "SecretEnvSource"},
    });
    s.message("ConfigMapEnvSource", {
        {1, "", "LocalObjectReference", kInline},
        {2, "optional", "bool", kKeep},
    });
    s.message("SecretEnvSource", {
        {1, "", "LocalObjectReference", kInline},
        {2, "optional", "bool", kKeep},
    });
    s.message("ResourceRequirements", {
        {1, "limits", "map[string]Quantity"},
        {2, "requests", "map[string]Quantity"},
    });
    s.message("VolumeMount", {
        {1, "name", "string", kKeep},
        {2, "readOnly", "bool"},
        {3, "mountPath", "string", kKeep},
        {4, "subPath", "string"},
        {5, "mountPropagation", "string", kKeep},
        {6, "subPathExpr", "string"},
        {7, "recursiveReadOnly", "string", kKeep},
    });
    s.message("Probe", {
        {1, "", "ProbeHandler", kInline},
        {2, "initialDelaySeconds", "int32"},
        {3, "timeoutSeconds", "int32"},
        {4, "periodSeconds", "int32"},
        {5, "successThreshold", "int32"},
        {6, "failureThreshold", "int32"},
        {7, "terminationGracePeriodSeconds", "int64", kKeep},
    });
    s.message("ProbeHandler", {
        {1, "exec", "ExecAction"},
        {2, "httpGet", "HTTPGetAction"},
        {3, "tcpSocket", "TCPSocketAction"},
        {4, "grpc", "GRPCAction"},
    });
    s.message("ExecAction", {{1, "command", "[]string"}});
    s.message("HTTPGetAction", {
        {1, "path", "string"},
        {2, "port", "IntOrString"},
        {3, "host", "string"},
        {4, "scheme", "string"},
        {5, "httpHeaders", "[]HTTPHeader"},
    });
    s.message("HTTPHeader", {
        {1, "name", "string", kKeep},
        {2, "value", "string", kKeep},
    });
    s.message("TCPSocketAction", {
        {1, "port", "IntOrString"},
        {2, "host", "string"},
    });
    s.message("GRPCAction", {
        {1, "port", "int32", kKeep},
        {2, "service", "string", kKeep},
    });
    s.message("Volume", {
        {1, "name", "string", kKeep},
        {2, "", "VolumeSource", kInline},
    });
    s.message("VolumeSource",
              {
        {1, "hostPath", "HostPathVolumeSource"},
        {2, "emptyDir", "EmptyDirVolumeSource"},
        {6, "secret", "SecretVolumeSource"},
        {10, "persistentVolumeClaim", "PersistentVolumeClaimVolumeSource"},
        {19, "configMap", "ConfigMapVolumeSource"},
    });
    s.message("HostPathVolumeSource", {
        {1, "path", "string", kKeep},
        {2, "type", "string", kKeep},
    });
    s.message("EmptyDirVolumeSource", {
        {1, "medium", "string"},
        {2, "sizeLimit", "Quantity"},
    });
    s.message("SecretVolumeSource", {
        {1, "secretName", "string"},
        {2, "items", "[]KeyToPath"},
        {3, "defaultMode", "int32", kKeep},
        {4, "optional", "bool", kKeep},
    });
    s.message("ConfigMapVolumeSource", {
        {1, "", "LocalObjectReference", kInline},
        {2, "items", "[]KeyToPath"},
        {3, "defaultMode", "int32", kKeep},
        {4, "optional", "bool", kKeep},
    });
    s.message("KeyToPath", {
        {1, "key", "string", kKeep},
        {2, "path", "string", kKeep},
        {3, "mode", "int32", kKeep},
    });
    s.message("PersistentVolumeClaimVolumeSource", {
        {1, "claimName", "string", kKeep},
        {2, "readOnly", "bool"},
    });

    // ---- apps/v1 ----
    s.message("Deployment", {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "DeploymentSpec"},
        {3, "status", "DeploymentStatus"},
    });
    s.message("DeploymentSpec", {
        {1, "replicas", "int32", kKeep},
        {2, "selector", "LabelSelector"},
        {3, "template", "PodTemplateSpec"},
        {4, "strategy", "DeploymentStrategy"},
        {5, "minReadySeconds", "int32"},
        {6, "revisionHistoryLimit", "int32", kKeep},
        {7, "paused", "bool"},
        {9, "progressDeadlineSeconds", "int32", kKeep},
    });
    s.message("DeploymentStrategy", {
        {1, "type", "string"},
        {2, "rollingUpdate", "RollingUpdateDeployment"},
    });
    s.message("RollingUpdateDeployment", {
        {1, "maxUnavailable", "IntOrString"},
        {2, "maxSurge", "IntOrString"},
    });
    s.message("DeploymentStatus", {
        {1, "observedGeneration", "int64"},
        {2, "replicas", "int32"},
        {3, "updatedReplicas", "int32"},
        {4, "availableReplicas", "int32"},
        {5, "unavailableReplicas", "int32"},
        {6, "conditions", "[]DeploymentCondition"},
        {7, "readyReplicas", "int32"},
        {8, "collisionCount", "int32", kKeep},
        {9, "terminatingReplicas", "int32", kKeep},
    });
    s.message("DeploymentCondition", {
        {1, "type", "string", kKeep},
        {2, "status", "string", kKeep},
        {4, "reason", "string"},
        {5, "message", "string"},
        {6, "lastUpdateTime", "Time"},
        {7, "lastTransitionTime", "Time"},
    });

    // ---- batch/v1 ----
    s.message("Job", {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "JobSpec"},
        {3, "status", "JobStatus"},
    });
    s.message("JobSpec", {
        {1, "parallelism", "int32", kKeep},
        {2, "completions", "int32", kKeep},
        {3, "activeDeadlineSeconds", "int64", kKeep},
        {4, "selector", "LabelSelector"},
        {5, "manualSelector", "bool", kKeep},
        {6, "template", "PodTemplateSpec"},
        {7, "backoffLimit", "int32", kKeep},
        {8, "ttlSecondsAfterFinished", "int32", kKeep},
        {9, "completionMode", "string", kKeep},
        {10, "suspend", "bool", kKeep},
        {12, "backoffLimitPerIndex", "int32", kKeep},
        {13, "maxFailedIndexes", "int32", kKeep},
        {14, "podReplacementPolicy", "string", kKeep},
        {15, "managedBy", "string", kKeep},
    });
    s.message("JobStatus", {
        {1, "conditions", "[]JobCondition"},
        {2, "startTime", "Time"},
        {3, "completionTime", "Time"},
        {4, "active", "int32"},
        {5, "succeeded", "int32"},
        {6, "failed", "int32"},
        {7, "completedIndexes", "string"},
        {9, "ready", "int32", kKeep},
        {10, "failedIndexes", "string", kKeep},
        {11, "terminating", "int32", kKeep},
    });
    s.message("JobCondition", {
        {1, "type", "string", kKeep},
        {2, "status", "string", kKeep},
        {3, "lastProbeTime", "Time"},
        {4, "lastTransitionTime", "Time"},
        {5, "reason", "string"},
        {6, "message", "string"},
    });
    s.message("CronJob", {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "CronJobSpec"},
        {3, "status", "CronJobStatus"},
    });
    s.message("CronJobSpec", {
        {1, "schedule", "string", kKeep},
        {2, "startingDeadlineSeconds", "int64", kKeep},
        {3, "concurrencyPolicy", "string"},
        {4, "suspend", "bool", kKeep},
        {5, "jobTemplate", "JobTemplateSpec"},
        {6, "successfulJobsHistoryLimit", "int32", kKeep},
        {7, "failedJobsHistoryLimit", "int32", kKeep},
        {8, "timeZone", "string", kKeep},
    });
    s.message("JobTemplateSpec", {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "JobSpec"},
    });
    s.message("CronJobStatus", {
        {1, "active", "[]ObjectReference"},
        {4, "lastScheduleTime", "Time"},
        {5, "lastSuccessfulTime", "Time"},
    });

    // ---- rbac.authorization.k8s.io/v1 ----
    s.message("Role", {
        {1, "metadata", "ObjectMeta"},
        {2, "rules", "[]PolicyRule"},
    });
    s.message("ClusterRole", {
        {1, "metadata", "ObjectMeta"},
        {2, "rules", "[]PolicyRule"},
        {3, "aggregationRule", "AggregationRule"},
    });
    s.message("PolicyRule", {
        {1, "verbs", "[]string"},
        {2, "apiGroups", "[]string"},
        {3, "resources", "[]string"},
        {4, "resourceNames", "[]string"},
        {5, "nonResourceURLs", "[]string"},
    });
    s.message("AggregationRule", {{1, "clusterRoleSelectors", "[]LabelSelector"}});
    s.message("RoleBinding", {
        {1, "metadata", "ObjectMeta"},
        {2, "subjects", "[]Subject"},
        {3, "roleRef", "RoleRef"},
    });
    s.message("ClusterRoleBinding", {
        {1, "metadata", "ObjectMeta"},
        {2, "subjects", "[]Subject"},
        {3, "roleRef", "RoleRef"},
    });
    s.message("Subject", {
        {1, "kind", "string", kKeep},
        {2, "apiGroup", "string"},
        {3, "name", "string", kKeep},
        {4, "namespace", "string"},
    });
    s.message("RoleRef", {
        {1, "apiGroup", "string", kKeep},
        {2, "kind", "string", kKeep},
        {3, "name", "string", kKeep},
    });

    // ---- policy/v1 ----
    s.message("PodDisruptionBudget", {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "PodDisruptionBudgetSpec"},
        {3, "status", "PodDisruptionBudgetStatus"},
    });
    s.message("PodDisruptionBudgetSpec", {
        {1, "minAvailable", "IntOrString"},
        {2, "selector", "LabelSelector"},
        {3, "maxUnavailable", "IntOrString"},
        {4, "unhealthyPodEvictionPolicy", "string", kKeep},
    });
    s.message("PodDisruptionBudgetStatus", {
        {1, "observedGeneration", "int64"},
        {2, "disruptedPods", "map[string]Time"},
        {3, "disruptionsAllowed", "int32", kKeep},
        {4, "currentHealthy", "int32", kKeep},
        {5, "desiredHealthy", "int32", kKeep},
        {6, "expectedPods", "int32", kKeep},
        {7, "conditions", "[]Condition"},
    });

    // ---- scheduling.k8s.io/v1 ----
    s.message("PriorityClass", {
        {1, "metadata", "ObjectMeta"},
        {2, "value", "int32", kKeep},
        {3, "globalDefault", "bool"},
        {4, "description", "string"},
        {5, "preemptionPolicy", "string", kKeep},
    });

    // ---- networking.k8s.io/v1 ----
    s.message("Ingress", {
        {1, "metadata", "ObjectMeta"},
        {2, "spec", "IngressSpec"},
        {3, "status", "IngressStatus"},
    });
    s.message("IngressSpec", {
        {1, "defaultBackend", "IngressBackend"},
        {2, "tls", "[]IngressTLS"},
        {3, "rules", "[]IngressRule"},
        {4, "ingressClassName", "string", kKeep},
    });
    s.message("IngressBackend", {
        {3, "resource", "TypedLocalObjectReference"},
        {4, "service", "IngressServiceBackend"},
    });
    s.message("IngressServiceBackend", {
        {1, "name", "string", kKeep},
        {2, "port", "ServiceBackendPort"},
    });
    s.message("ServiceBackendPort", {
        {1, "name", "string"},
        {2, "number", "int32"},
    });
    s.message("IngressTLS", {
        {1, "hosts", "[]string"},
        {2, "secretName", "string"},
    });
    s.message("IngressRule", {
        {1, "host", "string"},
        {2, "", "IngressRuleValue", kInline},
    });
    s.message("IngressRuleValue", {{1, "http", "HTTPIngressRuleValue"}});
    s.message("HTTPIngressRuleValue", {{1, "paths", "[]HTTPIngressPath"}});
    s.message("HTTPIngressPath", {
        {1, "path", "string"},
        {2, "backend", "IngressBackend"},
        {3, "pathType", "string", kKeep},
    });
    s.message("IngressStatus", {{1, "loadBalancer", "IngressLoadBalancerStatus"}});
    s.message("IngressLoadBalancerStatus", {{1, "ingress", "[]IngressLoadBalancerIngress"}});
    s.message("IngressLoadBalancerIngress", {
        {1, "ip", "string"},
        {2, "hostname", "string"},
        {4, "ports", "[]IngressPortStatus"},
    });
    s.message("IngressPortStatus", {
        {1, "port", "int32", kKeep},
        {2, "protocol", "string", kKeep},
        {3, "error", "string", kKeep},
    });

    for (std::string_view kind : {"Namespace", "Secret", "ConfigMap", "ServiceAccount", "Service",
                                  "Pod", "ResourceQuota"}) {
        s.kind("v1", kind);
    }
    s.kind("apps/v1", "Deployment");
    s.kind("batch/v1", "Job");
    s.kind("batch/v1", "CronJob");
    for (std::string_view kind : {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}) {
        s.kind("rbac.authorization.k8s.io/v1", kind);
    }
    s.kind("policy/v1", "PodDisruptionBudget");
    s.kind("scheduling.k8s.io/v1", "PriorityClass");
    s.kind("networking.k8s.io/v1", "Ingress");

    // clang-format on
    s.resolve();
    return s;
}

const Schema& schema() {
    static const Schema instance = buildSchema();
    return instance;
}

// ----------------------------------------------------------------------------------------------
// Schema-driven decoding
// ----------------------------------------------------------------------------------------------

class Decoder {
  public:
    explicit Decoder(std::string root) { path_.push_back(std::move(root)); }

    // Where decoding currently is (after a throw: where it failed), e.g.
    // "Deployment.spec.template.spec.containers[0].ports".
    std::string path() const {
        std::string out;
        for (const auto& part : path_) {
            if (!out.empty() && part.front() != '[') out += '.';
            out += part;
        }
        return out;
    }

    json message(const MessageSchema& schema, std::string_view data) {
        json out = json::object();
        WireReader reader(data);
        while (!reader.atEnd()) {
            auto [number, wt] = reader.tag();
            const FieldSchema* field = schema.find(number);
            if (field == nullptr) {
                reader.skip(wt);  // unknown or unlisted field: ignore, as protobuf does
                continue;
            }
            // Inlined structs have no JSON name of their own, so they add nothing to the path.
            if (!field->inlined) path_.emplace_back(field->json);
            switch (field->shape) {
                case Shape::Single:
                    decodeSingle(*field, wt, reader, out);
                    break;
                case Shape::Repeated:
                    decodeRepeated(*field, wt, reader, out);
                    break;
                case Shape::Map:
                    decodeMapEntry(*field, wt, reader, out);
                    break;
            }
            if (!field->inlined) path_.pop_back();
        }
        return out;
    }

  private:
    static bool isVarintType(Type t) {
        return t == Type::Int32 || t == Type::Int64 || t == Type::Bool;
    }

    // Decodes one value; `zero` reports a zero scalar (for omitempty). A null result means Go
    // would write null (zero Time, empty FieldsV1); callers drop it.
    json value(const FieldSchema& f, WireType wt, WireReader& reader, bool& zero) {
        zero = false;
        if (isVarintType(f.type)) {
            uint64_t raw = readVarint(wt, reader);
            zero = raw == 0;
            switch (f.type) {
                case Type::Int32: {
                    // int32 travels sign-extended to 64 bits; only the low 32 bits matter.
                    auto v = static_cast<int32_t>(static_cast<uint32_t>(raw));
                    zero = v == 0;
                    return v;
                }
                case Type::Int64:
                    return static_cast<int64_t>(raw);
                default:
                    return raw != 0;
            }
        }
        std::string_view bytes = readLen(wt, reader);
        switch (f.type) {
            case Type::String:
                zero = bytes.empty();
                return std::string(checkUtf8(bytes));
            case Type::Bytes:
                zero = bytes.empty();
                return core::base64Encode(bytes);
            case Type::Message:
                return message(*f.message, bytes);
            case Type::Time:
                return decodeTime(bytes);
            case Type::IntOrString:
                return decodeIntOrString(bytes);
            case Type::Quantity:
                return decodeQuantity(bytes);
            case Type::FieldsV1:
                return decodeFieldsV1(bytes);
            default:
                break;
        }
        throw std::logic_error("protobuf decode: unhandled type");
    }

    void decodeSingle(const FieldSchema& f, WireType wt, WireReader& reader, json& out) {
        bool zero = false;
        json v = value(f, wt, reader, zero);
        if (f.inlined) {
            for (auto& [key, item] : v.items()) out[key] = std::move(item);
            return;
        }
        std::string key(f.json);
        // A later occurrence of a singular field wins, as in protobuf.
        if (v.is_null() || (zero && !f.keep)) {
            out.erase(key);
        } else {
            out[key] = std::move(v);
        }
    }

    void decodeRepeated(const FieldSchema& f, WireType wt, WireReader& reader, json& out) {
        json& list = out[std::string(f.json)];
        if (!list.is_array()) list = json::array();
        if (isVarintType(f.type) && wt == WireType::Len) {
            // Packed encoding: a run of varints in one length-delimited field.
            WireReader packed(reader.lengthDelimited());
            while (!packed.atEnd()) list.push_back(elementAt(f, WireType::Varint, packed, list));
            return;
        }
        list.push_back(elementAt(f, wt, reader, list));
    }

    json elementAt(const FieldSchema& f, WireType wt, WireReader& reader, const json& list) {
        path_.push_back("[" + std::to_string(list.size()) + "]");
        bool zero = false;
        json v = value(f, wt, reader, zero);
        path_.pop_back();
        return v;
    }

    // A map entry is a message {1 key, 2 value}; a missing key or value is the zero value.
    void decodeMapEntry(const FieldSchema& f, WireType wt, WireReader& reader, json& out) {
        std::string key;
        json v;
        bool haveValue = false;
        forEachField(readLen(wt, reader), [&](uint32_t number, WireType entryWt, WireReader& r) {
            if (number == 1) {
                key = checkUtf8(readLen(entryWt, r));
            } else if (number == 2) {
                bool zero = false;
                v = value(f, entryWt, r, zero);
                haveValue = true;
            } else {
                return false;
            }
            return true;
        });
        if (!haveValue) v = zeroValue(f);
        json& map = out[std::string(f.json)];
        if (!map.is_object()) map = json::object();
        map[key] = std::move(v);
    }

    json zeroValue(const FieldSchema& f) {
        switch (f.type) {
            case Type::String:
            case Type::Bytes:
                return "";
            case Type::Int32:
            case Type::Int64:
                return 0;
            case Type::Bool:
                return false;
            case Type::Message:
                return message(*f.message, {});
            case Type::Quantity:
                return "0";
            case Type::IntOrString:
                return 0;
            case Type::Time:
            case Type::FieldsV1:
                return nullptr;
        }
        return nullptr;
    }

    std::vector<std::string> path_;
};

}  // namespace

bool isKubernetesProtobuf(std::string_view body) {
    return body.starts_with(kMagic);
}

json decodeKubernetesProtobuf(std::string_view body) {
    if (!isKubernetesProtobuf(body)) {
        throw ProtobufError("not a Kubernetes protobuf body: missing the \"k8s\\x00\" prefix");
    }
    // runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}
    std::string apiVersion, kind, contentEncoding;
    std::string_view raw;
    try {
        forEachField(body.substr(kMagic.size()), [&](uint32_t number, WireType wt, WireReader& r) {
            switch (number) {
                case 1:
                    forEachField(readLen(wt, r), [&](uint32_t n, WireType twt, WireReader& tr) {
                        if (n == 1) apiVersion = checkUtf8(readLen(twt, tr));
                        if (n == 2) kind = checkUtf8(readLen(twt, tr));
                        return n == 1 || n == 2;
                    });
                    return true;
                case 2:
                    raw = readLen(wt, r);
                    return true;
                case 3:
                    contentEncoding = checkUtf8(readLen(wt, r));
                    return true;
            }
            return false;
        });
    } catch (const ProtobufError& e) {
        throw ProtobufError(std::string("invalid Kubernetes protobuf envelope: ") + e.what());
    }
    if (apiVersion.empty() || kind.empty()) {
        throw ProtobufError(
            "invalid Kubernetes protobuf envelope: apiVersion and kind are required");
    }
    if (!contentEncoding.empty()) {
        throw ProtobufError("unsupported Kubernetes protobuf contentEncoding \"" + contentEncoding +
                            "\"");
    }
    const MessageSchema* message = schema().forKind(apiVersion, kind);
    if (message == nullptr) throw ProtobufUnsupportedKindError(apiVersion, kind);

    Decoder decoder(kind);
    json out;
    try {
        out = decoder.message(*message, raw);
    } catch (const ProtobufError& e) {
        throw ProtobufError("invalid " + apiVersion + " " + kind + " protobuf at " +
                            decoder.path() + ": " + e.what());
    }
    out["apiVersion"] = apiVersion;
    out["kind"] = kind;
    return out;
}

}  // namespace mcpsim::apiserver
