#pragma once
// Text for JUnit reports: the characters XML reserves in text and attributes escaped, control
// characters other than newline and tab dropped (XML 1.0 cannot hold them).
#include <string>

namespace mcpsim::sim {

inline std::string xmlEscape(const std::string& s) {
    std::string o;
    for (char c : s) {
        switch (c) {
            case '<':
                o += "&lt;";
                break;
            case '>':
                o += "&gt;";
                break;
            case '&':
                o += "&amp;";
                break;
            case '"':
                o += "&quot;";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') continue;
                o += c;
        }
    }
    return o;
}

}  // namespace mcpsim::sim
