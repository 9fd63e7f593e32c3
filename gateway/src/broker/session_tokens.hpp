#pragma once
// Gateway session ids: HS256 JWTs (spec/broker.md section 6.1). iss, aud, iat, nbf, exp and a
// random jti; validation checks the signature (any HMAC algorithm) and exp/nbf with no leeway.
#include <optional>
#include <string>
#include <unordered_map>

#include "mcpsim/core/clock.hpp"
#include "mcpsim/core/json.hpp"
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
    // The time claims (exp, nbf) of tokens whose signature verified: every request of a session
    // carries the same token, and the signature of a token under one key never changes, so only
    // the times are checked again (with verifyHmac's own check, hence the same errors). Bounded.
    const Json* verifiedClaims(const std::string& token) const;
    mutable std::unordered_map<std::string, Json> verified_;
    static constexpr std::size_t kMaxVerified = 16384;

    const core::Clock& clock_;
    core::Random rng_;
    std::string key_;
    core::Duration length_;
};

}  // namespace mcpsim::gateway::broker
