#pragma once
// A program of this machine run as a pod's container (redis-server for a redis image): started
// in a private directory with a Unix socket of its own, watched until it accepts connections,
// killed with the pod. See HostProgramSpec.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mcpsim/core/runtime.hpp"
#include "mcpsim/mocks/catalog.hpp"

namespace mcpsim::mocks {

class HostProgram {
  public:
    // Starts it, with `args` after the spec's command; throws std::runtime_error saying why it
    // cannot start (as the container runtime would report it).
    HostProgram(core::Runtime& runtime, const HostProgramSpec& spec,
                const std::vector<std::string>& args);
    ~HostProgram();
    HostProgram(const HostProgram&) = delete;
    HostProgram& operator=(const HostProgram&) = delete;

    const std::string& socket() const;
    // Calls `done` once on the loop: with "" when the program accepts connections on its
    // socket, else with why not (it exited, or did not answer within kStartLimit of real time).
    // Until then the world waits for it (Runtime external work), so a virtual clock stands
    // still while a real process starts.
    void whenReady(std::function<void(const std::string& error)> done);
    static constexpr std::chrono::seconds kStartLimit{5};

  private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace mcpsim::mocks
