#include "object_store.hpp"

namespace mcpsim::apiserver {

namespace {
const std::string& nsOf(const Json& o) {
    static const std::string empty;
    auto md = o.find("metadata");
    if (md == o.end()) return empty;
    auto ns = md->find("namespace");
    return ns == md->end() ? empty : ns->get_ref<const std::string&>();
}
}  // namespace

const Json* ObjectStore::get(const std::string& typeKey, const ObjectKey& key) const {
    auto t = objects_.find(typeKey);
    if (t == objects_.end()) return nullptr;
    auto o = t->second.find(key);
    return o == t->second.end() ? nullptr : o->second.get();
}

ObjectStore::Document ObjectStore::share(const std::string& typeKey, const ObjectKey& key) const {
    auto t = objects_.find(typeKey);
    if (t == objects_.end()) return nullptr;
    auto o = t->second.find(key);
    return o == t->second.end() ? nullptr : o->second;
}

std::vector<ObjectStore::Document> ObjectStore::documents(const std::string& typeKey,
                                                          const std::string& ns) const {
    std::vector<Document> out;
    auto t = objects_.find(typeKey);
    if (t == objects_.end()) return out;
    if (ns.empty()) {
        for (const auto& [k, v] : t->second) out.push_back(v);
    } else {
        for (auto it = t->second.lower_bound(ObjectKey{ns, ""});
             it != t->second.end() && it->first.ns == ns; ++it) {
            out.push_back(it->second);
        }
    }
    return out;
}

std::vector<const Json*> ObjectStore::list(const std::string& typeKey,
                                           const std::string& ns) const {
    std::vector<const Json*> out;
    for (const auto& d : documents(typeKey, ns)) out.push_back(d.get());
    return out;
}

std::size_t ObjectStore::count(const std::string& typeKey) const {
    auto t = objects_.find(typeKey);
    return t == objects_.end() ? 0 : t->second.size();
}

const Json& ObjectStore::put(const std::string& typeKey, Json object) {
    ObjectKey key = ObjectKey::ofObject(object);
    object["metadata"]["resourceVersion"] = std::to_string(++rv_);
    auto doc = std::make_shared<const Json>(std::move(object));
    auto& slot = objects_[typeKey];
    auto it = slot.find(key);
    Event e{rv_, typeKey, it == slot.end() ? "ADDED" : "MODIFIED", doc, nullptr};
    if (it != slot.end()) {
        e.old = std::move(it->second);
        it->second = std::move(doc);
    } else {
        it = slot.emplace(key, std::move(doc)).first;
    }
    emit(std::move(e));
    return *it->second;
}

Json ObjectStore::erase(const std::string& typeKey, const ObjectKey& key) {
    auto& slot = objects_[typeKey];
    auto it = slot.find(key);
    if (it == slot.end()) return Json();
    Json last = *it->second;
    slot.erase(it);
    last["metadata"]["resourceVersion"] = std::to_string(++rv_);
    emit(Event{rv_, typeKey, "DELETED", std::make_shared<const Json>(last), nullptr});
    return last;
}

void ObjectStore::deliver(const Watcher& w, const Event& e) {
    if (w.typeKey != e.typeKey) return;
    if (!w.ns.empty() && nsOf(*e.object) != w.ns) return;
    if (e.type == "MODIFIED") {
        const bool was = !w.filter || w.filter(*e.old);
        const bool is = !w.filter || w.filter(*e.object);
        if (was && is) {
            w.sink("MODIFIED", e.object);
        } else if (is) {
            w.sink("ADDED", e.object);
        } else if (was) {
            w.sink("DELETED", e.object);
        }
        return;
    }
    if (!w.filter || w.filter(*e.object)) w.sink(e.type, e.object);
}

void ObjectStore::emit(Event event) {
    history_.push_back(std::move(event));
    if (history_.size() > kHistory) history_.pop_front();
    const Event& e = history_.back();
    // Copy the ids: a sink may stop its own (or another) watch while being called.
    std::vector<std::uint64_t> ids;
    for (const auto& [id, w] : watchers_) ids.push_back(id);
    for (auto id : ids) {
        auto it = watchers_.find(id);
        if (it == watchers_.end()) continue;
        // The write is committed: a watcher that fails must not undo it or starve the others.
        try {
            deliver(it->second, e);
        } catch (const std::exception&) {
        }
    }
}

std::optional<std::uint64_t> ObjectStore::watch(const std::string& typeKey, const std::string& ns,
                                                Filter filter, std::uint64_t sinceRv, Sink sink,
                                                std::function<void()> onTypeRemoved,
                                                std::function<void()> onExpired) {
    if (sinceRv > 0 && sinceRv < rv_) {
        // The history must reach back to sinceRv + 1.
        if (history_.empty() || history_.front().rv > sinceRv + 1) return std::nullopt;
    }
    const std::uint64_t id = nextWatchId_++;
    Watcher w{typeKey,
              ns,
              std::move(filter),
              std::move(sink),
              std::move(onTypeRemoved),
              std::move(onExpired)};
    if (sinceRv > 0) {
        for (const auto& e : history_) {
            if (e.rv > sinceRv) deliver(w, e);
        }
    }
    watchers_.emplace(id, std::move(w));
    return id;
}

void ObjectStore::unwatch(std::uint64_t id) {
    watchers_.erase(id);
}

void ObjectStore::closeWatches(const std::string& typeKey) {
    std::vector<std::function<void()>> closers;
    for (auto it = watchers_.begin(); it != watchers_.end();) {
        if (it->second.typeKey == typeKey && it->second.onTypeRemoved) {
            closers.push_back(std::move(it->second.onTypeRemoved));
            it = watchers_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto& close : closers) close();
}

std::size_t ObjectStore::expireWatches() {
    std::vector<std::function<void()>> enders;
    for (auto& [id, w] : watchers_) {
        if (w.onExpired) enders.push_back(std::move(w.onExpired));
    }
    const std::size_t ended = watchers_.size();
    watchers_.clear();
    history_.clear();
    for (auto& end : enders) end();
    return ended;
}

}  // namespace mcpsim::apiserver
