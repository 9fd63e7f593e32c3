#include "mcpsim/core/random.hpp"

namespace mcpsim::core {

namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Random::Random(std::uint64_t seed) : seed_(seed) {
    std::uint64_t x = seed;
    for (auto& s : s_) s = splitmix64(x);
}

Random Random::fork(std::string_view name) const {
    std::uint64_t x = seed_ ^ fnv1a(name);
    return Random(splitmix64(x));
}

// xoshiro256**: small, fast and well distributed; plenty for ids and tokens.
std::uint64_t Random::next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

std::uint64_t Random::below(std::uint64_t bound) {
    if (bound == 0) return 0;
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
    std::uint64_t v;
    do {
        v = next();
    } while (v >= limit);
    return v % bound;
}

std::string Random::hex(int chars) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(chars);
    for (int i = 0; i < chars; ++i) out.push_back(digits[below(16)]);
    return out;
}

std::string Random::uuid() {
    std::string h = hex(32);
    h[12] = '4';
    h[16] = "89ab"[below(4)];
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20);
}

std::string Random::nameSuffix(int chars) {
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    std::string out;
    for (int i = 0; i < chars; ++i) out.push_back(alphabet[below(sizeof(alphabet) - 1)]);
    return out;
}

}  // namespace mcpsim::core
