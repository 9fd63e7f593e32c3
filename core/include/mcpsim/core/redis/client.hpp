#pragma once
// A Redis client on the world's loop, for stores shared between simulated processes (the
// broker's session cache with --cache-connection-string). It talks RESP to a real redis-server
// over TCP or a Unix socket; nothing blocks the loop's thread. While a command is outstanding,
// a virtual clock waits for it (Runtime::externalWork), so runs stay the same on every run.
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "mcpsim/core/runtime.hpp"

namespace mcpsim::core::redis {

// One RESP reply.
struct Reply {
    enum class Type { Nil, Status, Error, Integer, String, Array };
    Type type = Type::Nil;
    std::string text;  // Status, Error, String
    long long integer = 0;
    std::vector<Reply> elements;
};

// Where a server is, as go-redis's ParseURL reads it: redis://[user[:password]@]host[:port][/db]
// and unix://[user[:password]@]/path[?db=N].
struct Address {
    std::string host;
    int port = 6379;
    std::string unixSocket;
    std::string user, password;
    int db = 0;
    std::string str() const;  // host:port or the socket path
};
std::variant<Address, std::string> parseUrl(const std::string& url);

class Client {
  public:
    Client(Runtime& runtime, Address address);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // error is empty, or why the command got no reply (connection refused, lost, ...). A
    // connection is opened on the first command and after a lost one (AUTH and SELECT first).
    using Done = std::function<void(const std::string& error, const Reply& reply)>;
    void command(std::vector<std::string> argv, Done done);
    std::size_t inFlight() const;

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace mcpsim::core::redis
