#include "context.hpp"

namespace mcpsim::gateway {

core::kube::Result<std::shared_ptr<const Json>> ControllerContext::cachedGet(
    const core::kube::Gvk& kind, const core::kube::ObjectKey& key) {
    for (const auto* informer : informers) {
        if (informer->watching(kind)) return informer->cached(kind, key);
    }
    auto got = client.get(kind, key);
    if (got.isNotFound()) return std::shared_ptr<const Json>();
    if (!got.ok()) return got.error();
    return std::make_shared<const Json>(std::move(got).value());
}

core::kube::Result<std::vector<std::shared_ptr<const Json>>> ControllerContext::cachedList(
    const core::kube::Gvk& kind, const std::string& ns) {
    for (const auto* informer : informers) {
        if (informer->watching(kind)) return informer->cachedIn(kind, ns);
    }
    auto list = client.list(kind, {ns});
    if (!list.ok()) return list.error();
    std::vector<std::shared_ptr<const Json>> out;
    for (auto& item : list.value()["items"]) {
        out.push_back(std::make_shared<const Json>(std::move(item)));
    }
    return out;
}

}  // namespace mcpsim::gateway
