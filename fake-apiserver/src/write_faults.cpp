#include "write_faults.hpp"

#include <algorithm>
#include <stdexcept>

#include "mcpsim/core/kube/api_error.hpp"

namespace mcpsim::apiserver {
namespace {

bool matches(const WriteFault& f, const ResourceType& type, std::string_view verb,
             bool statusWrite) {
    if (!f.resource.empty()) {
        const std::string qualified =
            type.group.empty() ? type.plural : type.plural + "." + type.group;
        if (f.resource != qualified) return false;
    }
    if (!f.verb.empty() && f.verb != verb) return false;
    if (f.subresource == "status" && !statusWrite) return false;
    return true;
}

core::kube::ApiError errorFor(const WriteFault& f, const ResourceType& type,
                              const std::string& name) {
    switch (f.kind) {
        case WriteFault::Kind::Conflict:
            return core::kube::conflict(
                type.plural, type.group, name,
                "the object has been modified; please apply your changes to the latest version "
                "and try again");
        case WriteFault::Kind::InternalError:
            return core::kube::internalError("injected fault (mcpsim)");
        case WriteFault::Kind::Timeout: {
            core::kube::ApiError e;
            e.code = 504;
            e.reason = "Timeout";
            e.message =
                "Timeout: request did not complete within requested timeout - context deadline "
                "exceeded";
            return e;
        }
    }
    return core::kube::internalError("injected fault (mcpsim)");
}

}  // namespace

void WriteFaults::add(WriteFault fault) {
    if (fault.count <= 0) throw std::invalid_argument("a write fault needs a positive count");
    if (!fault.subresource.empty() && fault.subresource != "status") {
        throw std::invalid_argument("write faults target the main resource or \"status\"");
    }
    static const std::vector<std::string> verbs = {"", "create", "update", "patch", "delete"};
    if (std::find(verbs.begin(), verbs.end(), fault.verb) == verbs.end()) {
        throw std::invalid_argument("unknown write verb \"" + fault.verb + "\"");
    }
    faults_.push_back(std::move(fault));
}

void WriteFaults::check(const ResourceType& type, std::string_view verb, bool statusWrite,
                        const std::string& name) {
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if (!matches(*it, type, verb, statusWrite)) continue;
        core::kube::ApiError error = errorFor(*it, type, name);
        if (--it->count == 0) faults_.erase(it);
        throw core::kube::ApiException(std::move(error));
    }
}

int WriteFaults::pending() const {
    int n = 0;
    for (const auto& f : faults_) n += f.count;
    return n;
}

}  // namespace mcpsim::apiserver
