#include "mcpsim/core/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "mcpsim/core/go_format.hpp"

namespace mcpsim::core::jwt {

namespace {

// The golang-jwt error kinds that prefix every reason.
constexpr std::string_view kMalformed = "token is malformed: ";
constexpr std::string_view kUnverifiable = "token is unverifiable: ";
constexpr std::string_view kSignatureInvalid = "token signature is invalid: ";
constexpr std::string_view kInvalidClaims = "token has invalid claims: ";
constexpr std::size_t kEs256Half = 32;  // P-256 R and S are 32 bytes each in a JWS signature

std::string reason(std::string_view kind, std::string_view detail) {
    std::string out(kind);
    out += detail;
    return out;
}

struct BioFree {
    void operator()(BIO* p) const { BIO_free(p); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct SigFree {
    void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
struct OpensslFree {
    void operator()(void* p) const { OPENSSL_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using SigPtr = std::unique_ptr<ECDSA_SIG, SigFree>;
template <typename T>
using OsslPtr = std::unique_ptr<T, OpensslFree>;

// A failed OpenSSL call leaves entries in the thread's error queue; other OpenSSL users on the
// thread (cpp-httplib's TLS) must not see them.
struct ErrorQueueGuard {
    ErrorQueueGuard() = default;
    ErrorQueueGuard(const ErrorQueueGuard&) = delete;
    ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
    ~ErrorQueueGuard() { ERR_clear_error(); }
};

// Never prompt on a terminal for an encrypted PEM's passphrase: such a key is just unusable.
int noPassphrase(char*, int, int, void*) {
    return -1;
}

BioPtr readBio(std::string_view text) {
    return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string bioText(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// HMAC of data under key with the named digest ("SHA256", ...); nullopt only if OpenSSL fails.
std::optional<std::string> hmac(const char* digest, std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    std::size_t outLen = 0;
    // A zero-length key still needs a non-null pointer: null means "keep the previous key".
    static const unsigned char kEmpty = 0;
    const void* keyData = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, keyData, key.size(), bytes(data),
                  data.size(), out.data(), out.size(), &outLen) == nullptr) {
        return std::nullopt;
    }
    return std::string(reinterpret_cast<const char*>(out.data()), outLen);
}

std::string signingInput(std::string_view header, const Json& claims) {
    return base64UrlEncode(header) + "." + base64UrlEncode(claims.dump());
}

// EC private key on P-256 from PEM (PKCS#8 or SEC1); null if it is anything else.
PkeyPtr loadP256PrivateKey(const std::string& pem) {
    BioPtr bio = readBio(pem);
    if (!bio) return nullptr;
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
    if (!key || !EVP_PKEY_is_a(key.get(), "EC")) return nullptr;
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key.get(), group.data(), group.size(), &len) != 1) return nullptr;
    if (std::string_view(group.data(), len) != "prime256v1") return nullptr;
    return key;
}

// --- Parsing: golang-jwt's Parser.ParseUnverified, step for step. ---

// Which Go type the claims are decoded into. The session manager uses a struct embedding
// jwt.RegisteredClaims; the trusted-header check uses jwt.MapClaims. They read exp/nbf differently.
enum class ClaimsType { Registered, Map };

struct Parsed {
    Token token;
    std::string alg;
    std::string_view signingInput;  // "<header>.<claims>" as received
    std::string signature;
};

// A segment as base64.RawURLEncoding decodes it: padding is refused.
std::optional<std::string> decodeSegment(std::string_view segment) {
    if (segment.find('=') != std::string_view::npos) return std::nullopt;
    return base64UrlDecode(segment);
}

// The name Go's encoding/json gives a JSON value's kind in its type errors.
std::string_view goJsonKind(const Json& v) {
    if (v.is_boolean()) return "bool";
    if (v.is_number()) return "number";
    if (v.is_string()) return "string";
    if (v.is_array()) return "array";
    return "object";
}

// JSON number grammar (RFC 8259), which Go applies when a quoted string lands in a json.Number.
bool isJsonNumber(std::string_view s) {
    std::size_t i = 0;
    auto digits = [&] {
        const std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        return i > start;
    };
    if (i < s.size() && s[i] == '-') ++i;
    if (i < s.size() && s[i] == '0') {
        ++i;
    } else if (!digits()) {
        return false;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digits()) return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == s.size();
}

// A NumericDate as jwt.RegisteredClaims decodes it (through json.Number): a number, or a string
// holding one. On failure, the error text (approximately encoding/json's).
std::variant<double, std::string> registeredDate(const Json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (isJsonNumber(s)) {
            const Json number = Json::parse(s, nullptr, false);  // discarded when out of range
            if (number.is_number()) return number.get<double>();
            return "could not convert json number value to float: strconv.ParseFloat: parsing " +
                   goQuote(s) + ": value out of range";
        }
        return "could not parse NumericData: json: invalid number literal, trying to unmarshal " +
               goQuote(v.dump()) + " into Number";
    }
    return "could not parse NumericData: json: cannot unmarshal " + std::string(goJsonKind(v)) +
           " into Go value of type json.Number";
}

// What decoding the claims into the gateway's RegisteredClaims struct would reject. Go matches
// JSON keys to struct fields case-insensitively ("EXP" sets exp); mcpsim reads exact names only.
std::optional<std::string> checkRegisteredTypes(const Json& claims) {
    for (const char* key : {"iss", "sub", "jti"}) {
        auto it = claims.find(key);
        if (it == claims.end() || it->is_null() || it->is_string()) continue;
        return "json: cannot unmarshal " + std::string(goJsonKind(*it)) +
               " into Go struct field Claims.RegisteredClaims." + key + " of type string";
    }
    if (auto it = claims.find("aud"); it != claims.end() && !it->is_null() && !it->is_string()) {
        if (!it->is_array()) return std::string("invalid type for claim");
        for (const auto& entry : *it) {
            if (!entry.is_string()) return std::string("invalid type for claim");
        }
    }
    for (const char* key : {"exp", "nbf", "iat"}) {
        auto it = claims.find(key);
        if (it == claims.end() || it->is_null()) continue;
        auto date = registeredDate(*it);
        if (auto* err = std::get_if<std::string>(&date)) return *err;
    }
    return std::nullopt;
}

bool isKnownAlg(std::string_view alg) {
    // Every method golang-jwt v5.3.1 registers.
    for (std::string_view known : {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256",
                                   "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "none"}) {
        if (alg == known) return true;
    }
    return false;
}

// Header and claims are JSON objects (`null` too, as Go decodes it into a nil map or nothing).
// Unlike Go's encoding/json, nlohmann refuses invalid UTF-8 (Go substitutes U+FFFD).
std::variant<Parsed, std::string> parse(std::string_view text, ClaimsType claimsType) {
    const std::size_t dot1 = text.find('.');
    const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : text.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || text.find('.', dot2 + 1) != std::string_view::npos) {
        return reason(kMalformed, "token contains an invalid number of segments");
    }
    const std::string_view headerPart = text.substr(0, dot1);
    const std::string_view claimsPart = text.substr(dot1 + 1, dot2 - dot1 - 1);
    const std::string_view signaturePart = text.substr(dot2 + 1);

    Parsed out;
    const auto headerBytes = decodeSegment(headerPart);
    if (!headerBytes) return reason(kMalformed, "could not base64 decode header");
    out.token.header = Json::parse(*headerBytes, nullptr, false);
    if (out.token.header.is_null()) out.token.header = Json::object();  // Go: a nil map
    if (!out.token.header.is_object()) return reason(kMalformed, "could not JSON decode header");

    const auto claimBytes = decodeSegment(claimsPart);
    if (!claimBytes) return reason(kMalformed, "could not base64 decode claim");
    out.token.claims = Json::parse(*claimBytes, nullptr, false);
    if (out.token.claims.is_null()) out.token.claims = Json::object();  // decodes to nothing
    if (!out.token.claims.is_object()) return reason(kMalformed, "could not JSON decode claim");
    if (claimsType == ClaimsType::Registered) {
        if (auto err = checkRegisteredTypes(out.token.claims)) {
            return reason(kMalformed, "could not JSON decode claim: " + *err);
        }
    }

    const auto alg = out.token.header.find("alg");
    if (alg == out.token.header.end() || !alg->is_string()) {
        return reason(kUnverifiable, "signing method (alg) is unspecified");
    }
    out.alg = alg->get<std::string>();
    if (!isKnownAlg(out.alg)) return reason(kUnverifiable, "signing method (alg) is unavailable");

    auto signature = decodeSegment(signaturePart);
    if (!signature) return reason(kMalformed, "could not base64 decode signature");
    out.signature = std::move(*signature);
    out.signingInput = text.substr(0, dot2);
    return out;
}

// --- Claims validation: golang-jwt's Validator with no options (zero leeway, exp/nbf optional).

// Whether now is before a NumericDate given in (possibly fractional) seconds. golang-jwt keeps
// NumericDates at TimePrecision = 1s, truncating the fraction, so 1000.9 means 1000.
bool nowBefore(WallTime now, double seconds) {
    const double whole = std::floor(seconds);
    constexpr double kRange = 9.2e9;  // seconds a WallTime (int64 nanoseconds) can hold
    if (whole > kRange) return true;
    if (whole < -kRange) return false;
    return now < WallTime(std::chrono::seconds(static_cast<std::int64_t>(whole)));
}

// golang-jwt v5.3.1 Validator.verifyExpiresAt: valid iff now.Before(exp), so a token is expired
// from the exp second itself on (now >= exp); verifyNotBefore: valid iff !now.Before(nbf).
std::optional<std::string> validateTimes(const Json& claims, ClaimsType claimsType, WallTime now) {
    std::vector<std::string> errors;
    auto date = [&](const char* key) -> std::optional<double> {
        const auto it = claims.find(key);
        if (it == claims.end()) return std::nullopt;
        if (claimsType == ClaimsType::Registered) {
            // Types were checked while parsing; null is an absent pointer.
            if (it->is_null()) return std::nullopt;
            return std::get<double>(registeredDate(*it));
        }
        // MapClaims: a JSON number (float64) is a date, but exactly 0 counts as absent in v5.3.1.
        if (!it->is_number()) {
            errors.push_back(std::string("invalid type for claim: ") + key + " is invalid");
            return std::nullopt;
        }
        const double seconds = it->get<double>();
        if (seconds == 0) return std::nullopt;
        return seconds;
    };
    if (const auto exp = date("exp"); exp && !nowBefore(now, *exp)) {
        errors.emplace_back("token is expired");
    }
    if (const auto nbf = date("nbf"); nbf && nowBefore(now, *nbf)) {
        errors.emplace_back("token is not valid yet");
    }
    if (errors.empty()) return std::nullopt;
    std::string joined;
    for (const auto& e : errors) joined += (joined.empty() ? "" : ", ") + e;
    return reason(kInvalidClaims, joined);
}

// --- ES256 public key: Go's pem.Decode, then x509.ParsePKIXPublicKey and the *ecdsa type check.

// The key, or the keyfunc error golang-jwt would wrap.
std::variant<PkeyPtr, std::string> loadEcdsaPublicKey(const std::string& der) {
    const unsigned char* p = bytes(der);
    PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
    if (!key) return std::string("x509: failed to parse public key");
    if (p != bytes(der) + der.size()) {
        return std::string("x509: trailing data after ASN.1 of public-key");
    }
    switch (EVP_PKEY_get_base_id(key.get())) {
        case EVP_PKEY_EC:
            break;
        case EVP_PKEY_RSA:
            return std::string("expected *ecdsa.PublicKey, got *rsa.PublicKey");
        case EVP_PKEY_DSA:
            return std::string("expected *ecdsa.PublicKey, got *dsa.PublicKey");
        case EVP_PKEY_ED25519:
            return std::string("expected *ecdsa.PublicKey, got ed25519.PublicKey");
        case EVP_PKEY_X25519:
            return std::string("expected *ecdsa.PublicKey, got *ecdh.PublicKey");
        default:
            return std::string("x509: unknown public key algorithm");
    }
    // Go's x509 knows the NIST curves only. A P-384/P-521 key parses, then fails verification
    // (the signature is checked against it just as Go would).
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key.get(), group.data(), group.size(), &len) != 1) {
        return std::string("x509: unsupported elliptic curve");
    }
    const std::string_view name(group.data(), len);
    if (name != "secp224r1" && name != "prime256v1" && name != "secp384r1" && name != "secp521r1") {
        return std::string("x509: unsupported elliptic curve");
    }
    return key;
}

// ECDSA-SHA256 check of a JWS signature (R || S, 32 bytes each) over data.
bool verifyEcdsaSha256(EVP_PKEY* key, std::string_view data, std::string_view signature) {
    if (signature.size() != 2 * kEs256Half) return false;
    SigPtr sig(ECDSA_SIG_new());
    if (!sig) return false;
    constexpr int kHalf = static_cast<int>(kEs256Half);
    BIGNUM* r = BN_bin2bn(bytes(signature), kHalf, nullptr);
    BIGNUM* s = BN_bin2bn(bytes(signature) + kEs256Half, kHalf, nullptr);
    if (!r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return false;
    }
    unsigned char* der = nullptr;
    const int derLen = i2d_ECDSA_SIG(sig.get(), &der);
    if (derLen <= 0) return false;
    OsslPtr<unsigned char> derOwner(der);
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(derLen), bytes(data),
                            data.size()) == 1;
}

}  // namespace

std::string base64UrlEncode(std::string_view in) {
    std::string out = base64Encode(in);
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (char& c : out) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    return out;
}

std::optional<std::string> base64UrlDecode(std::string_view in) {
    std::string text(in);
    for (char& c : text) {
        if (c == '+' || c == '/') return std::nullopt;  // the standard alphabet's, not base64url's
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    if (text.find('=') == std::string::npos) text.append((4 - text.size() % 4) % 4, '=');
    return base64Decode(text);
}

std::string signHs256(const Json& claims, std::string_view key) {
    ErrorQueueGuard guard;
    std::string token = signingInput(R"({"alg":"HS256","typ":"JWT"})", claims);
    const auto mac = hmac("SHA256", key, token);
    if (!mac) throw std::runtime_error("jwt: OpenSSL HMAC-SHA256 failed");
    return token + "." + base64UrlEncode(*mac);
}

std::optional<std::string> checkRegisteredTimes(const Json& claims, WallTime now) {
    return validateTimes(claims, ClaimsType::Registered, now);
}

Verified verifyHmac(std::string_view text, std::string_view key, WallTime now) {
    ErrorQueueGuard guard;
    auto parsed = parse(text, ClaimsType::Registered);
    if (auto* err = std::get_if<std::string>(&parsed)) return std::move(*err);
    auto& p = std::get<Parsed>(parsed);
    // The gateway's keyfunc accepts any *jwt.SigningMethodHMAC and refuses everything else.
    const char* digest = p.alg == "HS256"   ? "SHA256"
                         : p.alg == "HS384" ? "SHA384"
                         : p.alg == "HS512" ? "SHA512"
                                            : nullptr;
    if (!digest) {
        return reason(kUnverifiable,
                      "error while executing keyfunc: unexpected signing method: " + p.alg);
    }
    const auto mac = hmac(digest, key, p.signingInput);
    if (!mac || mac->size() != p.signature.size() ||
        CRYPTO_memcmp(mac->data(), p.signature.data(), mac->size()) != 0) {
        return reason(kSignatureInvalid, "signature is invalid");
    }
    if (auto err = validateTimes(p.token.claims, ClaimsType::Registered, now)) return *err;
    return std::move(p.token);
}

Verified verifyEs256(std::string_view text, const std::string& pemPublicKey, WallTime now) {
    ErrorQueueGuard guard;
    // The broker decodes the PEM block before it parses the token; the block's type is not checked.
    std::string der;
    {
        BioPtr bio = readBio(pemPublicKey);
        char* name = nullptr;
        char* header = nullptr;
        unsigned char* data = nullptr;
        long len = 0;
        if (!bio || PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
            return std::string("failed to decode PEM block");
        }
        OsslPtr<char> nameOwner(name), headerOwner(header);
        OsslPtr<unsigned char> dataOwner(data);
        der.assign(reinterpret_cast<const char*>(data), static_cast<std::size_t>(len));
    }
    auto parsed = parse(text, ClaimsType::Map);
    if (auto* err = std::get_if<std::string>(&parsed)) return std::move(*err);
    auto& p = std::get<Parsed>(parsed);
    if (p.alg != "ES256")
        return reason(kSignatureInvalid, "signing method " + p.alg + " is invalid");
    auto key = loadEcdsaPublicKey(der);
    if (auto* err = std::get_if<std::string>(&key)) {
        return reason(kUnverifiable, "error while executing keyfunc: " + *err);
    }
    if (!verifyEcdsaSha256(std::get<PkeyPtr>(key).get(), p.signingInput, p.signature)) {
        return reason(kSignatureInvalid, "crypto/ecdsa: verification error");
    }
    if (auto err = validateTimes(p.token.claims, ClaimsType::Map, now)) return *err;
    return std::move(p.token);
}

std::optional<std::string> signEs256(const Json& claims, const std::string& pemPrivateKey) {
    ErrorQueueGuard guard;
    PkeyPtr key = loadP256PrivateKey(pemPrivateKey);
    if (!key) return std::nullopt;
    std::string token = signingInput(R"({"alg":"ES256","typ":"JWT"})", claims);
    MdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t derLen = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &derLen, bytes(token), token.size()) != 1) {
        return std::nullopt;
    }
    std::vector<unsigned char> der(derLen);
    if (EVP_DigestSign(ctx.get(), der.data(), &derLen, bytes(token), token.size()) != 1) {
        return std::nullopt;
    }
    const unsigned char* p = der.data();
    SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(derLen)));
    if (!sig) return std::nullopt;
    std::string raw(2 * kEs256Half, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    constexpr int kHalf = static_cast<int>(kEs256Half);
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kHalf) != kHalf ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kEs256Half, kHalf) != kHalf) {
        return std::nullopt;
    }
    return token + "." + base64UrlEncode(raw);
}

std::pair<std::string, std::string> generateP256KeyPair() {
    ErrorQueueGuard guard;
    PkeyPtr key(EVP_EC_gen("P-256"));
    BioPtr priv(BIO_new(BIO_s_mem()));
    BioPtr pub(BIO_new(BIO_s_mem()));
    if (!key || !priv || !pub ||
        PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
            1 ||
        PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
        throw std::runtime_error("jwt: OpenSSL could not generate a P-256 key pair");
    }
    return {bioText(priv.get()), bioText(pub.get())};
}

}  // namespace mcpsim::core::jwt
