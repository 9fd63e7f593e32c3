#pragma once
// What the world is still doing. Each component that can have work in flight (a controller's
// queue and requeues, a broker's discovery, a namespace being finalized) registers a probe; the
// world is settled when the loop has nothing ready and every probe reports idle. Timers that only
// repeat (health ticks, periodic polls) are not activity: they would keep a world busy forever.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcpsim::core {

class ActivityRegistry {
public:
    // Describes the pending work ("requeue of mcp-test/srv1 in 2s"), or nullopt when idle.
    using Probe = std::function<std::optional<std::string>()>;

    // Unregisters its probe when destroyed.
    class Registration {
    public:
        Registration() = default;
        Registration(Registration&& o) noexcept { *this = std::move(o); }
        Registration& operator=(Registration&& o) noexcept;
        Registration(const Registration&) = delete;
        Registration& operator=(const Registration&) = delete;
        ~Registration() { reset(); }
        void reset();

    private:
        friend class ActivityRegistry;
        std::weak_ptr<std::map<std::uint64_t, std::pair<std::string, Probe>>> probes_;
        std::uint64_t id_ = 0;
    };

    [[nodiscard]] Registration add(std::string component, Probe probe);
    // "component: what" for every busy probe, in registration order.
    std::vector<std::string> busy() const;

private:
    std::shared_ptr<std::map<std::uint64_t, std::pair<std::string, Probe>>> probes_ =
        std::make_shared<std::map<std::uint64_t, std::pair<std::string, Probe>>>();
    std::uint64_t nextId_ = 1;
};

}  // namespace mcpsim::core
