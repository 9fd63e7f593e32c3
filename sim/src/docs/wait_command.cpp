#include "mcpsim/sim/docs/wait_command.hpp"

#include "mcpsim/core/go_format.hpp"

#include <sstream>
#include <vector>

namespace mcpsim::sim::docs {

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Splits a command line into words with shell quoting (no expansions: any `$` disqualifies).
std::optional<std::vector<std::string>> words(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool inWord = false;
    char quote = 0;
    for (char c : line) {
        if (quote) {
            if (c == quote) {
                quote = 0;
            } else {
                cur += c;
            }
            continue;
        }
        if (c == '$' || c == '`' || c == '|' || c == ';' || c == '&' || c == '>' || c == '<') {
            return std::nullopt;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            inWord = true;
        } else if (c == ' ' || c == '\t') {
            if (inWord) out.push_back(cur);
            cur.clear();
            inWord = false;
        } else {
            cur += c;
            inWord = true;
        }
    }
    if (quote) return std::nullopt;
    if (inWord) out.push_back(cur);
    return out;
}

}  // namespace

bool WaitCommand::matches(const Json& c) const {
    return lower(c.value("type", "")) == lower(condition) &&
           lower(c.value("status", "")) == lower(want);
}

std::optional<WaitCommand> parseWaitCommand(const std::string& code) {
    std::string line;
    std::istringstream in(code);
    std::string l;
    while (std::getline(in, l)) {
        const auto b = l.find_first_not_of(" \t");
        if (b == std::string::npos || l[b] == '#') continue;
        if (!line.empty()) return std::nullopt;  // more than one command
        line = l.substr(b);
    }
    auto w = words(line);
    if (!w || w->size() < 3 || (*w)[0] != "kubectl" || (*w)[1] != "wait") return std::nullopt;
    WaitCommand cmd;
    std::vector<std::string> positional;
    for (std::size_t i = 2; i < w->size(); ++i) {
        std::string a = (*w)[i];
        std::string value;
        auto takeValue = [&](const std::string& flag) -> bool {
            if (a == flag) {
                if (i + 1 >= w->size()) return false;
                value = (*w)[++i];
                return true;
            }
            if (a.rfind(flag + "=", 0) == 0) {
                value = a.substr(flag.size() + 1);
                return true;
            }
            return false;
        };
        if (takeValue("--for")) {
            if (value.rfind("condition=", 0) != 0) return std::nullopt;
            std::string cond = value.substr(10);
            if (auto eq = cond.find('='); eq != std::string::npos) {
                cmd.want = cond.substr(eq + 1);
                cond = cond.substr(0, eq);
            }
            cmd.condition = cond;
        } else if (takeValue("--timeout")) {
            // kubectl's --timeout is a Go duration (60s, 1m30s, 500ms).
            auto d = core::goParseDuration(value);
            if (!d) return std::nullopt;
            cmd.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
        } else if (takeValue("-n") || takeValue("--namespace")) {
            cmd.ns = value;
        } else if (!a.empty() && a[0] == '-') {
            return std::nullopt;  // --all, -l, -f ...: not a single named object
        } else {
            positional.push_back(a);
        }
    }
    if (cmd.condition.empty()) return std::nullopt;
    if (positional.size() == 1) {
        const auto slash = positional[0].find('/');
        if (slash == std::string::npos) return std::nullopt;
        cmd.resource = positional[0].substr(0, slash);
        cmd.name = positional[0].substr(slash + 1);
    } else if (positional.size() == 2) {
        cmd.resource = positional[0];
        cmd.name = positional[1];
    } else {
        return std::nullopt;
    }
    return cmd;
}

}  // namespace mcpsim::sim::docs
