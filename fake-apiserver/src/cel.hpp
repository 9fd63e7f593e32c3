#pragma once
// A small CEL interpreter for CRD `x-kubernetes-validations` rules.
//
// The fake API server compiles every rule when a CRD is registered (so a rule outside the subset
// is rejected up front) and evaluates it on create/update with `self` bound to the field value and,
// for transition rules, `oldSelf` bound to the previous value.
//
// Supported subset:
//   literals     int (decimal, 0x hex), double, string ('..', "..", '''..''', """..""", r'..'),
//                true, false, null, list literals [a, b]
//   identifiers  self, oldSelf, comprehension variables
//   access       a.b, a[0], a['k'], has(a.b)
//   operators    == != < <= > >= && || ! + - * / % in, c ? a : b, parentheses
//   functions    size(x) / x.size(), x.startsWith(s), x.endsWith(s), x.contains(s),
//                x.matches(re) / matches(x, re), int(x), string(x), double(x)
//   macros       x.all(v, p), x.exists(v, p), x.exists_one(v, p), x.map(v, e), x.map(v, p, e),
//                x.filter(v, p)
// Anything else (map literals, uint/bytes literals, other library functions such as lowerAscii or
// quantity) is a compile error whose message names the construct.
//
// Semantics follow cel-go as used by the Kubernetes API server, with these documented choices:
//   * `&&` / `||` are commutative and absorb errors: `true || <error>` is true, `false && <error>`
//     is false, in either operand order; otherwise the error propagates.
//   * `all` absorbs errors when some element is false, `exists` when some element is true;
//     `exists_one`, `map` and `filter` propagate the first error.
//   * `==` / `!=` never fail: values of different types are unequal, except that int and double
//     compare numerically (CEL heterogeneous equality). Lists and maps compare element-wise.
//   * `< <= > >=` work on numbers (int and double mixed), strings (byte order) and bools.
//   * Integer arithmetic is 64-bit and checked ("integer overflow", "division by zero",
//     "modulus by zero"); `/` truncates toward zero and `%` takes the sign of the dividend.
//   * Deviation: without the CRD schema a JSON number carries no int/double type, so mixed
//     int/double arithmetic is promoted to double instead of failing with "no such overload".
//   * JSON integers (signed or unsigned) are CEL ints; values above INT64_MAX become doubles.
//   * Missing map keys fail with "no such key: <key>"; `has()` tests presence without failing.
//   * Field selection also accepts the Kubernetes escaping of property names that are not CEL
//     identifiers: self.x__dash__y reads "x-y", self.__namespace__ reads "namespace" (__dot__,
//     __slash__ and __underscores__ likewise).
//   * size() of a string counts Unicode code points; matches() is an unanchored RE2 search
//     (core::Regex), and a bad pattern fails with Go's "error parsing regexp: ..." text.
//   * Map iteration in macros visits keys in sorted order.
//
// Compile errors are formatted like cel-go ("ERROR: <input>:1:5: <message>" followed by the source
// line and a caret); the caller prefixes the rule it was compiling. Runtime errors carry the
// cel-go message text ("no such key: x", "division by zero", ...).
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace mcpsim::apiserver {

struct CelError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

namespace cel_detail {
struct Expr;
}

class CelProgram {
  public:
    // Throws CelError on syntax errors and on constructs outside the supported subset.
    static CelProgram compile(const std::string& expression);

    // True when the expression refers to oldSelf: a transition rule, which the API server only
    // evaluates on update when an old value exists.
    bool usesOldSelf() const { return usesOldSelf_; }

    const std::string& expression() const { return expression_; }

    // Evaluates with `self` (and `oldSelf` when non-null). Throws CelError on runtime errors
    // (no such key, no such overload, overflow, ...). Validation rules must produce a bool; the
    // caller checks the type of the result.
    nlohmann::json evaluate(const nlohmann::json& self, const nlohmann::json* oldSelf) const;

  private:
    std::string expression_;
    std::shared_ptr<const cel_detail::Expr> root_;
    bool usesOldSelf_ = false;
};

}  // namespace mcpsim::apiserver
