#pragma once
// The session cache (spec/broker.md section 6.2): gateway session -> upstream session id by
// server name. In memory by default; in Redis with --cache-connection-string, as a hash per
// gateway session, so that replicas share upstream sessions. Answers come through callbacks:
// at once from memory, on a later turn from Redis.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "mcpsim/core/clock.hpp"
#include "mcpsim/core/redis/client.hpp"

namespace mcpsim::gateway::broker {

class SessionStore {
  public:
    using Sessions = std::map<std::string, std::string>;  // server name -> upstream session
    // error is empty on success.
    using Done = std::function<void(const std::string& error)>;
    using GetDone = std::function<void(const std::string& error, const Sessions& sessions)>;

    virtual ~SessionStore() = default;
    virtual void get(const std::string& gatewaySession, GetDone done) = 0;
    // `lifetime`: what is left of the gateway session (a Redis entry expires with it: the F11
    // intent; Redis counts it on its own clock).
    virtual void add(const std::string& gatewaySession, const std::string& server,
                     const std::string& upstreamSession, core::Duration lifetime, Done done) = 0;
    virtual void remove(const std::string& gatewaySession, const std::string& server,
                        Done done) = 0;
    virtual void drop(const std::string& gatewaySession, Done done) = 0;
    // Whether the store answers (PING).
    virtual void ping(Done done) = 0;
    // Commands still waiting for an answer.
    virtual std::size_t pending() const { return 0; }
};

std::unique_ptr<SessionStore> makeMemorySessionStore();
std::unique_ptr<SessionStore> makeRedisSessionStore(core::Runtime& runtime,
                                                    core::redis::Address address);

}  // namespace mcpsim::gateway::broker
