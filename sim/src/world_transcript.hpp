#pragma once
// What a world shows the outside, one line per happening, in the order the loop saw them: the
// requests of real clients to the API server and to the Gateway (with their statuses), every log
// line of every pod, and every Event. Each line starts with the world time since boot, so two
// runs with the same seed and inputs give the same bytes (mcpsim run --transcript).
#include <functional>
#include <memory>
#include <string>

#include "mcpsim/core/http/message.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::sim {

class WorldTranscript {
  public:
    using Sink = std::function<void(const std::string& line)>;
    WorldTranscript(core::Runtime& runtime, core::kube::Client& client, Sink sink);
    ~WorldTranscript();
    WorldTranscript(const WorldTranscript&) = delete;
    WorldTranscript& operator=(const WorldTranscript&) = delete;

    // Starts following logs and Events (after the world's own objects exist).
    void start();
    // The handler, with each request and its status written down. `name` is "api" or "gateway".
    core::http::Handler observe(const std::string& name, core::http::Handler inner);
    void write(const std::string& what);

  private:
    core::Runtime& runtime_;
    core::kube::Client& client_;
    Sink sink_;
    core::SteadyTime boot_;
    std::unique_ptr<core::kube::WatchHandle> events_;
};

}  // namespace mcpsim::sim
