#pragma once
// A World on its own thread (its one loop), reached from a runner's thread only through posted
// calls: `mcpsim docs` and `mcpsim run` drive it while real processes (kubectl, curl) talk to its
// listeners.
#include <future>
#include <thread>
#include <utility>

#include "mcpsim/sim/world.hpp"

namespace mcpsim::sim {

class LiveWorld {
  public:
    explicit LiveWorld(WorldConfig config) : world_(std::move(config)) {
        thread_ = std::thread([this] { world_.runtime().run(); });
    }
    ~LiveWorld() {
        call([](World& w) {
            w.closeListeners();
            w.runtime().stop();
            return 0;
        });
        thread_.join();
    }
    template <typename F>
    auto call(F f) -> decltype(f(std::declval<World&>())) {
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
