// Lexer and Pratt parser for JMESPath. Binding powers and the projection rules follow the
// JMESPath specification: tokens binding below 10 (pipe, ||, &&, comparisons, flatten, closing
// brackets) end a projection's right side; `.`, `[` and `[?` continue it.
#include <algorithm>
#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "scenario/jmespath_ast.hpp"

namespace mcpsim::sim::scenario::jmespath {

namespace {

enum class TokenKind {
    End,
    UnquotedIdentifier,
    QuotedIdentifier,
    Literal,  // `json` or 'raw'
    Number,
    Dot,
    Star,
    Current,
    Root,
    Variable,
    LBracket,
    RBracket,
    Flatten,  // []
    Filter,   // [?
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Colon,
    Pipe,
    Or,
    And,
    Not,
    ExpressionReference,
    Compare,
};

struct Token {
    TokenKind kind = TokenKind::End;
    std::size_t offset = 0;  // into the expression text
    std::size_t length = 0;
    std::string name;  // identifiers and variables, decoded
    Json literal;
    std::int64_t number = 0;
    CompareOp compareOp = CompareOp::Equal;
};

// Deep enough for any real assertion; bound the parser's recursion (nesting) and the evaluator's
// (tree height, which also grows along a flat `a.b.c...` chain) on hostile input.
constexpr int kMaxNesting = 200;
constexpr std::size_t kMaxHeight = 500;
constexpr int kMaxLiteralDepth = 200;
// Tokens binding less than this end the right-hand side of a projection.
constexpr int kProjectionStop = 10;

int bindingPower(TokenKind kind) {
    switch (kind) {
        case TokenKind::Pipe:
            return 1;
        case TokenKind::Or:
            return 2;
        case TokenKind::And:
            return 3;
        case TokenKind::Compare:
            return 5;
        case TokenKind::Flatten:
            return 9;
        case TokenKind::Star:
            return 20;
        case TokenKind::Filter:
            return 21;
        case TokenKind::Dot:
            return 40;
        case TokenKind::Not:
            return 45;
        case TokenKind::LBrace:
            return 50;
        case TokenKind::LBracket:
            return 55;
        case TokenKind::LParen:
            return 60;
        default:
            return 0;
    }
}

[[noreturn]] void syntaxError(std::string_view text, std::size_t offset, const std::string& what) {
    // Quote the expression, shortened when it is long (hostile or generated input).
    constexpr std::size_t kQuoted = 120;
    std::string quoted(text.substr(0, kQuoted));
    if (text.size() > kQuoted) quoted += "...";
    throw Error("syntax error in `" + quoted + "` at column " + std::to_string(offset + 1) + ": " +
                what);
}

bool isIdentifierStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isIdentifierChar(char c) {
    return isIdentifierStart(c) || (c >= '0' && c <= '9');
}
bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// The deepest bracket nesting of JSON text, outside strings: Json copies recurse per level.
int nestingDepth(std::string_view json) {
    int depth = 0;
    int deepest = 0;
    bool inString = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (inString) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return deepest;
}

class Lexer {
  public:
    explicit Lexer(std::string_view text) : text_(text) {}

    std::vector<Token> run() {
        std::vector<Token> tokens;
        for (;;) {
            skipWhitespace();
            Token token = next();
            const bool end = token.kind == TokenKind::End;
            tokens.push_back(std::move(token));
            if (end) return tokens;
        }
    }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;

    char at(std::size_t i) const { return i < text_.size() ? text_[i] : '\0'; }

    void skipWhitespace() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }

    Token make(TokenKind kind, std::size_t start) const {
        Token token;
        token.kind = kind;
        token.offset = start;
        token.length = pos_ - start;
        return token;
    }

    Token simple(TokenKind kind, std::size_t width) {
        const std::size_t start = pos_;
        pos_ += width;
        return make(kind, start);
    }

    Token comparison(CompareOp op, std::size_t width) {
        Token token = simple(TokenKind::Compare, width);
        token.compareOp = op;
        return token;
    }

    // Position of the delimiter that closes a literal opened at start, skipping backslash
    // escapes.
    std::size_t closing(std::size_t start, char delimiter, const char* what) const {
        for (std::size_t i = start + 1; i < text_.size(); ++i) {
            if (text_[i] == '\\') {
                ++i;
            } else if (text_[i] == delimiter) {
                return i;
            }
        }
        syntaxError(text_, start, std::string("unterminated ") + what);
    }

    Token next() {
        const std::size_t start = pos_;
        if (pos_ >= text_.size()) return make(TokenKind::End, start);
        const char c = text_[pos_];
        if (isIdentifierStart(c)) {
            while (isIdentifierChar(at(pos_))) ++pos_;
            Token token = make(TokenKind::UnquotedIdentifier, start);
            token.name = std::string(text_.substr(start, pos_ - start));
            return token;
        }
        if (isDigit(c) || (c == '-' && isDigit(at(pos_ + 1)))) return number();
        switch (c) {
            case '.':
                return simple(TokenKind::Dot, 1);
            case '*':
                return simple(TokenKind::Star, 1);
            case '@':
                return simple(TokenKind::Current, 1);
            case ']':
                return simple(TokenKind::RBracket, 1);
            case '{':
                return simple(TokenKind::LBrace, 1);
            case '}':
                return simple(TokenKind::RBrace, 1);
            case '(':
                return simple(TokenKind::LParen, 1);
            case ')':
                return simple(TokenKind::RParen, 1);
            case ',':
                return simple(TokenKind::Comma, 1);
            case ':':
                return simple(TokenKind::Colon, 1);
            case '[':
                if (at(pos_ + 1) == ']') return simple(TokenKind::Flatten, 2);
                if (at(pos_ + 1) == '?') return simple(TokenKind::Filter, 2);
                return simple(TokenKind::LBracket, 1);
            case '|':
                return at(pos_ + 1) == '|' ? simple(TokenKind::Or, 2) : simple(TokenKind::Pipe, 1);
            case '&':
                return at(pos_ + 1) == '&' ? simple(TokenKind::And, 2)
                                           : simple(TokenKind::ExpressionReference, 1);
            case '!':
                return at(pos_ + 1) == '=' ? comparison(CompareOp::NotEqual, 2)
                                           : simple(TokenKind::Not, 1);
            case '=':
                if (at(pos_ + 1) == '=') return comparison(CompareOp::Equal, 2);
                syntaxError(text_, start, "'=' is not an operator (use '==')");
            case '<':
                return at(pos_ + 1) == '=' ? comparison(CompareOp::LessEqual, 2)
                                           : comparison(CompareOp::Less, 1);
            case '>':
                return at(pos_ + 1) == '=' ? comparison(CompareOp::GreaterEqual, 2)
                                           : comparison(CompareOp::Greater, 1);
            case '$':
                return dollar();
            case '"':
                return quotedIdentifier();
            case '\'':
                return rawString();
            case '`':
                return jsonLiteral();
            default:
                syntaxError(text_, start, "unexpected character '" + std::string(1, c) + "'");
        }
    }

    Token number() {
        const std::size_t start = pos_;
        if (text_[pos_] == '-') ++pos_;
        while (isDigit(at(pos_))) ++pos_;
        Token token = make(TokenKind::Number, start);
        const auto [end, ec] =
            std::from_chars(text_.data() + start, text_.data() + pos_, token.number);
        if (ec != std::errc() || end != text_.data() + pos_) {
            syntaxError(text_, start, "number out of range");
        }
        return token;
    }

    // `$` alone is the root; `$name` a variable.
    Token dollar() {
        const std::size_t start = pos_++;
        if (!isIdentifierStart(at(pos_))) return make(TokenKind::Root, start);
        while (isIdentifierChar(at(pos_))) ++pos_;
        Token token = make(TokenKind::Variable, start);
        token.name = std::string(text_.substr(start + 1, pos_ - start - 1));
        return token;
    }

    // "..." with JSON string escapes, which nlohmann decodes for us.
    Token quotedIdentifier() {
        const std::size_t start = pos_;
        const std::size_t end = closing(start, '"', "quoted identifier");
        pos_ = end + 1;
        Token token = make(TokenKind::QuotedIdentifier, start);
        try {
            token.name = Json::parse(text_.substr(start, end + 1 - start)).get<std::string>();
        } catch (const Json::exception&) {
            syntaxError(text_, start, "invalid escape in quoted identifier");
        }
        return token;
    }

    // '...': only \' and \\ are escapes; any other backslash is kept as written.
    Token rawString() {
        const std::size_t start = pos_;
        const std::size_t end = closing(start, '\'', "raw string");
        std::string value;
        for (std::size_t i = start + 1; i < end; ++i) {
            if (text_[i] == '\\' && (text_[i + 1] == '\'' || text_[i + 1] == '\\')) ++i;
            value += text_[i];
        }
        pos_ = end + 1;
        Token token = make(TokenKind::Literal, start);
        token.literal = std::move(value);
        return token;
    }

    // `json`: \` stands for a backtick; the rest is JSON text.
    Token jsonLiteral() {
        const std::size_t start = pos_;
        const std::size_t end = closing(start, '`', "JSON literal");
        std::string json;
        for (std::size_t i = start + 1; i < end; ++i) {
            if (text_[i] == '\\' && text_[i + 1] == '`') ++i;
            json += text_[i];
        }
        pos_ = end + 1;
        Token token = make(TokenKind::Literal, start);
        if (nestingDepth(json) > kMaxLiteralDepth) {
            syntaxError(text_, start, "JSON literal nested too deeply");
        }
        try {
            token.literal = Json::parse(json);
        } catch (const Json::exception&) {
            syntaxError(text_, start, "invalid JSON literal `" + json + "`");
        }
        return token;
    }
};

std::unique_ptr<Node> makeNode(NodeKind kind) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    return node;
}

NodePtr makeBinary(NodeKind kind, NodePtr left, NodePtr right) {
    auto node = makeNode(kind);
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    return node;
}

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text), tokens_(Lexer(text).run()) {}

    NodePtr parse() {
        NodePtr root = expression(0);
        if (peek().kind != TokenKind::End) fail(peek(), "unexpected " + describe(peek()));
        return root;
    }

  private:
    std::string_view text_;
    std::vector<Token> tokens_;
    std::size_t pos_ = 0;
    int nesting_ = 0;

    const Token& peek(std::size_t ahead = 0) const {
        return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
    }
    Token advance() {
        Token token = tokens_[pos_];
        if (pos_ + 1 < tokens_.size()) ++pos_;
        return token;
    }

    std::string describe(const Token& token) const {
        if (token.kind == TokenKind::End) return "end of expression";
        return "'" + std::string(text_.substr(token.offset, token.length)) + "'";
    }
    [[noreturn]] void fail(const Token& token, const std::string& what) const {
        syntaxError(text_, token.offset, what);
    }
    void expect(TokenKind kind, const char* what) {
        if (peek().kind != kind)
            fail(peek(), std::string("expected ") + what + ", found " + describe(peek()));
        advance();
    }

    NodePtr expression(int rightBindingPower) {
        if (++nesting_ > kMaxNesting) fail(peek(), "expression nested too deeply");
        NodePtr left = checkHeight(nud(advance()));
        while (rightBindingPower < bindingPower(peek().kind)) {
            left = checkHeight(led(advance(), std::move(left)));
        }
        --nesting_;
        return left;
    }

    // Measures only the nodes built since the last check (their height is still 0); the
    // subtrees below them were measured when they were returned.
    static std::size_t measure(const Node& node) {
        if (node.height == 0) {
            std::size_t below = 0;
            for (const auto& child : node.children) below = std::max(below, measure(*child));
            node.height = below + 1;
        }
        return node.height;
    }
    NodePtr checkHeight(NodePtr node) const {
        if (measure(*node) > kMaxHeight) fail(peek(), "expression too long or nested too deeply");
        return node;
    }

    // A token at the start of an expression.
    NodePtr nud(const Token& token) {
        switch (token.kind) {
            case TokenKind::Literal: {
                auto node = makeNode(NodeKind::Literal);
                node->literal = token.literal;
                return node;
            }
            case TokenKind::UnquotedIdentifier:
                if (peek().kind == TokenKind::LParen) return functionCall(token);
                [[fallthrough]];
            case TokenKind::QuotedIdentifier: {
                auto node = makeNode(NodeKind::Field);
                node->name = token.name;
                return node;
            }
            case TokenKind::Current:
                return makeNode(NodeKind::Current);
            case TokenKind::Root:
                return makeNode(NodeKind::Root);
            case TokenKind::Variable: {
                auto node = makeNode(NodeKind::Variable);
                node->name = token.name;
                return node;
            }
            case TokenKind::Star:
                return makeBinary(NodeKind::ValueProjection, makeNode(NodeKind::Current),
                                  projectionRhs(bindingPower(TokenKind::Star)));
            case TokenKind::Filter:
                return filter(makeNode(NodeKind::Current));
            case TokenKind::Flatten:
                return flatten(makeNode(NodeKind::Current));
            case TokenKind::LBracket:
                if (peek().kind == TokenKind::Number || peek().kind == TokenKind::Colon) {
                    return indexOrSlice(makeNode(NodeKind::Current));
                }
                if (peek().kind == TokenKind::Star && peek(1).kind == TokenKind::RBracket) {
                    advance();
                    advance();
                    return makeBinary(NodeKind::Projection, makeNode(NodeKind::Current),
                                      projectionRhs(bindingPower(TokenKind::Star)));
                }
                return multiSelectList();
            case TokenKind::LBrace:
                return multiSelectHash();
            case TokenKind::LParen: {
                NodePtr inner = expression(0);
                expect(TokenKind::RParen, "')'");
                return inner;
            }
            case TokenKind::Not: {
                auto node = makeNode(NodeKind::Not);
                node->children.push_back(expression(bindingPower(TokenKind::Not)));
                return node;
            }
            case TokenKind::ExpressionReference: {
                auto node = makeNode(NodeKind::ExpressionReference);
                node->children.push_back(expression(0));
                return node;
            }
            default:
                fail(token, "unexpected " + describe(token));
        }
    }

    // A token after a complete left-hand expression.
    NodePtr led(const Token& token, NodePtr left) {
        switch (token.kind) {
            case TokenKind::Dot:
                if (peek().kind == TokenKind::Star) {
                    advance();
                    return makeBinary(NodeKind::ValueProjection, std::move(left),
                                      projectionRhs(bindingPower(TokenKind::Dot)));
                }
                return makeBinary(NodeKind::Subexpression, std::move(left),
                                  dotRhs(bindingPower(TokenKind::Dot)));
            case TokenKind::Pipe:
                return makeBinary(NodeKind::Pipe, std::move(left),
                                  expression(bindingPower(TokenKind::Pipe)));
            case TokenKind::Or:
                return makeBinary(NodeKind::Or, std::move(left),
                                  expression(bindingPower(TokenKind::Or)));
            case TokenKind::And:
                return makeBinary(NodeKind::And, std::move(left),
                                  expression(bindingPower(TokenKind::And)));
            case TokenKind::Compare: {
                auto node = makeNode(NodeKind::Compare);
                node->compareOp = token.compareOp;
                node->children.push_back(std::move(left));
                node->children.push_back(expression(bindingPower(TokenKind::Compare)));
                return node;
            }
            case TokenKind::Flatten:
                return flatten(std::move(left));
            case TokenKind::Filter:
                return filter(std::move(left));
            case TokenKind::LBracket:
                if (peek().kind == TokenKind::Number || peek().kind == TokenKind::Colon) {
                    return indexOrSlice(std::move(left));
                }
                expect(TokenKind::Star, "a number, ':' or '*' after '['");
                expect(TokenKind::RBracket, "']'");
                return makeBinary(NodeKind::Projection, std::move(left),
                                  projectionRhs(bindingPower(TokenKind::Star)));
            case TokenKind::LParen:
                fail(token, "a function name must be an unquoted identifier");
            default:
                fail(token, "unexpected " + describe(token));
        }
    }

    // What a projection applies to each element: nothing (identity) when the next token stops
    // projections, else the chain that follows.
    NodePtr projectionRhs(int power) {
        const TokenKind next = peek().kind;
        if (bindingPower(next) < kProjectionStop) return makeNode(NodeKind::Current);
        if (next == TokenKind::LBracket || next == TokenKind::Filter) return expression(power);
        if (next == TokenKind::Dot) {
            advance();
            return dotRhs(power);
        }
        fail(peek(), "unexpected " + describe(peek()) + " after a projection");
    }

    // After `.`: a field, a function call, `*`, a multi-select list or hash.
    NodePtr dotRhs(int power) {
        switch (peek().kind) {
            case TokenKind::UnquotedIdentifier:
            case TokenKind::QuotedIdentifier:
            case TokenKind::Star:
                return expression(power);
            case TokenKind::LBracket:
                advance();
                return multiSelectList();
            case TokenKind::LBrace:
                advance();
                return multiSelectHash();
            default:
                fail(peek(), "expected an identifier, '*', '[' or '{' after '.', found " +
                                 describe(peek()));
        }
    }

    NodePtr flatten(NodePtr left) {
        auto flattened = makeNode(NodeKind::Flatten);
        flattened->children.push_back(std::move(left));
        return makeBinary(NodeKind::Projection, std::move(flattened),
                          projectionRhs(bindingPower(TokenKind::Flatten)));
    }

    // After `[?`: the condition, `]`, then the projected right side.
    NodePtr filter(NodePtr left) {
        auto node = makeNode(NodeKind::Filter);
        node->children.push_back(std::move(left));
        node->children.push_back(expression(0));
        expect(TokenKind::RBracket, "']' closing the filter");
        node->children.push_back(projectionRhs(bindingPower(TokenKind::Filter)));
        return node;
    }

    // After `[` with a number or ':' next: `[n]` indexes; `[a:b:c]` slices and projects.
    NodePtr indexOrSlice(NodePtr left) {
        std::optional<std::int64_t> parts[3];
        std::size_t colons = 0;
        const Token& first = peek();
        while (peek().kind != TokenKind::RBracket) {
            if (peek().kind == TokenKind::Colon) {
                if (++colons > 2) fail(peek(), "too many ':' in a slice");
                advance();
            } else if (peek().kind == TokenKind::Number && !parts[colons]) {
                parts[colons] = advance().number;
            } else {
                fail(peek(), "expected a number, ':' or ']', found " + describe(peek()));
            }
        }
        advance();
        if (colons == 0) {
            auto index = makeNode(NodeKind::Index);
            index->index = *parts[0];
            return makeBinary(NodeKind::Subexpression, std::move(left), std::move(index));
        }
        auto slice = makeNode(NodeKind::Slice);
        slice->sliceStart = parts[0];
        slice->sliceStop = parts[1];
        if (parts[2]) {
            if (*parts[2] == 0) fail(first, "slice step cannot be 0");
            slice->sliceStep = *parts[2];
        }
        return makeBinary(NodeKind::Projection,
                          makeBinary(NodeKind::Subexpression, std::move(left), std::move(slice)),
                          projectionRhs(bindingPower(TokenKind::Star)));
    }

    // After `[`: `a, b, ...]`.
    NodePtr multiSelectList() {
        auto node = makeNode(NodeKind::MultiSelectList);
        for (;;) {
            node->children.push_back(expression(0));
            if (peek().kind != TokenKind::Comma) break;
            advance();
        }
        expect(TokenKind::RBracket, "',' or ']' in a multi-select list");
        return node;
    }

    // After `{`: `key: expr, ...}`.
    NodePtr multiSelectHash() {
        auto node = makeNode(NodeKind::MultiSelectHash);
        for (;;) {
            const Token key = advance();
            if (key.kind != TokenKind::UnquotedIdentifier &&
                key.kind != TokenKind::QuotedIdentifier) {
                fail(key, "expected a key in a multi-select hash, found " + describe(key));
            }
            expect(TokenKind::Colon, "':' after a multi-select hash key");
            node->keys.push_back(key.name);
            node->children.push_back(expression(0));
            if (peek().kind != TokenKind::Comma) break;
            advance();
        }
        expect(TokenKind::RBrace, "',' or '}' in a multi-select hash");
        return node;
    }

    // `name(args)`: the name is checked first, so an unsupported function is reported as such
    // whatever its arguments look like.
    NodePtr functionCall(const Token& nameToken) {
        const FunctionSpec* spec = findFunction(nameToken.name);
        if (!spec) throw Error("function " + nameToken.name + " is not supported in mcpsim");
        advance();  // (
        auto node = makeNode(NodeKind::FunctionCall);
        node->name = nameToken.name;
        node->function = spec;
        if (peek().kind != TokenKind::RParen) {
            for (;;) {
                node->children.push_back(expression(0));
                if (peek().kind != TokenKind::Comma) break;
                advance();
            }
        }
        expect(TokenKind::RParen, "',' or ')' in the arguments");
        const std::size_t count = node->children.size();
        if (count < spec->minArgs || (spec->maxArgs && count > *spec->maxArgs)) {
            std::string expected = std::to_string(spec->minArgs);
            if (!spec->maxArgs) {
                expected = "at least " + expected;
            } else if (*spec->maxArgs != spec->minArgs) {
                expected += " to " + std::to_string(*spec->maxArgs);
            }
            const bool singular = spec->minArgs == 1 && (!spec->maxArgs || *spec->maxArgs == 1);
            fail(nameToken, nameToken.name + "() takes " + expected + " argument" +
                                (singular ? "" : "s") + ", got " + std::to_string(count));
        }
        return node;
    }
};

}  // namespace

Expression Expression::compile(std::string_view text) {
    Expression expression;
    expression.text_ = std::string(text);
    expression.root_ = Parser(text).parse();
    return expression;
}

}  // namespace mcpsim::sim::scenario::jmespath
