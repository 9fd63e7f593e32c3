#pragma once
// Assertion trees as kyverno-json evaluates them for Chainsaw's assert, error, check and match:
// a YAML tree whose map keys are field names or `(JMESPath)` projections (with the `~` foreach
// and `-> name` binding modifiers) and whose leaves are compared with the actual values. Maps
// match partially, lists positionally and exactly, scalars by value.
#include <stdexcept>
#include <string>
#include <vector>

#include "jmespath.hpp"
#include "mcpsim/core/json.hpp"

namespace mcpsim::sim::scenario {

// A tree or template that cannot be evaluated at all (bad expression, unsupported compiler).
struct AssertionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One mismatch, in the format of Kubernetes field errors:
// `status.conditions[0].status: Invalid value: "False": Expected value: "True"`.
struct FieldError {
    std::string path;
    std::string message;
    std::string str() const { return path.empty() ? message : path + ": " + message; }
};

struct CheckResult {
    std::vector<FieldError> errors;
    // A type error: polling again cannot help, so the operation stops at once.
    bool hard = false;
    bool ok() const { return errors.empty(); }
};

class AssertionTree {
  public:
    // Checks every expression of the tree now. Throws AssertionError.
    static AssertionTree compile(const Json& tree);
    CheckResult check(const Json& actual, const jmespath::Bindings& bindings) const;
    const Json& tree() const { return tree_; }

  private:
    Json tree_;
};

// Chainsaw templating of a resource before it is written: every string that is wholly an
// expression, `(expr)`, is replaced by its value. Throws AssertionError.
// `at` is `@` for every expression (an output's resource; null for a resource being written).
Json templateValue(const Json& value, const jmespath::Bindings& bindings, const Json& at = Json());
// Compiles the expressions templateValue would evaluate. Throws AssertionError.
void checkTemplateExpressions(const Json& value);

// The part of `actual` that `expected` talks about (its plain keys, recursively), for diffs.
Json projectLike(const Json& expected, const Json& actual);

}  // namespace mcpsim::sim::scenario
