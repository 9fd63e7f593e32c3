#include "cel.hpp"

#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/regex.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpsim::apiserver {

using nlohmann::json;

namespace cel_detail {

struct Expr {
    enum class Kind {
        Literal,
        Ident,
        Select,   // args[0].name
        Has,      // has(args[0].name)
        Index,    // args[0][args[1]]
        List,     // [args...]
        Call,     // name(args...) or args[0].name(args[1..]) when member
        Macro,    // args[0].name(var, args[1] [, args[2]])
        Ternary,  // args[0] ? args[1] : args[2]
        And,
        Or,
        Not,
        Neg,
        Binary,  // args[0] name args[1]
    };
    Kind kind = Kind::Literal;
    std::size_t pos = 0;  // byte offset in the source, for compile errors
    json literal;
    std::string name;
    std::string var;
    bool member = false;
    std::vector<std::unique_ptr<Expr>> args;
    std::optional<core::Regex> regex;  // precompiled when the matches() pattern is literal
};

}  // namespace cel_detail

namespace {

using cel_detail::Expr;
using ExprPtr = std::unique_ptr<Expr>;
using Kind = Expr::Kind;

constexpr std::int64_t kIntMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kIntMin = std::numeric_limits<std::int64_t>::min();

// ---------------------------------------------------------------------------------------------
// Compile errors carry a byte offset; compile() turns them into cel-go style messages.

struct CompileFailure {
    std::size_t pos;
    std::string message;
};

std::string formatCompileError(const std::string& src, std::size_t pos, const std::string& msg) {
    pos = std::min(pos, src.size());
    std::size_t lineStart = 0;
    int line = 1;
    for (std::size_t i = 0; i < pos; ++i) {
        if (src[i] == '\n') {
            ++line;
            lineStart = i + 1;
        }
    }
    std::size_t lineEnd = src.find('\n', lineStart);
    if (lineEnd == std::string::npos) lineEnd = src.size();
    // cel-go counts columns in code points, not bytes.
    int column = 0;
    for (std::size_t i = lineStart; i < pos; ++i) {
        if ((static_cast<unsigned char>(src[i]) & 0xC0) != 0x80) ++column;
    }
    std::string out =
        "ERROR: <input>:" + std::to_string(line) + ":" + std::to_string(column + 1) + ": " + msg;
    out += "\n | " + src.substr(lineStart, lineEnd - lineStart);
    out += "\n | " + std::string(static_cast<std::size_t>(column), '.') + "^";
    return out;
}

// ---------------------------------------------------------------------------------------------
// Lexer

enum class Tok {
    End,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Ident,
    True,
    False,
    Null,
    In,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Dot,
    Comma,
    Question,
    Colon,
    Not,
    Minus,
    Plus,
    Star,
    Slash,
    Percent,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    AndAnd,
    OrOr,
};

struct Token {
    Tok kind = Tok::End;
    std::string text;  // identifier name, decoded string, or number spelling
    std::size_t pos = 0;
};

const std::set<std::string, std::less<>>& reservedWords() {
    static const std::set<std::string, std::less<>> words = {
        "as",  "break", "const",   "continue",  "else",   "for", "function", "if",   "import",
        "let", "loop",  "package", "namespace", "return", "var", "void",     "while"};
    return words;
}

class Lexer {
  public:
    explicit Lexer(const std::string& src) : src_(src) {}

    std::vector<Token> run() {
        std::vector<Token> out;
        while (true) {
            Token t = next(out.empty() ? Tok::End : out.back().kind);
            out.push_back(t);
            if (t.kind == Tok::End) break;
        }
        return out;
    }

  private:
    const std::string& src_;
    std::size_t i_ = 0;

    char peek(std::size_t ahead = 0) const {
        return i_ + ahead < src_.size() ? src_[i_ + ahead] : '\0';
    }
    static bool isDigit(char c) { return c >= '0' && c <= '9'; }
    static bool isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }
    static bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

    [[noreturn]] void fail(std::size_t pos, const std::string& msg) const {
        throw CompileFailure{pos, msg};
    }

    void skipSpaceAndComments() {
        while (i_ < src_.size()) {
            char c = src_[i_];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                ++i_;
            } else if (c == '/' && peek(1) == '/') {
                while (i_ < src_.size() && src_[i_] != '\n') ++i_;
            } else {
                break;
            }
        }
    }

    Token next(Tok previous) {
        skipSpaceAndComments();
        Token t;
        t.pos = i_;
        if (i_ >= src_.size()) return t;
        char c = src_[i_];

        // String and bytes literals, with optional r/b prefixes.
        {
            std::size_t j = i_;
            bool raw = false, bytes = false;
            for (int k = 0; k < 2 && j < src_.size(); ++k) {
                char p = src_[j];
                if ((p == 'r' || p == 'R') && !raw) {
                    raw = true;
                    ++j;
                } else if ((p == 'b' || p == 'B') && !bytes) {
                    bytes = true;
                    ++j;
                } else {
                    break;
                }
            }
            if (j < src_.size() && (src_[j] == '\'' || src_[j] == '"') &&
                (j == i_ || raw || bytes)) {
                i_ = j;
                t.text = lexString(raw, t.pos);
                t.kind = bytes ? Tok::Bytes : Tok::String;
                return t;
            }
        }

        if (isIdentStart(c)) {
            std::size_t start = i_;
            while (i_ < src_.size() && isIdentChar(src_[i_])) ++i_;
            t.text = src_.substr(start, i_ - start);
            if (t.text == "true") {
                t.kind = Tok::True;
            } else if (t.text == "false") {
                t.kind = Tok::False;
            } else if (t.text == "null") {
                t.kind = Tok::Null;
            } else if (t.text == "in") {
                t.kind = Tok::In;
            } else if (reservedWords().count(t.text) != 0) {
                fail(t.pos, "reserved identifier: " + t.text);
            } else {
                t.kind = Tok::Ident;
            }
            return t;
        }

        // A leading-dot double (".5") only where an operand may start.
        bool operandBefore = previous == Tok::Ident || previous == Tok::RParen ||
                             previous == Tok::RBracket || previous == Tok::Int ||
                             previous == Tok::Double || previous == Tok::String ||
                             previous == Tok::True || previous == Tok::False ||
                             previous == Tok::Null || previous == Tok::RBrace;
        if (isDigit(c) || (c == '.' && isDigit(peek(1)) && !operandBefore)) {
            return lexNumber();
        }

        auto one = [&](Tok k) {
            t.kind = k;
            ++i_;
            return t;
        };
        auto two = [&](Tok k) {
            t.kind = k;
            i_ += 2;
            return t;
        };
        switch (c) {
            case '(':
                return one(Tok::LParen);
            case ')':
                return one(Tok::RParen);
            case '[':
                return one(Tok::LBracket);
            case ']':
                return one(Tok::RBracket);
            case '{':
                return one(Tok::LBrace);
            case '}':
                return one(Tok::RBrace);
            case '.':
                return one(Tok::Dot);
            case ',':
                return one(Tok::Comma);
            case '?':
                return one(Tok::Question);
            case ':':
                return one(Tok::Colon);
            case '+':
                return one(Tok::Plus);
            case '-':
                return one(Tok::Minus);
            case '*':
                return one(Tok::Star);
            case '/':
                return one(Tok::Slash);
            case '%':
                return one(Tok::Percent);
            case '!':
                return peek(1) == '=' ? two(Tok::NotEq) : one(Tok::Not);
            case '=':
                if (peek(1) == '=') return two(Tok::EqEq);
                fail(t.pos, "Syntax error: token recognition error at: '='");
            case '<':
                return peek(1) == '=' ? two(Tok::Le) : one(Tok::Lt);
            case '>':
                return peek(1) == '=' ? two(Tok::Ge) : one(Tok::Gt);
            case '&':
                if (peek(1) == '&') return two(Tok::AndAnd);
                fail(t.pos, "Syntax error: token recognition error at: '&'");
            case '|':
                if (peek(1) == '|') return two(Tok::OrOr);
                fail(t.pos, "Syntax error: token recognition error at: '|'");
            default:
                break;
        }
        std::size_t len = 1;
        unsigned char uc = static_cast<unsigned char>(c);
        if (uc >= 0xF0) {
            len = 4;
        } else if (uc >= 0xE0) {
            len = 3;
        } else if (uc >= 0xC0) {
            len = 2;
        }
        fail(t.pos, "Syntax error: token recognition error at: '" + src_.substr(i_, len) + "'");
    }

    Token lexNumber() {
        Token t;
        t.pos = i_;
        std::size_t start = i_;
        if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
            i_ += 2;
            std::size_t digits = i_;
            while (i_ < src_.size() && std::isxdigit(static_cast<unsigned char>(src_[i_]))) ++i_;
            if (i_ == digits) fail(t.pos, "Syntax error: invalid hex literal");
            t.text = src_.substr(start, i_ - start);
            t.kind = Tok::Int;
        } else {
            bool isDouble = false;
            while (isDigit(peek())) ++i_;
            if (peek() == '.' && isDigit(peek(1))) {
                isDouble = true;
                ++i_;
                while (isDigit(peek())) ++i_;
            }
            if (peek() == 'e' || peek() == 'E') {
                std::size_t save = i_;
                ++i_;
                if (peek() == '+' || peek() == '-') ++i_;
                if (isDigit(peek())) {
                    isDouble = true;
                    while (isDigit(peek())) ++i_;
                } else {
                    i_ = save;
                }
            }
            t.text = src_.substr(start, i_ - start);
            t.kind = isDouble ? Tok::Double : Tok::Int;
        }
        if (t.kind == Tok::Int && (peek() == 'u' || peek() == 'U')) {
            ++i_;
            t.kind = Tok::Uint;
        }
        if (isIdentChar(peek())) fail(i_, "Syntax error: malformed number literal");
        return t;
    }

    std::uint32_t hexValue(std::size_t count, std::size_t errPos) {
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < count; ++k) {
            char h = peek();
            int d;
            if (h >= '0' && h <= '9') {
                d = h - '0';
            } else if (h >= 'a' && h <= 'f') {
                d = h - 'a' + 10;
            } else if (h >= 'A' && h <= 'F') {
                d = h - 'A' + 10;
            } else {
                fail(errPos, "Syntax error: invalid escape sequence");
            }
            v = v * 16 + static_cast<std::uint32_t>(d);
            ++i_;
        }
        return v;
    }

    std::string lexString(bool raw, std::size_t startPos) {
        char q = src_[i_];
        bool triple = peek(1) == q && peek(2) == q;
        i_ += triple ? 3 : 1;
        std::string out;
        while (true) {
            if (i_ >= src_.size()) fail(startPos, "Syntax error: unterminated string literal");
            char c = src_[i_];
            if (triple) {
                if (c == q && peek(1) == q && peek(2) == q) {
                    i_ += 3;
                    return out;
                }
            } else {
                if (c == q) {
                    ++i_;
                    return out;
                }
                if (c == '\n' || c == '\r') {
                    fail(startPos, "Syntax error: unterminated string literal");
                }
            }
            if (c != '\\' || raw) {
                // In raw strings a backslash still keeps the next quote from closing the string.
                if (c == '\\' && raw && peek(1) == q) {
                    out.push_back('\\');
                    out.push_back(q);
                    i_ += 2;
                    continue;
                }
                out.push_back(c);
                ++i_;
                continue;
            }
            std::size_t escPos = i_;
            ++i_;
            char e = peek();
            ++i_;
            if (auto simple = core::goSimpleEscape(e)) {
                out.push_back(*simple);
                continue;
            }
            switch (e) {
                case '\'':
                    out.push_back('\'');
                    break;
                case '"':
                    out.push_back('"');
                    break;
                case '`':
                    out.push_back('`');
                    break;
                case '?':
                    out.push_back('?');
                    break;
                case 'x':
                case 'X':
                    core::goAppendRune(out, hexValue(2, escPos));
                    break;
                case 'u':
                    core::goAppendRune(out, hexValue(4, escPos));
                    break;
                case 'U': {
                    std::uint32_t cp = hexValue(8, escPos);
                    if (cp > 0x10FFFF) fail(escPos, "Syntax error: invalid unicode code point");
                    core::goAppendRune(out, cp);
                    break;
                }
                default:
                    if (e >= '0' && e <= '3' && isDigit(peek()) && isDigit(peek(1))) {
                        std::uint32_t v = static_cast<std::uint32_t>(e - '0');
                        for (int k = 0; k < 2; ++k) {
                            char d = peek();
                            if (d < '0' || d > '7') {
                                fail(escPos, "Syntax error: invalid escape sequence");
                            }
                            v = v * 8 + static_cast<std::uint32_t>(d - '0');
                            ++i_;
                        }
                        core::goAppendRune(out, v);
                        break;
                    }
                    fail(escPos, "Syntax error: invalid escape sequence");
            }
        }
    }
};

// ---------------------------------------------------------------------------------------------
// Parser (recursive descent over the CEL grammar)

const char* tokenSpelling(const Token& t) {
    switch (t.kind) {
        case Tok::End:
            return "<EOF>";
        case Tok::LParen:
            return "'('";
        case Tok::RParen:
            return "')'";
        case Tok::LBracket:
            return "'['";
        case Tok::RBracket:
            return "']'";
        case Tok::LBrace:
            return "'{'";
        case Tok::RBrace:
            return "'}'";
        case Tok::Dot:
            return "'.'";
        case Tok::Comma:
            return "','";
        case Tok::Question:
            return "'?'";
        case Tok::Colon:
            return "':'";
        case Tok::Not:
            return "'!'";
        case Tok::Minus:
            return "'-'";
        case Tok::Plus:
            return "'+'";
        case Tok::Star:
            return "'*'";
        case Tok::Slash:
            return "'/'";
        case Tok::Percent:
            return "'%'";
        case Tok::EqEq:
            return "'=='";
        case Tok::NotEq:
            return "'!='";
        case Tok::Lt:
            return "'<'";
        case Tok::Le:
            return "'<='";
        case Tok::Gt:
            return "'>'";
        case Tok::Ge:
            return "'>='";
        case Tok::AndAnd:
            return "'&&'";
        case Tok::OrOr:
            return "'||'";
        case Tok::In:
            return "'in'";
        default:
            return nullptr;
    }
}

const std::set<std::string, std::less<>>& macroNames() {
    static const std::set<std::string, std::less<>> names = {"all", "exists", "exists_one", "map",
                                                             "filter"};
    return names;
}

class Parser {
  public:
    explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

    ExprPtr parseAll() {
        ExprPtr e = parseExpr();
        if (cur().kind != Tok::End) unexpected();
        return e;
    }

  private:
    std::vector<Token> toks_;
    std::size_t p_ = 0;
    int depth_ = 0;

    const Token& cur() const { return toks_[p_]; }
    const Token& ahead(std::size_t n) const { return toks_[std::min(p_ + n, toks_.size() - 1)]; }
    Token take() { return toks_[p_ < toks_.size() - 1 ? p_++ : p_]; }

    [[noreturn]] void unexpected() const {
        const Token& t = cur();
        std::string what;
        if (const char* s = tokenSpelling(t)) {
            what = s;
        } else if (t.kind == Tok::String) {
            what = "string literal";
        } else {
            what = "'" + t.text + "'";
        }
        throw CompileFailure{t.pos, "Syntax error: unexpected " + what};
    }

    void expect(Tok k, const char* spelling) {
        if (cur().kind != k) {
            const Token& t = cur();
            std::string found = tokenSpelling(t) ? tokenSpelling(t) : "'" + t.text + "'";
            if (t.kind == Tok::String) found = "string literal";
            throw CompileFailure{
                t.pos, std::string("Syntax error: expected ") + spelling + ", found " + found};
        }
        take();
    }

    static ExprPtr make(Kind k, std::size_t pos) {
        auto e = std::make_unique<Expr>();
        e->kind = k;
        e->pos = pos;
        return e;
    }

    ExprPtr parseExpr() {
        // Deep nesting would overflow the stack; cel-go also caps recursion.
        if (++depth_ > 250) throw CompileFailure{cur().pos, "expression recursion limit exceeded"};
        ExprPtr cond = parseOr();
        if (cur().kind == Tok::Question) {
            auto t = make(Kind::Ternary, take().pos);
            ExprPtr a = parseOr();
            expect(Tok::Colon, "':'");
            ExprPtr b = parseExpr();
            t->args.push_back(std::move(cond));
            t->args.push_back(std::move(a));
            t->args.push_back(std::move(b));
            --depth_;
            return t;
        }
        --depth_;
        return cond;
    }

    ExprPtr parseOr() {
        ExprPtr left = parseAnd();
        while (cur().kind == Tok::OrOr) {
            auto e = make(Kind::Or, take().pos);
            e->args.push_back(std::move(left));
            e->args.push_back(parseAnd());
            left = std::move(e);
        }
        return left;
    }

    ExprPtr parseAnd() {
        ExprPtr left = parseRelation();
        while (cur().kind == Tok::AndAnd) {
            auto e = make(Kind::And, take().pos);
            e->args.push_back(std::move(left));
            e->args.push_back(parseRelation());
            left = std::move(e);
        }
        return left;
    }

    ExprPtr binary(ExprPtr left, const Token& op, ExprPtr right, const char* name) {
        auto e = make(Kind::Binary, op.pos);
        e->name = name;
        e->args.push_back(std::move(left));
        e->args.push_back(std::move(right));
        return e;
    }

    ExprPtr parseRelation() {
        ExprPtr left = parseAddition();
        while (true) {
            const char* op = nullptr;
            switch (cur().kind) {
                case Tok::EqEq:
                    op = "==";
                    break;
                case Tok::NotEq:
                    op = "!=";
                    break;
                case Tok::Lt:
                    op = "<";
                    break;
                case Tok::Le:
                    op = "<=";
                    break;
                case Tok::Gt:
                    op = ">";
                    break;
                case Tok::Ge:
                    op = ">=";
                    break;
                case Tok::In:
                    op = "in";
                    break;
                default:
                    break;
            }
            if (!op) return left;
            Token t = take();
            left = binary(std::move(left), t, parseAddition(), op);
        }
    }

    ExprPtr parseAddition() {
        ExprPtr left = parseMultiplication();
        while (cur().kind == Tok::Plus || cur().kind == Tok::Minus) {
            Token t = take();
            left =
                binary(std::move(left), t, parseMultiplication(), t.kind == Tok::Plus ? "+" : "-");
        }
        return left;
    }

    ExprPtr parseMultiplication() {
        ExprPtr left = parseUnary();
        while (cur().kind == Tok::Star || cur().kind == Tok::Slash || cur().kind == Tok::Percent) {
            Token t = take();
            const char* op = t.kind == Tok::Star ? "*" : t.kind == Tok::Slash ? "/" : "%";
            left = binary(std::move(left), t, parseUnary(), op);
        }
        return left;
    }

    ExprPtr parseUnary() {
        if (cur().kind == Tok::Not) {
            auto e = make(Kind::Not, take().pos);
            e->args.push_back(parseUnary());
            return e;
        }
        if (cur().kind == Tok::Minus) {
            // "-<number>" is a literal, which is how INT64_MIN can be written at all.
            if (ahead(1).kind == Tok::Int || ahead(1).kind == Tok::Double) {
                std::size_t pos = take().pos;
                ExprPtr lit = numberLiteral(take(), true);
                lit->pos = pos;
                return parsePostfix(std::move(lit));
            }
            auto e = make(Kind::Neg, take().pos);
            e->args.push_back(parseUnary());
            return e;
        }
        return parsePostfix(parsePrimary());
    }

    std::vector<ExprPtr> parseArgs(Tok close, const char* closeSpelling) {
        std::vector<ExprPtr> args;
        if (cur().kind == close) {
            take();
            return args;
        }
        while (true) {
            args.push_back(parseExpr());
            if (cur().kind == Tok::Comma) {
                take();
                // List literals may end with a trailing comma; calls may not.
                if (close == Tok::RBracket && cur().kind == close) {
                    take();
                    return args;
                }
                continue;
            }
            expect(close, closeSpelling);
            return args;
        }
    }

    ExprPtr makeCall(std::size_t pos, std::string name, ExprPtr target, std::vector<ExprPtr> args) {
        bool member = target != nullptr;
        if (!member && name == "has") {
            if (args.size() != 1 || args[0]->kind != Kind::Select) {
                throw CompileFailure{pos, "invalid argument to has() macro"};
            }
            auto e = make(Kind::Has, pos);
            e->name = args[0]->name;
            e->args.push_back(std::move(args[0]->args[0]));
            return e;
        }
        bool twoArgMacro = name != "map" && args.size() == 2;
        bool mapMacro = name == "map" && (args.size() == 2 || args.size() == 3);
        if (member && macroNames().count(name) != 0 && (twoArgMacro || mapMacro)) {
            if (args[0]->kind != Kind::Ident) {
                throw CompileFailure{args[0]->pos, "argument must be a simple name"};
            }
            auto e = make(Kind::Macro, pos);
            e->name = std::move(name);
            e->var = args[0]->name;
            e->args.push_back(std::move(target));
            for (std::size_t k = 1; k < args.size(); ++k) e->args.push_back(std::move(args[k]));
            return e;
        }
        auto e = make(Kind::Call, pos);
        e->name = std::move(name);
        e->member = member;
        if (member) e->args.push_back(std::move(target));
        for (auto& a : args) e->args.push_back(std::move(a));
        return e;
    }

    ExprPtr parsePostfix(ExprPtr e) {
        while (true) {
            if (cur().kind == Tok::Dot) {
                take();
                if (cur().kind != Tok::Ident) {
                    // Keywords are not valid field names in CEL either.
                    expect(Tok::Ident, "an identifier");
                }
                Token id = take();
                if (cur().kind == Tok::LParen) {
                    take();
                    auto args = parseArgs(Tok::RParen, "')'");
                    e = makeCall(id.pos, id.text, std::move(e), std::move(args));
                } else {
                    auto s = make(Kind::Select, id.pos);
                    s->name = id.text;
                    s->args.push_back(std::move(e));
                    e = std::move(s);
                }
            } else if (cur().kind == Tok::LBracket) {
                auto ix = make(Kind::Index, take().pos);
                ix->args.push_back(std::move(e));
                ix->args.push_back(parseExpr());
                expect(Tok::RBracket, "']'");
                e = std::move(ix);
            } else if (cur().kind == Tok::LBrace) {
                throw CompileFailure{cur().pos,
                                     "unsupported construct: message construction (Type{...})"};
            } else {
                return e;
            }
        }
    }

    ExprPtr numberLiteral(const Token& t, bool negative) {
        auto e = make(Kind::Literal, t.pos);
        std::string text = (negative ? "-" : "") + t.text;
        if (t.kind == Tok::Double) {
            e->literal = std::strtod(text.c_str(), nullptr);
            return e;
        }
        std::int64_t v = 0;
        bool hex = t.text.size() > 2 && (t.text[1] == 'x' || t.text[1] == 'X');
        std::string digits = (negative ? "-" : "") + (hex ? t.text.substr(2) : t.text);
        auto [ptr, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), v, hex ? 16 : 10);
        if (ec != std::errc() || ptr != digits.data() + digits.size()) {
            throw CompileFailure{t.pos, "invalid int literal"};
        }
        e->literal = v;
        return e;
    }

    ExprPtr parsePrimary() {
        const Token& t = cur();
        switch (t.kind) {
            case Tok::Int:
            case Tok::Double:
                return numberLiteral(take(), false);
            case Tok::Uint:
                throw CompileFailure{t.pos,
                                     "unsupported construct: unsigned integer literal " + t.text};
            case Tok::Bytes:
                throw CompileFailure{t.pos, "unsupported construct: bytes literal"};
            case Tok::String: {
                auto e = make(Kind::Literal, t.pos);
                e->literal = take().text;
                return e;
            }
            case Tok::True:
            case Tok::False: {
                auto e = make(Kind::Literal, t.pos);
                e->literal = take().kind == Tok::True;
                return e;
            }
            case Tok::Null: {
                auto e = make(Kind::Literal, take().pos);
                e->literal = nullptr;
                return e;
            }
            case Tok::Ident: {
                Token id = take();
                if (cur().kind == Tok::LParen) {
                    take();
                    auto args = parseArgs(Tok::RParen, "')'");
                    return makeCall(id.pos, id.text, nullptr, std::move(args));
                }
                auto e = make(Kind::Ident, id.pos);
                e->name = id.text;
                return e;
            }
            case Tok::LParen: {
                take();
                ExprPtr e = parseExpr();
                expect(Tok::RParen, "')'");
                return e;
            }
            case Tok::LBracket: {
                auto e = make(Kind::List, take().pos);
                e->args = parseArgs(Tok::RBracket, "']'");
                return e;
            }
            case Tok::LBrace:
                throw CompileFailure{t.pos, "unsupported construct: map literals ({...})"};
            case Tok::Dot:
                throw CompileFailure{t.pos,
                                     "unsupported construct: leading-dot (root scoped) names"};
            default:
                unexpected();
        }
    }
};

// ---------------------------------------------------------------------------------------------
// Checker: name resolution, function arity, literal regexes.

struct FunctionSig {
    const char* name;
    bool member;
    std::size_t arity;  // arguments, not counting the receiver
};

constexpr FunctionSig kFunctions[] = {
    {"size", false, 1},    {"size", true, 0},    {"startsWith", true, 1}, {"endsWith", true, 1},
    {"contains", true, 1}, {"matches", true, 1}, {"matches", false, 2},   {"int", false, 1},
    {"string", false, 1},  {"double", false, 1},
};

// Functions that exist in CEL or the Kubernetes CEL libraries but are outside this subset.
const std::set<std::string, std::less<>>& knownUnsupportedFunctions() {
    static const std::set<std::string, std::less<>> names = {"uint",
                                                             "bytes",
                                                             "bool",
                                                             "dyn",
                                                             "type",
                                                             "duration",
                                                             "timestamp",
                                                             "lowerAscii",
                                                             "upperAscii",
                                                             "replace",
                                                             "split",
                                                             "join",
                                                             "trim",
                                                             "indexOf",
                                                             "lastIndexOf",
                                                             "substring",
                                                             "charAt",
                                                             "format",
                                                             "quote",
                                                             "reverse",
                                                             "isSorted",
                                                             "sum",
                                                             "min",
                                                             "max",
                                                             "url",
                                                             "isURL",
                                                             "ip",
                                                             "isIP",
                                                             "cidr",
                                                             "isCIDR",
                                                             "quantity",
                                                             "isQuantity",
                                                             "semver",
                                                             "isSemver",
                                                             "find",
                                                             "findAll",
                                                             "sort",
                                                             "sortBy",
                                                             "distinct",
                                                             "flatten",
                                                             "slice",
                                                             "optional",
                                                             "hasValue",
                                                             "value",
                                                             "orValue",
                                                             "getField",
                                                             "exists",
                                                             "all",
                                                             "exists_one",
                                                             "map",
                                                             "filter",
                                                             "transformList",
                                                             "transformMap",
                                                             "cel.bind",
                                                             "getDate",
                                                             "getDayOfMonth",
                                                             "getDayOfWeek",
                                                             "getDayOfYear",
                                                             "getFullYear",
                                                             "getHours",
                                                             "getMilliseconds",
                                                             "getMinutes",
                                                             "getMonth",
                                                             "getSeconds",
                                                             "authorizer",
                                                             "has"};
    return names;
}

class Checker {
  public:
    bool usesOldSelf = false;

    void check(Expr& e) {
        switch (e.kind) {
            case Kind::Literal:
                return;
            case Kind::Ident: {
                for (auto it = scope_.rbegin(); it != scope_.rend(); ++it) {
                    if (*it == e.name) return;
                }
                if (e.name == "self") return;
                if (e.name == "oldSelf") {
                    usesOldSelf = true;
                    return;
                }
                throw CompileFailure{e.pos,
                                     "undeclared reference to '" + e.name + "' (in container '')"};
            }
            case Kind::Macro: {
                check(*e.args[0]);
                scope_.push_back(e.var);
                for (std::size_t k = 1; k < e.args.size(); ++k) check(*e.args[k]);
                scope_.pop_back();
                return;
            }
            case Kind::Call: {
                checkSignature(e);
                for (auto& a : e.args) check(*a);
                return;
            }
            default:
                for (auto& a : e.args) check(*a);
                return;
        }
    }

  private:
    std::vector<std::string> scope_;

    // The function must exist with this call style and arity before its arguments matter.
    static void checkSignature(Expr& e) {
        std::size_t arity = e.args.size() - (e.member ? 1 : 0);
        bool nameKnown = false;
        for (const auto& f : kFunctions) {
            if (e.name != f.name) continue;
            nameKnown = true;
            if (f.member == e.member && f.arity == arity) {
                if (e.name == "matches") precompileRegex(e);
                return;
            }
        }
        if (nameKnown || macroNames().count(e.name) != 0) {
            throw CompileFailure{e.pos, "found no matching overload for '" + e.name +
                                            "' applied to " + std::to_string(arity) +
                                            " argument(s)" + (e.member ? " with a receiver" : "")};
        }
        if (knownUnsupportedFunctions().count(e.name) != 0) {
            throw CompileFailure{
                e.pos, "unsupported function '" + e.name + "' (not in the mcpsim CEL subset)"};
        }
        throw CompileFailure{e.pos, "undeclared reference to '" + e.name + "' (in container '')"};
    }

    static void precompileRegex(Expr& e) {
        const Expr& pattern = *e.args.back();
        if (pattern.kind != Kind::Literal || !pattern.literal.is_string()) return;
        try {
            e.regex.emplace(pattern.literal.get<std::string>());
        } catch (const core::RegexError& err) {
            throw CompileFailure{pattern.pos, err.what()};
        }
    }
};

// ---------------------------------------------------------------------------------------------
// Values

// JSON from the object may hold unsigned integers; CEL sees them as int (or double if too big).
json norm(const json& v) {
    if (v.is_number_unsigned()) {
        auto u = v.get<std::uint64_t>();
        if (u <= static_cast<std::uint64_t>(kIntMax)) return json(static_cast<std::int64_t>(u));
        return json(static_cast<double>(u));
    }
    return v;
}

bool isInt(const json& v) {
    return v.is_number_integer() && (!v.is_number_unsigned() ||
                                     v.get<std::uint64_t>() <= static_cast<std::uint64_t>(kIntMax));
}
std::int64_t asInt(const json& v) {
    return v.is_number_unsigned() ? static_cast<std::int64_t>(v.get<std::uint64_t>())
                                  : v.get<std::int64_t>();
}
bool isNumber(const json& v) {
    return v.is_number();
}
double asDouble(const json& v) {
    if (v.is_number_float()) return v.get<double>();
    if (v.is_number_unsigned()) return static_cast<double>(v.get<std::uint64_t>());
    return static_cast<double>(v.get<std::int64_t>());
}

std::string typeName(const json& v) {
    switch (v.type()) {
        case json::value_t::null:
            return "null_type";
        case json::value_t::boolean:
            return "bool";
        case json::value_t::number_integer:
            return "int";
        case json::value_t::number_unsigned:
            return isInt(v) ? "int" : "double";
        case json::value_t::number_float:
            return "double";
        case json::value_t::string:
            return "string";
        case json::value_t::array:
            return "list";
        case json::value_t::object:
            return "map";
        default:
            return "unknown";
    }
}

[[noreturn]] void noOverload(const std::string& fn, std::initializer_list<const json*> args) {
    std::string types;
    for (const json* a : args) {
        if (!types.empty()) types += ", ";
        types += typeName(*a);
    }
    throw CelError("no such overload: " + fn + " applied to (" + types + ")");
}

bool celEquals(const json& a, const json& b) {
    if (isNumber(a) && isNumber(b)) {
        if (isInt(a) && isInt(b)) return asInt(a) == asInt(b);
        return asDouble(a) == asDouble(b);  // NaN is never equal, as in CEL
    }
    if (a.type() != b.type()) return false;
    switch (a.type()) {
        case json::value_t::array: {
            if (a.size() != b.size()) return false;
            for (std::size_t i = 0; i < a.size(); ++i) {
                if (!celEquals(a[i], b[i])) return false;
            }
            return true;
        }
        case json::value_t::object: {
            if (a.size() != b.size()) return false;
            for (auto it = a.begin(); it != a.end(); ++it) {
                auto other = b.find(it.key());
                if (other == b.end() || !celEquals(it.value(), *other)) return false;
            }
            return true;
        }
        default:
            return a == b;
    }
}

// Returns <0, 0, >0; throws "no such overload" for unordered types.
int celCompare(const std::string& op, const json& a, const json& b) {
    if (isNumber(a) && isNumber(b)) {
        if (isInt(a) && isInt(b)) {
            std::int64_t x = asInt(a), y = asInt(b);
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        double x = asDouble(a), y = asDouble(b);
        if (std::isnan(x) || std::isnan(y)) return 2;  // every comparison with NaN is false
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    if (a.is_string() && b.is_string()) {
        int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    if (a.is_boolean() && b.is_boolean()) return int(a.get<bool>()) - int(b.get<bool>());
    noOverload(op, {&a, &b});
}

std::int64_t checkedAdd(std::int64_t x, std::int64_t y) {
    std::int64_t r;
    if (__builtin_add_overflow(x, y, &r)) throw CelError("integer overflow");
    return r;
}
std::int64_t checkedSub(std::int64_t x, std::int64_t y) {
    std::int64_t r;
    if (__builtin_sub_overflow(x, y, &r)) throw CelError("integer overflow");
    return r;
}
std::int64_t checkedMul(std::int64_t x, std::int64_t y) {
    std::int64_t r;
    if (__builtin_mul_overflow(x, y, &r)) throw CelError("integer overflow");
    return r;
}

std::size_t codePointCount(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) != 0x80) ++n;
    }
    return n;
}

// Kubernetes escapes property names that are not CEL identifiers: "__dash__" is "-", "__dot__"
// is ".", "__slash__" is "/", "__underscores__" is "__", and "__if__" etc. stand for reserved
// words. Returns nullopt for an invalid escape sequence.
std::optional<std::string> unescapePropertyName(const std::string& name) {
    static const std::set<std::string, std::less<>> reserved = {
        "true",     "false",   "null",      "in",       "as",  "break",  "const",
        "continue", "else",    "for",       "function", "if",  "import", "let",
        "loop",     "package", "namespace", "return",   "var", "void",   "while"};
    std::string out;
    std::size_t i = 0;
    while (i < name.size()) {
        if (name.compare(i, 2, "__") == 0) {
            std::size_t j = i + 2;
            while (j < name.size() && name[j] != '_') ++j;
            if (j > i + 2 && name.compare(j, 2, "__") == 0) {
                std::string contents = name.substr(i + 2, j - i - 2);
                if (contents == "underscores") {
                    out += "__";
                } else if (contents == "dot") {
                    out += ".";
                } else if (contents == "dash") {
                    out += "-";
                } else if (contents == "slash") {
                    out += "/";
                } else if (reserved.count(contents) != 0 && i == 0 && j + 2 == name.size()) {
                    out += contents;
                } else {
                    return std::nullopt;
                }
                i = j + 2;
                continue;
            }
        }
        out.push_back(name[i++]);
    }
    return out;
}

// Field lookup by CEL name: the literal property first, then its Kubernetes-escaped spelling.
json::const_iterator findProperty(const json& object, const std::string& name) {
    auto it = object.find(name);
    if (it == object.end() && name.find("__") != std::string::npos) {
        if (auto unescaped = unescapePropertyName(name)) it = object.find(*unescaped);
    }
    return it;
}

// ---------------------------------------------------------------------------------------------
// Evaluator

class Evaluator {
  public:
    Evaluator(const json& self, const json* oldSelf) : self_(self), oldSelf_(oldSelf) {}

    json eval(const Expr& e) {
        switch (e.kind) {
            case Kind::Literal:
                return e.literal;
            case Kind::Ident:
                return lookup(e.name);
            case Kind::Select: {
                if (const json* found = ref(e)) return norm(*found);
                json target = eval(*e.args[0]);
                if (!target.is_object()) {
                    throw CelError("type '" + typeName(target) +
                                   "' does not support field selection");
                }
                auto it = findProperty(target, e.name);
                if (it == target.end()) throw CelError("no such key: " + e.name);
                return norm(*it);
            }
            case Kind::Has: {
                if (const json* target = ref(*e.args[0]); target && target->is_object()) {
                    return findProperty(*target, e.name) != target->end();
                }
                json target = eval(*e.args[0]);
                if (!target.is_object()) {
                    throw CelError("type '" + typeName(target) +
                                   "' does not support field selection");
                }
                return findProperty(target, e.name) != target.end();
            }
            case Kind::Index:
                return index(eval(*e.args[0]), eval(*e.args[1]));
            case Kind::List: {
                json out = json::array();
                for (const auto& a : e.args) out.push_back(eval(*a));
                return out;
            }
            case Kind::Call:
                return call(e);
            case Kind::Macro:
                return macro(e);
            case Kind::Ternary: {
                json c = eval(*e.args[0]);
                if (!c.is_boolean()) noOverload("_?_:_", {&c});
                return eval(*e.args[c.get<bool>() ? 1 : 2]);
            }
            case Kind::And:
                return logical(e, false);
            case Kind::Or:
                return logical(e, true);
            case Kind::Not: {
                json v = eval(*e.args[0]);
                if (!v.is_boolean()) noOverload("!_", {&v});
                return !v.get<bool>();
            }
            case Kind::Neg: {
                json v = eval(*e.args[0]);
                if (isInt(v)) {
                    if (asInt(v) == kIntMin) throw CelError("integer overflow");
                    return -asInt(v);
                }
                if (isNumber(v)) return -asDouble(v);
                noOverload("-_", {&v});
            }
            case Kind::Binary:
                return binary(e);
        }
        throw CelError("internal error: unknown expression kind");
    }

  private:
    const json& self_;
    const json* oldSelf_;
    std::vector<std::pair<const std::string*, json>> vars_;

    // Resolves identifier and field-selection chains to the existing value without copying the
    // (possibly large) object at each step; nullptr when the slow path must compute or report.
    const json* ref(const Expr& e) const {
        if (e.kind == Kind::Ident) {
            for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
                if (*it->first == e.name) return &it->second;
            }
            if (e.name == "self") return &self_;
            if (e.name == "oldSelf") return oldSelf_;
            return nullptr;
        }
        if (e.kind != Kind::Select) return nullptr;
        const json* target = ref(*e.args[0]);
        if (!target || !target->is_object()) return nullptr;
        auto it = findProperty(*target, e.name);
        return it == target->end() ? nullptr : &*it;
    }

    json lookup(const std::string& name) {
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
            if (*it->first == name) return it->second;
        }
        if (name == "self") return norm(self_);
        if (name == "oldSelf") {
            if (!oldSelf_) {
                throw CelError("oldSelf is not available: transition rules need an old value");
            }
            return norm(*oldSelf_);
        }
        throw CelError("undeclared reference to '" + name + "'");
    }

    static json index(const json& target, const json& key) {
        if (target.is_array()) {
            std::int64_t i;
            if (isInt(key)) {
                i = asInt(key);
            } else if (key.is_number_float() &&
                       std::trunc(key.get<double>()) == key.get<double>() &&
                       std::abs(key.get<double>()) < 9.0e18) {
                i = static_cast<std::int64_t>(key.get<double>());
            } else {
                noOverload("_[_]", {&target, &key});
            }
            if (i < 0 || static_cast<std::uint64_t>(i) >= target.size()) {
                throw CelError("index out of range: " + std::to_string(i));
            }
            return norm(target[static_cast<std::size_t>(i)]);
        }
        if (target.is_object()) {
            if (!key.is_string()) throw CelError("no such key: " + key.dump());
            auto it = target.find(key.get_ref<const std::string&>());
            if (it == target.end()) {
                throw CelError("no such key: " + key.get_ref<const std::string&>());
            }
            return norm(*it);
        }
        noOverload("_[_]", {&target, &key});
    }

    // Commutative, error-absorbing && and ||: the absorbing value wins over an error.
    json logical(const Expr& e, bool isOr) {
        std::optional<CelError> err;
        auto side = [&](const Expr& x) -> std::optional<bool> {
            try {
                json v = eval(x);
                if (v.is_boolean()) return v.get<bool>();
                if (!err)
                    err = CelError("no such overload: " + std::string(isOr ? "_||_" : "_&&_") +
                                   " applied to (" + typeName(v) + ")");
            } catch (const CelError& ex) {
                if (!err) err = ex;
            }
            return std::nullopt;
        };
        std::optional<bool> l = side(*e.args[0]);
        if (l && *l == isOr) return isOr;
        std::optional<bool> r = side(*e.args[1]);
        if (r && *r == isOr) return isOr;
        if (l && r) return !isOr;
        throw *err;
    }

    json binary(const Expr& e) {
        const std::string& op = e.name;
        json a = eval(*e.args[0]);
        json b = eval(*e.args[1]);
        if (op == "==") return celEquals(a, b);
        if (op == "!=") return !celEquals(a, b);
        if (op == "<" || op == "<=" || op == ">" || op == ">=") {
            int c = celCompare("_" + op + "_", a, b);
            if (c == 2) return false;
            if (op == "<") return c < 0;
            if (op == "<=") return c <= 0;
            if (op == ">") return c > 0;
            return c >= 0;
        }
        if (op == "in") {
            if (b.is_array()) {
                for (const auto& item : b) {
                    if (celEquals(a, item)) return true;
                }
                return false;
            }
            if (b.is_object()) return a.is_string() && b.contains(a.get_ref<const std::string&>());
            noOverload("@in", {&a, &b});
        }
        if (op == "+") {
            if (isInt(a) && isInt(b)) return checkedAdd(asInt(a), asInt(b));
            if (isNumber(a) && isNumber(b)) return asDouble(a) + asDouble(b);
            if (a.is_string() && b.is_string()) {
                return a.get_ref<const std::string&>() + b.get_ref<const std::string&>();
            }
            if (a.is_array() && b.is_array()) {
                json out = a;
                for (const auto& item : b) out.push_back(item);
                return out;
            }
            noOverload("_+_", {&a, &b});
        }
        if (!isNumber(a) || !isNumber(b)) noOverload("_" + op + "_", {&a, &b});
        bool ints = isInt(a) && isInt(b);
        if (op == "-")
            return ints ? json(checkedSub(asInt(a), asInt(b))) : json(asDouble(a) - asDouble(b));
        if (op == "*")
            return ints ? json(checkedMul(asInt(a), asInt(b))) : json(asDouble(a) * asDouble(b));
        if (op == "/") {
            if (!ints) return asDouble(a) / asDouble(b);  // IEEE semantics, 1.0/0.0 is +Inf
            std::int64_t x = asInt(a), y = asInt(b);
            if (y == 0) throw CelError("division by zero");
            if (x == kIntMin && y == -1) throw CelError("integer overflow");
            return x / y;
        }
        if (op == "%") {
            if (!ints) noOverload("_%_", {&a, &b});
            std::int64_t x = asInt(a), y = asInt(b);
            if (y == 0) throw CelError("modulus by zero");
            if (x == kIntMin && y == -1) throw CelError("integer overflow");
            return x % y;
        }
        throw CelError("internal error: unknown operator " + op);
    }

    static const std::string& stringArg(const std::string& fn, const json& recv, const json& arg) {
        if (!recv.is_string() || !arg.is_string()) noOverload(fn, {&recv, &arg});
        return arg.get_ref<const std::string&>();
    }

    json call(const Expr& e) {
        std::vector<json> args;
        args.reserve(e.args.size());
        for (const auto& a : e.args) args.push_back(eval(*a));
        const std::string& fn = e.name;
        if (fn == "size") {
            const json& v = args[0];
            if (v.is_string()) {
                return static_cast<std::int64_t>(codePointCount(v.get_ref<const std::string&>()));
            }
            if (v.is_array() || v.is_object()) return static_cast<std::int64_t>(v.size());
            noOverload("size", {&v});
        }
        if (fn == "startsWith" || fn == "endsWith" || fn == "contains") {
            const std::string& needle = stringArg(fn, args[0], args[1]);
            std::string_view hay = args[0].get_ref<const std::string&>();
            if (fn == "startsWith") return hay.substr(0, needle.size()) == needle;
            if (fn == "endsWith") {
                return hay.size() >= needle.size() &&
                       hay.substr(hay.size() - needle.size()) == needle;
            }
            return hay.find(needle) != std::string_view::npos;
        }
        if (fn == "matches") {
            const std::string& pattern = stringArg(fn, args[0], args[1]);
            if (e.regex) return e.regex->search(args[0].get_ref<const std::string&>());
            try {
                return core::Regex(pattern).search(args[0].get_ref<const std::string&>());
            } catch (const core::RegexError& err) {
                throw CelError(err.what());
            }
        }
        if (fn == "int") return toInt(args[0]);
        if (fn == "double") return toDouble(args[0]);
        if (fn == "string") return toString(args[0]);
        throw CelError("undeclared reference to '" + fn + "'");
    }

    static json toInt(const json& v) {
        if (isInt(v)) return asInt(v);
        if (v.is_number_unsigned()) throw CelError("integer overflow");
        if (v.is_number_float()) {
            double d = v.get<double>();
            // Same range test as cel-go; NaN is rejected too rather than being undefined.
            if (std::isnan(d) || std::isinf(d) || d <= -9223372036854775808.0 ||
                d >= 9223372036854775807.0) {
                throw CelError("integer overflow");
            }
            return static_cast<std::int64_t>(d);
        }
        if (v.is_string()) {
            const std::string& s = v.get_ref<const std::string&>();
            std::string_view digits = s;
            if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
            std::int64_t out = 0;
            auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
            if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() ||
                (s.size() > 1 && s[0] == '+' && s[1] == '-')) {
                throw CelError("type conversion error from 'string' to 'int'");
            }
            return out;
        }
        noOverload("int", {&v});
    }

    static json toDouble(const json& v) {
        if (isNumber(v)) return asDouble(v);
        if (v.is_string()) {
            const std::string& s = v.get_ref<const std::string&>();
            char* end = nullptr;
            double d = std::strtod(s.c_str(), &end);
            if (s.empty() || end != s.c_str() + s.size() ||
                std::isspace(static_cast<unsigned char>(s[0]))) {
                throw CelError("type conversion error from 'string' to 'double'");
            }
            return d;
        }
        noOverload("double", {&v});
    }

    static json toString(const json& v) {
        if (v.is_string()) return v;
        if (isInt(v)) return std::to_string(asInt(v));
        if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
        if (v.is_number_float())
            return core::goFormatFloat(v.get<double>());  // cel-go's string(double)
        if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
        noOverload("string", {&v});
    }

    json macro(const Expr& e) {
        json range = eval(*e.args[0]);
        std::vector<json> items;
        if (range.is_array()) {
            for (const auto& item : range) items.push_back(norm(item));
        } else if (range.is_object()) {
            for (auto it = range.begin(); it != range.end(); ++it) items.emplace_back(it.key());
        } else {
            noOverload(e.name, {&range});
        }
        const std::string& m = e.name;
        auto bind = [&](const json& item, const Expr& body) {
            vars_.emplace_back(&e.var, item);
            struct Pop {
                std::vector<std::pair<const std::string*, json>>& v;
                ~Pop() { v.pop_back(); }
            } pop{vars_};
            return eval(body);
        };
        auto predicate = [&](const json& item, const Expr& body) {
            json r = bind(item, body);
            if (!r.is_boolean())
                throw CelError("no such overload: " + m + " predicate returned " + typeName(r));
            return r.get<bool>();
        };

        if (m == "all" || m == "exists") {
            // all: false absorbs errors; exists: true absorbs errors.
            bool absorbing = m == "exists";
            std::optional<CelError> err;
            for (const auto& item : items) {
                try {
                    if (predicate(item, *e.args[1]) == absorbing) return absorbing;
                } catch (const CelError& ex) {
                    if (!err) err = ex;
                }
            }
            if (err) throw *err;
            return !absorbing;
        }
        if (m == "exists_one") {
            int count = 0;
            for (const auto& item : items) {
                if (predicate(item, *e.args[1])) ++count;
            }
            return count == 1;
        }
        json out = json::array();
        if (m == "filter") {
            for (const auto& item : items) {
                if (predicate(item, *e.args[1])) out.push_back(item);
            }
            return out;
        }
        // map(v, expr) or map(v, pred, expr)
        for (const auto& item : items) {
            if (e.args.size() == 3 && !predicate(item, *e.args[1])) continue;
            out.push_back(bind(item, *e.args.back()));
        }
        return out;
    }
};

}  // namespace

CelProgram CelProgram::compile(const std::string& expression) {
    // cel-go reads the rule as runes: a byte that is not UTF-8 is U+FFFD.
    const std::string source = core::goCoerceUtf8(expression);
    try {
        Lexer lexer(source);
        Parser parser(lexer.run());
        ExprPtr root = parser.parseAll();
        Checker checker;
        checker.check(*root);
        CelProgram program;
        program.expression_ = expression;
        program.root_ = std::shared_ptr<const Expr>(std::move(root));
        program.usesOldSelf_ = checker.usesOldSelf;
        return program;
    } catch (const CompileFailure& f) {
        throw CelError(formatCompileError(source, f.pos, f.message));
    }
}

json CelProgram::evaluate(const json& self, const json* oldSelf) const {
    if (!root_) throw CelError("program was not compiled");
    try {
        Evaluator ev(self, oldSelf);
        return ev.eval(*root_);
    } catch (const json::exception& ex) {
        // Should not happen; keep library errors inside the documented exception type.
        throw CelError(std::string("internal error: ") + ex.what());
    }
}

}  // namespace mcpsim::apiserver
