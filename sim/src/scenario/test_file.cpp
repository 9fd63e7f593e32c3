#include "test_file.hpp"

#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>

#include "assertion.hpp"
#include "mcpsim/core/yaml.hpp"
#include "mcpsim/sim/world.hpp"

namespace mcpsim::sim::scenario {

namespace fs = std::filesystem;

const char* operationName(OperationKind kind) {
    switch (kind) {
        case OperationKind::Apply:
            return "apply";
        case OperationKind::Create:
            return "create";
        case OperationKind::Update:
            return "update";
        case OperationKind::Patch:
            return "patch";
        case OperationKind::Assert:
            return "assert";
        case OperationKind::Error:
            return "error";
        case OperationKind::Delete:
            return "delete";
        case OperationKind::Script:
            return "script";
        case OperationKind::Command:
            return "command";
        case OperationKind::Sleep:
            return "sleep";
        case OperationKind::Wait:
            return "wait";
        case OperationKind::Get:
            return "get";
        case OperationKind::Describe:
            return "describe";
        case OperationKind::Events:
            return "events";
        case OperationKind::PodLogs:
            return "podLogs";
    }
    return "?";
}

Duration parseGoDuration(const std::string& text) {
    static const std::regex part(R"(([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h))");
    if (text == "0") return Duration{0};
    double total = 0;
    std::size_t at = 0;
    for (std::sregex_iterator it(text.begin(), text.end(), part), end; it != end; ++it) {
        if (static_cast<std::size_t>(it->position()) != at) break;
        const double n = std::stod((*it)[1]);
        const std::string unit = (*it)[2];
        const double ms = unit == "h"    ? 3600e3
                          : unit == "m"  ? 60e3
                          : unit == "s"  ? 1e3
                          : unit == "ms" ? 1
                          : unit == "ns" ? 1e-6
                                         : 1e-3;
        total += n * ms;
        at += static_cast<std::size_t>(it->length());
    }
    if (at == 0 || at != text.size()) {
        throw std::invalid_argument("time: invalid duration \"" + text + "\"");
    }
    return Duration{static_cast<Duration::rep>(total)};
}

namespace {

// One document being read: every error names the line of the node it is about.
class Reader {
  public:
    Reader(const std::string& path, const core::YamlSourceDocument& doc)
        : path_(path), dir_(fs::path(path).parent_path().string()), doc_(doc) {}

    [[noreturn]] void fail(const std::string& pointer, const std::string& message) const {
        throw ScenarioError(at(pointer).str() + ": " + message);
    }
    SourceLocation at(const std::string& pointer) const { return {path_, doc_.lineOf(pointer)}; }

    // Known fields of an object: every other field is an error, and a field Chainsaw has but
    // mcpsim does not implement is named as such.
    void checkFields(const Json& object, const std::string& pointer, const std::string& what,
                     const std::set<std::string>& known,
                     const std::set<std::string>& unsupported = {}) const {
        if (!object.is_object()) fail(pointer, what + " must be an object");
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (unsupported.count(it.key())) {
                fail(pointer + "/" + it.key(),
                     what + "." + it.key() + " is not supported in mcpsim");
            }
            if (!known.count(it.key())) {
                fail(pointer + "/" + it.key(), "unknown field \"" + it.key() + "\" in " + what);
            }
        }
    }

    std::string string(const Json& object, const std::string& pointer, const char* key,
                       const std::string& fallback = "") const {
        if (!object.contains(key)) return fallback;
        if (!object[key].is_string())
            fail(pointer + "/" + key, std::string(key) + " must be a string");
        return object[key].get<std::string>();
    }
    bool boolean(const Json& object, const std::string& pointer, const char* key) const {
        if (!object.contains(key)) return false;
        if (!object[key].is_boolean())
            fail(pointer + "/" + key, std::string(key) + " must be a boolean");
        return object[key].get<bool>();
    }
    std::optional<Duration> duration(const Json& object, const std::string& pointer,
                                     const char* key) const {
        if (!object.contains(key)) return std::nullopt;
        try {
            return parseGoDuration(string(object, pointer, key));
        } catch (const std::invalid_argument& e) {
            fail(pointer + "/" + key, e.what());
        }
    }
    const Json& list(const Json& object, const std::string& pointer, const char* key) const {
        static const Json empty = Json::array();
        if (!object.contains(key)) return empty;
        if (!object[key].is_array())
            fail(pointer + "/" + key, std::string(key) + " must be a list");
        return object[key];
    }

    Timeouts timeouts(const Json& object, const std::string& pointer) const {
        Timeouts t;
        if (!object.contains("timeouts")) return t;
        const std::string p = pointer + "/timeouts";
        checkFields(object["timeouts"], p, "timeouts",
                    {"apply", "assert", "cleanup", "delete", "error", "exec"});
        const Json& o = object["timeouts"];
        t.apply = duration(o, p, "apply");
        t.assert = duration(o, p, "assert");
        t.cleanup = duration(o, p, "cleanup");
        t.remove = duration(o, p, "delete");
        t.error = duration(o, p, "error");
        t.exec = duration(o, p, "exec");
        return t;
    }

    std::vector<Binding> bindings(const Json& object, const std::string& pointer,
                                  const char* key = "bindings") const {
        static const std::regex name(R"(^(?:\w+|\(.+\))$)");
        std::vector<Binding> out;
        const Json& items = list(object, pointer, key);
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::string p = pointer + "/" + key + "/" + std::to_string(i);
            checkFields(items[i], p, key, {"name", "value"}, {"compiler"});
            Binding b;
            b.name = string(items[i], p, "name");
            if (!std::regex_match(b.name, name)) {
                fail(p + "/name", "invalid binding name \"" + b.name + "\"");
            }
            b.value = items[i].value("value", Json());
            checkTemplate(b.value, p + "/value");
            out.push_back(std::move(b));
        }
        return out;
    }

    // `(expr)` strings must parse now, not when the operation runs.
    void checkTemplate(const Json& value, const std::string& pointer) const {
        try {
            checkTemplateExpressions(value);
        } catch (const AssertionError& e) {
            fail(pointer, e.what());
        }
    }
    void checkTree(const Json& tree, const std::string& pointer) const {
        try {
            AssertionTree::compile(tree);
        } catch (const AssertionError& e) {
            fail(pointer, e.what());
        }
    }

    // `resource:` or the documents of `file:` (relative to the test's folder, globs allowed).
    void resources(const Json& o, const std::string& p, Operation& op, bool tree) const {
        if (o.contains("resource") && o.contains("file")) {
            fail(p, "resource and file are mutually exclusive");
        }
        if (o.contains("resource")) {
            if (!o["resource"].is_object()) fail(p + "/resource", "resource must be an object");
            op.resources.push_back(o["resource"]);
            tree ? checkTree(o["resource"], p + "/resource")
                 : checkTemplate(o["resource"], p + "/resource");
        } else if (o.contains("file")) {
            op.file = string(o, p, "file");
            for (const auto& f : expandFile(op.file, p + "/file")) {
                std::vector<core::YamlSourceDocument> docs;
                try {
                    docs = core::parseYamlSourceDocuments(readFile(f, p + "/file"));
                } catch (const core::YamlError& e) {
                    throw ScenarioError(f + ":" + std::to_string(e.line) + ": " + e.what());
                }
                for (auto& d : docs) {
                    if (tree) {
                        try {
                            AssertionTree::compile(d.value);
                        } catch (const AssertionError& e) {
                            throw ScenarioError(f + ":" + std::to_string(d.lineOf("")) + ": " +
                                                e.what());
                        }
                    }
                    op.resources.push_back(std::move(d.value));
                }
            }
        }
    }

    std::vector<std::string> expandFile(const std::string& file, const std::string& p) const {
        if (file.find("://") != std::string::npos) fail(p, "file URLs are not supported in mcpsim");
        const std::string pattern =
            fs::path(file).is_absolute() ? file : (fs::path(dir_) / file).string();
        glob_t g{};
        std::vector<std::string> out;
        if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
            for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
        }
        ::globfree(&g);
        if (out.empty()) fail(p, "no file matches \"" + file + "\"");
        return out;
    }
    std::string readFile(const std::string& file, const std::string& p) const {
        std::ifstream in(file, std::ios::binary);
        if (!in) fail(p, "cannot read " + file);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    void expectations(const Json& o, const std::string& p, Operation& op) const {
        const Json& items = list(o, p, "expect");
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::string ip = p + "/expect/" + std::to_string(i);
            checkFields(items[i], ip, "expect", {"match", "check"});
            Expectation e;
            if (items[i].contains("match")) {
                checkTree(items[i]["match"], ip + "/match");
                e.match = items[i]["match"];
            }
            if (!items[i].contains("check")) fail(ip, "expect needs a check");
            checkTree(items[i]["check"], ip + "/check");
            e.check = items[i]["check"];
            op.expect.push_back(std::move(e));
        }
    }
    void outputs(const Json& o, const std::string& p, Operation& op) const {
        const Json& items = list(o, p, "outputs");
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::string ip = p + "/outputs/" + std::to_string(i);
            checkFields(items[i], ip, "outputs", {"name", "value", "match"}, {"compiler"});
            Output out;
            out.name = string(items[i], ip, "name");
            out.value = items[i].value("value", Json());
            checkTemplate(out.value, ip + "/value");
            if (items[i].contains("match")) {
                checkTree(items[i]["match"], ip + "/match");
                out.match = items[i]["match"];
            }
            op.outputs.push_back(std::move(out));
        }
    }

    Operation operation(const Json& item, const std::string& p, bool inTry) const {
        static const std::map<std::string, OperationKind> kinds = {
            {"apply", OperationKind::Apply},       {"create", OperationKind::Create},
            {"update", OperationKind::Update},     {"patch", OperationKind::Patch},
            {"assert", OperationKind::Assert},     {"error", OperationKind::Error},
            {"delete", OperationKind::Delete},     {"script", OperationKind::Script},
            {"command", OperationKind::Command},   {"sleep", OperationKind::Sleep},
            {"wait", OperationKind::Wait},         {"get", OperationKind::Get},
            {"describe", OperationKind::Describe}, {"events", OperationKind::Events},
            {"podLogs", OperationKind::PodLogs}};
        // What Chainsaw's schema allows outside `try`.
        static const std::set<std::string> collectors = {
            "command", "delete", "describe", "events", "get", "podLogs", "script", "sleep", "wait"};
        if (!item.is_object()) fail(p, "an operation must be an object");
        Operation op;
        op.at = at(p);
        std::string action;
        for (auto it = item.begin(); it != item.end(); ++it) {
            const std::string& k = it.key();
            if (k == "description" || k == "compiler" || (inTry && k == "continueOnError"))
                continue;
            if (k == "proxy") fail(p + "/proxy", "the proxy operation is not supported in mcpsim");
            if (!kinds.count(k) || (!inTry && !collectors.count(k))) {
                fail(p + "/" + k,
                     "unknown field \"" + k + "\" in " +
                         (inTry ? "a try operation" : "a catch/finally/cleanup operation"));
            }
            if (!action.empty()) {
                fail(p + "/" + k,
                     "an operation has exactly one action, found " + action + " and " + k);
            }
            action = k;
        }
        if (action.empty()) fail(p, "an operation needs one action (apply, assert, script, ...)");
        if (item.contains("compiler") && item["compiler"] != "jp") {
            fail(p + "/compiler",
                 "compiler " + item["compiler"].dump() + " is not supported in mcpsim");
        }
        op.kind = kinds.at(action);
        op.description = string(item, p, "description");
        op.continueOnError = boolean(item, p, "continueOnError");
        const Json& o = item[action];
        const std::string ap = p + "/" + action;
        const std::string what = action;
        const std::set<std::string> remote = {"cluster", "clusters"};
        auto unsupportedWith = [&](std::set<std::string> extra) {
            extra.insert(remote.begin(), remote.end());
            return extra;
        };
        switch (op.kind) {
            case OperationKind::Apply:
            case OperationKind::Create:
            case OperationKind::Update:
            case OperationKind::Patch:
                checkFields(
                    o, ap, what,
                    {"file", "resource", "template", "bindings", "expect", "outputs", "timeout"},
                    unsupportedWith({"dryRun", "subresource"}));
                break;
            case OperationKind::Assert:
            case OperationKind::Error:
                checkFields(o, ap, what, {"file", "resource", "template", "bindings", "timeout"},
                            unsupportedWith({}));
                break;
            case OperationKind::Delete:
                checkFields(o, ap, what,
                            {"file", "ref", "template", "bindings", "expect", "timeout",
                             "deletionPropagationPolicy"},
                            unsupportedWith({}));
                break;
            case OperationKind::Script:
            case OperationKind::Command:
                checkFields(o, ap, what,
                            op.kind == OperationKind::Script
                                ? std::set<std::string>{"content", "shell", "shellArgs", "workDir",
                                                        "env", "skipLogOutput", "skipCommandOutput",
                                                        "check", "outputs", "bindings", "timeout"}
                                : std::set<std::string>{"entrypoint", "args", "workDir", "env",
                                                        "skipLogOutput", "skipCommandOutput",
                                                        "check", "outputs", "bindings", "timeout"},
                            unsupportedWith({}));
                break;
            case OperationKind::Sleep:
                checkFields(o, ap, what, {"duration"});
                break;
            case OperationKind::Wait:
                checkFields(o, ap, what,
                            {"apiVersion", "kind", "name", "selector", "namespace", "format",
                             "timeout", "for"},
                            unsupportedWith({}));
                break;
            case OperationKind::Get:
                checkFields(
                    o, ap, what,
                    {"apiVersion", "kind", "name", "selector", "namespace", "format", "timeout"},
                    unsupportedWith({}));
                break;
            case OperationKind::Describe:
                checkFields(o, ap, what,
                            {"apiVersion", "kind", "name", "selector", "namespace", "showEvents",
                             "timeout"},
                            unsupportedWith({}));
                break;
            case OperationKind::Events:
                checkFields(o, ap, what, {"name", "selector", "namespace", "format", "timeout"},
                            unsupportedWith({}));
                break;
            case OperationKind::PodLogs:
                checkFields(o, ap, what,
                            {"name", "selector", "namespace", "container", "tail", "timeout"},
                            unsupportedWith({}));
                break;
        }
        // Chainsaw's output formats for wait, get and events: json, yaml or an expression.
        if (o.contains("format")) {
            const Json& f = o["format"];
            const std::string v = f.is_string() ? f.get<std::string>() : "";
            if (v != "json" && v != "yaml" && !(v.size() > 2 && v.front() == '(' && v.back() == ')'))
                fail(ap + "/format", "format must be json or yaml, not " + f.dump());
        }
        op.bindings = bindings(o, ap);
        op.timeout = duration(o, ap, "timeout");
        if (o.contains("template")) op.templated = boolean(o, ap, "template");
        switch (op.kind) {
            case OperationKind::Apply:
            case OperationKind::Create:
            case OperationKind::Update:
            case OperationKind::Patch:
                resources(o, ap, op, false);
                if (op.resources.empty()) fail(ap, what + " needs a resource or a file");
                expectations(o, ap, op);
                outputs(o, ap, op);
                break;
            case OperationKind::Assert:
            case OperationKind::Error:
                resources(o, ap, op, true);
                if (op.resources.empty()) fail(ap, what + " needs a resource or a file");
                break;
            case OperationKind::Delete:
                if (o.contains("ref") && o.contains("file"))
                    fail(ap, "ref and file are mutually exclusive");
                if (o.contains("ref")) {
                    checkFields(o["ref"], ap + "/ref", "delete.ref",
                                {"apiVersion", "kind", "namespace", "name", "labels"});
                    if (!o["ref"].contains("apiVersion") || !o["ref"].contains("kind")) {
                        fail(ap + "/ref", "delete.ref needs apiVersion and kind");
                    }
                    op.ref = o["ref"];
                } else {
                    resources(o, ap, op, false);
                    if (op.resources.empty()) fail(ap, "delete needs a ref or a file");
                }
                if (o.contains("deletionPropagationPolicy") &&
                    o["deletionPropagationPolicy"] != "Background") {
                    fail(ap + "/deletionPropagationPolicy",
                         "deletionPropagationPolicy " + o["deletionPropagationPolicy"].dump() +
                             " is not supported in mcpsim (objects are deleted in the background)");
                }
                expectations(o, ap, op);
                break;
            case OperationKind::Script:
            case OperationKind::Command: {
                if (op.kind == OperationKind::Script) {
                    op.content = string(o, ap, "content");
                    if (op.content.empty()) fail(ap, "script needs content");
                    if (string(o, ap, "shell", "sh") != "sh" || o.contains("shellArgs")) {
                        fail(ap,
                             "script.shell and script.shellArgs other than sh -c are not supported "
                             "in mcpsim");
                    }
                } else {
                    op.entrypoint = string(o, ap, "entrypoint");
                    if (op.entrypoint.empty()) fail(ap, "command needs an entrypoint");
                    const Json& args = list(o, ap, "args");
                    for (std::size_t i = 0; i < args.size(); ++i) {
                        if (!args[i].is_string())
                            fail(ap + "/args/" + std::to_string(i), "args are strings");
                        op.args.push_back(args[i].get<std::string>());
                    }
                }
                op.workDir = string(o, ap, "workDir");
                op.env = bindings(o, ap, "env");
                op.skipLogOutput = boolean(o, ap, "skipLogOutput");
                op.skipCommandOutput = boolean(o, ap, "skipCommandOutput");
                if (o.contains("check")) {
                    checkTree(o["check"], ap + "/check");
                    op.check = o["check"];
                }
                outputs(o, ap, op);
                break;
            }
            case OperationKind::Sleep: {
                const auto d = duration(o, ap, "duration");
                if (!d) fail(ap, "sleep needs a duration");
                op.duration = *d;
                break;
            }
            case OperationKind::Wait:
                if (!o.contains("apiVersion") || !o.contains("kind"))
                    fail(ap, "wait needs apiVersion and kind");
                if (!o.contains("for")) fail(ap, "wait needs for");
                checkFields(o["for"], ap + "/for", "wait.for",
                            {"creation", "deletion", "condition", "jsonPath"}, {"jsonPath"});
                if (o["for"].size() != 1)
                    fail(ap + "/for", "wait.for has exactly one of creation, deletion, condition");
                if (o["for"].contains("condition")) {
                    checkFields(o["for"]["condition"], ap + "/for/condition", "wait.for.condition",
                                {"name", "value"});
                }
                if (o.contains("name") && o.contains("selector"))
                    fail(ap, "name and selector are mutually exclusive");
                op.spec = o;
                break;
            case OperationKind::Get:
            case OperationKind::Describe:
                if (!o.contains("apiVersion") || !o.contains("kind")) {
                    fail(ap, what + " needs apiVersion and kind");
                }
                op.spec = o;
                break;
            case OperationKind::Events:
            case OperationKind::PodLogs:
                op.spec = o;
                break;
        }
        return op;
    }

    std::vector<Operation> operations(const Json& object, const std::string& pointer,
                                      const char* key, bool inTry) const {
        std::vector<Operation> out;
        const Json& items = list(object, pointer, key);
        for (std::size_t i = 0; i < items.size(); ++i) {
            out.push_back(
                operation(items[i], pointer + "/" + key + "/" + std::to_string(i), inTry));
        }
        return out;
    }

    Step step(const Json& s, const std::string& p, std::size_t index) const {
        checkFields(s, p, "a step",
                    {"name", "description", "timeouts", "bindings", "skipDelete", "template", "try",
                     "catch", "finally", "cleanup"},
                    {"use", "cluster", "clusters", "deletionPropagationPolicy", "compiler"});
        Step step;
        step.at = at(p);
        step.name = string(s, p, "name", "step-" + std::to_string(index + 1));
        step.description = string(s, p, "description");
        step.timeouts = timeouts(s, p);
        step.bindings = bindings(s, p);
        if (s.contains("skipDelete")) step.skipDelete = boolean(s, p, "skipDelete");
        if (!s.contains("try") || !s["try"].is_array() || s["try"].empty()) {
            fail(p, "a step needs at least one try operation");
        }
        step.tryOps = operations(s, p, "try", true);
        step.catchOps = operations(s, p, "catch", false);
        step.finallyOps = operations(s, p, "finally", false);
        step.cleanupOps = operations(s, p, "cleanup", false);
        return step;
    }

    Test test() const {
        const Json& d = doc_.value;
        checkFields(d, "", "Test", {"apiVersion", "kind", "metadata", "spec"});
        if (d.value("apiVersion", "") != "chainsaw.kyverno.io/v1alpha1") {
            fail("/apiVersion", "apiVersion must be chainsaw.kyverno.io/v1alpha1 (found " +
                                    d.value("apiVersion", Json("")).dump() + ")");
        }
        if (d.value("kind", "") != "Test") {
            if (d.value("kind", "") == "StepTemplate" || d.value("kind", "") == "Configuration") {
                fail("/kind",
                     "kind " + d.value("kind", std::string()) + " is not supported in mcpsim");
            }
            fail("/kind", "kind must be Test (found " + d.value("kind", Json("")).dump() + ")");
        }
        Test t;
        t.at = at("");
        t.dir = dir_;
        if (!d.contains("metadata") || !d["metadata"].is_object())
            fail("", "a Test needs metadata.name");
        t.name = string(d["metadata"], "/metadata", "name");
        if (d["metadata"].contains("annotations")) {
            const Json& a = d["metadata"]["annotations"];
            if (!a.is_object()) fail("/metadata/annotations", "annotations must be a map");
            t.world = string(a, "/metadata/annotations", "mcpsim.io/world");
            if (!t.world.empty() && !WorldConfig::knownProfile(t.world)) {
                fail("/metadata/annotations/mcpsim.io~1world",
                     "unknown world profile \"" + t.world + "\" (seed, e2e, bare)");
            }
        }
        if (t.name.empty()) fail("/metadata", "a Test needs metadata.name");
        if (!d.contains("spec")) fail("", "a Test needs a spec");
        const Json& s = d["spec"];
        checkFields(
            s, "/spec", "spec",
            {"steps", "description", "skip", "concurrent", "skipDelete", "template", "bindings",
             "timeouts", "namespace", "catch", "failFast", "fastNamespaceDeletion"},
            {"compiler", "namespaceTemplate", "namespaceTemplateCompiler", "cluster", "clusters",
             "scenarios", "forceTerminationGracePeriod", "delayBeforeCleanup",
             "deletionPropagationPolicy"});
        t.description = string(s, "/spec", "description");
        t.skip = boolean(s, "/spec", "skip");
        t.skipDelete = boolean(s, "/spec", "skipDelete");
        t.ns = string(s, "/spec", "namespace");
        t.timeouts = timeouts(s, "/spec");
        t.bindings = bindings(s, "/spec");
        t.catchOps = operations(s, "/spec", "catch", false);
        const Json& steps = list(s, "/spec", "steps");
        if (steps.empty()) fail("/spec", "a Test needs at least one step");
        for (std::size_t i = 0; i < steps.size(); ++i) {
            t.steps.push_back(step(steps[i], "/spec/steps/" + std::to_string(i), i));
        }
        return t;
    }

  private:
    std::string path_;
    std::string dir_;
    const core::YamlSourceDocument& doc_;
};

}  // namespace

std::vector<Test> parseTests(const std::string& path, const std::string& yaml) {
    std::vector<core::YamlSourceDocument> docs;
    try {
        docs = core::parseYamlSourceDocuments(yaml);
    } catch (const core::YamlError& e) {
        throw ScenarioError(path + ":" + std::to_string(e.line) + ": " + e.what());
    }
    if (docs.empty()) throw ScenarioError(path + ":1: no Test document");
    std::vector<Test> tests;
    for (const auto& d : docs) tests.push_back(Reader(path, d).test());
    return tests;
}

std::vector<Test> loadTestFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ScenarioError(path + ":0: cannot read");
    return parseTests(
        path, std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

}  // namespace mcpsim::sim::scenario
