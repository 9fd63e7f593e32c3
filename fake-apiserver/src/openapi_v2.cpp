// OpenAPI v2 for kubectl 1.27-1.30, which downloads it (protobuf, gnostic openapi.v2.Document) to
// decide whether the server does field validation: for each kind it looks for a PATCH operation
// tagged with x-kubernetes-group-version-kind that declares a `fieldValidation` query parameter.
// Only that much is served; without definitions kubectl uses its compiled-in patch strategies.
#include "api_server_impl.hpp"

namespace mcpsim::apiserver {

namespace {

// Minimal protobuf writer: length-delimited fields only, which is all this document needs.
class ProtoWriter {
  public:
    ProtoWriter& string(int field, const std::string& value) {
        tag(field, 2);
        varint(value.size());
        out_ += value;
        return *this;
    }
    ProtoWriter& message(int field, const ProtoWriter& inner) { return string(field, inner.out_); }
    const std::string& bytes() const { return out_; }

  private:
    void tag(int field, int wireType) { varint(static_cast<std::uint64_t>(field) << 3 | wireType); }
    void varint(std::uint64_t v) {
        while (v >= 0x80) {
            out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        out_.push_back(static_cast<char>(v));
    }
    std::string out_;
};

// Field numbers of openapi.v2 messages (gnostic OpenAPIv2.proto).
namespace f {
constexpr int kDocSwagger = 1, kDocInfo = 2, kDocPaths = 8;
constexpr int kInfoTitle = 1, kInfoVersion = 2;
constexpr int kPathsPath = 2;
constexpr int kNamedName = 1, kNamedValue = 2;
constexpr int kPathItemPatch = 8;
constexpr int kOpParameters = 8, kOpVendorExtension = 13;
constexpr int kParamsItemParameter = 1;
constexpr int kParameterNonBody = 2;
constexpr int kNonBodyQuery = 3;
constexpr int kQueryIn = 2, kQueryName = 4, kQueryType = 6;
constexpr int kAnyYaml = 2;
}  // namespace f

ProtoWriter queryParameter(const std::string& name) {
    ProtoWriter query;
    query.string(f::kQueryIn, "query").string(f::kQueryName, name).string(f::kQueryType, "string");
    ProtoWriter nonBody;
    nonBody.message(f::kNonBodyQuery, query);
    ProtoWriter parameter;
    parameter.message(f::kParameterNonBody, nonBody);
    ProtoWriter item;
    item.message(f::kParamsItemParameter, parameter);
    return item;
}

}  // namespace

std::string openApiV2Protobuf(const TypeRegistry& registry, int kubeMinor) {
    ProtoWriter paths;
    for (const ResourceType* t : registry.all()) {
        for (const auto& v : t->versions) {
            const std::string base =
                t->group.empty() ? "/api/" + v.name : "/apis/" + t->group + "/" + v.name;
            const std::string path =
                base + (t->namespaced ? "/namespaces/{namespace}/" : "/") + t->plural + "/{name}";
            ProtoWriter any;
            any.string(f::kAnyYaml, "group: \"" + t->group + "\"\nkind: " + t->kind +
                                        "\nversion: " + v.name + "\n");
            ProtoWriter gvk;
            gvk.string(f::kNamedName, "x-kubernetes-group-version-kind")
                .message(f::kNamedValue, any);
            ProtoWriter op;
            for (const char* p : {"dryRun", "fieldManager", "fieldValidation", "force"}) {
                op.message(f::kOpParameters, queryParameter(p));
            }
            op.message(f::kOpVendorExtension, gvk);
            ProtoWriter item;
            item.message(f::kPathItemPatch, op);
            ProtoWriter named;
            named.string(f::kNamedName, path).message(f::kNamedValue, item);
            paths.message(f::kPathsPath, named);
        }
    }
    ProtoWriter info;
    info.string(f::kInfoTitle, "Kubernetes")
        .string(f::kInfoVersion, "v1." + std::to_string(kubeMinor) + ".0");
    ProtoWriter doc;
    doc.string(f::kDocSwagger, "2.0").message(f::kDocInfo, info).message(f::kDocPaths, paths);
    return doc.bytes();
}

}  // namespace mcpsim::apiserver
