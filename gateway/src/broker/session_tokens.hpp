#pragma once
// Gateway session ids: HS256 JWTs (spec/broker.md section 6.1). iss, aud, iat, nbf, exp and a
// random jti; validation checks the signature (any HMAC algorithm) and exp/nbf with no leeway.
#include <optional>
#include <string>

#include "mcpsim/core/clock.hpp"
#include "mcpsim/core/random.hpp"

namespace mcpsim::gateway::broker {

class SessionTokens {
  public:
    SessionTokens(const core::Clock& clock, core::Random rng, std::string key,
                  core::Duration length);
    std::string mint();
    // nullopt when the token is valid now; otherwise why not.
    std::optional<std::string> invalid(const std::string& token) const;
    // The exp claim of a token that is valid now.
    std::optional<core::WallTime> expiry(const std::string& token) const;

  private:
    const core::Clock& clock_;
    core::Random rng_;
    std::string key_;
    core::Duration length_;
};

}  // namespace mcpsim::gateway::broker
