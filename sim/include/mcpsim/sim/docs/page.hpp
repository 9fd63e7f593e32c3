#pragma once
// A documentation page as `mcpsim docs` reads it: its fenced shell blocks (bash, sh, shell) in
// order, each with what it is expected to do. Expectations come from an HTML comment right
// before the block (GitHub does not render it) or from a sidecar file for pages we do not own:
//
//   <!-- mcpsim
//   exit: 1                      # expected exit code (default 0)
//   stdout: [created, /True +1/]  # lines, in order: text a line contains, or /a regex/
//   stderr: ["timed out waiting"]
//   eventually: 30s              # re-run until it matches, for at most this long
//   known-defect: the wait runs before the ReferenceGrant it needs
//   timeout: 120s                # stop the block after this long (default 90s)
//   skip: needs a real cluster
//   -->
//
// Sidecar (YAML): `blocks: {2: {exit: 1, ...}, 6: {...}}`, keyed by block number (from 1).
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcpsim::sim::docs {

// A page or sidecar the runner refuses, with the place: "FILE:LINE: message".
struct PageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct LineExpectation {
    std::string text;  // without the slashes when a regex
    bool regex = false;
};

struct Expectation {
    int exitCode = 0;
    std::vector<LineExpectation> stdoutLines;
    std::vector<LineExpectation> stderrLines;
    std::optional<std::chrono::milliseconds> eventually;
    std::optional<std::string> knownDefect;
    std::optional<std::chrono::milliseconds> timeout;
    std::optional<std::string> skip;
    std::string source;  // "FILE:LINE" of the annotation, for reports
};

struct ShellBlock {
    int number = 0;  // from 1, in page order
    int line = 0;    // line of the opening fence
    std::string language;
    std::string code;
    Expectation expect;
};

struct Page {
    std::string path;
    std::vector<ShellBlock> blocks;
};

// Parses the page's text; `path` names it in errors. Throws PageError.
Page parsePage(const std::string& path, const std::string& markdown);
// Applies a sidecar's expectations to the page's blocks. Throws PageError (unknown block numbers
// and keys included).
void applySidecar(Page& page, const std::string& sidecarPath, const std::string& yaml);

// How one run of a block compares with its expectation.
struct Verdict {
    bool passed = false;
    std::vector<std::string> problems;  // one line each: "exit code 0, expected 1"
    std::string diff;                   // expected vs actual lines, marked
};
Verdict judge(const Expectation& e, int exitCode, const std::string& out, const std::string& err);

// The lines of a text, without their newlines.
std::vector<std::string> splitLines(const std::string& text);

// Why a block cannot run in the simulator (helm, kind, make, ...), or nullopt.
std::optional<std::string> outOfScope(const std::string& code);

}  // namespace mcpsim::sim::docs
