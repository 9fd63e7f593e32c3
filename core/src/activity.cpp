#include "mcpsim/core/activity.hpp"

namespace mcpsim::core {

void ActivityRegistry::Registration::reset() {
    if (auto probes = probes_.lock()) probes->erase(id_);
    probes_.reset();
}

ActivityRegistry::Registration& ActivityRegistry::Registration::operator=(
    Registration&& o) noexcept {
    if (this != &o) {
        reset();
        probes_ = std::move(o.probes_);
        id_ = o.id_;
        o.probes_.reset();
    }
    return *this;
}

ActivityRegistry::Registration ActivityRegistry::add(std::string component, Probe probe) {
    Registration r;
    r.id_ = nextId_++;
    r.probes_ = probes_;
    probes_->emplace(r.id_, std::make_pair(std::move(component), std::move(probe)));
    return r;
}

std::vector<std::string> ActivityRegistry::busy() const {
    std::vector<std::string> out;
    // Copy: a probe must not unregister others, but be safe if one does.
    auto snapshot = *probes_;
    for (const auto& [id, entry] : snapshot) {
        if (auto what = entry.second()) out.push_back(entry.first + ": " + *what);
    }
    return out;
}

}  // namespace mcpsim::core
