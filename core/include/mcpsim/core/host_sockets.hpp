#pragma once
// In-world TCP addresses served by programs of this machine (a pod running redis-server): what
// a client of <pod IP>:<port> or <service>.<namespace>.svc.cluster.local:<port> really connects
// to, a Unix socket private to that program. The world's one thread only.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace mcpsim::core {

class HostSockets {
  public:
    // Held by whoever serves the address; the address is gone when it is destroyed.
    class Binding {
      public:
        Binding(const Binding&) = delete;
        Binding& operator=(const Binding&) = delete;
        ~Binding();

      private:
        friend class HostSockets;
        Binding(std::weak_ptr<std::map<std::pair<std::string, std::uint16_t>, std::string>> table,
                std::pair<std::string, std::uint16_t> address, std::string unixSocket);
        std::weak_ptr<std::map<std::pair<std::string, std::uint16_t>, std::string>> table_;
        std::pair<std::string, std::uint16_t> address_;
        std::string unixSocket_;
    };

    // A later bind of the same address replaces the earlier one (whose Binding then unbinds
    // nothing).
    std::unique_ptr<Binding> bind(const std::string& host, std::uint16_t port,
                                  std::string unixSocket);
    std::optional<std::string> find(const std::string& host, std::uint16_t port) const;

  private:
    std::shared_ptr<std::map<std::pair<std::string, std::uint16_t>, std::string>> table_ =
        std::make_shared<std::map<std::pair<std::string, std::uint16_t>, std::string>>();
};

}  // namespace mcpsim::core
