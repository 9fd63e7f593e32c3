// Evaluation of a parsed JMESPath expression, and the value rules (truthiness, ordering) the
// functions share.
#include "scenario/jmespath.hpp"

#include <utility>
#include <vector>

#include "mcpsim/core/go_format.hpp"
#include "scenario/jmespath_ast.hpp"

namespace mcpsim::sim::scenario::jmespath {

bool isTruthy(const Json& value) {
    switch (value.type()) {
        case Json::value_t::null:
        case Json::value_t::discarded:
            return false;
        case Json::value_t::boolean:
            return value.get<bool>();
        case Json::value_t::string:
            return !value.get_ref<const std::string&>().empty();
        case Json::value_t::array:
        case Json::value_t::object:
            return !value.empty();
        default:
            return true;
    }
}

std::string_view typeName(const Json& value) {
    switch (value.type()) {
        case Json::value_t::boolean:
            return "boolean";
        case Json::value_t::string:
            return "string";
        case Json::value_t::array:
            return "array";
        case Json::value_t::object:
            return "object";
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
        case Json::value_t::number_float:
            return "number";
        default:
            return "null";
    }
}

std::partial_ordering compareNumbers(const Json& a, const Json& b) {
    // Integers compare exactly: int64 and uint64 values beyond 2^53 would collide as doubles.
    if (a.is_number_unsigned() && b.is_number_unsigned()) {
        return a.get<std::uint64_t>() <=> b.get<std::uint64_t>();
    }
    if (a.is_number_integer() && b.is_number_integer()) {
        if (a.is_number_unsigned()) {
            const std::int64_t right = b.get<std::int64_t>();
            if (right < 0) return std::partial_ordering::greater;
            return a.get<std::uint64_t>() <=> static_cast<std::uint64_t>(right);
        }
        if (b.is_number_unsigned()) {
            const std::int64_t left = a.get<std::int64_t>();
            if (left < 0) return std::partial_ordering::less;
            return static_cast<std::uint64_t>(left) <=> b.get<std::uint64_t>();
        }
        return a.get<std::int64_t>() <=> b.get<std::int64_t>();
    }
    return a.get<double>() <=> b.get<double>();
}

std::vector<std::string_view> codePoints(std::string_view text) {
    std::vector<std::string_view> points;
    while (!text.empty()) {
        std::size_t width = 0;
        core::goDecodeRune(text, width);
        points.push_back(text.substr(0, width));
        text.remove_prefix(width);
    }
    return points;
}

namespace {

// The JMESPath slice rules: missing bounds depend on the step's sign, negative bounds count from
// the end, and out-of-range bounds clamp.
std::vector<std::size_t> sliceIndices(const Node& slice, std::size_t size) {
    const auto length = static_cast<std::int64_t>(size);
    const std::int64_t step = slice.sliceStep;
    auto clamp = [&](std::optional<std::int64_t> bound, std::int64_t missing) {
        if (!bound) return missing;
        std::int64_t value = *bound;
        if (value < 0) {
            value += length;
            if (value < 0) value = step < 0 ? -1 : 0;
        } else if (value >= length) {
            value = step < 0 ? length - 1 : length;
        }
        return value;
    };
    const std::int64_t start = clamp(slice.sliceStart, step < 0 ? length - 1 : 0);
    const std::int64_t stop = clamp(slice.sliceStop, step < 0 ? -1 : length);
    std::vector<std::size_t> indices;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        indices.push_back(static_cast<std::size_t>(i));
        // Ends before `i + step` passes stop, so that a huge step cannot overflow.
        if (step > 0 ? step >= stop - i : step <= stop - i) break;
    }
    return indices;
}

Json applySlice(const Node& slice, const Json& value) {
    if (value.is_array()) {
        Json out = Json::array();
        for (std::size_t i : sliceIndices(slice, value.size())) out.push_back(value[i]);
        return out;
    }
    if (value.is_string()) {
        // Strings slice by character (Go's runes), not by byte.
        const std::vector<std::string_view> points =
            codePoints(value.get_ref<const std::string&>());
        std::string out;
        for (std::size_t i : sliceIndices(slice, points.size())) out += points[i];
        return out;
    }
    return nullptr;
}

Json applyIndex(std::int64_t index, const Json& value) {
    if (!value.is_array()) return nullptr;
    const auto size = static_cast<std::int64_t>(value.size());
    if (index < 0) index += size;
    if (index < 0 || index >= size) return nullptr;
    return value[static_cast<std::size_t>(index)];
}

Json applyComparison(CompareOp op, const Json& left, const Json& right) {
    if (op == CompareOp::Equal) return left == right;  // nlohmann compares numbers by value
    if (op == CompareOp::NotEqual) return left != right;
    if (!left.is_number() || !right.is_number()) return nullptr;  // ordering is numbers only
    const std::partial_ordering order = compareNumbers(left, right);
    switch (op) {
        case CompareOp::Less:
            return order < 0;
        case CompareOp::LessEqual:
            return order <= 0;
        case CompareOp::Greater:
            return order > 0;
        default:
            return order >= 0;
    }
}

class Evaluator {
  public:
    Evaluator(const Json& root, const Bindings& bindings) : root_(root), bindings_(bindings) {}

    Json eval(const Node& node, const Json& current) const {
        switch (node.kind) {
            case NodeKind::Current:
                return current;
            case NodeKind::Root:
                return root_;
            case NodeKind::Variable:
                return variable(node.name);
            case NodeKind::Field:
                if (current.is_object()) {
                    const auto it = current.find(node.name);
                    if (it != current.end()) return *it;
                }
                return nullptr;
            case NodeKind::Index:
                return applyIndex(node.index, current);
            case NodeKind::Slice:
                return applySlice(node, current);
            case NodeKind::Subexpression: {
                // As go-jmespath: nothing follows a null (`missing.to_string(@)` is null).
                const Json left = eval(*node.children[0], current);
                if (left.is_null()) return nullptr;
                return eval(*node.children[1], left);
            }
            case NodeKind::Pipe:
                return eval(*node.children[1], eval(*node.children[0], current));
            case NodeKind::Projection:
                return projectArray(node, current);
            case NodeKind::ValueProjection:
                return projectValues(node, current);
            case NodeKind::Flatten:
                return flatten(eval(*node.children[0], current));
            case NodeKind::Filter:
                return filter(node, current);
            case NodeKind::Or: {
                Json left = eval(*node.children[0], current);
                return isTruthy(left) ? left : eval(*node.children[1], current);
            }
            case NodeKind::And: {
                Json left = eval(*node.children[0], current);
                return isTruthy(left) ? eval(*node.children[1], current) : left;
            }
            case NodeKind::Not:
                return !isTruthy(eval(*node.children[0], current));
            case NodeKind::Compare:
                return applyComparison(node.compareOp, eval(*node.children[0], current),
                                       eval(*node.children[1], current));
            case NodeKind::Literal:
                return node.literal;
            case NodeKind::MultiSelectList: {
                // No null check here: `n.[a]` is null through the subexpression, while
                // `null | [a]` is [null], as in go-jmespath and the npm package.
                Json out = Json::array();
                for (const auto& child : node.children) out.push_back(eval(*child, current));
                return out;
            }
            case NodeKind::MultiSelectHash: {
                Json out = Json::object();
                for (std::size_t i = 0; i < node.children.size(); ++i) {
                    out[node.keys[i]] = eval(*node.children[i], current);
                }
                return out;
            }
            case NodeKind::FunctionCall:
                return call(node, current);
            case NodeKind::ExpressionReference:
                throw Error(
                    "an expression reference (&...) is only allowed as a function argument");
        }
        return nullptr;
    }

  private:
    const Json& root_;
    const Bindings& bindings_;

    Json variable(const std::string& name) const {
        const Json* value = bindings_ ? bindings_(name) : nullptr;
        if (!value) throw Error("variable not defined: $" + name);
        return *value;
    }

    // Applies the right side to each element; null results are dropped.
    Json projectEach(const Node& rhs, const Json& elements) const {
        Json out = Json::array();
        for (const Json& element : elements) {
            Json value = eval(rhs, element);
            if (!value.is_null()) out.push_back(std::move(value));
        }
        return out;
    }

    Json projectArray(const Node& node, const Json& current) const {
        const Json base = eval(*node.children[0], current);
        // A slice of a string is one string: what follows applies to it whole.
        if (base.is_string() && isSlice(*node.children[0])) return eval(*node.children[1], base);
        if (!base.is_array()) return nullptr;
        return projectEach(*node.children[1], base);
    }

    static bool isSlice(const Node& node) {
        return node.kind == NodeKind::Subexpression && node.children[1]->kind == NodeKind::Slice;
    }

    Json projectValues(const Node& node, const Json& current) const {
        const Json base = eval(*node.children[0], current);
        if (!base.is_object()) return nullptr;
        return projectEach(*node.children[1], base);  // iterating an object yields its values
    }

    static Json flatten(const Json& value) {
        if (!value.is_array()) return nullptr;
        Json out = Json::array();
        for (const Json& element : value) {
            if (element.is_array()) {
                for (const Json& inner : element) out.push_back(inner);
            } else {
                out.push_back(element);
            }
        }
        return out;
    }

    Json filter(const Node& node, const Json& current) const {
        const Json base = eval(*node.children[0], current);
        if (!base.is_array()) return nullptr;
        Json out = Json::array();
        for (const Json& element : base) {
            if (!isTruthy(eval(*node.children[1], element))) continue;
            Json value = eval(*node.children[2], element);
            if (!value.is_null()) out.push_back(std::move(value));
        }
        return out;
    }

    Json call(const Node& node, const Json& current) const {
        std::vector<FunctionArgument> args;
        args.reserve(node.children.size());
        for (const auto& child : node.children) {
            if (child->kind == NodeKind::ExpressionReference) {
                args.push_back({nullptr, child->children[0].get()});
            } else {
                args.push_back({eval(*child, current), nullptr});
            }
        }
        const ApplyExpression apply = [this](const Node& expression, const Json& value) {
            return eval(expression, value);
        };
        return callFunction(*node.function, args, apply);
    }
};

}  // namespace

Json Expression::evaluate(const Json& current, const Bindings& bindings) const {
    if (!root_) throw Error("evaluating an expression that was not compiled");
    return Evaluator(current, bindings).eval(*root_, current);
}

}  // namespace mcpsim::sim::scenario::jmespath
