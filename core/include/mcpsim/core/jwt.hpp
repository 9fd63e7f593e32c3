#pragma once
// Compact JWS tokens (JWTs) as the MCP Gateway uses them: HMAC-signed gateway session ids and the
// ES256-signed `x-authorized-tools` trusted header. Verification follows golang-jwt/jwt v5.3.1,
// the version the gateway pins: the same checks in the same order, and failure reasons in its
// words ("token is malformed: ...", "token signature is invalid: ...", ...).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "mcpsim/core/clock.hpp"
#include "mcpsim/core/json.hpp"

namespace mcpsim::core::jwt {

// base64url (RFC 4648 section 5) without padding, as JWT segments are written.
std::string base64UrlEncode(std::string_view bytes);
// Decodes base64url, unpadded or correctly padded; nullopt for any other text.
std::optional<std::string> base64UrlDecode(std::string_view text);

// HS256 token with header {"alg":"HS256","typ":"JWT"} (in that order); the payload is
// claims.dump().
std::string signHs256(const Json& claims, std::string_view key);

// A verified token: its decoded header and claims (an object; a `null` payload reads as {}).
struct Token {
    Json header;
    Json claims;
};
// The token, or why it was refused (golang-jwt's error text).
using Verified = std::variant<Token, std::string>;

// Gateway session check: any HMAC alg (HS256/HS384/HS512) with `key`; exp and nbf checked against
// `now` with zero leeway (valid while now < exp and now >= nbf); iss, aud and iat not checked.
Verified verifyHmac(std::string_view token, std::string_view key, WallTime now);
// verifyHmac's last check alone (exp and nbf against `now`, no leeway), for the claims of a
// token whose signature it accepted before: nullopt, or the error verifyHmac would give now.
std::optional<std::string> checkRegisteredTimes(const Json& claims, WallTime now);

// Trusted-header check: ES256 only, against a PEM SubjectPublicKeyInfo ECDSA key; exp/nbf as above.
Verified verifyEs256(std::string_view token, const std::string& pemPublicKey, WallTime now);

// ES256 token with header {"alg":"ES256","typ":"JWT"}, signed with a PEM P-256 private key (PKCS#8
// "PRIVATE KEY" or SEC1 "EC PRIVATE KEY"); nullopt if the key is unusable. For tests and tools.
std::optional<std::string> signEs256(const Json& claims, const std::string& pemPrivateKey);

// A fresh P-256 key pair as PEM {private PKCS#8, public PKIX}. OpenSSL's RNG: test-only.
std::pair<std::string, std::string> generateP256KeyPair();

}  // namespace mcpsim::core::jwt
