#include "mcpsim/core/kube/api_error.hpp"

#include "mcpsim/core/kube/client.hpp"

namespace mcpsim::core::kube {

namespace {
std::string qualified(const std::string& resource, const std::string& group) {
    return group.empty() ? resource : resource + "." + group;
}
}  // namespace

Json ApiError::toStatus() const {
    Json details = Json::object();
    if (!name.empty()) details["name"] = name;
    if (!group.empty()) details["group"] = group;
    if (!kind.empty()) details["kind"] = kind;
    if (!uid.empty()) details["uid"] = uid;
    if (!causes.empty()) {
        Json list = Json::array();
        for (const auto& c : causes) {
            Json j = Json::object();
            if (!c.reason.empty()) j["reason"] = c.reason;
            if (!c.message.empty()) j["message"] = c.message;
            if (!c.field.empty()) j["field"] = c.field;
            list.push_back(std::move(j));
        }
        details["causes"] = std::move(list);
    }
    if (retryAfterSeconds) details["retryAfterSeconds"] = *retryAfterSeconds;
    Json status = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", Json::object()},
                   {"status", "Failure"}, {"message", message}, {"reason", reason},
                   {"code", code}};
    if (!details.empty()) status["details"] = std::move(details);
    return status;
}

ApiError ApiError::fromStatus(const Json& status, int httpCode) {
    ApiError e;
    e.code = status.value("code", httpCode);
    e.reason = status.value("reason", "");
    e.message = status.value("message", "");
    if (auto it = status.find("details"); it != status.end() && it->is_object()) {
        e.name = it->value("name", "");
        e.group = it->value("group", "");
        e.kind = it->value("kind", "");
        e.uid = it->value("uid", "");
        if (auto c = it->find("causes"); c != it->end() && c->is_array()) {
            for (const auto& cause : *c) {
                e.causes.push_back({cause.value("reason", ""), cause.value("message", ""),
                                    cause.value("field", "")});
            }
        }
    }
    return e;
}

ApiError notFound(const std::string& resource, const std::string& group, const std::string& name) {
    ApiError e;
    e.code = 404;
    e.reason = "NotFound";
    e.message = qualified(resource, group) + " \"" + name + "\" not found";
    e.name = name;
    e.group = group;
    e.kind = resource;
    return e;
}

ApiError alreadyExists(const std::string& resource, const std::string& group,
                       const std::string& name) {
    ApiError e;
    e.code = 409;
    e.reason = "AlreadyExists";
    e.message = qualified(resource, group) + " \"" + name + "\" already exists";
    e.name = name;
    e.group = group;
    e.kind = resource;
    return e;
}

ApiError conflict(const std::string& resource, const std::string& group, const std::string& name,
                  const std::string& why) {
    ApiError e;
    e.code = 409;
    e.reason = "Conflict";
    e.message = "Operation cannot be fulfilled on " + qualified(resource, group) + " \"" + name +
                "\": " + why;
    e.name = name;
    e.group = group;
    e.kind = resource;
    return e;
}

ApiError invalid(const std::string& groupKind, const std::string& group, const std::string& kind,
                 const std::string& name, std::vector<StatusCause> causes) {
    ApiError e;
    e.code = 422;
    e.reason = "Invalid";
    e.name = name;
    e.group = group;
    e.kind = kind;
    // The apiserver aggregates field errors as "f: msg" or "[f1: m1, f2: m2]".
    std::string agg;
    if (causes.size() == 1) {
        agg = causes[0].field.empty() ? causes[0].message
                                      : causes[0].field + ": " + causes[0].message;
    } else if (!causes.empty()) {
        agg = "[";
        for (std::size_t i = 0; i < causes.size(); ++i) {
            if (i) agg += ", ";
            agg += causes[i].field.empty() ? causes[i].message
                                           : causes[i].field + ": " + causes[i].message;
        }
        agg += "]";
    }
    e.message = groupKind + " \"" + name + "\" is invalid" + (agg.empty() ? "" : ": " + agg);
    e.causes = std::move(causes);
    return e;
}

ApiError badRequest(const std::string& message) {
    ApiError e;
    e.code = 400;
    e.reason = "BadRequest";
    e.message = message;
    return e;
}

ApiError methodNotSupported(const std::string& resource, const std::string& group,
                            const std::string& verb) {
    ApiError e;
    e.code = 405;
    e.reason = "MethodNotAllowed";
    e.message =
        verb + " is not supported on resources of kind \"" + qualified(resource, group) + "\"";
    e.group = group;
    e.kind = resource;
    return e;
}

ApiError unsupportedMediaType(const std::string& /*contentType*/,
                              const std::vector<std::string>& ok) {
    ApiError e;
    e.code = 415;
    e.reason = "UnsupportedMediaType";
    std::string list;
    for (std::size_t i = 0; i < ok.size(); ++i) list += (i ? ", " : "") + ok[i];
    e.message =
        "the body of the request was in an unknown format - accepted media types include: " + list;
    return e;
}

ApiError watchExpired() {
    ApiError e;
    e.code = 410;
    e.reason = "Expired";
    e.message = "The resourceVersion for the provided watch is too old.";
    return e;
}

ApiError internalError(const std::string& message) {
    ApiError e;
    e.code = 500;
    e.reason = "InternalError";
    e.message = "Internal error occurred: " + message;
    e.causes.push_back({"", message, ""});
    return e;
}

ApiError genericNotFound() {
    ApiError e;
    e.code = 404;
    e.reason = "NotFound";
    e.message = "the server could not find the requested resource";
    return e;
}

ApiError forbidden(const std::string& resource, const std::string& group, const std::string& name,
                   const std::string& why) {
    ApiError e;
    e.code = 403;
    e.reason = "Forbidden";
    e.message = qualified(resource, group) + " \"" + name + "\" is forbidden: " + why;
    e.name = name;
    e.group = group;
    e.kind = resource;
    return e;
}

ApiError requestEntityTooLarge(const std::string& message) {
    ApiError e;
    e.code = 413;
    e.reason = "RequestEntityTooLarge";
    e.message = "Request entity too large: " + message;
    return e;
}

Gvk Gvk::of(const std::string& apiVersion, const std::string& kind) {
    auto slash = apiVersion.find('/');
    if (slash == std::string::npos) return Gvk{"", apiVersion, kind};
    return Gvk{apiVersion.substr(0, slash), apiVersion.substr(slash + 1), kind};
}

Gvk Gvk::ofObject(const Json& object) {
    return of(object.value("apiVersion", ""), object.value("kind", ""));
}

ObjectKey ObjectKey::ofObject(const Json& object) {
    // No copy of the metadata (a conditional with a temporary would make one of the whole
    // metadata, managedFields included).
    const auto md = object.find("metadata");
    if (md == object.end() || !md->is_object()) return ObjectKey{};
    return ObjectKey{md->value("namespace", ""), md->value("name", "")};
}

}  // namespace mcpsim::core::kube
