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

std::optional<std::string> SessionTokens::invalid(const std::string& token) const {
    auto v = core::jwt::verifyHmac(token, key_, clock_.now());
    if (auto* why = std::get_if<std::string>(&v)) return *why;
    return std::nullopt;
}

std::optional<core::WallTime> SessionTokens::expiry(const std::string& token) const {
    auto v = core::jwt::verifyHmac(token, key_, clock_.now());
    auto* t = std::get_if<core::jwt::Token>(&v);
    if (!t || !t->claims.contains("exp") || !t->claims["exp"].is_number()) return std::nullopt;
    return core::WallTime(std::chrono::seconds(t->claims["exp"].get<std::int64_t>()));
}

}  // namespace mcpsim::gateway::broker
