#include "mcpsim/core/jwt.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace mcpsim::core::jwt {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;

WallTime at(std::int64_t unixSeconds) {
    return WallTime(seconds(unixSeconds));
}

// The refusal reason, or "<accepted>".
std::string reasonOf(const Verified& v) {
    const auto* r = std::get_if<std::string>(&v);
    return r ? *r : "<accepted>";
}

const Token& tokenOf(const Verified& v) {
    static const Token kNone{Json("<refused>"), Json("<refused>")};
    const auto* t = std::get_if<Token>(&v);
    return t ? *t : kNone;
}

std::string segment(std::string_view text) {
    return base64UrlEncode(text);
}

// Token from hand-written segments; the signature part is written as given.
std::string compact(std::string_view header, std::string_view claims, std::string_view sig) {
    return segment(header) + "." + segment(claims) + "." + std::string(sig);
}

// Fixtures made once on the command line with OpenSSL 3.0 (see each test for how).
constexpr const char* kHmacKey = "test-signing-key";

// openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem
// openssl pkey -in ec.pem -pubout; openssl ec -in ec.pem (SEC1 form)
constexpr const char* kCliPrivatePkcs8 =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgh8E8jtpvCS3sFfEq\n"
    "LdRQAI3KKG6HYvzINn6S2TPR7SChRANCAASQumhhUj2Q5ZoCA+0lQ+9MzhSU5vyl\n"
    "4pn2vfCwB/QwfLTYWutCG5VAgWqZ4+VBqEXEtWjE0Auohfhef8aeDBZv\n"
    "-----END PRIVATE KEY-----\n";
constexpr const char* kCliPrivateSec1 =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIIfBPI7abwkt7BXxKi3UUACNyihuh2L8yDZ+ktkz0e0goAoGCCqGSM49\n"
    "AwEHoUQDQgAEkLpoYVI9kOWaAgPtJUPvTM4UlOb8peKZ9r3wsAf0MHy02FrrQhuV\n"
    "QIFqmePlQahFxLVoxNALqIX4Xn/GngwWbw==\n"
    "-----END EC PRIVATE KEY-----\n";
constexpr const char* kCliPublic =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkLpoYVI9kOWaAgPtJUPvTM4UlOb8\n"
    "peKZ9r3wsAf0MHy02FrrQhuVQIFqmePlQahFxLVoxNALqIX4Xn/GngwWbw==\n"
    "-----END PUBLIC KEY-----\n";

// openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem; openssl pkey -pubout
constexpr const char* kRsaPublic =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2mUTxdr604h+ext+ZK6k\n"
    "5f/wUwG1lGRhxsu82+CiJoZp30qCAXS6sMsqKif659mGOPN/WFYuqcOGNJ7ldy17\n"
    "lEnHujAlOQRiX/dxOE4h35gG5/UW2UkZLbh7P69cUqIeCSk0uhlwDyxde07bIOP6\n"
    "R4qwgOhOSvK5ytWBvnCiEwN49OShmEsRylX6ib5UphYwLaOKYpnv7gwgPrzamSoi\n"
    "+I8dy2f3iuvw/X8wBUVmamfEkdb5hIteSsciZ+aGkOnfVP7RsafOQ68LSNfbGXf0\n"
    "MppYexPsasPyai8fdVVaMIaelwkHbLJW/3gPE2B8iL2flVhp5y9DJhQl+F/24N5b\n"
    "OQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

// openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pem (+ pkey -pubout)
constexpr const char* kP384Public =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEyc+B0AkBBHk85Z+mY4lqnQ1XeVewS7m8\n"
    "aVij0XaWq5oTgxGTazJXpxc3FtY5yHgq81qai2hs+8yJu2OrHO1d9dFggySldtqH\n"
    "FFFgtdHFZY/mIbvfdg8sJeEajrkGJF8h\n"
    "-----END PUBLIC KEY-----\n";
constexpr const char* kP384Private =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDD8ztbc+1HUDnmlZa/Z\n"
    "M25km3OPymiYo2z3AbdjY5KDIjpDP6U7G9Y4lIaFJ/oGQYuhZANiAATJz4HQCQEE\n"
    "eTzln6ZjiWqdDVd5V7BLubxpWKPRdparmhODEZNrMlenFzcW1jnIeCrzWpqLaGz7\n"
    "zIm7Y6sc7V310WCDJKV22ocUUWC10cVlj+Yhu992Dywl4RqOuQYkXyE=\n"
    "-----END PRIVATE KEY-----\n";

// The MCP Gateway's e2e trusted-header public key (TRUSTED_HEADER_PUBLIC_KEY in its tests).
constexpr const char* kGatewayE2eTrustedKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7WdMdvC8hviEAL4wcebqaYbLEtVO\n"
    "VEiyi/nozagw7BaWXmzbOWyy95gZLirTkhUb1P4Z4lgKLU2rD5NCbGPHAA==\n"
    "-----END PUBLIC KEY-----\n";

// ---------------------------------------------------------------------------------------------
// base64url

TEST(JwtBase64Url, EncodesWithoutPadding) {
    EXPECT_EQ(base64UrlEncode(""), "");
    EXPECT_EQ(base64UrlEncode("f"), "Zg");
    EXPECT_EQ(base64UrlEncode("fo"), "Zm8");
    EXPECT_EQ(base64UrlEncode("foo"), "Zm9v");
    EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");  // standard base64: "+/8="
}

TEST(JwtBase64Url, DecodesUnpaddedAndPadded) {
    EXPECT_EQ(base64UrlDecode("Zg"), "f");
    EXPECT_EQ(base64UrlDecode("Zg=="), "f");
    EXPECT_EQ(base64UrlDecode("Zm8"), "fo");
    EXPECT_EQ(base64UrlDecode("Zm8="), "fo");
    EXPECT_EQ(base64UrlDecode("-_8"), "\xfb\xff");
    EXPECT_EQ(base64UrlDecode(""), "");
}

TEST(JwtBase64Url, RejectsOtherText) {
    EXPECT_EQ(base64UrlDecode("+/8="), std::nullopt);  // standard alphabet
    EXPECT_EQ(base64UrlDecode("Z"), std::nullopt);     // no whole byte
    EXPECT_EQ(base64UrlDecode("Zg="), std::nullopt);   // half padded
    EXPECT_EQ(base64UrlDecode("Z!=="), std::nullopt);
    EXPECT_EQ(base64UrlDecode("Zg==Zg=="), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// HMAC: gateway session ids

Json sessionClaims() {
    return Json{{"iss", "mcp-gateway"}, {"aud", Json::array({"mcp-gateway"})},
                {"iat", 1700000000},    {"nbf", 1700000000},
                {"exp", 1700003600},    {"jti", "0b6b6f2e-3b1c-4d7a-9f00-5a1e2c3d4e5f"}};
}

// Computed on the command line, independently of this code:
//   b64u() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
//   H=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | b64u)
//   P=$(printf '%s' '{"aud":["mcp-gateway"],"exp":1700003600,"iat":1700000000,"iss":"mcp-gateway",
//        "jti":"0b6b6f2e-3b1c-4d7a-9f00-5a1e2c3d4e5f","nbf":1700000000}' | b64u)   (one line)
//   S=$(printf '%s' "$H.$P" | openssl dgst -sha256 -hmac 'test-signing-key' -binary | b64u)
constexpr const char* kKnownHs256 =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJhdWQiOlsibWNwLWdhdGV3YXkiXSwiZXhwIjoxNzAwMDAzNjAwLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Im1jcC1n"
    "YXRld2F5IiwianRpIjoiMGI2YjZmMmUtM2IxYy00ZDdhLTlmMDAtNWExZTJjM2Q0ZTVmIiwibmJmIjoxNzAwMDAwMDAw"
    "fQ."
    "7eaHOvpjJoLI6Sdtc79VopONT9C1SXvBTX6yTSnYDts";

TEST(JwtHs256, SignsTheTokenOpensslComputes) {
    EXPECT_EQ(signHs256(sessionClaims(), kHmacKey), kKnownHs256);
}

TEST(JwtHs256, HeaderIsAlgThenTyp) {
    const std::string token = signHs256(Json::object(), kHmacKey);
    EXPECT_EQ(base64UrlDecode(token.substr(0, token.find('.'))), R"({"alg":"HS256","typ":"JWT"})");
}

TEST(JwtHs256, RoundTrip) {
    const std::string token = signHs256(sessionClaims(), kHmacKey);
    const Verified v = verifyHmac(token, kHmacKey, at(1700000001));
    ASSERT_EQ(reasonOf(v), "<accepted>");
    EXPECT_EQ(tokenOf(v).claims, sessionClaims());
    EXPECT_EQ(tokenOf(v).header, (Json{{"alg", "HS256"}, {"typ", "JWT"}}));
}

TEST(JwtHs256, VerifiesTheOpensslToken) {
    const Verified v = verifyHmac(kKnownHs256, kHmacKey, at(1700000001));
    ASSERT_EQ(reasonOf(v), "<accepted>");
    EXPECT_EQ(tokenOf(v).claims["jti"], "0b6b6f2e-3b1c-4d7a-9f00-5a1e2c3d4e5f");
}

// Claims {"exp":1700003600,"sub":"x"}, made as kKnownHs256 with alg HS384/HS512 and
// `openssl dgst -sha384` / `-sha512`: the gateway accepts any HMAC method.
TEST(JwtHs256, AcceptsHs384AndHs512) {
    const char* hs384 =
        "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MDAwMDM2MDAsInN1YiI6IngifQ."
        "NP1bB3VDJTOgDvtvnfBpVoH4a2cf_1ID4vVfS1zdDS3P6u4Yx26UxbwqH-0wtulW";
    const char* hs512 =
        "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MDAwMDM2MDAsInN1YiI6IngifQ."
        "cZzIkkCsdykUcpfa3C5_YFwuhYVstHscyaFZ6R-yMDech6QFoP3FUyr86Tj3h41cbxTlsFWGyB3V8y9WtTfVWA";
    const Verified v384 = verifyHmac(hs384, kHmacKey, at(1700000000));
    EXPECT_EQ(reasonOf(v384), "<accepted>");
    EXPECT_EQ(tokenOf(v384).header["alg"], "HS384");
    const Verified v512 = verifyHmac(hs512, kHmacKey, at(1700000000));
    EXPECT_EQ(reasonOf(v512), "<accepted>");
    EXPECT_EQ(tokenOf(v512).claims["sub"], "x");
    // The same tokens under another key fail on the signature.
    EXPECT_EQ(reasonOf(verifyHmac(hs512, "other", at(1700000000))),
              "token signature is invalid: signature is invalid");
}

// Made with Python's hmac module: hmac.new(b'', b'<header>.<claims>', hashlib.sha256).
TEST(JwtHs256, EmptyKeyIsAKeyToo) {
    const char* token =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0."
        "lnKozbYel_W0K_YkTzYJGH_FMceEDonnOIjzwjVWQLg";
    EXPECT_EQ(signHs256(Json{{"sub", "x"}}, ""), token);
    EXPECT_EQ(reasonOf(verifyHmac(token, "", at(0))), "<accepted>");
    EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(0))),
              "token signature is invalid: signature is invalid");
}

TEST(JwtHs256, RejectsWrongKey) {
    const std::string token = signHs256(sessionClaims(), kHmacKey);
    EXPECT_EQ(reasonOf(verifyHmac(token, "test-signing-kez", at(1700000001))),
              "token signature is invalid: signature is invalid");
}

TEST(JwtHs256, RejectsTamperedPayload) {
    const std::string token = signHs256(sessionClaims(), kHmacKey);
    Json longer = sessionClaims();
    longer["exp"] = 1800000000;
    const std::size_t dot1 = token.find('.'), dot2 = token.rfind('.');
    const std::string tampered =
        token.substr(0, dot1 + 1) + segment(longer.dump()) + token.substr(dot2);
    ASSERT_NE(tampered, token);
    EXPECT_EQ(reasonOf(verifyHmac(tampered, kHmacKey, at(1700000001))),
              "token signature is invalid: signature is invalid");
    // A signature cut short by a whole base64 quantum (3 bytes) fails the same way.
    EXPECT_EQ(reasonOf(verifyHmac(token.substr(0, token.size() - 4), kHmacKey, at(1700000001))),
              "token signature is invalid: signature is invalid");
}

TEST(JwtHs256, RejectsAlgNoneAndOtherMethods) {
    const std::string claims = sessionClaims().dump();
    EXPECT_EQ(reasonOf(verifyHmac(compact(R"({"alg":"none","typ":"JWT"})", claims, ""), kHmacKey,
                                  at(1700000001))),
              "token is unverifiable: error while executing keyfunc: unexpected signing method: "
              "none");
    const auto [priv, pub] = generateP256KeyPair();
    const auto es256 = signEs256(sessionClaims(), priv);
    ASSERT_TRUE(es256);
    EXPECT_EQ(reasonOf(verifyHmac(*es256, kHmacKey, at(1700000001))),
              "token is unverifiable: error while executing keyfunc: unexpected signing method: "
              "ES256");
    EXPECT_EQ(reasonOf(verifyHmac(compact(R"({"alg":"HS257"})", claims, ""), kHmacKey, at(0))),
              "token is unverifiable: signing method (alg) is unavailable");
    EXPECT_EQ(reasonOf(verifyHmac(compact(R"({"typ":"JWT"})", claims, ""), kHmacKey, at(0))),
              "token is unverifiable: signing method (alg) is unspecified");
    EXPECT_EQ(reasonOf(verifyHmac(compact(R"({"alg":256})", claims, ""), kHmacKey, at(0))),
              "token is unverifiable: signing method (alg) is unspecified");
}

// golang-jwt v5 verifyExpiresAt succeeds iff now.Before(exp): the exp second itself is expired.
TEST(JwtHs256, ExpiryBoundary) {
    const std::string token = signHs256(Json{{"exp", 1700000100}}, kHmacKey);
    EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(1700000100) - nanoseconds(1))), "<accepted>");
    EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(1700000100))),
              "token has invalid claims: token is expired");
    EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(1700000101))),
              "token has invalid claims: token is expired");
}

// verifyNotBefore succeeds iff !now.Before(nbf): valid from the nbf second itself.
TEST(JwtHs256, NotBeforeBoundary) {
    const std::string token = signHs256(Json{{"nbf", 1700000100}}, kHmacKey);
    EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(1700000099))),
              "token has invalid claims: token is not valid yet");
    EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(1700000100) - nanoseconds(1))),
              "token has invalid claims: token is not valid yet");
    EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(1700000100))), "<accepted>");
}

// NumericDates keep whole seconds (golang-jwt's TimePrecision): 1700000100.9 means 1700000100.
TEST(JwtHs256, FractionalDatesAreTruncatedToSeconds) {
    const std::string token = signHs256(Json{{"exp", 1700000100.9}}, kHmacKey);
    EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(1700000100) - nanoseconds(1))), "<accepted>");
    EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(1700000100) + nanoseconds(500'000'000))),
              "token has invalid claims: token is expired");
    const std::string early = signHs256(Json{{"nbf", 1700000100.9}}, kHmacKey);
    EXPECT_EQ(reasonOf(verifyHmac(early, kHmacKey, at(1700000100))), "<accepted>");
}

TEST(JwtHs256, ReportsBothTimeFailures) {
    const std::string token = signHs256(Json{{"exp", 100}, {"nbf", 200}}, kHmacKey);
    EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(150))),
              "token has invalid claims: token is expired, token is not valid yet");
}

TEST(JwtHs256, TimeClaimsAreOptionalAndOthersUnchecked) {
    const std::string token = signHs256(
        Json{{"iss", "someone-else"}, {"aud", "elsewhere"}, {"iat", 4000000000}}, kHmacKey);
    EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(1700000000))), "<accepted>");
}

// The session claims decode into jwt.RegisteredClaims: exp 0 is a date (long expired), a quoted
// number is accepted (json.Number), and a wrongly typed registered claim is a decode error.
TEST(JwtHs256, ClaimsDecodeAsRegisteredClaims) {
    EXPECT_EQ(reasonOf(verifyHmac(signHs256(Json{{"exp", 0}}, kHmacKey), kHmacKey, at(1))),
              "token has invalid claims: token is expired");
    EXPECT_EQ(reasonOf(verifyHmac(signHs256(Json{{"exp", "1700000100"}}, kHmacKey), kHmacKey,
                                  at(1700000100))),
              "token has invalid claims: token is expired");
    EXPECT_EQ(reasonOf(verifyHmac(signHs256(Json{{"exp", nullptr}}, kHmacKey), kHmacKey, at(1))),
              "<accepted>");
    for (const Json& bad : {Json{{"exp", "soon"}}, Json{{"nbf", true}}, Json{{"iss", 7}},
                            Json{{"aud", Json::array({"a", 1})}}}) {
        const std::string why =
            reasonOf(verifyHmac(signHs256(bad, kHmacKey), kHmacKey, at(1700000000)));
        EXPECT_EQ(why.rfind("token is malformed: could not JSON decode claim", 0), 0)
            << bad.dump() << " -> " << why;
    }
}

TEST(JwtHs256, RejectsMalformedTokens) {
    const std::string good = signHs256(sessionClaims(), kHmacKey);
    const std::string sig = good.substr(good.rfind('.') + 1);
    const std::string hs = R"({"alg":"HS256","typ":"JWT"})";
    const std::string claims = sessionClaims().dump();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {good.substr(0, good.rfind('.')), "token contains an invalid number of segments"},
        {good + ".x", "token contains an invalid number of segments"},
        {"", "token contains an invalid number of segments"},
        {"!!!." + segment(claims) + "." + sig, "could not base64 decode header"},
        {segment(hs) + "==." + segment(claims) + "." + sig, "could not base64 decode header"},
        {compact("not json", claims, sig), "could not JSON decode header"},
        {compact(R"(["alg","HS256"])", claims, sig), "could not JSON decode header"},
        {segment(hs) + ".e30=." + sig, "could not base64 decode claim"},
        {compact(hs, R"({"exp":)", sig), "could not JSON decode claim"},
        {compact(hs, "[1,2]", sig), "could not JSON decode claim"},
        {compact(hs, claims, "not*base64"), "could not base64 decode signature"},
    };
    for (const auto& [token, detail] : cases) {
        EXPECT_EQ(reasonOf(verifyHmac(token, kHmacKey, at(1700000001))),
                  "token is malformed: " + detail)
            << token;
    }
}

// ---------------------------------------------------------------------------------------------
// ES256: the x-authorized-tools trusted header

Json toolClaims() {
    return Json{{"allowed-tools", R"({"mcp-test/server2":["hello_world","time"]})"},
                {"exp", 1700003600}};
}

TEST(JwtKeys, GeneratesFreshP256PemPairs) {
    const auto [priv1, pub1] = generateP256KeyPair();
    const auto [priv2, pub2] = generateP256KeyPair();
    EXPECT_EQ(priv1.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0) << priv1;
    EXPECT_EQ(pub1.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0) << pub1;
    EXPECT_NE(priv1, priv2);
    EXPECT_NE(pub1, pub2);
}

TEST(JwtEs256, SignedTokenVerifiesWithItsPublicKey) {
    const auto [priv, pub] = generateP256KeyPair();
    const auto token = signEs256(toolClaims(), priv);
    ASSERT_TRUE(token);
    EXPECT_EQ(base64UrlDecode(token->substr(0, token->find('.'))),
              R"({"alg":"ES256","typ":"JWT"})");
    EXPECT_EQ(base64UrlDecode(token->substr(token->rfind('.') + 1))->size(), 64u);  // R || S
    const Verified v = verifyEs256(*token, pub, at(1700000000));
    ASSERT_EQ(reasonOf(v), "<accepted>");
    EXPECT_EQ(tokenOf(v).claims, toolClaims());
    EXPECT_EQ(tokenOf(v).header["alg"], "ES256");
}

TEST(JwtEs256, RejectsAnotherKey) {
    const auto [priv, pub] = generateP256KeyPair();
    const auto [otherPriv, otherPub] = generateP256KeyPair();
    const auto token = signEs256(toolClaims(), priv);
    ASSERT_TRUE(token);
    EXPECT_EQ(reasonOf(verifyEs256(*token, otherPub, at(1700000000))),
              "token signature is invalid: crypto/ecdsa: verification error");
}

TEST(JwtEs256, RejectsTamperedTokens) {
    const auto [priv, pub] = generateP256KeyPair();
    const auto token = signEs256(toolClaims(), priv);
    ASSERT_TRUE(token);
    Json more = toolClaims();
    more["allowed-tools"] = R"({"mcp-test/server2":["hello_world","time","delete_all"]})";
    const std::size_t dot1 = token->find('.'), dot2 = token->rfind('.');
    const std::string tampered =
        token->substr(0, dot1 + 1) + segment(more.dump()) + token->substr(dot2);
    EXPECT_EQ(reasonOf(verifyEs256(tampered, pub, at(1700000000))),
              "token signature is invalid: crypto/ecdsa: verification error");
    // A signature of the wrong length (DER instead of R || S, say) never verifies.
    const std::string shortSig = token->substr(0, dot2 + 1) + segment(std::string(63, '\x01'));
    EXPECT_EQ(reasonOf(verifyEs256(shortSig, pub, at(1700000000))),
              "token signature is invalid: crypto/ecdsa: verification error");
}

TEST(JwtEs256, RejectsHmacToken) {
    const auto [priv, pub] = generateP256KeyPair();
    const std::string hmacToken = signHs256(toolClaims(), kHmacKey);
    EXPECT_EQ(reasonOf(verifyEs256(hmacToken, pub, at(1700000000))),
              "token signature is invalid: signing method HS256 is invalid");
    EXPECT_EQ(reasonOf(verifyEs256(compact(R"({"alg":"none"})", toolClaims().dump(), ""), pub,
                                   at(1700000000))),
              "token signature is invalid: signing method none is invalid");
}

TEST(JwtEs256, RejectsKeysThatAreNotP256Ecdsa) {
    const auto [priv, pub] = generateP256KeyPair();
    const auto token = signEs256(toolClaims(), priv);
    ASSERT_TRUE(token);
    EXPECT_EQ(
        reasonOf(verifyEs256(*token, kRsaPublic, at(1700000000))),
        "token is unverifiable: error while executing keyfunc: expected *ecdsa.PublicKey, got "
        "*rsa.PublicKey");
    // Go's x509 parses a P-384 key; the P-256 signature then fails against it.
    EXPECT_EQ(reasonOf(verifyEs256(*token, kP384Public, at(1700000000))),
              "token signature is invalid: crypto/ecdsa: verification error");
}

TEST(JwtEs256, RejectsGarbagePem) {
    const auto [priv, pub] = generateP256KeyPair();
    const auto token = signEs256(toolClaims(), priv);
    ASSERT_TRUE(token);
    EXPECT_EQ(reasonOf(verifyEs256(*token, "not a pem", at(1700000000))),
              "failed to decode PEM block");
    EXPECT_EQ(reasonOf(verifyEs256(*token, "", at(1700000000))), "failed to decode PEM block");
    // PEM framing around bytes that are no SubjectPublicKeyInfo.
    EXPECT_EQ(reasonOf(verifyEs256(
                  *token, "-----BEGIN PUBLIC KEY-----\nAAECAwQF\n-----END PUBLIC KEY-----\n",
                  at(1700000000))),
              "token is unverifiable: error while executing keyfunc: x509: failed to parse public "
              "key");
    // The broker decodes the PEM before the token: a bad PEM is reported even for a bad token.
    EXPECT_EQ(reasonOf(verifyEs256("a.b", "not a pem", at(1700000000))),
              "failed to decode PEM block");
}

TEST(JwtEs256, ChecksExpAndNbf) {
    const auto [priv, pub] = generateP256KeyPair();
    const auto token = signEs256(toolClaims(), priv);
    ASSERT_TRUE(token);
    EXPECT_EQ(reasonOf(verifyEs256(*token, pub, at(1700003600) - nanoseconds(1))), "<accepted>");
    EXPECT_EQ(reasonOf(verifyEs256(*token, pub, at(1700003600))),
              "token has invalid claims: token is expired");
    const auto early = signEs256(Json{{"nbf", 1700000100}}, priv);
    ASSERT_TRUE(early);
    EXPECT_EQ(reasonOf(verifyEs256(*early, pub, at(1700000099))),
              "token has invalid claims: token is not valid yet");
    EXPECT_EQ(reasonOf(verifyEs256(*early, pub, at(1700000100))), "<accepted>");
}

// The trusted header decodes into jwt.MapClaims (v5.3.1): exp 0 counts as absent, and a
// non-numeric exp is a claims error rather than a decode error.
TEST(JwtEs256, ClaimsDecodeAsMapClaims) {
    const auto [priv, pub] = generateP256KeyPair();
    const auto zero = signEs256(Json{{"exp", 0}}, priv);
    ASSERT_TRUE(zero);
    EXPECT_EQ(reasonOf(verifyEs256(*zero, pub, at(1700000000))), "<accepted>");
    const auto text = signEs256(Json{{"exp", "1700003600"}}, priv);
    ASSERT_TRUE(text);
    EXPECT_EQ(reasonOf(verifyEs256(*text, pub, at(1700000000))),
              "token has invalid claims: invalid type for claim: exp is invalid");
}

// Made entirely with the OpenSSL CLI and the kCliPrivatePkcs8 key:
//   H = b64u('{"alg":"ES256","typ":"JWT"}'), P = b64u of the claims checked below
//   printf '%s' "$H.$P" > input.txt; openssl dgst -sha256 -sign ec.pem -out sig.der input.txt
//   openssl asn1parse -inform DER -in sig.der  -> the two INTEGERs, each left-padded to 32 bytes,
//   concatenated (xxd -r -p) and base64url-encoded as the third segment.
TEST(JwtEs256, VerifiesATokenMadeWithOpensslCli) {
    const char* token =
        "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJhbGxvd2VkLXRvb2xzIjoie1wibWNwLXRlc3Qvc2VydmVyMlwiOltcImhlbGxvX3dvcmxkXCIsXCJ0aW1lXCJdfS"
        "Is"
        "ImV4cCI6MTcwMDAwMzYwMCwiaXNzIjoib3BlbnNzbC1jbGkifQ."
        "sEpXw9wMkdSy9o-QHB112sQQB1bz5HXxL0BjqatlZb_uWWNcNaTT7kiPXy_h2rheXDbnPwm5QQW_Sv6vjaEx5w";
    const Verified v = verifyEs256(token, kCliPublic, at(1700000000));
    ASSERT_EQ(reasonOf(v), "<accepted>");
    EXPECT_EQ(tokenOf(v).claims,
              (Json{{"allowed-tools", R"({"mcp-test/server2":["hello_world","time"]})"},
                    {"exp", 1700003600},
                    {"iss", "openssl-cli"}}));
    EXPECT_EQ(reasonOf(verifyEs256(token, kCliPublic, at(1700003600))),
              "token has invalid claims: token is expired");
    EXPECT_EQ(reasonOf(verifyEs256(token, kGatewayE2eTrustedKey, at(1700000000))),
              "token signature is invalid: crypto/ecdsa: verification error");
}

TEST(JwtEs256, SignsWithPkcs8AndSec1Keys) {
    for (const char* pem : {kCliPrivatePkcs8, kCliPrivateSec1}) {
        const auto token = signEs256(toolClaims(), pem);
        ASSERT_TRUE(token) << pem;
        EXPECT_EQ(reasonOf(verifyEs256(*token, kCliPublic, at(1700000000))), "<accepted>") << pem;
    }
}

TEST(JwtEs256, SignRefusesUnusableKeys) {
    EXPECT_EQ(signEs256(toolClaims(), ""), std::nullopt);
    EXPECT_EQ(signEs256(toolClaims(), "not a pem"), std::nullopt);
    EXPECT_EQ(signEs256(toolClaims(), kCliPublic), std::nullopt);    // a public key
    EXPECT_EQ(signEs256(toolClaims(), kP384Private), std::nullopt);  // not P-256
}

// The gateway's own e2e trusted key must load: a token from another key fails on the signature,
// not on the key.
TEST(JwtEs256, GatewayE2eTrustedKeyLoads) {
    const auto [priv, pub] = generateP256KeyPair();
    const auto token = signEs256(toolClaims(), priv);
    ASSERT_TRUE(token);
    EXPECT_EQ(reasonOf(verifyEs256(*token, kGatewayE2eTrustedKey, at(1700000000))),
              "token signature is invalid: crypto/ecdsa: verification error");
}

}  // namespace
}  // namespace mcpsim::core::jwt
