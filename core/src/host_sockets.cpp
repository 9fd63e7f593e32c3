#include "mcpsim/core/host_sockets.hpp"

namespace mcpsim::core {

HostSockets::Binding::Binding(
    std::weak_ptr<std::map<std::pair<std::string, std::uint16_t>, std::string>> table,
    std::pair<std::string, std::uint16_t> address, std::string unixSocket)
    : table_(std::move(table)), address_(std::move(address)), unixSocket_(std::move(unixSocket)) {}

HostSockets::Binding::~Binding() {
    auto table = table_.lock();
    if (!table) return;
    if (auto it = table->find(address_); it != table->end() && it->second == unixSocket_) {
        table->erase(it);
    }
}

std::unique_ptr<HostSockets::Binding> HostSockets::bind(const std::string& host, std::uint16_t port,
                                                        std::string unixSocket) {
    (*table_)[{host, port}] = unixSocket;
    return std::unique_ptr<Binding>(new Binding(table_, {host, port}, std::move(unixSocket)));
}

std::optional<std::string> HostSockets::find(const std::string& host, std::uint16_t port) const {
    auto it = table_->find({host, port});
    if (it == table_->end()) return std::nullopt;
    return it->second;
}

}  // namespace mcpsim::core
