#include "assertion.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <regex>

namespace mcpsim::sim::scenario {

namespace {

using jmespath::Bindings;
using jmespath::Expression;

bool wrapped(const std::string& s) {
    return s.size() >= 2 && s.front() == '(' && s.back() == ')';
}

// The expression inside `(…)`, without an explicit `jp;` engine; `cel;` is refused.
std::string expressionText(const std::string& wrappedText) {
    std::string inner = wrappedText.substr(1, wrappedText.size() - 2);
    if (inner.rfind("jp;", 0) == 0) return inner.substr(3);
    if (inner.rfind("cel;", 0) == 0) {
        throw AssertionError("the cel compiler is not supported in mcpsim: " + wrappedText);
    }
    return inner;
}

// Trees are evaluated on every poll: each expression is parsed once.
const Expression& compiled(const std::string& text) {
    static std::mutex mutex;
    static std::map<std::string, Expression> cache;
    std::lock_guard lock(mutex);
    auto it = cache.find(text);
    if (it == cache.end()) {
        try {
            it = cache.emplace(text, Expression::compile(text)).first;
        } catch (const jmespath::Error& e) {
            throw AssertionError("invalid expression (" + text + "): " + e.what());
        }
    }
    return it->second;
}

struct Key {
    bool expression = false;
    std::string text;  // the field name, or the expression
    bool foreach = false;
    std::string foreachName;  // binds the index or key when set
    std::string bindName;     // `-> name`
};

Key parseKey(const std::string& raw) {
    Key k;
    // kyverno-json's order: `~name.` first, then `-> name`, then the escape, then `(expr)`, so
    // the modifiers also apply to an escaped name (`~.\(text)\`, `\(text)\ -> x`).
    std::string rest = raw;
    std::smatch m;
    static const std::regex each(R"(^~(\w*)\.(.*)$)");
    if (std::regex_match(rest, m, each)) {
        k.foreach = true;
        k.foreachName = m[1];
        rest = m[2];
    }
    static const std::regex bind(R"(^(.*?)\s*->\s*(\w+)$)");
    if (std::regex_match(rest, m, bind)) {
        k.bindName = m[2];
        rest = m[1];
    }
    // `\(text)\` is the literal field name `(text)`.
    if (rest.size() > 2 && rest.front() == '\\' && rest.back() == '\\') {
        k.text = rest.substr(1, rest.size() - 2);
        return k;
    }
    if (wrapped(rest)) {
        k.expression = true;
        k.text = expressionText(rest);
    } else {
        k.text = rest;
    }
    return k;
}

// Bindings introduced inside the tree (`-> name`, `~name.`), over the caller's.
struct Scope {
    const Bindings* base = nullptr;
    const Scope* parent = nullptr;
    std::string name;
    Json value;

    const Json* find(std::string_view n) const {
        for (const Scope* s = this; s != nullptr; s = s->parent) {
            if (s->parent != nullptr && s->name == n) return &s->value;
            if (s->parent == nullptr && s->base != nullptr && *s->base) return (*s->base)(n);
        }
        return nullptr;
    }
    Bindings bindings() const {
        return [this](std::string_view n) { return find(n); };
    }
};

std::string show(const Json& v) {
    return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const char* kindOf(const Json& v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "boolean";
    if (v.is_number()) return "number";
    if (v.is_string()) return "string";
    if (v.is_array()) return "list";
    return "map";
}

std::string join(const std::string& parent, const std::string& child) {
    if (parent.empty()) return child;
    return parent + "." + child;
}

bool scalarEqual(const Json& a, const Json& b) {
    if (a.is_number() && b.is_number()) {
        if (a.is_number_float() || b.is_number_float()) return a.get<double>() == b.get<double>();
        if (a.is_number_unsigned() || b.is_number_unsigned()) {
            // A negative signed value never equals an unsigned one (casting it would wrap).
            if (a.is_number_integer() && !a.is_number_unsigned() && a.get<std::int64_t>() < 0) {
                return false;
            }
            if (b.is_number_integer() && !b.is_number_unsigned() && b.get<std::int64_t>() < 0) {
                return false;
            }
            return a.get<std::uint64_t>() == b.get<std::uint64_t>();
        }
        return a.get<std::int64_t>() == b.get<std::int64_t>();
    }
    return a == b;
}

class Checker {
  public:
    explicit Checker(CheckResult& result) : r_(result) {}

    void node(const Json& expected, const Json& actual, const std::string& path,
              const Scope& scope) {
        if (r_.hard) return;
        if (expected.is_object()) return map(expected, actual, path, scope);
        if (expected.is_array()) return sequence(expected, actual, path, scope);
        scalar(expected, actual, path, scope);
    }

  private:
    void soft(const std::string& path, const std::string& message) {
        r_.errors.push_back({path, message});
    }
    void hard(const std::string& path, const std::string& message) {
        r_.errors.push_back({path, message});
        r_.hard = true;
    }

    std::optional<Json> evaluate(const std::string& text, const Json& at, const std::string& path,
                                 const Scope& scope) {
        try {
            return compiled(text).evaluate(at, scope.bindings());
        } catch (const jmespath::Error& e) {
            hard(path, std::string("Internal error: ") + e.what());
        }
        return std::nullopt;
    }

    void map(const Json& expected, const Json& actual, const std::string& path,
             const Scope& scope) {
        if (expected.empty()) {
            if (actual.is_null()) soft(path, "Required value: field not found in the input object");
            return;
        }
        for (auto it = expected.begin(); it != expected.end() && !r_.hard; ++it) {
            const Key key = parseKey(it.key());
            std::string childPath;
            Json value;
            if (key.expression) {
                childPath = join(path, "(" + key.text + ")");
                auto v = evaluate(key.text, actual, childPath, scope);
                if (!v) return;
                value = std::move(*v);
            } else {
                childPath = join(path, key.text);
                if (!actual.is_null() && !actual.is_object()) {
                    hard(path, std::string("Invalid value: ") + show(actual) +
                                   ": expected a map, found a " + kindOf(actual));
                    return;
                }
                // A field that is present with a null value is found: kyverno-json passes the
                // null down (so `creationTimestamp: null` matches it); only an absent field or a
                // null current value is "not found".
                if (actual.is_null() || !actual.contains(key.text)) {
                    soft(childPath, "Required value: field not found in the input object");
                    continue;
                }
                value = actual[key.text];
            }
            Scope bound{nullptr, &scope, key.bindName, value};
            const Scope& inner = key.bindName.empty() ? scope : bound;
            if (!key.foreach) {
                node(it.value(), value, childPath, inner);
                continue;
            }
            if (value.is_array()) {
                for (std::size_t i = 0; i < value.size() && !r_.hard; ++i) {
                    Scope index{nullptr, &inner, key.foreachName, Json(i)};
                    node(it.value(), value[i], childPath + "[" + std::to_string(i) + "]",
                         key.foreachName.empty() ? inner : index);
                }
            } else if (value.is_object()) {
                for (auto e = value.begin(); e != value.end() && !r_.hard; ++e) {
                    Scope name{nullptr, &inner, key.foreachName, Json(e.key())};
                    node(it.value(), e.value(), join(childPath, e.key()),
                         key.foreachName.empty() ? inner : name);
                }
            } else {
                hard(childPath, std::string("Invalid value: ") + show(value) +
                                    ": expected a list or a map to iterate over, found " +
                                    kindOf(value));
            }
        }
    }

    void sequence(const Json& expected, const Json& actual, const std::string& path,
                  const Scope& scope) {
        if (actual.is_null()) return soft(path, "Invalid value: null: value is null");
        if (!actual.is_array()) {
            return hard(path, std::string("Invalid value: ") + show(actual) +
                                  ": expected a list, found a " + kindOf(actual));
        }
        if (actual.size() != expected.size()) {
            return soft(path, "Invalid value: " + show(actual) + ": lengths of slices don't match");
        }
        for (std::size_t i = 0; i < expected.size() && !r_.hard; ++i) {
            node(expected[i], actual[i], path + "[" + std::to_string(i) + "]", scope);
        }
    }

    void scalar(const Json& expectedLeaf, const Json& actual, const std::string& path,
                const Scope& scope) {
        Json expected = expectedLeaf;
        if (expected.is_string() && wrapped(expected.get<std::string>())) {
            auto v = evaluate(expressionText(expected.get<std::string>()), actual, path, scope);
            if (!v) return;
            expected = std::move(*v);
        }
        if (actual.is_null() || expected.is_null()) {
            if (actual.is_null() && expected.is_null()) return;
            return soft(path,
                        "Invalid value: " + show(actual) + ": Expected value: " + show(expected));
        }
        const bool comparable = std::string(kindOf(actual)) == kindOf(expected);
        if (!comparable) {
            return hard(path, "Invalid value: " + show(actual) + ": Expected value: " +
                                  show(expected) + " (types are not comparable)");
        }
        if (!scalarEqual(expected, actual)) {
            soft(path, "Invalid value: " + show(actual) + ": Expected value: " + show(expected));
        }
    }

    CheckResult& r_;
};

void compileTree(const Json& tree) {
    if (tree.is_object()) {
        for (auto it = tree.begin(); it != tree.end(); ++it) {
            const Key k = parseKey(it.key());
            if (k.expression) compiled(k.text);
            compileTree(it.value());
        }
    } else if (tree.is_array()) {
        for (const auto& item : tree) compileTree(item);
    } else if (tree.is_string() && wrapped(tree.get<std::string>())) {
        compiled(expressionText(tree.get<std::string>()));
    }
}

}  // namespace

AssertionTree AssertionTree::compile(const Json& tree) {
    compileTree(tree);
    AssertionTree t;
    t.tree_ = tree;
    return t;
}

CheckResult AssertionTree::check(const Json& actual, const Bindings& bindings) const {
    CheckResult result;
    Scope root{&bindings, nullptr, "", Json()};
    try {
        Checker(result).node(tree_, actual, "", root);
    } catch (const AssertionError& e) {
        result.errors.push_back({"", e.what()});
        result.hard = true;
    }
    return result;
}

void checkTemplateExpressions(const Json& value) {
    if (value.is_object()) {
        for (const auto& item : value) checkTemplateExpressions(item);
    } else if (value.is_array()) {
        for (const auto& item : value) checkTemplateExpressions(item);
    } else if (value.is_string() && wrapped(value.get<std::string>())) {
        compiled(expressionText(value.get<std::string>()));
    }
}

Json templateValue(const Json& value, const Bindings& bindings, const Json& at) {
    if (value.is_object()) {
        Json out = Json::object();
        for (auto it = value.begin(); it != value.end(); ++it)
            out[it.key()] = templateValue(it.value(), bindings, at);
        return out;
    }
    if (value.is_array()) {
        Json out = Json::array();
        for (const auto& item : value) out.push_back(templateValue(item, bindings, at));
        return out;
    }
    if (value.is_string() && wrapped(value.get<std::string>())) {
        const std::string text = expressionText(value.get<std::string>());
        try {
            return compiled(text).evaluate(at, bindings);
        } catch (const jmespath::Error& e) {
            throw AssertionError("(" + text + "): " + e.what());
        }
    }
    return value;
}

Json projectLike(const Json& expected, const Json& actual) {
    if (expected.is_object() && actual.is_object()) {
        Json out = Json::object();
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            const Key k = parseKey(it.key());
            if (k.expression || k.foreach || !actual.contains(k.text)) continue;
            out[k.text] = projectLike(it.value(), actual[k.text]);
        }
        return out;
    }
    if (expected.is_array() && actual.is_array()) {
        Json out = Json::array();
        for (std::size_t i = 0; i < actual.size(); ++i) {
            out.push_back(i < expected.size() ? projectLike(expected[i], actual[i]) : actual[i]);
        }
        return out;
    }
    return actual;
}

}  // namespace mcpsim::sim::scenario
