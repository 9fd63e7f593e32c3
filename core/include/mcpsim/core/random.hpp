#pragma once
// Seeded randomness. Each component forks its own named stream, so adding a random call in one
// component does not shift the values another component sees.
#include <cstdint>
#include <string>
#include <string_view>

namespace mcpsim::core {

class Random {
public:
    explicit Random(std::uint64_t seed);
    Random fork(std::string_view name) const;
    std::uint64_t next();
    // Uniform in [0, bound).
    std::uint64_t below(std::uint64_t bound);
    std::string uuid();          // RFC 4122 version 4 layout
    std::string hex(int chars);  // lower-case hex digits
    // Lower-case alphanumerics without vowels, as Kubernetes uses for generated name suffixes.
    std::string nameSuffix(int chars);
    std::uint64_t seed() const { return seed_; }

private:
    std::uint64_t seed_;
    std::uint64_t s_[4];
};

}  // namespace mcpsim::core
