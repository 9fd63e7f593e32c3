#include "mcpsim/sim/docs/page.hpp"

#include <regex>
#include <set>
#include <sstream>

#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/regex.hpp"
#include "mcpsim/core/yaml.hpp"

namespace mcpsim::sim::docs {

namespace {

const std::set<std::string> kShellLanguages = {"bash", "sh", "shell", "console-bash"};
const std::set<std::string> kKeys = {"exit",         "stdout",  "stderr", "eventually",
                                     "known-defect", "timeout", "skip"};

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

[[noreturn]] void fail(const std::string& path, int line, const std::string& message) {
    throw PageError(path + ":" + std::to_string(line) + ": " + message);
}

// The line (from `firstLine`) of `body` where `key:` appears, for error messages.
int lineOfKey(const std::string& body, int firstLine, const std::string& key) {
    const auto lines = splitLines(body);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].find(key + ":") != std::string::npos) return firstLine + static_cast<int>(i);
    }
    return firstLine;
}

std::chrono::milliseconds parseDuration(const Json& v, const std::string& where) {
    if (v.is_number()) {
        return std::chrono::milliseconds(static_cast<long long>(v.get<double>() * 1000));
    }
    const std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    const auto d = core::goParseDuration(text);  // Go's syntax, as kubectl's --timeout
    if (!d || d->count() < 0) {
        throw PageError(where + ": invalid duration \"" + text + "\" (want e.g. 500ms, 30s, 2m)");
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

std::vector<LineExpectation> parseLines(const Json& v, const std::string& where) {
    std::vector<LineExpectation> out;
    const Json list = v.is_array() ? v : Json::array({v});
    for (const auto& item : list) {
        if (!item.is_string()) throw PageError(where + ": expected lines must be strings");
        std::string s = item.get<std::string>();
        LineExpectation e;
        if (s.size() >= 2 && s.front() == '/' && s.back() == '/') {
            e.text = s.substr(1, s.size() - 2);
            e.regex = true;
            try {
                (void)core::Regex(e.text);  // RE2: the syntax of Go's regexp
            } catch (const core::RegexError& err) {
                throw PageError(where + ": invalid regex /" + e.text + "/: " + err.what());
            }
        } else {
            e.text = s;
        }
        out.push_back(e);
    }
    return out;
}

// Reads one block's expectation object; `body` and `firstLine` locate keys for errors.
Expectation parseExpectation(const Json& obj, const std::string& path, const std::string& body,
                             int firstLine) {
    Expectation e;
    e.source = path + ":" + std::to_string(firstLine);
    if (obj.is_null()) return e;
    if (!obj.is_object())
        fail(path, firstLine, "an expectation is a mapping of keys (exit, stdout, ...)");
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        const std::string& key = it.key();
        const std::string where = path + ":" + std::to_string(lineOfKey(body, firstLine, key));
        if (!kKeys.count(key)) {
            throw PageError(where + ": unknown expectation key \"" + key +
                            "\" (known: exit, stdout, stderr, eventually, known-defect, timeout, "
                            "skip)");
        }
        const Json& v = it.value();
        if (key == "exit") {
            if (!v.is_number_integer()) throw PageError(where + ": exit must be an integer");
            e.exitCode = v.get<int>();
        } else if (key == "stdout") {
            e.stdoutLines = parseLines(v, where);
        } else if (key == "stderr") {
            e.stderrLines = parseLines(v, where);
        } else if (key == "eventually") {
            e.eventually = parseDuration(v, where);
        } else if (key == "timeout") {
            e.timeout = parseDuration(v, where);
        } else if (key == "known-defect" || key == "skip") {
            if (!v.is_string()) throw PageError(where + ": " + key + " takes the reason as text");
            (key == "skip" ? e.skip : e.knownDefect) = v.get<std::string>();
        }
    }
    return e;
}

Json parseYamlAt(const std::string& text, const std::string& path, int line) {
    try {
        return core::parseYaml(text);
    } catch (const std::exception& err) {
        fail(path, line, std::string("invalid expectation YAML: ") + err.what());
    }
}

}  // namespace

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::string line;
    std::istringstream in(text);
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

Page parsePage(const std::string& path, const std::string& markdown) {
    Page page;
    page.path = path;
    const auto lines = splitLines(markdown);
    std::optional<std::pair<int, std::string>> pending;  // annotation line and body
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const int lineNo = static_cast<int>(i) + 1;
        const std::string t = trim(lines[i]);
        if (t.rfind("<!-- mcpsim", 0) == 0) {
            if (pending) fail(path, pending->first, "annotation is not followed by a shell block");
            std::string body = t.substr(11);
            if (!body.empty() && body[0] == ':') body.erase(0, 1);
            std::size_t j = i;
            int bodyLine = lineNo;
            if (body.find("-->") == std::string::npos) {
                body += "\n";
                if (trim(body).empty()) bodyLine = lineNo + 1;
                for (++j; j < lines.size() && lines[j].find("-->") == std::string::npos; ++j) {
                    body += lines[j] + "\n";
                }
                if (j == lines.size()) fail(path, lineNo, "annotation comment is not closed (-->)");
                body += lines[j].substr(0, lines[j].find("-->"));
            } else {
                body = body.substr(0, body.find("-->"));
            }
            pending = std::make_pair(bodyLine, body);
            i = j;
            continue;
        }
        const bool backticks = t.rfind("```", 0) == 0;
        if (backticks || t.rfind("~~~", 0) == 0) {
            const char fenceChar = t[0];
            std::size_t fenceLen = t.find_first_not_of(fenceChar);
            if (fenceLen == std::string::npos) fenceLen = t.size();
            const std::string info = trim(t.substr(fenceLen));
            const std::string lang = info.substr(0, info.find_first_of(" \t{"));
            std::string code;
            std::size_t j = i + 1;
            for (; j < lines.size(); ++j) {
                const std::string c = trim(lines[j]);
                if (c.size() >= fenceLen && c.find_first_not_of(fenceChar) == std::string::npos) {
                    break;
                }
                code += lines[j] + "\n";
            }
            if (kShellLanguages.count(lang)) {
                ShellBlock b;
                b.number = static_cast<int>(page.blocks.size()) + 1;
                b.line = lineNo;
                b.language = lang;
                b.code = code;
                if (pending) {
                    b.expect = parseExpectation(parseYamlAt(pending->second, path, pending->first),
                                                path, pending->second, pending->first);
                    pending.reset();
                } else {
                    b.expect.source = path + ":" + std::to_string(lineNo);
                }
                page.blocks.push_back(std::move(b));
            } else if (pending) {
                fail(path, pending->first,
                     "annotation is followed by a \"" + lang + "\" block, not a shell block");
            }
            i = j;
            continue;
        }
        if (pending && !t.empty()) {
            fail(path, pending->first, "annotation is not followed by a shell block");
        }
    }
    if (pending) fail(path, pending->first, "annotation is not followed by a shell block");
    return page;
}

void applySidecar(Page& page, const std::string& sidecarPath, const std::string& yaml) {
    Json doc = parseYamlAt(yaml, sidecarPath, 1);
    if (!doc.is_object() || !doc.contains("blocks") || !doc["blocks"].is_object()) {
        fail(sidecarPath, 1, "a sidecar is a mapping with `blocks: {N: {...}}`");
    }
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        if (it.key() != "blocks") {
            fail(sidecarPath, lineOfKey(yaml, 1, it.key()),
                 "unknown sidecar key \"" + it.key() + "\" (known: blocks)");
        }
    }
    for (auto it = doc["blocks"].begin(); it != doc["blocks"].end(); ++it) {
        const int line = lineOfKey(yaml, 1, it.key());
        int n = 0;
        try {
            n = std::stoi(it.key());
        } catch (const std::exception&) {
            fail(sidecarPath, line, "block keys are block numbers, not \"" + it.key() + "\"");
        }
        if (n < 1 || n > static_cast<int>(page.blocks.size())) {
            fail(sidecarPath, line,
                 "block " + it.key() + " does not exist (" + page.path + " has " +
                     std::to_string(page.blocks.size()) + " shell blocks)");
        }
        page.blocks[n - 1].expect = parseExpectation(it.value(), sidecarPath, yaml, line);
    }
}

namespace {

bool lineMatches(const LineExpectation& e, const std::string& line) {
    if (!e.regex) return line.find(e.text) != std::string::npos;
    return core::Regex(e.text).search(line);
}

// Marks each expected line found (in order) or missing; returns the number missing.
int matchInOrder(const std::vector<LineExpectation>& want, const std::string& text,
                 const std::string& stream, std::string& diff) {
    const auto lines = splitLines(text);
    std::size_t from = 0;
    int missing = 0;
    for (const auto& e : want) {
        const std::string shown = e.regex ? "/" + e.text + "/" : e.text;
        bool found = false;
        for (std::size_t i = from; i < lines.size(); ++i) {
            if (lineMatches(e, lines[i])) {
                from = i + 1;
                found = true;
                break;
            }
        }
        diff += std::string(found ? "  = " : "  - ") + stream + ": " + shown + "\n";
        if (!found) ++missing;
    }
    return missing;
}

}  // namespace

Verdict judge(const Expectation& e, int exitCode, const std::string& out, const std::string& err) {
    Verdict v;
    if (exitCode != e.exitCode) {
        v.problems.push_back("exit code " + std::to_string(exitCode) + ", expected " +
                             std::to_string(e.exitCode));
    }
    std::string marks;
    const int missingOut = matchInOrder(e.stdoutLines, out, "stdout", marks);
    const int missingErr = matchInOrder(e.stderrLines, err, "stderr", marks);
    if (missingOut > 0) {
        v.problems.push_back(std::to_string(missingOut) + " expected stdout line(s) not found");
    }
    if (missingErr > 0) {
        v.problems.push_back(std::to_string(missingErr) + " expected stderr line(s) not found");
    }
    v.passed = v.problems.empty();
    if (!v.passed && !marks.empty()) {
        v.diff = "expected, in order (= found, - missing):\n" + marks;
    }
    return v;
}

std::optional<std::string> outOfScope(const std::string& code) {
    static const std::vector<std::pair<std::regex, std::string>> rules = {
        {std::regex("^(sudo +)?helm( |$)"), "helm installs charts on a real cluster"},
        {std::regex("^(sudo +)?kind( |$)"), "kind creates real clusters"},
        {std::regex("^(sudo +)?make( |$)"), "make runs the upstream project's build"},
        {std::regex("^(sudo +)?istioctl( |$)"), "istioctl talks to a real Istio"},
        {std::regex("^(sudo +)?docker( |$)"), "docker runs real containers"},
        {std::regex("^(sudo +)?podman( |$)"), "podman runs real containers"},
        {std::regex("^git +clone( |$)"), "git clone fetches the upstream sources"},
        {std::regex("^go +(run|build|install)( |$)"), "go builds the upstream sources"},
        {std::regex("^kubectl +port-forward( |$)"),
         "kubectl port-forward is not simulated (reach Services through the gateway URL)"},
    };
    for (const auto& raw : splitLines(code)) {
        std::string line = trim(raw);
        if (line.empty() || line[0] == '#') continue;
        // Leading environment assignments (FOO=bar cmd) do not change the command.
        static const std::regex assign("^([A-Za-z_][A-Za-z0-9_]*=[^ ]* +)+");
        line = std::regex_replace(line, assign, "");
        for (const auto& [re, why] : rules) {
            if (std::regex_search(line, re)) return "`" + line + "`: " + why;
        }
    }
    return std::nullopt;
}

}  // namespace mcpsim::sim::docs
