// core::kube::Client on top of the Engine, for components in the same world. Same semantics as
// HTTP; watch events are posted to the loop so a watcher never runs inside the writer's call.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "api_server_impl.hpp"

namespace mcpsim::apiserver {

using core::kube::ApiException;
using core::kube::Gvk;
using core::kube::ListOptions;
using core::kube::PatchType;
using core::kube::Result;
using core::kube::WatchEvent;
using core::kube::WatchHandle;
using core::kube::WriteOptions;

namespace {

class InProcessClient final : public core::kube::Client {
  public:
    explicit InProcessClient(ApiServer::Impl& impl) : impl_(impl) {}

    Result<Json> get(const Gvk& type, const ObjectKey& key) override {
        return run([&] {
            const ResourceType& t = resolve(type);
            return impl_.engine.get(t, type.version, scoped(t, key));
        });
    }

    Result<Json> list(const Gvk& type, const ListOptions& options) override {
        return run([&] {
            const ResourceType& t = resolve(type);
            return impl_.engine.list(t, type.version, options.ns, options.labelSelector,
                                     options.fieldSelector);
        });
    }

    Result<Json> create(const Json& object, const WriteOptions& options) override {
        return run([&] {
            Gvk gvk = Gvk::ofObject(object);
            const ResourceType& t = resolve(gvk);
            impl_.faults.check(t, "create", false, ObjectKey::ofObject(object).name);
            return impl_.engine
                .create(t, gvk.version, t.namespaced ? ObjectKey::ofObject(object).ns : "", object,
                        context(options))
                .object;
        });
    }

    Result<Json> update(const Json& object, const WriteOptions& options) override {
        return write(object, options, false);
    }

    Result<Json> updateStatus(const Json& object, const WriteOptions& options) override {
        return write(object, options, true);
    }

    Result<Json> patch(const Gvk& type, const ObjectKey& key, PatchType patchType,
                       const Json& patch, const WriteOptions& options) override {
        return doPatch(type, key, patchType, patch, options, false);
    }

    Result<Json> patchStatus(const Gvk& type, const ObjectKey& key, PatchType patchType,
                             const Json& patch, const WriteOptions& options) override {
        return doPatch(type, key, patchType, patch, options, true);
    }

    Result<Json> remove(const Gvk& type, const ObjectKey& key) override {
        return run([&] {
            const ResourceType& t = resolve(type);
            impl_.faults.check(t, "delete", false, key.name);
            return impl_.engine.remove(t, type.version, scoped(t, key), Json::object(), {});
        });
    }

    Result<std::unique_ptr<WatchHandle>> watch(
        const Gvk& type, const ListOptions& options, const std::string& resourceVersion,
        std::function<void(const WatchEvent&)> onEvent) override {
        try {
            const ResourceType& t = resolve(type);
            auto filter =
                impl_.engine.selectorFilter(t, options.labelSelector, options.fieldSelector);
            auto state = std::make_shared<WatchState>();
            state->onEvent = std::move(onEvent);
            auto& io = impl_.rt.io();
            const std::string version = type.version;
            Engine& engine = impl_.engine;
            const TypeRegistry& registry = impl_.registry;
            // The type is looked up at each event: a CRD write replaces it while the watch runs.
            auto deliver = [state, &io, &engine, &registry, group = t.group, plural = t.plural,
                            version](const std::string& evType, const ObjectStore::Document& obj) {
                const ResourceType* current = registry.byResource(group, plural);
                if (!current) return;
                boost::asio::post(
                    io, [state, ev = WatchEvent{evType, engine.toVersion(*current, version, obj)}] {
                        if (!state->stopped) state->onEvent(ev);
                    });
            };
            std::uint64_t since = 0;
            if (!resourceVersion.empty() && resourceVersion != "0")
                since = std::stoull(resourceVersion);
            if (since == 0) {
                for (const auto& o :
                     impl_.store.documents(Engine::typeKey(t), t.namespaced ? options.ns : "")) {
                    if (!filter || filter(*o)) deliver("ADDED", o);
                }
            }
            // An expired watch gets the ERROR event an HTTP watcher reads, then nothing more.
            auto expired = [state, &io] {
                boost::asio::post(io, [state] {
                    if (state->stopped) return;
                    state->stopped = true;
                    state->onEvent(WatchEvent{"ERROR", core::kube::watchExpired().toStatus()});
                });
            };
            auto id = impl_.store.watch(Engine::typeKey(t), t.namespaced ? options.ns : "", filter,
                                        since, deliver, nullptr, expired);
            if (!id) {
                return core::kube::ApiError{410, "Expired",
                                            "too old resource version: " + resourceVersion};
            }
            return std::unique_ptr<WatchHandle>(new Handle(impl_.store, *id, state));
        } catch (const ApiException& e) {
            return e.error;
        }
    }

  private:
    struct WatchState {
        bool stopped = false;
        std::function<void(const WatchEvent&)> onEvent;
    };
    class Handle final : public WatchHandle {
      public:
        Handle(ObjectStore& store, std::uint64_t id, std::shared_ptr<WatchState> state)
            : store_(store), id_(id), state_(std::move(state)) {}
        ~Handle() override { stop(); }
        void stop() override {
            if (state_->stopped) return;
            state_->stopped = true;
            store_.unwatch(id_);
        }

      private:
        ObjectStore& store_;
        std::uint64_t id_;
        std::shared_ptr<WatchState> state_;
    };

    template <typename F>
    Result<Json> run(F&& f) {
        try {
            return f();
        } catch (const ApiException& e) {
            return e.error;
        }
    }

    const ResourceType& resolve(const Gvk& gvk) {
        const ResourceType* t = impl_.registry.byKind(gvk.group, gvk.kind);
        if (!t || !t->version(gvk.version)) {
            throw ApiException(core::kube::ApiError{
                404, "NotFound",
                "the server could not find the requested resource (no kind \"" + gvk.kind +
                    "\" in " + gvk.apiVersion() + ")"});
        }
        return *t;
    }

    static ObjectKey scoped(const ResourceType& t, ObjectKey key) {
        if (!t.namespaced) key.ns.clear();
        return key;
    }

    static WriteContext context(const WriteOptions& o) {
        WriteContext c;
        c.fieldManager = o.fieldManager.empty() ? "mcpsim" : o.fieldManager;
        c.dryRun = o.dryRun;
        c.force = o.force;
        return c;
    }

    Result<Json> write(const Json& object, const WriteOptions& options, bool status) {
        return run([&] {
            Gvk gvk = Gvk::ofObject(object);
            const ResourceType& t = resolve(gvk);
            impl_.faults.check(t, "update", status, ObjectKey::ofObject(object).name);
            return impl_.engine
                .update(t, gvk.version, scoped(t, ObjectKey::ofObject(object)), object,
                        context(options), status)
                .object;
        });
    }

    Result<Json> doPatch(const Gvk& type, const ObjectKey& key, PatchType patchType,
                         const Json& patch, const WriteOptions& options, bool status) {
        return run([&] {
            const ResourceType& t = resolve(type);
            PatchKind kind = patchType == PatchType::Json        ? PatchKind::Json
                             : patchType == PatchType::Merge     ? PatchKind::Merge
                             : patchType == PatchType::Strategic ? PatchKind::Strategic
                                                                 : PatchKind::Apply;
            impl_.faults.check(t, "patch", status, key.name);
            return impl_.engine
                .patch(t, type.version, scoped(t, key), kind, patch.dump(), context(options),
                       status)
                .object;
        });
    }

    ApiServer::Impl& impl_;
};

}  // namespace

std::unique_ptr<core::kube::Client> makeInProcessClient(ApiServer::Impl& impl) {
    return std::make_unique<InProcessClient>(impl);
}

}  // namespace mcpsim::apiserver
