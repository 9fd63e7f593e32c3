#include "session_tokens.hpp"

#include <variant>

#include "mcpsim/core/json.hpp"
#include "mcpsim/core/jwt.hpp"

namespace mcpsim::gateway::broker {

namespace {
std::int64_t seconds(core::WallTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

SessionTokens::SessionTokens(const core::Clock& clock, core::Random rng, std::string key,
                             core::Duration length)
    : clock_(clock), rng_(std::move(rng)), key_(std::move(key)), length_(length) {}

std::string SessionTokens::mint() {
    const std::int64_t now = seconds(clock_.now());
    const std::int64_t exp =
        now + std::chrono::duration_cast<std::chrono::seconds>(length_).count();
    Json claims = {{"iss", "mcp-gateway"}, {"aud", {"mcp-gateway"}}, {"iat", now}, {"nbf", now},
                   {"exp", exp},           {"jti", rng_.uuid()}};
    return core::jwt::signHs256(claims, key_);
}

const Json* SessionTokens::verifiedClaims(const std::string& token) const {
    if (auto it = verified_.find(token); it != verified_.end()) return &it->second;
    auto v = core::jwt::verifyHmac(token, key_, clock_.now());
    auto* t = std::get_if<core::jwt::Token>(&v);
    if (!t) {
        // A bad signature stays bad; a good one out of its times is not remembered either, and
        // is verified in full again.
        return nullptr;
    }
    if (verified_.size() >= kMaxVerified) verified_.clear();
    // Only the times are read again; the other claims would cost every held session.
    Json times = Json::object();
    for (const char* key : {"exp", "nbf"}) {
        if (auto it = t->claims.find(key); it != t->claims.end()) times[key] = std::move(*it);
    }
    return &verified_.emplace(token, std::move(times)).first->second;
}

std::optional<std::string> SessionTokens::invalid(const std::string& token) const {
    if (const Json* claims = verifiedClaims(token)) {
        return core::jwt::checkRegisteredTimes(*claims, clock_.now());
    }
    auto v = core::jwt::verifyHmac(token, key_, clock_.now());
    if (auto* why = std::get_if<std::string>(&v)) return *why;
    return std::nullopt;
}

std::optional<core::WallTime> SessionTokens::expiry(const std::string& token) const {
    const Json* claims = verifiedClaims(token);
    if (!claims || core::jwt::checkRegisteredTimes(*claims, clock_.now())) return std::nullopt;
    if (!claims->contains("exp") || !(*claims)["exp"].is_number()) return std::nullopt;
    return core::WallTime(std::chrono::seconds((*claims)["exp"].get<std::int64_t>()));
}

}  // namespace mcpsim::gateway::broker
