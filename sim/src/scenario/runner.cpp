#include "mcpsim/sim/scenario/runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "assertion.hpp"
#include "live_world.hpp"
#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/kube/kinds.hpp"
#include "mcpsim/core/random.hpp"
#include "mcpsim/core/yaml.hpp"
#include "ordered_pool.hpp"
#include "subprocess.hpp"
#include "test_file.hpp"
#include "text_diff.hpp"
#include "world_evidence.hpp"
#include "xml_escape.hpp"

namespace mcpsim::sim::scenario {

namespace {

namespace fs = std::filesystem;
using core::kube::Gvk;
using core::kube::ObjectKey;
using core::kube::PatchType;

// Chainsaw's defaults (pkg/apis/v1alpha1 timeouts) and its poll interval.
constexpr Duration kApplyTimeout = std::chrono::seconds(5);
constexpr Duration kAssertTimeout = std::chrono::seconds(30);
constexpr Duration kCleanupTimeout = std::chrono::seconds(30);
constexpr Duration kDeleteTimeout = std::chrono::seconds(15);
constexpr Duration kErrorTimeout = std::chrono::seconds(30);
constexpr Duration kExecTimeout = std::chrono::seconds(5);
constexpr Duration kPollInterval = std::chrono::milliseconds(50);

// Bindings visible to an operation: test, then step, then operation scope; an inner name hides
// an outer one without changing it.
class BindingScope {
  public:
    explicit BindingScope(const BindingScope* parent = nullptr) : parent_(parent) {}
    void set(const std::string& name, Json value) { vars_[name] = std::move(value); }
    const Json* find(std::string_view name) const {
        for (const BindingScope* s = this; s != nullptr; s = s->parent_) {
            if (auto it = s->vars_.find(name); it != s->vars_.end()) return &it->second;
        }
        return nullptr;
    }
    jmespath::Bindings bindings() const {
        return [this](std::string_view n) { return find(n); };
    }
    // Each binding is templated with the ones before it in view.
    void add(const std::vector<Binding>& list) {
        for (const auto& b : list) set(b.name, templateValue(b.value, bindings()));
    }

  private:
    const BindingScope* parent_;
    std::map<std::string, Json, std::less<>> vars_;
};

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    return s;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string indent(const std::string& text, const std::string& prefix) {
    std::string out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out += prefix + line + "\n";
    return out;
}

// `v1/ConfigMap @ ns/name`, as Chainsaw names a resource in its log lines.
std::string describeObject(const Json& o) {
    const std::string ns = o.value("/metadata/namespace"_json_pointer, std::string());
    std::string name = o.value("/metadata/name"_json_pointer, std::string());
    if (name.empty()) name = "*";
    return o.value("apiVersion", std::string("?")) + "/" + o.value("kind", std::string("?")) +
           " @ " + (ns.empty() ? "" : ns + "/") + name;
}

// A random namespace name in Chainsaw's shape, from the seed.
std::string ephemeralNamespace(std::uint64_t seed, const std::string& testName) {
    static const char* adjectives[] = {"adapted", "amazing", "big",    "brave",  "calm",
                                       "clever",  "crisp",   "eager",  "fine",   "gentle",
                                       "happy",   "jolly",   "lucky",  "mighty", "proud",
                                       "quick",   "sharp",   "steady", "swift",  "witty"};
    static const char* animals[] = {"ant",   "bee",   "cat",   "crab",  "deer",  "dodo",
                                    "eagle", "fox",   "gecko", "hare",  "ibex",  "koala",
                                    "lemur", "mole",  "newt",  "otter", "panda", "quail",
                                    "raven", "shark", "tapir", "viper", "whale", "yak"};
    core::Random rng = core::Random(seed).fork("chainsaw-namespace/" + testName);
    const std::string a = adjectives[rng.below(std::size(adjectives))];
    const std::string b = animals[rng.below(std::size(animals))];
    return "chainsaw-" + a + "-" + b;
}

struct Outcome {
    bool ok = true;
    std::string what;                 // the resource or the command
    std::vector<std::string> errors;  // the last round's, one per line
    std::string detail;               // a diff, a command's output
};

struct Created {
    Gvk gvk;
    ObjectKey key;
    std::string what;
};

// The state of one test as it runs.
class TestRun {
  public:
    TestRun(const Test& test, LiveWorld& live, const RunOptions& options, std::uint64_t seed,
            std::ostream& out, const std::string& workDir)
        : test_(test), live_(live), options_(options), seed_(seed), out_(out), workDir_(workDir) {}

    struct Result {
        bool passed = true;
        std::vector<std::string> failures;
        double worldSeconds = 0;
    };

    Result run() {
        start_ = live_.call([](World& w) { return w.runtime().clock().steady(); });
        kubeconfig_ = workDir_ + "/kubeconfig";
        std::ofstream(kubeconfig_) << live_.call([](World& w) { return w.kubeconfig(); });
        const auto gateway = live_.call([](World& w) { return w.gatewayEndpoint(); });
        const std::string gatewayHost = live_.call([](World& w) { return w.gatewayPublicHost(); });
        ns_ = test_.ns.empty() ? ephemeralNamespace(seed_, test_.name) : test_.ns;
        ensureNamespace();

        Json values = Json::object();
        values["gatewayUrl"] = "http://" + gatewayHost + ":8001/mcp";
        values["httpProxy"] = gateway ? "http://" + gateway->str() : "";
        scope_.set("namespace", ns_);
        scope_.set("values", values);
        scope_.set("test", {{"id", 1}, {"scenarioId", 1}, {"metadata", {{"name", test_.name}}}});
        try {
            scope_.add(test_.bindings);
        } catch (const AssertionError& e) {
            fail("bindings", e.what());
        }

        created_.resize(test_.steps.size());
        for (std::size_t i = 0; i < test_.steps.size(); ++i) {
            const Step& step = test_.steps[i];
            if (!result_.passed) {
                out_ << "  - " << step.name << " skipped (an earlier step failed)\n";
                continue;
            }
            runStep(step, i);
        }
        for (std::size_t i = test_.steps.size(); i-- > 0;) cleanupStep(test_.steps[i], i);
        if (namespaceCreated_ && !test_.skipDelete) {
            live_.call([&](World& w) {
                (void)w.client().remove(core::kube::kinds::kNamespace, {"", ns_});
                drain(w);
                return 0;
            });
        }
        result_.worldSeconds = worldSeconds();
        return result_;
    }

  private:
    // ---- steps --------------------------------------------------------------------------

    void runStep(const Step& step, std::size_t index) {
        BindingScope stepScope(&scope_);
        stepScope.set("step", {{"id", index + 1}});
        bool stepFailed = false;
        try {
            stepScope.add(step.bindings);
        } catch (const AssertionError& e) {
            report(step, "BINDINGS", Outcome{false, "step bindings", {e.what()}, ""});
            stepFailed = true;
        }
        for (std::size_t i = 0; i < step.tryOps.size() && !stepFailed; ++i) {
            const Operation& op = step.tryOps[i];
            const Outcome o = runOperation(op, step, index, stepScope, i + 1);
            report(step, upper(operationName(op.kind)), o);
            if (!o.ok) {
                stepFailed = true;
                recordFailure(step, op, o);
                if (op.continueOnError) stepFailed = false, result_.passed = false;
            }
        }
        if (stepFailed || !result_.passed) {
            result_.passed = false;
            for (const auto* list : {&test_.catchOps, &step.catchOps}) {
                for (const auto& op : *list) {
                    report(step, "CATCH " + upper(operationName(op.kind)),
                           runOperation(op, step, index, stepScope, 0));
                }
            }
        }
        for (const auto& op : step.finallyOps) {
            const Outcome o = runOperation(op, step, index, stepScope, 0);
            report(step, "FINALLY " + upper(operationName(op.kind)), o);
            if (!o.ok) {
                stepFailed = true;
                recordFailure(step, op, o);
            }
        }
        if (stepFailed) result_.passed = false;
        out_ << "  " << (stepFailed ? "✗ " : "✓ ") << step.name << "  " << clockText()
             << " world time\n";
        transcribe(std::string("step ") + step.name + (stepFailed ? " failed" : " passed"));
    }

    void cleanupStep(const Step& step, std::size_t index) {
        const bool skip = step.skipDelete.value_or(test_.skipDelete);
        const Duration timeout =
            pick(std::nullopt, step.timeouts.cleanup, test_.timeouts.cleanup, kCleanupTimeout);
        if (!skip) {
            for (auto it = created_[index].rbegin(); it != created_[index].rend(); ++it) {
                Outcome o = live_.call([&](World& w) { return deleteAndWait(w, *it, timeout); });
                report(step, "CLEANUP", o);
                if (!o.ok) {
                    result_.passed = false;
                    result_.failures.push_back(step.name + ": cleanup of " + it->what + ": " +
                                               (o.errors.empty() ? "" : o.errors.front()));
                }
            }
        }
        BindingScope stepScope(&scope_);
        for (const auto& op : step.cleanupOps) {
            const Outcome o = runOperation(op, step, index, stepScope, 0);
            report(step, "CLEANUP " + upper(operationName(op.kind)), o);
            if (!o.ok) {
                result_.passed = false;
                recordFailure(step, op, o);
            }
        }
    }

    void recordFailure(const Step& step, const Operation& op, const Outcome& o) {
        std::string msg = step.name + ": " + operationName(op.kind) + " (" + op.at.str() + ")";
        for (const auto& e : o.errors) msg += "\n  " + e;
        result_.failures.push_back(msg);
    }

    void fail(const std::string& what, const std::string& why) {
        result_.passed = false;
        result_.failures.push_back(what + ": " + why);
        out_ << "    " << what << ": " << why << "\n";
    }

    // ---- operations ---------------------------------------------------------------------

    static Duration pick(std::optional<Duration> op, std::optional<Duration> step,
                         std::optional<Duration> test, Duration fallback) {
        if (op) return *op;
        if (step) return *step;
        if (test) return *test;
        return fallback;
    }

    Duration timeoutFor(const Operation& op, const Step& step) const {
        auto t = [&](std::optional<Duration> Timeouts::*field, Duration fallback) {
            return pick(op.timeout, step.timeouts.*field, test_.timeouts.*field, fallback);
        };
        switch (op.kind) {
            case OperationKind::Apply:
            case OperationKind::Create:
            case OperationKind::Update:
            case OperationKind::Patch:
                return t(&Timeouts::apply, kApplyTimeout);
            case OperationKind::Assert:
                return t(&Timeouts::assert, kAssertTimeout);
            case OperationKind::Error:
                return t(&Timeouts::error, kErrorTimeout);
            case OperationKind::Delete:
                return t(&Timeouts::remove, kDeleteTimeout);
            default:
                return t(&Timeouts::exec, kExecTimeout);
        }
    }

    Outcome runOperation(const Operation& op, const Step& step, std::size_t stepIndex,
                         BindingScope& stepScope, std::size_t opIndex) {
        BindingScope scope(&stepScope);
        scope.set("operation", {{"id", opIndex}});
        try {
            scope.add(op.bindings);
        } catch (const AssertionError& e) {
            return Outcome{false, op.at.str(), {e.what()}, ""};
        }
        const Duration timeout = timeoutFor(op, step);
        try {
            switch (op.kind) {
                case OperationKind::Apply:
                case OperationKind::Create:
                case OperationKind::Update:
                case OperationKind::Patch:
                    return forEachResource(op, [&](const Json& doc) {
                        return live_.call([&](World& w) {
                            return write(w, op, doc, scope, stepScope, stepIndex, timeout);
                        });
                    });
                case OperationKind::Assert:
                case OperationKind::Error:
                    return forEachResource(op, [&](const Json& doc) {
                        return live_.call(
                            [&](World& w) { return check(w, op, doc, scope, timeout); });
                    });
                case OperationKind::Delete:
                    return remove(op, scope, timeout);
                case OperationKind::Script:
                case OperationKind::Command:
                    return execute(op, scope, stepScope, timeout);
                case OperationKind::Sleep:
                    live_.call([&](World& w) {
                        passTime(w, op.duration);
                        return 0;
                    });
                    return Outcome{
                        true, "sleep " + std::to_string(op.duration.count()) + "ms", {}, ""};
                case OperationKind::Wait:
                    return wait(op, scope, timeout);
                case OperationKind::Get:
                case OperationKind::Describe:
                case OperationKind::Events:
                case OperationKind::PodLogs:
                    return collect(op, scope, timeout);
            }
        } catch (const AssertionError& e) {
            return Outcome{false, op.at.str(), {e.what()}, ""};
        }
        return Outcome{false, op.at.str(), {"unknown operation"}, ""};
    }

    template <typename F>
    Outcome forEachResource(const Operation& op, F&& f) {
        Outcome all;
        for (const auto& doc : op.resources) {
            Outcome o = f(doc);
            if (!all.what.empty()) all.what += ", ";
            all.what += o.what;
            all.detail += o.detail;
            all.errors.insert(all.errors.end(), o.errors.begin(), o.errors.end());
            if (!o.ok) {
                all.ok = false;
                break;
            }
        }
        return all;
    }

    struct Resolved {
        Gvk gvk;
        bool namespaced = true;
    };

    static std::optional<Resolved> resolve(World& w, const Json& doc, std::string& error) {
        const std::string apiVersion = doc.value("apiVersion", std::string());
        const std::string kind = doc.value("kind", std::string());
        const Gvk gvk = Gvk::of(apiVersion, kind);
        auto r = w.api().resolveResource(gvk.group.empty() ? kind : kind + "." + gvk.group);
        if (!r || r->gvk.kind != kind) {
            error = "no matches for kind \"" + kind + "\" in version \"" + apiVersion + "\"";
            return std::nullopt;
        }
        return Resolved{gvk, r->namespaced};
    }

    void defaultNamespace(Json& doc, const Resolved& r) const {
        if (!r.namespaced) return;
        Json& meta = doc["metadata"];
        if (!meta.is_object()) meta = Json::object();
        if (meta.value("namespace", std::string()).empty()) meta["namespace"] = ns_;
    }

    static bool deadlinePassed(World& w, core::SteadyTime deadline) {
        return w.runtime().clock().steady() >= deadline;
    }
    static core::SteadyTime deadlineAfter(World& w, Duration d) {
        return w.runtime().clock().steady() + std::chrono::duration_cast<core::Duration>(d);
    }
    // Runs what is ready and due now, without moving the clock: an operation sees the world as
    // it stands at this moment of world time. (A perturbed schedule first lets the messages in
    // flight arrive, a few milliseconds at most: scripts run while the clock stands still.)
    static void drain(World& w) {
        w.runtime().deliverInFlight();
        w.settle(core::Duration{0});
    }
    // One poll interval of world time (Chainsaw polls every 50 ms), no further than the deadline.
    static void pollStep(World& w, core::SteadyTime deadline) {
        const auto now = w.runtime().clock().steady();
        if (now >= deadline) return;
        passTime(w, std::min<core::Duration>(kPollInterval, deadline - now));
        drain(w);
    }
    // Virtual time: everything due within `d`, at once. Real time (--real): the loop runs for
    // `d` of the machine's time, handling what comes.
    static void passTime(World& w, core::Duration d) {
        core::Runtime& rt = w.runtime();
        if (rt.virtualClock()) return rt.runFor(d);
        const auto until = rt.clock().steady() + d;
        while (rt.step(until)) {
        }
    }

    // apply, create, update and patch, as Chainsaw performs them.
    Outcome write(World& w, const Operation& op, const Json& raw, const BindingScope& scope,
                  BindingScope& stepScope, std::size_t stepIndex, Duration timeout) {
        Json doc = op.templated ? templateValue(raw, scope.bindings()) : raw;
        Outcome o;
        std::string error;
        const auto r = resolve(w, doc, error);
        if (r) defaultNamespace(doc, *r);
        o.what = describeObject(doc);
        const auto deadline = deadlineAfter(w, timeout);
        Json written;
        for (;;) {
            error.clear();
            if (r) {
                const ObjectKey key = ObjectKey::ofObject(doc);
                auto current = w.client().get(r->gvk, key);
                core::kube::Result<Json> res = current;
                switch (op.kind) {
                    case OperationKind::Apply:
                        if (current.ok()) {
                            res = w.client().patch(r->gvk, key, PatchType::Merge, doc);
                        } else if (current.isNotFound()) {
                            res = w.client().create(doc);
                            if (res.ok()) created_[stepIndex].push_back({r->gvk, key, o.what});
                        }
                        break;
                    case OperationKind::Create:
                        res = w.client().create(doc);
                        if (res.ok()) created_[stepIndex].push_back({r->gvk, key, o.what});
                        break;
                    case OperationKind::Patch:
                        if (current.ok())
                            res = w.client().patch(r->gvk, key, PatchType::Merge, doc);
                        break;
                    default: {  // update: the object as given, at the live resourceVersion
                        if (!current.ok()) break;
                        Json replacement = doc;
                        replacement["metadata"]["resourceVersion"] =
                            current.value()["metadata"]["resourceVersion"];
                        res = w.client().update(replacement);
                    }
                }
                if (res.ok()) {
                    written = res.value();
                } else {
                    error = res.error().message;
                }
            }
            drain(w);
            const bool retriable =
                !(op.kind == OperationKind::Create &&
                  error.find("already exists") != std::string::npos) &&
                !((op.kind == OperationKind::Patch || op.kind == OperationKind::Update) &&
                  error.find("not found") != std::string::npos);
            if (error.empty() || !op.expect.empty() || !retriable || deadlinePassed(w, deadline))
                break;
            pollStep(w, deadline);
        }
        return judgeWrite(op, written.is_null() ? doc : written, error, o, scope, stepScope);
    }

    // `expect` decides when one of its matches fits; otherwise the error does.
    Outcome judgeWrite(const Operation& op, const Json& object, const std::string& error, Outcome o,
                       const BindingScope& scope, BindingScope& stepScope) {
        BindingScope checkScope(&scope);
        checkScope.set("error", error.empty() ? Json() : Json(error));
        bool applied = false;
        for (const auto& e : op.expect) {
            if (e.match && !AssertionTree::compile(*e.match).check(object, {}).ok()) continue;
            applied = true;
            const CheckResult r =
                AssertionTree::compile(e.check).check(object, checkScope.bindings());
            for (const auto& fe : r.errors) o.errors.push_back(fe.str());
        }
        if (!applied && !error.empty()) o.errors.push_back(error);
        o.ok = o.errors.empty();
        if (o.ok) addOutputs(op, object, checkScope, stepScope);
        return o;
    }

    void addOutputs(const Operation& op, const Json& at, const BindingScope& scope,
                    BindingScope& stepScope) {
        for (const auto& out : op.outputs) {
            if (out.match && !AssertionTree::compile(*out.match).check(at, scope.bindings()).ok())
                continue;
            stepScope.set(out.name, templateValue(out.value, scope.bindings(), at));
        }
    }

    // The objects an assert, error or delete is about: by name, else by labels in the namespace.
    std::vector<Json> lookup(World& w, const Json& doc, const Resolved& r,
                             std::string& error) const {
        const std::string name = doc.value("/metadata/name"_json_pointer, std::string());
        const std::string ns =
            r.namespaced ? doc.value("/metadata/namespace"_json_pointer, std::string()) : "";
        if (!name.empty()) {
            auto got = w.client().get(r.gvk, {ns, name});
            if (got.ok()) return {got.value()};
            error = got.isNotFound() ? "actual resource not found" : got.error().message;
            return {};
        }
        core::kube::ListOptions options;
        options.ns = ns;
        std::string selector;
        const Json labels = doc.value("/metadata/labels"_json_pointer, Json::object());
        for (const auto& [k, v] : labels.items()) {
            selector += (selector.empty() ? "" : ",") + k + "=" +
                        (v.is_string() ? v.get<std::string>() : v.dump());
        }
        options.labelSelector = selector;
        auto list = w.client().list(r.gvk, options);
        if (!list.ok()) {
            error = list.error().message;
            return {};
        }
        std::vector<Json> out(list.value()["items"].begin(), list.value()["items"].end());
        for (auto& item : out) {
            item["apiVersion"] = r.gvk.apiVersion();
            item["kind"] = r.gvk.kind;
        }
        if (out.empty()) error = "no actual resource found";
        return out;
    }

    // Only the lookup fields of an assert or error tree are templated.
    static Json templateLookup(const Json& doc, const BindingScope& scope) {
        Json out = doc;
        for (const char* field : {"apiVersion", "kind"}) {
            if (doc.contains(field)) out[field] = templateValue(doc[field], scope.bindings());
        }
        if (doc.contains("metadata") && doc["metadata"].is_object()) {
            for (const char* field : {"name", "namespace", "labels"}) {
                if (doc["metadata"].contains(field)) {
                    out["metadata"][field] =
                        templateValue(doc["metadata"][field], scope.bindings());
                }
            }
        }
        return out;
    }

    Outcome check(World& w, const Operation& op, const Json& raw, const BindingScope& scope,
                  Duration timeout) {
        const bool isError = op.kind == OperationKind::Error;
        Json doc = templateLookup(raw, scope);
        Outcome o;
        o.what = describeObject(doc);
        const AssertionTree tree = AssertionTree::compile(doc);
        std::string error;
        std::optional<Resolved> r;
        if (doc.contains("apiVersion") && doc.contains("kind")) {
            r = resolve(w, doc, error);
            if (!r) return Outcome{false, o.what, {error}, ""};
            defaultNamespace(doc, *r);
            o.what = describeObject(doc);
        }
        const auto deadline = deadlineAfter(w, timeout);
        drain(w);
        for (;;) {
            o.errors.clear();
            o.detail.clear();
            error.clear();
            std::vector<Json> candidates =
                r ? lookup(w, doc, *r, error) : std::vector<Json>{Json()};
            bool matched = false, hard = false;
            for (const auto& c : candidates) {
                const CheckResult res = tree.check(c, scope.bindings());
                if (res.ok()) {
                    matched = true;
                    if (isError) {
                        o.errors.push_back(describeObject(c) + " - resource matches expectation");
                    }
                    continue;
                }
                hard = hard || res.hard;
                if (!isError) {
                    o.errors.push_back(describeObject(c.is_null() ? doc : c));
                    for (const auto& fe : res.errors) o.errors.push_back("  * " + fe.str());
                    o.detail += lineDiff(core::toYaml(doc), core::toYaml(projectLike(doc, c)),
                                         "expected", "actual");
                }
            }
            if (candidates.empty() && !isError) o.errors.push_back(error);
            const bool ok = isError ? !matched : matched;
            if (ok) return Outcome{true, o.what, {}, ""};
            if ((hard && !isError) || deadlinePassed(w, deadline)) break;
            pollStep(w, deadline);
        }
        o.ok = false;
        o.detail += indent(worldEvidence(w), "    ");
        return o;
    }

    static Json refDocument(const Json& ref) {
        Json doc = {
            {"apiVersion", ref["apiVersion"]}, {"kind", ref["kind"]}, {"metadata", Json::object()}};
        for (const char* f : {"namespace", "name", "labels"}) {
            if (ref.contains(f)) doc["metadata"][f] = ref[f];
        }
        return doc;
    }

    Outcome remove(const Operation& op, const BindingScope& scope, Duration timeout) {
        std::vector<Json> docs = op.ref ? std::vector<Json>{refDocument(*op.ref)} : op.resources;
        Outcome all;
        for (const auto& raw : docs) {
            const Json doc = op.templated ? templateValue(raw, scope.bindings()) : raw;
            Outcome o = live_.call([&](World& w) {
                Outcome o;
                std::string error;
                const auto r = resolve(w, doc, error);
                if (!r) return Outcome{false, describeObject(doc), {error}, ""};
                Json target = doc;
                defaultNamespace(target, *r);
                o.what = describeObject(target);
                std::string lookupError;
                const auto found = lookup(w, target, *r, lookupError);
                for (const auto& f : found) {
                    auto res = w.client().remove(r->gvk, ObjectKey::ofObject(f));
                    if (!res.ok() && !res.isNotFound()) o.errors.push_back(res.error().message);
                }
                drain(w);
                if (!o.errors.empty()) return o;
                for (const auto& f : found) {
                    Outcome gone = waitGone(
                        w, Created{r->gvk, ObjectKey::ofObject(f), describeObject(f)}, timeout);
                    if (!gone.ok) return gone;
                }
                return o;
            });
            all.what += (all.what.empty() ? "" : ", ") + o.what;
            if (!o.errors.empty()) {
                all.errors = o.errors;
                all.ok = false;
                break;
            }
        }
        all.ok = all.errors.empty();
        return all;
    }

    static Outcome waitGone(World& w, const Created& c, Duration timeout) {
        const auto deadline = deadlineAfter(w, timeout);
        for (;;) {
            auto got = w.client().get(c.gvk, c.key);
            if (got.isNotFound()) return Outcome{true, c.what, {}, ""};
            if (deadlinePassed(w, deadline)) {
                return Outcome{
                    false, c.what, {"timed out waiting for " + c.what + " to be deleted"}, ""};
            }
            pollStep(w, deadline);
        }
    }

    static Outcome deleteAndWait(World& w, const Created& c, Duration timeout) {
        auto res = w.client().remove(c.gvk, c.key);
        if (!res.ok() && !res.isNotFound())
            return Outcome{false, c.what, {res.error().message}, ""};
        drain(w);
        return waitGone(w, c, timeout);
    }

    // ---- scripts and commands: real processes against the live world --------------------

    std::map<std::string, std::string> environment(const Operation& op,
                                                   const BindingScope& scope) const {
        std::map<std::string, std::string> env = currentEnvironment();
        env["NAMESPACE"] = ns_;
        env["KUBECONFIG"] = kubeconfig_;
        for (const auto& e : op.env) {
            const Json v = templateValue(e.value, scope.bindings());
            env[e.name] = v.is_string() ? v.get<std::string>() : v.dump();
        }
        return env;
    }

    // `$VAR` and `${VAR}` from the command's environment; `$$` is a dollar.
    static std::string expand(const std::string& arg,
                              const std::map<std::string, std::string>& env) {
        std::string out;
        for (std::size_t i = 0; i < arg.size(); ++i) {
            if (arg[i] != '$' || i + 1 >= arg.size()) {
                out += arg[i];
                continue;
            }
            if (arg[i + 1] == '$') {
                out += '$';
                ++i;
                continue;
            }
            std::size_t j = i + 1;
            std::string name;
            if (arg[j] == '{') {
                const auto close = arg.find('}', j);
                if (close == std::string::npos) {
                    out += arg[i];
                    continue;
                }
                name = arg.substr(j + 1, close - j - 1);
                i = close;
            } else {
                while (j < arg.size() &&
                       (std::isalnum(static_cast<unsigned char>(arg[j])) || arg[j] == '_'))
                    ++j;
                name = arg.substr(i + 1, j - i - 1);
                if (name.empty()) {
                    out += arg[i];
                    continue;
                }
                i = j - 1;
            }
            if (auto it = env.find(name); it != env.end()) out += it->second;
        }
        return out;
    }

    Outcome execute(const Operation& op, const BindingScope& scope, BindingScope& stepScope,
                    Duration timeout) {
        const auto env = environment(op, scope);
        std::vector<std::string> argv;
        Outcome o;
        if (op.kind == OperationKind::Script) {
            argv = {"sh", "-c", op.content};
            o.what = op.at.str();
        } else {
            argv.push_back(op.entrypoint);
            for (const auto& a : op.args) argv.push_back(expand(a, env));
            o.what = op.entrypoint;
            for (std::size_t i = 1; i < argv.size(); ++i) o.what += " " + argv[i];
        }
        const std::string dir =
            op.workDir.empty() ? test_.dir : (fs::path(test_.dir) / op.workDir).string();
        live_.call([](World& w) {
            drain(w);
            return 0;
        });
        const ProcessResult p = [&] {
            LiveWorld::Serving serving(live_);
            return runProcess(argv, env, dir.empty() ? "." : dir, timeout);
        }();
        live_.call([](World& w) {
            drain(w);
            return 0;
        });
        if (!op.skipLogOutput) {
            if (!p.out.empty()) o.detail += "    === STDOUT\n" + indent(p.out, "    ");
            if (!p.err.empty()) o.detail += "    === STDERR\n" + indent(p.err, "    ");
        }
        BindingScope checkScope(&scope);
        checkScope.set("stdout", p.out);
        checkScope.set("stderr", p.err);
        std::string error = p.timedOut ? "context deadline exceeded" : p.goError;
        checkScope.set("error", error.empty() ? Json() : Json(error));
        if (op.check) {
            const CheckResult r =
                AssertionTree::compile(*op.check).check(Json(), checkScope.bindings());
            for (const auto& fe : r.errors) o.errors.push_back(fe.str());
        } else if (!error.empty()) {
            o.errors.push_back(error);
        }
        o.ok = o.errors.empty();
        if (o.ok) addOutputs(op, Json(), checkScope, stepScope);
        return o;
    }

    // ---- wait and the collectors ---------------------------------------------------------

    Outcome wait(const Operation& op, const BindingScope& scope, Duration timeout) {
        const Json spec = templateValue(op.spec, scope.bindings());
        return live_.call([&](World& w) {
            Json doc = {{"apiVersion", spec["apiVersion"]},
                        {"kind", spec["kind"]},
                        {"metadata", Json::object()}};
            if (spec.contains("name")) doc["metadata"]["name"] = spec["name"];
            std::string error;
            const auto r = resolve(w, doc, error);
            if (!r) return Outcome{false, describeObject(doc), {error}, ""};
            const std::string ns = spec.value("namespace", std::string());
            if (r->namespaced)
                doc["metadata"]["namespace"] = ns.empty() ? ns_ : ns == "*" ? "" : ns;
            Outcome o;
            o.what = describeObject(doc);
            const Json& forSpec = spec["for"];
            const auto deadline = deadlineAfter(w, timeout);
            drain(w);
            for (;;) {
                core::kube::ListOptions lo;
                lo.ns = doc["metadata"].value("namespace", std::string());
                lo.labelSelector = spec.value("selector", std::string());
                std::vector<Json> found;
                if (spec.contains("name")) {
                    auto got = w.client().get(r->gvk, {lo.ns, spec.value("name", std::string())});
                    if (got.ok()) found.push_back(got.value());
                } else if (auto list = w.client().list(r->gvk, lo); list.ok()) {
                    found.assign(list.value()["items"].begin(), list.value()["items"].end());
                }
                bool done = false;
                if (forSpec.contains("deletion")) {
                    done = found.empty();
                } else if (forSpec.contains("creation")) {
                    done = !found.empty();
                } else {
                    const std::string name =
                        lower(forSpec["condition"].value("name", std::string()));
                    const std::string want =
                        lower(forSpec["condition"].value("value", std::string("true")));
                    done = !found.empty();
                    for (const auto& f : found) {
                        bool has = false;
                        for (const auto& c :
                             f.value("/status/conditions"_json_pointer, Json::array())) {
                            has = has || (lower(c.value("type", "")) == name &&
                                          lower(c.value("status", "")) == want);
                        }
                        done = done && has;
                    }
                }
                if (done) return o;
                if (deadlinePassed(w, deadline)) {
                    o.ok = false;
                    o.errors.push_back("error: timed out waiting for the condition on " + o.what);
                    o.detail = indent(worldEvidence(w), "    ");
                    return o;
                }
                pollStep(w, deadline);
            }
        });
    }

    // Collectors show what the world holds, through the real kubectl.
    Outcome collect(const Operation& op, const BindingScope& scope, Duration timeout) {
        const Json spec = templateValue(op.spec, scope.bindings());
        const std::string ns = spec.value("namespace", std::string()).empty()
                                   ? ns_
                                   : spec.value("namespace", std::string());
        std::vector<std::string> argv = {"kubectl"};
        auto resource = [&]() {
            const Gvk gvk =
                Gvk::of(spec.value("apiVersion", std::string()), spec.value("kind", std::string()));
            return gvk.group.empty() ? gvk.kind : gvk.kind + "." + gvk.version + "." + gvk.group;
        };
        auto target = [&]() {
            if (spec.contains("name")) {
                argv.push_back(spec.value("name", std::string()));
            } else if (spec.contains("selector")) {
                argv.insert(argv.end(), {"-l", spec.value("selector", std::string())});
            }
        };
        switch (op.kind) {
            case OperationKind::Get:
                argv.insert(argv.end(), {"get", resource()});
                target();
                argv.insert(argv.end(), {"-o", spec.value("format", std::string("yaml"))});
                break;
            case OperationKind::Describe:
                argv.insert(argv.end(), {"describe", resource()});
                target();
                break;
            case OperationKind::Events:
                argv.insert(argv.end(), {"get", "events"});
                if (spec.contains("name")) {
                    argv.push_back("--field-selector=involvedObject.name=" +
                                   spec.value("name", std::string()));
                }
                break;
            default:
                argv.push_back("logs");
                target();
                if (spec.contains("container"))
                    argv.push_back("--container=" + spec.value("container", std::string()));
                if (spec.contains("tail")) argv.push_back("--tail=" + spec["tail"].dump());
        }
        argv.insert(argv.end(), {"-n", ns});
        Outcome o;
        for (std::size_t i = 1; i < argv.size(); ++i) o.what += (i > 1 ? " " : "") + argv[i];
        auto env = currentEnvironment();
        env["KUBECONFIG"] = kubeconfig_;
        const ProcessResult p = [&] {
            LiveWorld::Serving serving(live_);
            return runProcess(argv, env, workDir_, timeout);
        }();
        o.detail = indent(p.out + p.err, "    ");
        if (!p.goError.empty() || p.timedOut)
            o.errors.push_back(p.timedOut ? "context deadline exceeded" : p.goError);
        o.ok = o.errors.empty();
        return o;
    }

    // ---- the namespace and reporting -------------------------------------------------------

    void ensureNamespace() {
        namespaceCreated_ = live_.call([&](World& w) {
            if (w.client().get(core::kube::kinds::kNamespace, {"", ns_}).ok()) return false;
            auto res = w.client().create(
                {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}});
            drain(w);
            return res.ok();
        });
    }

    double worldSeconds() {
        const auto now = live_.call([](World& w) { return w.runtime().clock().steady(); });
        return std::chrono::duration<double>(now - start_).count();
    }
    std::string clockText() {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3fs", worldSeconds());
        return buf;
    }

    // The runner's own lines in the world's transcript; paths under this test's work folder
    // (its kubeconfig) are written as $WORK, the same in every run.
    void transcribe(std::string line) {
        for (auto at = line.find(workDir_); !workDir_.empty() && at != std::string::npos;
             at = line.find(workDir_, at)) {
            line.replace(at, workDir_.size(), "$WORK");
        }
        live_.call([&](World& w) {
            w.transcribe(line);
            return 0;
        });
    }

    void report(const Step& step, const std::string& op, const Outcome& o) {
        transcribe(step.name + " " + op + " " + (o.ok ? "DONE" : "ERROR") + " " + o.what);
        if (options_.quiet && o.ok) return;
        out_ << "    | " << clockText() << " | " << step.name << " | " << op << " | "
             << (o.ok ? "DONE" : "ERROR") << " | " << o.what << "\n";
        if (!o.ok) {
            out_ << "    === ERROR\n";
            for (const auto& e : o.errors) out_ << "    " << e << "\n";
        }
        if (!o.detail.empty() &&
            (!o.ok || op.find("SCRIPT") != std::string::npos ||
             op.find("COMMAND") != std::string::npos || op.find("CATCH") == 0)) {
            out_ << o.detail;
        }
    }

    const Test& test_;
    LiveWorld& live_;
    const RunOptions& options_;
    std::uint64_t seed_;
    std::ostream& out_;
    std::string workDir_;
    std::string kubeconfig_;
    std::string ns_;
    bool namespaceCreated_ = false;
    core::SteadyTime start_{};
    BindingScope scope_;
    std::vector<std::vector<Created>> created_;
    Result result_;
};

std::vector<std::string> discover(const std::string& path) {
    std::vector<std::string> files;
    if (fs::is_directory(path)) {
        for (const auto& e : fs::recursive_directory_iterator(path)) {
            const std::string name = e.path().filename().string();
            if (e.is_regular_file() &&
                (name == "chainsaw-test.yaml" || name == "chainsaw-test.yml")) {
                files.push_back(e.path().string());
            }
        }
        std::sort(files.begin(), files.end());
    } else {
        files.push_back(path);
    }
    return files;
}

struct TestReport {
    std::string file;
    std::string name;
    bool passed = false;
    bool skipped = false;
    std::vector<std::string> failures;
    double worldSeconds = 0;
};

void writeJunit(const std::string& path, const std::vector<TestReport>& reports) {
    std::map<std::string, std::vector<const TestReport*>> suites;
    for (const auto& r : reports) suites[fs::path(r.file).parent_path().string()].push_back(&r);
    std::ofstream x(path);
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
    for (const auto& [dir, tests] : suites) {
        int failures = 0;
        for (const auto* t : tests) failures += t->passed || t->skipped ? 0 : 1;
        x << "  <testsuite name=\"" << xmlEscape(dir) << "\" tests=\"" << tests.size()
          << "\" failures=\"" << failures << "\">\n";
        for (const auto* t : tests) {
            x << "    <testcase classname=\"" << xmlEscape(dir) << "\" name=\""
              << xmlEscape(t->name) << "\" time=\"" << t->worldSeconds << "\">";
            if (t->skipped) {
                x << "<skipped/>";
            } else if (!t->passed) {
                std::string msg;
                for (const auto& f : t->failures) msg += (msg.empty() ? "" : "\n") + f;
                x << "<failure message=\"" << xmlEscape(msg) << "\"></failure>";
            }
            x << "</testcase>\n";
        }
        x << "  </testsuite>\n";
    }
    x << "</testsuites>\n";
}

// One test on a fresh world of its profile, with `seed`.
TestReport runTest(const std::string& file, const Test& test, const RunOptions& options,
                   std::uint64_t seed, const fs::path& dir, std::ostream& out,
                   std::ostream* transcript) {
    TestReport report{file, test.name};
    if (test.skip) {
        report.skipped = true;
        out << "--- SKIP " << test.name << " (" << file << ")\n";
        return report;
    }
    const std::string world = test.world.empty() ? options.world : test.world;
    out << "=== RUN  " << test.name << " (" << file << ", world " << world << ", seed " << seed
        << (options.perturb ? ", perturbed" : "") << (options.realTime ? ", real time" : "")
        << ")\n";
    fs::create_directories(dir);
    WorldConfig config;
    config.profile = world;
    config.seed = seed;
    config.perturbSchedule = options.perturb;
    config.clock = options.realTime ? ClockKind::Real : ClockKind::Virtual;
    config.virtualClockFollowsRealTime = false;
    config.listeners.enabled = true;
    config.listeners.gatewayPort = 0;
    if (transcript) {
        *transcript << "=== " << test.name << " (" << file << ", world " << world << ", seed "
                    << seed << (options.perturb ? ", perturbed" : "") << ")\n";
        config.transcript = [transcript](const std::string& line) { *transcript << line << "\n"; };
    }
    TestRun::Result result;
    try {
        LiveWorld live(config);
        // Served only while a real process runs: on virtual time nothing else needs the loop.
        if (!options.realTime) live.park();
        result = TestRun(test, live, options, seed, out, dir.string()).run();
    } catch (const std::exception& e) {
        result.passed = false;
        result.failures.push_back(std::string("the world failed: ") + e.what());
        out << "    " << result.failures.back() << "\n";
    }
    report.passed = result.passed;
    report.failures = result.failures;
    report.worldSeconds = result.worldSeconds;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.3fs", result.worldSeconds);
    out << (result.passed ? "--- PASS " : "--- FAIL ") << test.name << " (" << secs
        << " world time)\n";
    if (!result.passed) {
        out << "    replay: mcpsim run" << (options.realTime ? " --real" : "") << " --world "
            << world << " --seed " << seed << (options.perturb ? " --perturb" : "") << " " << file
            << "\n";
    }
    return report;
}

}  // namespace

int runScenarios(const RunOptions& options, std::ostream& out, std::ostream& err) {
    std::vector<std::pair<std::string, Test>> tests;
    try {
        for (const auto& p : options.paths) {
            if (!fs::exists(p)) throw ScenarioError(p + ":0: no such file or folder");
            for (const auto& f : discover(p)) {
                for (auto& t : loadTestFile(f)) tests.emplace_back(f, std::move(t));
            }
        }
    } catch (const ScenarioError& e) {
        err << "mcpsim run: " << e.what() << "\n";
        return 2;
    }
    if (tests.empty()) {
        err << "mcpsim run: no chainsaw-test.yaml under the paths given\n";
        return 2;
    }
    std::vector<TestReport> reports;
    int passed = 0, failed = 0, skipped = 0;
    const fs::path work = fs::temp_directory_path() / ("mcpsim-run-" + std::to_string(::getpid()));
    std::ofstream transcript;
    if (!options.transcriptPath.empty()) {
        transcript.open(options.transcriptPath, std::ios::binary | std::ios::trunc);
        if (!transcript) {
            err << "mcpsim run: cannot write " << options.transcriptPath << "\n";
            return 2;
        }
    }
    // Every test once per seed, seed after seed.
    struct Job {
        std::uint64_t seed;
        const std::pair<std::string, Test>* test;
    };
    std::vector<Job> jobs;
    for (std::uint64_t seed = options.seed; seed <= std::max(options.seed, options.lastSeed);
         ++seed) {
        for (const auto& t : tests) jobs.push_back({seed, &t});
    }
    auto record = [&](TestReport&& report) {
        if (report.skipped) {
            ++skipped;
        } else {
            (report.passed ? passed : failed)++;
        }
        reports.push_back(std::move(report));
    };
    auto dirOf = [&](std::size_t i) { return work / std::to_string(i); };
    if (options.parallel <= 1) {
        // One at a time, each test's lines printed as they happen.
        for (std::size_t i = 0; i < jobs.size(); ++i) {
            const auto& [file, test] = *jobs[i].test;
            record(runTest(file, test, options, jobs[i].seed, dirOf(i), out,
                           transcript.is_open() ? &transcript : nullptr));
        }
    } else {
        // Each world on its own thread; a test's lines are held until every test before it
        // has been printed, so the report and transcript are those of the serial run.
        struct Finished {
            TestReport report;
            std::string out, transcript;
        };
        runInOrder<Finished>(
            jobs.size(), options.parallel,
            [&](std::size_t i) {
                const auto& [file, test] = *jobs[i].test;
                std::ostringstream testOut, testTranscript;
                TestReport report = runTest(file, test, options, jobs[i].seed, dirOf(i), testOut,
                                            transcript.is_open() ? &testTranscript : nullptr);
                return Finished{std::move(report), testOut.str(), testTranscript.str()};
            },
            [&](Finished&& f) {
                out << f.out << std::flush;
                if (transcript.is_open()) transcript << f.transcript;
                record(std::move(f.report));
            });
    }
    std::error_code ec;
    fs::remove_all(work, ec);
    if (!options.junitPath.empty()) writeJunit(options.junitPath, reports);
    out << passed << " passed, " << failed << " failed";
    if (skipped) out << ", " << skipped << " skipped";
    out << "\n";
    return failed == 0 ? 0 : 1;
}

}  // namespace mcpsim::sim::scenario
