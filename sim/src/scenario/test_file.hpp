#pragma once
// A Kyverno Chainsaw `Test` (chainsaw.kyverno.io/v1alpha1) as `mcpsim run` executes it, read
// strictly: a field Chainsaw does not know is an error, and so is one mcpsim does not implement
// yet, each naming the file, the line and the field. Nothing of the file is silently ignored.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mcpsim/core/json.hpp"

namespace mcpsim::sim::scenario {

// "FILE:LINE: message".
struct ScenarioError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct SourceLocation {
    std::string file;
    int line = 0;
    std::string str() const { return file + ":" + std::to_string(line); }
};

using Duration = std::chrono::milliseconds;

struct Binding {
    std::string name;
    Json value;  // templated when it is used: `($namespace)`
};

// The per-type timeouts of Chainsaw (`timeouts:` of a test, a step or the configuration).
struct Timeouts {
    std::optional<Duration> apply, assert, cleanup, remove, error, exec;
};

struct Expectation {
    std::optional<Json> match;
    Json check;
};

struct Output {
    std::string name;
    Json value;
    std::optional<Json> match;
};

enum class OperationKind {
    Apply,
    Create,
    Update,
    Patch,
    Assert,
    Error,
    Delete,
    Script,
    Command,
    Sleep,
    Wait,
    Get,
    Describe,
    Events,
    PodLogs,
};
const char* operationName(OperationKind kind);  // "apply", "podLogs", ...

struct Operation {
    OperationKind kind = OperationKind::Apply;
    SourceLocation at;
    std::string description;
    bool continueOnError = false;
    std::vector<Binding> bindings;
    std::optional<Duration> timeout;
    // apply, create, update, patch, assert, error, delete: the documents (inline `resource`, or
    // every document of `file`), and for delete without them the `ref`.
    std::vector<Json> resources;
    std::string file;  // as written, for reports
    std::optional<Json> ref;
    bool templated = true;
    std::vector<Expectation> expect;
    std::vector<Output> outputs;
    // script and command
    std::string content;
    std::string entrypoint;
    std::vector<std::string> args;
    std::vector<Binding> env;
    std::string workDir;
    std::optional<Json> check;
    bool skipLogOutput = false;
    bool skipCommandOutput = false;
    // sleep
    Duration duration{};
    // wait and the collectors (get, describe, events, podLogs): the operation's own fields
    Json spec;
};

struct Step {
    std::string name;
    SourceLocation at;
    std::string description;
    Timeouts timeouts;
    std::vector<Binding> bindings;
    std::optional<bool> skipDelete;
    std::vector<Operation> tryOps, catchOps, finallyOps, cleanupOps;
};

struct Test {
    std::string name;
    SourceLocation at;
    std::string dir;  // the folder of the file: `file:` and scripts are relative to it
    std::string description;
    std::string ns;  // spec.namespace; empty: an ephemeral chainsaw-<adj>-<animal>
    // The world profile the test needs (annotation mcpsim.io/world, which real Chainsaw
    // ignores); empty: the run's --world.
    std::string world;
    bool skip = false;
    bool skipDelete = false;
    Timeouts timeouts;
    std::vector<Binding> bindings;
    std::vector<Operation> catchOps;  // runs before each step's catch
    std::vector<Step> steps;
};

// Every `Test` document of a file. Throws ScenarioError.
std::vector<Test> loadTestFile(const std::string& path);
// Same, from text; `path` names it in errors and its folder resolves `file:` references.
std::vector<Test> parseTests(const std::string& path, const std::string& yaml);

// A Go duration ("5s", "1m30s", "250ms"). Throws std::invalid_argument.
Duration parseGoDuration(const std::string& text);

}  // namespace mcpsim::sim::scenario
