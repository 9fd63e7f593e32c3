#pragma once
// JMESPath in the jmespath-community dialect that Chainsaw and kyverno-json evaluate: `$name`
// variables, `$` for the root, and the function set scenarios use (docs/scenarios.md lists it).
// No packaged C++ implementation exists; this one covers what assertion trees need.
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "mcpsim/core/json.hpp"

namespace mcpsim::sim::scenario::jmespath {

// A syntax error (at compile) or a runtime error (a function's argument of the wrong type, an
// undefined variable); the message names the expression's problem.
struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Resolves `$name` (without the dollar); null when the name is not bound.
using Bindings = std::function<const Json*(std::string_view name)>;

class Expression {
  public:
    // Parses the text; unknown function names are rejected here, by name. Throws Error.
    static Expression compile(std::string_view text);

    // Evaluates against `current` (`@` and `$`). Throws Error.
    Json evaluate(const Json& current, const Bindings& bindings = {}) const;

    const std::string& text() const { return text_; }

    struct Node;

  private:
    std::string text_;
    std::shared_ptr<const Node> root_;
};

}  // namespace mcpsim::sim::scenario::jmespath
