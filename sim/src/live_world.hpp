#pragma once
// A World on its own thread (its one loop), reached from a runner's thread only through posted
// calls: `mcpsim docs` and `mcpsim run` drive it while real processes (kubectl, curl) talk to its
// listeners. A world on virtual time can be parked between processes: its one thread is then
// the caller's.
#include <future>
#include <thread>
#include <utility>

#include "mcpsim/sim/world.hpp"

namespace mcpsim::sim {

class LiveWorld {
  public:
    explicit LiveWorld(WorldConfig config) : world_(std::move(config)) { serve(); }
    ~LiveWorld() {
        call([](World& w) {
            w.closeListeners();
            return 0;
        });
        park();
    }
    LiveWorld(const LiveWorld&) = delete;
    LiveWorld& operator=(const LiveWorld&) = delete;

    // Runs the world's loop on its own thread, so that real processes get answers while the
    // caller waits for them.
    void serve() {
        if (!thread_.joinable()) thread_ = std::thread([this] { world_.runtime().run(); });
    }
    // Stops that thread: calls then run on the caller's thread, without two thread switches per
    // call. Only for a world on virtual time, whose clock moves only when it is driven anyway.
    // The join orders everything the loop did before what the caller does next.
    void park() {
        if (!thread_.joinable()) return;
        world_.runtime().runBetweenHandlers([this] { world_.runtime().stop(); });
        thread_.join();
    }
    bool serving() const { return thread_.joinable(); }

    // Serving for a scope (a real process's lifetime), then back as it was.
    class Serving {
      public:
        explicit Serving(LiveWorld& live) : live_(live), was_(live.serving()) { live_.serve(); }
        ~Serving() {
            if (!was_) live_.park();
        }
        Serving(const Serving&) = delete;
        Serving& operator=(const Serving&) = delete;

      private:
        LiveWorld& live_;
        bool was_;
    };

    template <typename F>
    auto call(F f) -> decltype(f(std::declval<World&>())) {
        if (!serving()) return f(world_);
        using R = decltype(f(std::declval<World&>()));
        std::promise<R> done;
        auto result = done.get_future();
        // Between handlers: `f` settles and runs the world, which a nested poll cannot do.
        world_.runtime().runBetweenHandlers([&] {
            try {
                done.set_value(f(world_));
            } catch (...) {
                done.set_exception(std::current_exception());
            }
        });
        return result.get();
    }

  private:
    World world_;
    std::thread thread_;
};

}  // namespace mcpsim::sim
