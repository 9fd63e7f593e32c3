// oidc: the two Authorization schemes, each 401 body of the upstream server, and a token's
// expiry measured on the world clock (which starts at 2026-01-01T00:00:00Z).
#include <gtest/gtest.h>

#include "mcpsim/core/go_format.hpp"
#include "mock_harness.hpp"

namespace mcpsim::mocks::testing {
namespace {

MockEnv oidcEnv(const std::string& issuer = "https://keycloak.example/realms/mcp") {
    MockEnv env;
    env.env["ISSUER_URL"] = issuer;
    env.env["EXPECTED_AUD"] = "mcp-gateway";
    env.env["EXPECTED_ADMIN_TOKEN"] = "admin-secret";
    return env;
}

std::string base64Url(const std::string& bytes) {
    std::string s = core::base64Encode(bytes);
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (auto& c : s) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    return s;
}

std::string jwt(const Json& claims) {
    return base64Url(R"({"alg":"RS256","typ":"JWT"})") + "." + base64Url(claims.dump()) +
           ".c2lnbmF0dXJl";
}

Headers authorization(const std::string& value) {
    Headers h;
    h.set("Authorization", value);
    return h;
}

// 2026-01-01T01:00:00Z, an hour after the world clock's start.
constexpr long long kInAnHour = 1767229200;

Reply initializeWith(MockHarness& h, const std::string& auth) {
    return h.request("initialize",
                     {{"protocolVersion", "2025-06-18"},
                      {"capabilities", Json::object()},
                      {"clientInfo", {{"name", "t"}, {"version", "1"}}}},
                     "", authorization(auth));
}

std::string unauthorized(const std::string& why) {
    return "{\"error\": \"Unauthorized: " + why + "\"}\n";
}

TEST(Oidc, AdminApiKeyIsAccepted) {
    MockHarness h("oidc", oidcEnv());
    Reply init = initializeWith(h, "APIKEY admin-secret");
    ASSERT_EQ(init.status, 200) << init.body;
    EXPECT_EQ(init.message()["result"]["serverInfo"]["name"], "mcp-oidc-test-server");
    const std::string session = init.headers.value("mcp-session-id");
    EXPECT_EQ(texts(h.call(session, "hello_world", {{"name", "Ana"}},
                           authorization("APIKEY admin-secret"))["result"]),
              std::vector<std::string>{"Hello, Ana! (from authenticated server)"});
}

TEST(Oidc, BearerTokenWithTheExpectedAudienceIsAccepted) {
    MockHarness h("oidc", oidcEnv());
    const std::string token = jwt({{"aud", "mcp-gateway"}, {"sub", "alice"}, {"exp", kInAnHour}});
    Reply init = initializeWith(h, "Bearer " + token);
    EXPECT_EQ(init.status, 200) << init.body;
}

TEST(Oidc, EachRefusalHasTheUpstreamMessage) {
    MockHarness h("oidc", oidcEnv());
    const auto refusal = [&](const std::string& auth) {
        Reply r = initializeWith(h, auth);
        EXPECT_EQ(r.status, 401) << auth;
        EXPECT_EQ(r.headers.value("Content-Type"), "text/plain; charset=utf-8");
        return r.body;
    };
    EXPECT_EQ(refusal(""), unauthorized("missing or invalid Authorization header"));
    EXPECT_EQ(refusal("Bearer a b"), unauthorized("missing or invalid Authorization header"));
    EXPECT_EQ(refusal("APIKEY wrong"), unauthorized("invalid API key"));
    EXPECT_EQ(refusal("Basic dXNlcjpwYXNz"), unauthorized("unsupported authentication scheme"));
    EXPECT_EQ(refusal("Bearer not-a-jwt"),
              unauthorized("oidc: malformed jwt: go-jose/go-jose: compact JWS format must have "
                           "three parts"));
    EXPECT_EQ(refusal("Bearer " + jwt({{"aud", "someone-else"}, {"exp", kInAnHour}})),
              unauthorized("invalid audience"));
    EXPECT_EQ(refusal("Bearer " + jwt({{"aud", {"mcp-gateway"}}, {"exp", kInAnHour}})),
              unauthorized("failed to parse claims"));
    // Expired an hour before the world clock's start.
    EXPECT_EQ(refusal("Bearer " + jwt({{"aud", "mcp-gateway"}, {"exp", 1767222000}})),
              unauthorized("oidc: token is expired (Token Expiry: 2025-12-31 23:00:00 +0000 UTC)"));
}

TEST(Oidc, TokensExpireAsTheWorldClockMoves) {
    MockHarness h("oidc", oidcEnv());
    const std::string bearer = "Bearer " + jwt({{"aud", "mcp-gateway"}, {"exp", kInAnHour}});
    EXPECT_EQ(initializeWith(h, bearer).status, 200);
    h.runtime().runFor(std::chrono::hours(2));
    EXPECT_EQ(initializeWith(h, bearer).status, 401);
}

TEST(Oidc, NoIssuerMeansNoProvider) {
    MockHarness h("oidc", oidcEnv(""));
    Reply r = initializeWith(h, "Bearer " + jwt({{"aud", "mcp-gateway"}}));
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body, "{\"error\": \"Internal Server Error\"}\n");
    // The API key path does not need the provider.
    EXPECT_EQ(initializeWith(h, "APIKEY admin-secret").status, 200);
}

TEST(Oidc, HealthNeedsNoAuth) {
    MockHarness h("oidc", oidcEnv());
    core::http::Request req;
    req.target = "/health";
    Reply r = h.send(req);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "OK");
}

}  // namespace
}  // namespace mcpsim::mocks::testing
