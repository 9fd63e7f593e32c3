#include "mcpsim/core/kube/controller.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <stdexcept>

#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::core::kube {

namespace predicates {

namespace {
std::string metaString(const Json* o, const char* key) {
    if (!o || !o->contains("metadata")) return "";
    const Json& md = (*o)["metadata"];
    if (!md.contains(key)) return "";
    return md[key].is_string() ? md[key].get<std::string>() : md[key].dump();
}
}  // namespace

bool generationChanged(const ObjectEvent& e) {
    if (e.type != "MODIFIED" || !e.old) return true;
    return metaString(e.object, "generation") != metaString(e.old, "generation");
}

bool resourceVersionChanged(const ObjectEvent& e) {
    if (e.type != "MODIFIED" || !e.old) return true;
    return metaString(e.object, "resourceVersion") != metaString(e.old, "resourceVersion");
}

}  // namespace predicates

struct Controller::Source {
    Gvk kind;
    bool primary = false;
    EventMapper mapper;
    Predicate predicate;
    std::map<ObjectKey, std::shared_ptr<const Json>> cache;
    struct Index {
        IndexFunc extract;
        std::map<std::string, std::set<ObjectKey>> keys;
    };
    std::map<std::string, Index> indexes;
    std::unique_ptr<WatchHandle> watch;

    void reindex(const ObjectKey& key, const Json* before, const Json* after) {
        for (auto& [name, idx] : indexes) {
            if (before) {
                for (const auto& v : idx.extract(*before)) {
                    auto it = idx.keys.find(v);
                    if (it == idx.keys.end()) continue;
                    it->second.erase(key);
                    if (it->second.empty()) idx.keys.erase(it);
                }
            }
            if (after) {
                for (const auto& v : idx.extract(*after)) idx.keys[v].insert(key);
            }
        }
    }
};

Controller::Controller(Runtime& runtime, Client& client, std::string name, Reconciler reconciler,
                       Logger log)
    : Controller(
          runtime, client, std::move(name),
          AsyncReconciler([reconciler = std::move(reconciler)](
                              const ObjectKey& key, ReconcileDone done) { done(reconciler(key)); }),
          std::move(log)) {}

Controller::Controller(Runtime& runtime, Client& client, std::string name,
                       AsyncReconciler reconciler, Logger log)
    : rt_(runtime),
      client_(client),
      name_(std::move(name)),
      reconciler_(std::move(reconciler)),
      log_(std::move(log)),
      alive_(std::make_shared<bool>(true)) {}

Controller::~Controller() {
    *alive_ = false;
    stop();
}

Controller& Controller::forKind(const Gvk& kind, Predicate predicate) {
    auto s = std::make_unique<Source>();
    s->kind = kind;
    s->primary = true;
    s->predicate = std::move(predicate);
    sources_.push_back(std::move(s));
    return *this;
}

Controller& Controller::watches(const Gvk& kind, EventMapper mapper, Predicate predicate) {
    auto s = std::make_unique<Source>();
    s->kind = kind;
    s->mapper = std::move(mapper);
    s->predicate = std::move(predicate);
    sources_.push_back(std::move(s));
    return *this;
}

void Controller::start() {
    activity_ = rt_.activity().add("controller " + name_, [this] { return pendingWork(); });
    for (auto& src : sources_) listAndWatch(*src);
}

void Controller::listAndWatch(Source& src) {
    if (stopped_) return;
    auto listed = client_.list(src.kind);
    std::string rv;
    if (listed.ok()) {
        rv = listed.value()["metadata"].value("resourceVersion", "");
        // After a watch ended, what is cached but no longer listed was deleted meanwhile.
        std::set<ObjectKey> present;
        for (const auto& item : listed.value()["items"]) present.insert(ObjectKey::ofObject(item));
        std::vector<std::shared_ptr<const Json>> gone;
        for (const auto& [key, object] : src.cache)
            if (!present.count(key)) gone.push_back(object);
        for (const auto& object : gone) onEvent(src, "DELETED", object);
        for (auto& item : listed.value()["items"])
            onEvent(src, "ADDED", std::make_shared<const Json>(std::move(item)));
    } else {
        log_.error("failed to list", {{"kind", src.kind.kind}, {"error", listed.error().message}});
    }
    Source* raw = &src;
    std::weak_ptr<bool> alive = alive_;
    auto w = client_.watch(src.kind, {}, rv, [this, raw, alive](const WatchEvent& e) {
        if (auto a = alive.lock(); !a || !*a) return;
        if (e.type != "ERROR") return onEvent(*raw, e.type, e.document);
        // As client-go's reflector: the watch is over (410 Expired after a compaction or an
        // apiserver restart), so list again and watch from there, on the next turn of the loop.
        log_.info("watch ended, re-listing", {{"kind", raw->kind.kind},
                                              {"reason", e.object().value("reason", "")},
                                              {"message", e.object().value("message", "")}});
        rt_.post([this, raw, alive] {
            if (auto a = alive.lock(); a && *a) listAndWatch(*raw);
        });
    });
    if (w.ok()) src.watch = std::move(w).value();
}

void Controller::stop() {
    stopped_ = true;
    activity_.reset();
    for (auto& src : sources_) {
        if (src->watch) src->watch->stop();
    }
    for (auto& [k, t] : delayed_) t.cancel();
    delayed_.clear();
}

Controller::Source* Controller::sourceOf(const Gvk& kind) const {
    for (const auto& s : sources_) {
        if (s->kind == kind) return s.get();
    }
    return nullptr;
}

const std::map<ObjectKey, std::shared_ptr<const Json>>& Controller::cache(const Gvk& kind) const {
    static const std::map<ObjectKey, std::shared_ptr<const Json>> empty;
    const Source* s = sourceOf(kind);
    return s ? s->cache : empty;
}

std::shared_ptr<const Json> Controller::cached(const Gvk& kind, const ObjectKey& key) const {
    const auto& c = cache(kind);
    auto it = c.find(key);
    return it == c.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const Json>> Controller::cachedIn(const Gvk& kind,
                                                              const std::string& ns) const {
    std::vector<std::shared_ptr<const Json>> out;
    const auto& c = cache(kind);
    for (auto it = ns.empty() ? c.begin() : c.lower_bound(ObjectKey{ns, ""});
         it != c.end() && (ns.empty() || it->first.ns == ns); ++it) {
        out.push_back(it->second);
    }
    return out;
}

Controller& Controller::index(const Gvk& kind, const std::string& name, IndexFunc extract) {
    Source* s = sourceOf(kind);
    if (!s) throw std::logic_error("index " + name + " on a kind the controller does not watch");
    s->indexes[name].extract = std::move(extract);
    return *this;
}

std::vector<ObjectKey> Controller::lookup(const Gvk& kind, const std::string& name,
                                          const std::string& value) const {
    const Source* s = sourceOf(kind);
    if (!s) return {};
    auto idx = s->indexes.find(name);
    if (idx == s->indexes.end()) return {};
    auto it = idx->second.keys.find(value);
    if (it == idx->second.keys.end()) return {};
    return {it->second.begin(), it->second.end()};
}

void Controller::onEvent(Source& src, const std::string& type,
                         const std::shared_ptr<const Json>& document) {
    const Json& object = *document;
    const ObjectKey key = ObjectKey::ofObject(object);
    std::shared_ptr<const Json> old;  // kept alive for the predicate and the mappers
    auto cached = src.cache.find(key);
    if (cached != src.cache.end()) old = cached->second;
    if (type == "DELETED") {
        if (cached != src.cache.end()) src.cache.erase(cached);
    } else if (cached != src.cache.end()) {
        cached->second = document;
    } else {
        src.cache.emplace(key, document);
    }
    src.reindex(key, old.get(), type == "DELETED" ? nullptr : &object);
    // A re-list can report an object we already know as ADDED: treat it as an update.
    std::string evType = type;
    if (type == "ADDED" && old) evType = "MODIFIED";
    ObjectEvent ev{evType, &object, evType == "MODIFIED" && old ? old.get() : nullptr};
    if (src.predicate && !src.predicate(ev)) return;
    if (src.primary) {
        enqueue(key);
        return;
    }
    std::set<ObjectKey> keys;
    for (const auto& k : src.mapper(ev)) keys.insert(k);
    if (ev.old) {
        ObjectEvent oldEv{evType, ev.old, nullptr};
        for (const auto& k : src.mapper(oldEv)) keys.insert(k);
    }
    for (const auto& k : keys) enqueue(k);
}

void Controller::enqueue(const ObjectKey& key) {
    if (stopped_) return;
    if (processing_ && *processing_ == key) {
        dirty_.insert(key);
        return;
    }
    if (queued_.insert(key).second) queue_.push_back(key);
    schedule();
}

void Controller::enqueueAfter(const ObjectKey& key, Duration delay, bool periodic) {
    if (stopped_) return;
    if (delay <= Duration::zero()) {
        enqueue(key);
        return;
    }
    const SteadyTime at = rt_.clock().steady() + delay;
    // Like a delaying queue: an earlier pending time wins.
    if (auto it = delayedAt_.find(key);
        it != delayedAt_.end() && it->second <= at && delayed_[key].pending()) {
        return;
    }
    if (auto it = delayed_.find(key); it != delayed_.end()) it->second.cancel();
    delayedAt_[key] = at;
    if (periodic) {
        periodic_.insert(key);
    } else {
        periodic_.erase(key);
    }
    std::weak_ptr<bool> alive = alive_;
    delayed_[key] = rt_.clock().schedule(delay, [this, key, alive] {
        if (auto a = alive.lock(); !a || !*a) return;
        delayed_.erase(key);
        delayedAt_.erase(key);
        periodic_.erase(key);
        enqueue(key);
    });
}

bool Controller::idle() const {
    return queue_.empty() && !processing_;
}

std::optional<std::string> Controller::pendingWork() const {
    if (processing_) return "reconciling " + processing_->str();
    if (!queue_.empty())
        return std::to_string(queue_.size()) + " queued, first " + queue_.front().str();
    // The earliest pending requeue (or retry after an error) names the key.
    std::optional<std::pair<SteadyTime, ObjectKey>> first;
    std::size_t pending = 0;
    for (const auto& [key, at] : delayedAt_) {
        auto t = delayed_.find(key);
        if (t == delayed_.end() || !t->second.pending() || periodic_.count(key)) continue;
        ++pending;
        if (!first || at < first->first) first = std::make_pair(at, key);
    }
    if (!first) return std::nullopt;
    const auto in =
        std::chrono::duration_cast<std::chrono::milliseconds>(first->first - rt_.clock().steady());
    const bool retry = failures_.count(first->second) > 0;
    return std::string(retry ? "retry after error of " : "requeue of ") + first->second.str() +
           " in " + humanDuration(in) +
           (pending > 1 ? " (and " + std::to_string(pending - 1) + " more)" : "");
}

void Controller::schedule() {
    // One reconcile at a time: a pending one schedules the next when it finishes.
    if (scheduled_ || queue_.empty() || processing_) return;
    scheduled_ = true;
    std::weak_ptr<bool> alive = alive_;
    boost::asio::post(rt_.io(), [this, alive] {
        if (auto a = alive.lock(); !a || !*a) return;
        scheduled_ = false;
        processOne();
        schedule();
    });
}

void Controller::processOne() {
    if (queue_.empty() || stopped_ || processing_) return;
    const auto next = queue_.begin() + static_cast<std::ptrdiff_t>(rt_.pickReady(queue_.size()));
    ObjectKey key = *next;
    queue_.erase(next);
    queued_.erase(key);
    processing_ = key;
    ++reconciles_;
    // A second call of `done`, or one after the controller is destroyed, does nothing.
    auto called = std::make_shared<bool>(false);
    std::weak_ptr<bool> alive = alive_;
    ReconcileDone done = [this, key, called, alive](ReconcileResult result) {
        if (*called) return;
        *called = true;
        if (auto a = alive.lock(); !a || !*a) return;
        finish(key, std::move(result));
    };
    try {
        reconciler_(key, done);
    } catch (const std::exception& e) {
        // A panic in a Go reconciler is recovered as an error; do the same.
        done(ReconcileResult::failed(std::string("panic: ") + e.what()));
    }
}

void Controller::finish(const ObjectKey& key, ReconcileResult result) {
    processing_.reset();
    if (result.error) {
        int n = failures_[key]++;
        Duration delay = std::chrono::milliseconds(5);
        for (int i = 0; i < n && delay < std::chrono::seconds(1000); ++i) delay *= 2;
        if (delay > std::chrono::seconds(1000)) delay = std::chrono::seconds(1000);
        log_.error("Reconciler error", {{"controller", name_},
                                        {"namespace", key.ns},
                                        {"name", key.name},
                                        {"error", *result.error}});
        enqueueAfter(key, delay);
    } else {
        failures_.erase(key);
        if (result.requeueAfter) enqueueAfter(key, *result.requeueAfter, result.periodic);
    }
    if (dirty_.erase(key)) enqueue(key);
    schedule();
}

}  // namespace mcpsim::core::kube
