#pragma once
// The parsed form of a JMESPath expression and what the parser, the evaluator and the function
// table share. Internal to the jmespath_*.cpp files.
#include <compare>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/jmespath.hpp"

namespace mcpsim::sim::scenario::jmespath {

enum class NodeKind {
    Current,          // @ (also the implicit left side of a leading [*], [?..] or [])
    Root,             // $
    Variable,         // $name
    Field,            // name / "name"
    Index,            // [n] on the current value
    Slice,            // [a:b:c] on the current value
    Subexpression,    // children[1] on the result of children[0], unless that is null
    Projection,       // children[1] on each element of the array children[0]
    ValueProjection,  // children[1] on each value of the object children[0]
    Flatten,          // children[0] with nested arrays merged one level
    Filter,           // children[2] on each element of children[0] where children[1] holds
    Pipe,             // children[1] on children[0]'s result, projections stopped
    Or,
    And,
    Not,
    Compare,
    Literal,              // `json` and 'raw'
    MultiSelectList,      // [a, b]
    MultiSelectHash,      // {k: a}; keys[i] names children[i]
    FunctionCall,         // function(children...)
    ExpressionReference,  // &children[0]; only meaningful as a function argument
};

enum class CompareOp { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual };

struct FunctionSpec;

struct Expression::Node {
    NodeKind kind;
    std::vector<std::unique_ptr<const Node>> children;
    std::string name;               // Field, Variable, FunctionCall
    std::vector<std::string> keys;  // MultiSelectHash
    Json literal;                   // Literal
    CompareOp compareOp = CompareOp::Equal;
    std::int64_t index = 0;  // Index
    std::optional<std::int64_t> sliceStart, sliceStop;
    std::int64_t sliceStep = 1;
    const FunctionSpec* function = nullptr;  // FunctionCall
    // Levels of the tree from here down; set by the parser (0 until then), which bounds it so
    // that evaluating and destroying the tree cannot exhaust the stack.
    mutable std::size_t height = 0;
};
using Node = Expression::Node;
using NodePtr = std::unique_ptr<const Node>;

// A function's argument: a value, or (for &expr) the expression to apply.
struct FunctionArgument {
    Json value;
    const Node* expression = nullptr;
};

// Applies an expression reference to a value, with the caller's `$` and bindings.
using ApplyExpression = std::function<Json(const Node& expression, const Json& current)>;

// One call's arguments with typed accessors that report misuse by function name and position.
class CallContext;

struct FunctionSpec {
    std::string_view name;
    std::size_t minArgs;
    std::optional<std::size_t> maxArgs;  // nullopt: variadic
    Json (*call)(const CallContext& call);
};

// Null when the name is not one of the functions mcpsim implements.
const FunctionSpec* findFunction(std::string_view name);
// Runs a function whose arity the parser has checked. Throws Error on a wrong argument type.
Json callFunction(const FunctionSpec& function, std::span<const FunctionArgument> args,
                  const ApplyExpression& apply);

// ---- value helpers shared by the evaluator and the functions ------------------------------------

// JMESPath truthiness: false, null, "", [] and {} are false; everything else (0 too) is true.
bool isTruthy(const Json& value);
// The JMESPath type name: number, string, boolean, array, object, null.
std::string_view typeName(const Json& value);
// Orders two numbers exactly (integers are not rounded through double).
std::partial_ordering compareNumbers(const Json& a, const Json& b);
// The characters (UTF-8 sequences) of a string; an invalid byte counts as one, as in Go.
std::vector<std::string_view> codePoints(std::string_view text);

}  // namespace mcpsim::sim::scenario::jmespath
