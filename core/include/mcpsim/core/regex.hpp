#pragma once
// Regular expressions with RE2 semantics: the syntax of Go's regexp package, which Kubernetes
// uses for schema `pattern` and CEL matches(), and Envoy uses for safe_regex route matches.
// std::regex (ECMAScript) differs in syntax (no \pL, (?i) only in some modes) and can recurse
// without bound on hostile patterns; RE2 runs in linear time and bounded memory.
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mcpsim::core {

// A pattern RE2 rejects; what() is Go's regexp.Compile text, e.g.
// "error parsing regexp: missing closing ): `(abc`".
class RegexError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

class Regex {
  public:
    explicit Regex(std::string_view pattern);  // throws RegexError
    ~Regex();
    Regex(const Regex&);
    Regex& operator=(const Regex&);
    Regex(Regex&&) noexcept;
    Regex& operator=(Regex&&) noexcept;

    // Unanchored, like Go's MatchString: some substring matches.
    [[nodiscard]] bool search(std::string_view text) const;
    // The whole text matches, like Envoy's safe_regex.
    [[nodiscard]] bool fullMatch(std::string_view text) const;
    [[nodiscard]] const std::string& pattern() const;

  private:
    struct Impl;
    std::shared_ptr<const Impl> impl_;  // compiled programs are immutable, so copies share one
};

}  // namespace mcpsim::core
