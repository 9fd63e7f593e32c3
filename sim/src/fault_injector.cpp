#include "fault_injector.hpp"

#include <chrono>

#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/yaml.hpp"

namespace mcpsim::sim {

namespace {

const core::kube::Gvk kConfigMap{"", "v1", "ConfigMap"};
constexpr const char* kName = "mcpsim-write-faults";
constexpr const char* kPending = "mcpsim.io/pending-write-faults";
const std::string kManager = "mcpsim-fault-injector";

std::string keyOf(const Json& o) {
    return o.value("/metadata/namespace"_json_pointer, std::string()) + "/" +
           o.value("/metadata/name"_json_pointer, std::string());
}

// One entry of the list, or an error naming what is wrong with it.
apiserver::WriteFault parseFault(const Json& f, std::size_t i) {
    using Kind = apiserver::WriteFault::Kind;
    const std::string at = "faults[" + std::to_string(i) + "]";
    if (!f.is_object()) throw std::runtime_error(at + " must be a map");
    apiserver::WriteFault w;
    for (auto it = f.begin(); it != f.end(); ++it) {
        const std::string& k = it.key();
        const Json& v = it.value();
        if (k == "count") {
            if (!v.is_number_integer() || v.get<int>() < 1)
                throw std::runtime_error(at + ".count must be a positive integer");
            w.count = v.get<int>();
            continue;
        }
        if (!v.is_string()) throw std::runtime_error(at + "." + k + " must be a string");
        const std::string s = v.get<std::string>();
        if (k == "kind") {
            if (s == "Conflict") {
                w.kind = Kind::Conflict;
            } else if (s == "InternalError") {
                w.kind = Kind::InternalError;
            } else if (s == "Timeout") {
                w.kind = Kind::Timeout;
            } else {
                throw std::runtime_error(
                    at + ".kind must be Conflict, InternalError or Timeout, not " + s);
            }
        } else if (k == "resource") {
            w.resource = s;
        } else if (k == "verb") {
            if (s != "create" && s != "update" && s != "patch" && s != "delete")
                throw std::runtime_error(at + ".verb must be create, update, patch or delete");
            w.verb = s;
        } else if (k == "subresource") {
            if (s != "status") throw std::runtime_error(at + ".subresource can only be status");
            w.subresource = s;
        } else {
            throw std::runtime_error(at + ": unknown field " + k);
        }
    }
    if (!f.contains("kind")) throw std::runtime_error(at + ".kind is required");
    // Without one, the injector's own ConfigMap writes would use the faults up.
    if (w.resource.empty()) throw std::runtime_error(at + ".resource is required");
    return w;
}

}  // namespace

FaultInjector::FaultInjector(core::Runtime& runtime, apiserver::ApiServer& api)
    : runtime_(runtime), api_(api) {}

FaultInjector::~FaultInjector() {
    tick_.cancel();
    if (watch_) watch_->stop();
}

void FaultInjector::start() {
    core::kube::ListOptions o;
    o.fieldSelector = std::string("metadata.name=") + kName;
    auto w = api_.client().watch(kConfigMap, o, "", [this](const core::kube::WatchEvent& e) {
        if (e.type == "ADDED" || e.type == "MODIFIED") onConfigMap(e.object());
        if (e.type == "DELETED") {
            seen_.erase(keyOf(e.object()));
            reported_.erase(keyOf(e.object()));
        }
    });
    if (w.ok()) watch_ = std::move(w.value());
}

void FaultInjector::onConfigMap(const Json& cm) {
    const std::string key = keyOf(cm);
    const Json data = cm.value("data", Json::object());
    if (auto it = seen_.find(key); it != seen_.end() && it->second == data) return;
    seen_[key] = data;
    std::vector<apiserver::WriteFault> faults;
    try {
        const Json list = core::parseYaml(data.value("faults", std::string("[]")));
        if (!list.is_array()) throw std::runtime_error("faults must be a list");
        for (std::size_t i = 0; i < list.size(); ++i) faults.push_back(parseFault(list[i], i));
    } catch (const std::exception& e) {
        return warn(cm, e.what());
    }
    for (auto& f : faults) api_.injectWriteFault(std::move(f));
    reportPending();
}

// The pending count on every fault ConfigMap, then again each second of world time while
// writes are still to be refused.
void FaultInjector::reportPending() {
    const std::string pending = std::to_string(api_.pendingWriteFaults());
    for (const auto& [key, data] : seen_) {
        if (reported_[key] == pending) continue;
        const auto slash = key.find('/');
        const Json patch = {{"metadata", {{"annotations", {{kPending, pending}}}}}};
        auto r = api_.client().patch(kConfigMap, {key.substr(0, slash), key.substr(slash + 1)},
                                     core::kube::PatchType::Merge, patch, {kManager});
        if (r.ok()) reported_[key] = pending;
    }
    tick_.cancel();
    if (pending != "0") {
        tick_ = runtime_.clock().schedule(std::chrono::seconds(1), [this] { reportPending(); });
    }
}

void FaultInjector::warn(const Json& cm, const std::string& message) {
    const std::string now = core::formatRfc3339(runtime_.clock().now());
    const std::string ns = cm.value("/metadata/namespace"_json_pointer, std::string());
    api_.client().create(
        {{"apiVersion", "v1"},
         {"kind", "Event"},
         {"metadata", {{"generateName", std::string(kName) + "."}, {"namespace", ns}}},
         {"involvedObject",
          {{"apiVersion", "v1"},
           {"kind", "ConfigMap"},
           {"name", kName},
           {"namespace", ns},
           {"uid", cm.value("/metadata/uid"_json_pointer, std::string())}}},
         {"reason", "InvalidWriteFaults"},
         {"message", message},
         {"type", "Warning"},
         {"count", 1},
         {"firstTimestamp", now},
         {"lastTimestamp", now},
         {"source", {{"component", kManager}}}},
        {kManager});
}

}  // namespace mcpsim::sim
