// oidc: the upstream "mcp-oidc-test-server" (Go SDK). One tool, hello_world, at /mcp behind an
// Authorization check with two schemes: `APIKEY <EXPECTED_ADMIN_TOKEN>`, or `Bearer <JWT>` whose
// `aud` claim (a string) equals EXPECTED_AUD. mcpsim has no identity provider, so a Bearer
// token's signature is not verified; its form, its expiry (on the runtime clock) and its audience
// are, and the 401 bodies are the real server's. ISSUER_URL must be set, as the real server
// needs it to find the provider (unset: 500).
#include <chrono>

#include "mcpsim/core/clock.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/runtime.hpp"
#include "mock_support.hpp"
#include "mocks.hpp"

namespace mcpsim::mocks {
namespace {

// base64url without padding (JWT segments); standard-alphabet or padded text is refused.
std::optional<std::string> base64UrlDecode(std::string text) {
    if (text.find_first_of("+/=") != std::string::npos) return std::nullopt;
    for (auto& c : text) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    while (text.size() % 4 != 0) text += '=';
    return core::base64Decode(text);
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t at; (at = text.find(sep, start)) != std::string::npos; start = at + 1) {
        parts.push_back(text.substr(start, at - start));
    }
    parts.push_back(text.substr(start));
    return parts;
}

struct BearerCheck {
    std::string error;  // empty: accepted
    std::string subject;
};

// What go-oidc's verifier and the server's own claim check say of a token, signature aside.
BearerCheck checkBearer(const std::string& token, const std::string& expectedAud,
                        core::WallTime now) {
    const auto parts = split(token, '.');
    if (parts.size() != 3) {
        return {"oidc: malformed jwt: go-jose/go-jose: compact JWS format must have three parts",
                ""};
    }
    const auto payload = base64UrlDecode(parts[1]);
    if (!payload) return {"oidc: malformed jwt payload: illegal base64 data", ""};
    Json claims = Json::parse(*payload, nullptr, false);
    if (!claims.is_object()) return {"oidc: failed to unmarshal claims: invalid JSON", ""};
    if (claims.contains("exp") && claims["exp"].is_number()) {
        const auto expiry = core::WallTime(std::chrono::duration_cast<core::WallTime::duration>(
            std::chrono::duration<double>(claims["exp"].get<double>())));
        if (now > expiry)
            return {"oidc: token is expired (Token Expiry: " + goTime(expiry) + ")", ""};
    }
    // The server reads `aud` into a Go string: an array fails to decode.
    if (claims.contains("aud") && !claims["aud"].is_string()) return {"failed to parse claims", ""};
    if (claims.value("aud", "") != expectedAud) return {"invalid audience", ""};
    return {"", claims.value("sub", "")};
}

}  // namespace

std::unique_ptr<MockServer> makeOidc(core::Runtime& runtime, const MockEnv& env, core::Logger log) {
    const std::string issuer = env.get("ISSUER_URL");
    const std::string expectedAud = env.get("EXPECTED_AUD");
    const std::string adminToken = env.get("EXPECTED_ADMIN_TOKEN");
    McpServerOptions options = goSdkOptions("mcp-oidc-test-server");
    options.paths = {"/mcp"};
    options.authorize = [&runtime, issuer, expectedAud, adminToken, log](
                            const core::http::Request& req) -> std::optional<core::http::Response> {
        const auto unauthorized = [](const std::string& why) {
            return goHttpError(401, "{\"error\": \"Unauthorized: " + why + "\"}");
        };
        const auto auth = split(req.headers.value("Authorization"), ' ');
        if (auth.size() != 2) return unauthorized("missing or invalid Authorization header");
        if (auth[0] == "Bearer") {
            if (issuer.empty()) {
                log.info("Failed to get OIDC provider: ISSUER_URL is not set");
                return goHttpError(500, "{\"error\": \"Internal Server Error\"}");
            }
            const BearerCheck check = checkBearer(auth[1], expectedAud, runtime.clock().now());
            if (!check.error.empty()) return unauthorized(check.error);
            log.info("Authenticated request from subject: " + check.subject);
            return std::nullopt;
        }
        if (auth[0] == "APIKEY") {
            if (adminToken.empty() || auth[1] != adminToken) return unauthorized("invalid API key");
            log.info("Authenticated request from admin user");
            return std::nullopt;
        }
        return unauthorized("unsupported authentication scheme");
    };
    options.fallback = goHealthOr404;
    auto mock = std::make_unique<McpMock>(runtime, std::move(options), std::move(log));
    addAuthenticatedHelloWorld(mock->server);
    return mock;
}

}  // namespace mcpsim::mocks
