#include "text_diff.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

namespace mcpsim::sim::scenario {

namespace {

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace

std::string lineDiff(const std::string& from, const std::string& to, const std::string& fromName,
                     const std::string& toName) {
    const auto a = lines(from), b = lines(to);
    // Longest common subsequence table; objects in reports are small.
    std::vector<std::vector<int>> lcs(a.size() + 1, std::vector<int>(b.size() + 1, 0));
    for (std::size_t i = a.size(); i-- > 0;) {
        for (std::size_t j = b.size(); j-- > 0;) {
            lcs[i][j] =
                a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    std::string out = "    --- " + fromName + "\n    +++ " + toName + "\n";
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        if (i < a.size() && j < b.size() && a[i] == b[j]) {
            out += "     " + a[i++] + "\n";
            ++j;
        } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
            out += "    -" + a[i++] + "\n";  // removals first, as unified diffs show them
        } else {
            out += "    +" + b[j++] + "\n";
        }
    }
    return out;
}

}  // namespace mcpsim::sim::scenario
