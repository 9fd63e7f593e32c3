#pragma once
// Kubernetes API errors as metav1.Status carries them: HTTP code, reason and message, plus the
// details kubectl uses to print Invalid errors.
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mcpsim/core/json.hpp"

namespace mcpsim::core::kube {

struct StatusCause {
    std::string reason;  // e.g. FieldValueRequired, FieldValueInvalid, FieldValueNotSupported
    std::string message;
    std::string field;
};

struct ApiError {
    int code = 500;
    std::string reason;  // NotFound, AlreadyExists, Conflict, Invalid, BadRequest, ...
    std::string message;
    // details
    std::string name;
    std::string group;
    std::string kind;
    std::string uid;
    std::vector<StatusCause> causes;
    std::optional<int> retryAfterSeconds;

    Json toStatus() const;
    static ApiError fromStatus(const Json& status, int httpCode);
    bool is(std::string_view r) const { return reason == r; }
};

// Builders for the errors the apiserver returns, with its message conventions.
// `resource` is "<plural>" for the core group and "<plural>.<group>" otherwise.
ApiError notFound(const std::string& resource, const std::string& group, const std::string& name);
ApiError alreadyExists(const std::string& resource, const std::string& group,
                       const std::string& name);
ApiError conflict(const std::string& resource, const std::string& group, const std::string& name,
                  const std::string& why);
// kind is the Kind (e.g. "MCPServerRegistration"); message built as the apiserver does.
ApiError invalid(const std::string& groupKind, const std::string& group, const std::string& kind,
                 const std::string& name, std::vector<StatusCause> causes);
ApiError badRequest(const std::string& message);
ApiError methodNotSupported(const std::string& resource, const std::string& group,
                            const std::string& verb);
ApiError unsupportedMediaType(const std::string& contentType, const std::vector<std::string>& ok);
ApiError internalError(const std::string& message);
ApiError genericNotFound();  // "the server could not find the requested resource"
ApiError forbidden(const std::string& resource, const std::string& group, const std::string& name,
                   const std::string& why);
ApiError requestEntityTooLarge(const std::string& message);
// 410 Expired, as a watch gets it when etcd compacted the history it was following.
ApiError watchExpired();

// Thrown inside the API server's handlers and by the in-process client's throwing helpers.
struct ApiException : std::runtime_error {
    ApiError error;
    explicit ApiException(ApiError e) : std::runtime_error(e.message), error(std::move(e)) {}
};

}  // namespace mcpsim::core::kube
