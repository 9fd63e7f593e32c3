#include "mcpsim/sim/docs/runner.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

#include "live_world.hpp"
#include "mcpsim/sim/docs/page.hpp"
#include "mcpsim/sim/docs/wait_command.hpp"
#include "mcpsim/sim/world.hpp"
#include "shell_session.hpp"
#include "world_evidence.hpp"
#include "xml_escape.hpp"

namespace mcpsim::sim::docs {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kShownLines = 25;

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw PageError(path + ": cannot read");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string seconds(std::chrono::milliseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

struct BlockReport {
    const ShellBlock* block = nullptr;
    enum class Status { Passed, Failed, Skipped } status = Status::Passed;
    std::string note;  // skip reason, known defect, fast-mode shortcut, time limit
    ShellSession::Result run;
    Verdict verdict;
    std::string evidence;
};

struct PageReport {
    std::string path;
    std::vector<BlockReport> blocks;
    int passed = 0, failed = 0, skipped = 0;
};

// Fast mode: a `kubectl wait` for a condition the world cannot reach within its timeout is
// answered at once with kubectl's own message. The world runs the wait's whole timeout on
// virtual time (retries and requeues included; nothing else acts while the reader's shell
// waits); the result says how the world stood, for the report.
struct WaitProof {
    std::string kubectlMessage;
    std::string how;
};

std::optional<WaitProof> provenTimeout(LiveWorld& live, const WaitCommand& wait) {
    return live.call([&](World& w) -> std::optional<WaitProof> {
        auto resource = w.api().resolveResource(wait.resource);
        if (!resource) return std::nullopt;
        const core::kube::ObjectKey key{resource->namespaced ? wait.ns : "", wait.name};
        auto met = [&] {
            auto got = w.client().get(resource->gvk, key);
            if (!got.ok()) return true;  // let kubectl report the missing object itself
            for (const auto& c :
                 got.value().value("/status/conditions"_json_pointer, Json::array())) {
                if (wait.matches(c)) return true;
            }
            return false;
        };
        const core::SettleResult settled = w.settle();
        if (met()) return std::nullopt;
        core::Runtime& rt = w.runtime();
        const core::SteadyTime until = rt.clock().steady() + wait.timeout;
        while (!met() && rt.step(until)) {
        }
        if (met()) return std::nullopt;  // it becomes true in time: kubectl returns at once
        WaitProof proof;
        proof.kubectlMessage = "error: timed out waiting for the condition on " + resource->plural +
                               "/" + wait.name + "\n";
        const std::string timeout = seconds(wait.timeout);
        if (settled.converged) {
            proof.how = "fast mode: the world was idle and advancing its clock by the wait's " +
                        timeout +
                        " timeout did not meet the condition, so kubectl's timeout is "
                        "reported without waiting it out";
        } else {
            std::string busy;
            for (const auto& b : settled.busy) busy += (busy.empty() ? "" : "; ") + b;
            proof.how = "fast mode: the world ran the wait's " + timeout +
                        " timeout on virtual time (still busy: " + busy +
                        ") without meeting the condition, so kubectl's timeout is reported "
                        "without waiting it out";
        }
        return proof;
    });
}

BlockReport runBlock(const ShellBlock& b, ShellSession& shell, LiveWorld& live,
                     const DocsOptions& options) {
    BlockReport r;
    r.block = &b;
    const Expectation& e = b.expect;
    if (e.skip) {
        r.status = BlockReport::Status::Skipped;
        r.note = *e.skip;
        return r;
    }
    if (auto why = outOfScope(b.code)) {
        r.status = BlockReport::Status::Skipped;
        r.note = "outside the simulator: " + *why;
        return r;
    }
    const auto limit = e.timeout.value_or(options.blockTimeout);
    if (options.fast) {
        if (auto wait = parseWaitCommand(b.code)) {
            if (auto proof = provenTimeout(live, *wait)) {
                r.run.exitCode = 1;
                r.run.err = proof->kubectlMessage;
                r.note = proof->how;
            }
        }
    }
    const auto started = Clock::now();
    for (;;) {
        if (r.note.rfind("fast mode", 0) != 0) r.run = shell.run(b.code, limit);
        r.verdict = judge(e, r.run.exitCode, r.run.out, r.run.err);
        if (r.run.timedOut) {
            r.verdict.passed = false;
            r.verdict.problems.insert(r.verdict.problems.begin(),
                                      "stopped after " + seconds(limit) + " (the block's limit)");
        }
        const bool again = !r.verdict.passed && e.eventually && !r.run.timedOut &&
                           Clock::now() - started < *e.eventually &&
                           r.note.rfind("fast mode", 0) != 0;
        if (!again) break;
        // "eventually": the reader re-runs the command a moment later.
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (r.run.sessionEnded)
        r.note = "the block ended the shell session; later blocks start a new one";
    r.status = r.verdict.passed ? BlockReport::Status::Passed : BlockReport::Status::Failed;
    if (!r.verdict.passed || e.knownDefect)
        r.evidence = live.call([](World& w) { return worldEvidence(w); });
    return r;
}

void printBlock(std::ostream& out, const PageReport& page, const BlockReport& r,
                std::size_t total) {
    const ShellBlock& b = *r.block;
    out << "[" << b.number << "/" << total << "] " << page.path << ":" << b.line << "\n";
    for (const auto& l : splitLines(b.code)) out << "  > " << l << "\n";
    // A passing block's output is shortened (the JSON report keeps all of it).
    const std::size_t keep = r.status == BlockReport::Status::Failed ? SIZE_MAX : kShownLines;
    for (const std::string* text : {&r.run.out, &r.run.err}) {
        const auto ls = splitLines(*text);
        for (std::size_t i = 0; i < ls.size() && i < keep; ++i) out << "  | " << ls[i] << "\n";
        if (ls.size() > keep) out << "  | … " << ls.size() - keep << " more lines\n";
    }
    switch (r.status) {
        case BlockReport::Status::Skipped:
            out << "  - skipped: " << r.note << "\n";
            return;
        case BlockReport::Status::Passed:
            if (b.expect.knownDefect) {
                out << "  ✓ known defect, failing as expected: " << *b.expect.knownDefect;
            } else {
                out << "  ✓ passed";
            }
            break;
        case BlockReport::Status::Failed: {
            out << "  ✗ failed:";
            std::string sep = " ";
            for (const auto& p : r.verdict.problems) {
                out << sep << p;
                sep = "; ";
            }
            break;
        }
    }
    out << " (" << seconds(r.run.took) << ")\n";
    if (!r.note.empty()) out << "    " << r.note << "\n";
    for (const auto& l : splitLines(r.verdict.diff)) out << "    " << l << "\n";
    if (!r.evidence.empty()) {
        out << "    world:\n";
        for (const auto& l : splitLines(r.evidence)) out << "      " << l << "\n";
    }
}

void writeJunit(const std::string& path, const std::vector<PageReport>& pages) {
    std::ofstream x(path);
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
    for (const auto& p : pages) {
        x << "  <testsuite name=\"" << xmlEscape(p.path) << "\" tests=\"" << p.blocks.size()
          << "\" failures=\"" << p.failed << "\" skipped=\"" << p.skipped << "\">\n";
        for (const auto& b : p.blocks) {
            x << "    <testcase classname=\"" << xmlEscape(p.path) << "\" name=\"block "
              << b.block->number << " (line " << b.block->line << ")\" time=\""
              << static_cast<double>(b.run.took.count()) / 1000.0 << "\">";
            if (b.status == BlockReport::Status::Skipped) {
                x << "<skipped message=\"" << xmlEscape(b.note) << "\"/>";
            } else if (b.status == BlockReport::Status::Failed) {
                std::string message;
                for (const auto& pr : b.verdict.problems)
                    message += (message.empty() ? "" : "; ") + pr;
                x << "<failure message=\"" << xmlEscape(message) << "\">"
                  << xmlEscape(b.verdict.diff + "stdout:\n" + b.run.out + "stderr:\n" + b.run.err +
                               "world:\n" + b.evidence)
                  << "</failure>";
            }
            x << "</testcase>\n";
        }
        x << "  </testsuite>\n";
    }
    x << "</testsuites>\n";
}

// CPU time of this process alone (the world's thread and the runner), not of the shell's
// children: the simulator's own share of a replay.
double selfCpuMs() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
    return ms(u.ru_utime) + ms(u.ru_stime);
}

void writeJson(const std::string& path, const std::vector<PageReport>& pages) {
    Json doc = {{"pages", Json::array()}, {"simulatorCpuMs", selfCpuMs()}};
    for (const auto& p : pages) {
        Json page = {{"path", p.path},
                     {"passed", p.passed},
                     {"failed", p.failed},
                     {"skipped", p.skipped},
                     {"blocks", Json::array()}};
        for (const auto& b : p.blocks) {
            const char* status = b.status == BlockReport::Status::Passed   ? "passed"
                                 : b.status == BlockReport::Status::Failed ? "failed"
                                                                           : "skipped";
            page["blocks"].push_back(
                {{"number", b.block->number},
                 {"line", b.block->line},
                 {"status", status},
                 {"exitCode", b.run.exitCode},
                 {"stdout", b.run.out},
                 {"stderr", b.run.err},
                 {"problems", b.verdict.problems},
                 {"note", b.note},
                 {"knownDefect", b.block->expect.knownDefect.value_or("")},
                 {"seconds", static_cast<double>(b.run.took.count()) / 1000.0}});
        }
        doc["pages"].push_back(page);
    }
    std::ofstream(path) << doc.dump(2) << "\n";
}

WorldConfig worldConfigFor(const DocsOptions& options, int gatewayPort) {
    WorldConfig c;
    c.profile = options.world;
    c.seed = options.seed;
    c.clock = options.fast ? ClockKind::Virtual : ClockKind::Real;
    c.virtualClockFollowsRealTime = false;  // timestamps from the epoch: the same report each run
    c.listeners.enabled = true;
    c.listeners.gatewayPort = gatewayPort;
    return c;
}

PageReport runPage(Page& page, const DocsOptions& options, std::ostream& out) {
    PageReport report;
    report.path = page.path;
    // The guide's URLs name port 8001; when it is taken, curl still reaches the gateway through
    // the http_proxy the session sets.
    std::unique_ptr<LiveWorld> live;
    if (options.gatewayPort) {
        live = std::make_unique<LiveWorld>(worldConfigFor(options, *options.gatewayPort));
    } else {
        try {
            live = std::make_unique<LiveWorld>(worldConfigFor(options, 8001));
        } catch (const ListenError&) {
            live = std::make_unique<LiveWorld>(worldConfigFor(options, 0));
        }
    }
    namespace fs = std::filesystem;
    const fs::path dir =
        fs::temp_directory_path() / ("mcpsim-docs-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(std::hash<std::string>{}(page.path) % 100000));
    fs::create_directories(dir / "kubecache");
    const std::string kubeconfig = (dir / "kubeconfig").string();
    const std::string kubeconfigText = live->call([](World& world) { return world.kubeconfig(); });
    std::ofstream(kubeconfig) << kubeconfigText;
    std::map<std::string, std::string> env{{"KUBECONFIG", kubeconfig},
                                           {"KUBECACHEDIR", (dir / "kubecache").string()}};
    // Pages say `mcpsim ...`: this binary's directory comes first on PATH.
    std::error_code selfError;
    const fs::path self = fs::read_symlink("/proc/self/exe", selfError);
    const char* path = std::getenv("PATH");
    if (!selfError) {
        env["PATH"] = self.parent_path().string() + ":" + (path ? path : "/usr/bin:/bin");
    }
    const auto gateway = live->call([](World& world) { return world.gatewayEndpoint(); });
    if (gateway) {
        env["http_proxy"] = "http://" + gateway->str();
        env["no_proxy"] = "127.0.0.1,localhost";
    }
    out << "== " << page.path << " (world " << options.world << ", "
        << (options.fast ? "fast: virtual time" : "literal: real time") << ", seed " << options.seed
        << ", " << page.blocks.size() << " shell blocks)\n";
    {
        ShellSession shell(env, (dir).string());
        for (const auto& b : page.blocks) {
            BlockReport r = runBlock(b, shell, *live, options);
            switch (r.status) {
                case BlockReport::Status::Passed:
                    ++report.passed;
                    break;
                case BlockReport::Status::Failed:
                    ++report.failed;
                    break;
                case BlockReport::Status::Skipped:
                    ++report.skipped;
                    break;
            }
            if (!options.quiet || r.status == BlockReport::Status::Failed) {
                printBlock(out, report, r, page.blocks.size());
            }
            report.blocks.push_back(std::move(r));
        }
    }
    live.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
    out << report.path << ": " << report.passed << " passed, " << report.failed << " failed, "
        << report.skipped << " skipped\n";
    return report;
}

}  // namespace

int runDocs(const DocsOptions& options, std::ostream& out, std::ostream& err) {
    if (options.pages.empty()) {
        err << "mcpsim docs: name at least one markdown file\n";
        return 2;
    }
    if (!options.expectFile.empty() && options.pages.size() != 1) {
        err << "mcpsim docs: --expect applies to one page; name one page with it\n";
        return 2;
    }
    std::vector<Page> pages;
    try {
        for (const auto& path : options.pages) {
            Page page = parsePage(path, readFile(path));
            std::string sidecar = options.expectFile;
            if (sidecar.empty()) {
                const std::string beside =
                    std::filesystem::path(path).replace_extension(".expect.yaml").string();
                if (std::filesystem::exists(beside)) sidecar = beside;
            }
            if (!sidecar.empty()) applySidecar(page, sidecar, readFile(sidecar));
            pages.push_back(std::move(page));
        }
    } catch (const PageError& e) {
        err << "mcpsim docs: " << e.what() << "\n";
        return 2;
    }
    std::vector<PageReport> reports;
    int passed = 0, failed = 0, skipped = 0;
    for (auto& page : pages) {
        try {
            reports.push_back(runPage(page, options, out));
        } catch (const std::exception& e) {
            err << "mcpsim docs: " << page.path << ": cannot boot the world: " << e.what() << "\n";
            return 2;
        }
        passed += reports.back().passed;
        failed += reports.back().failed;
        skipped += reports.back().skipped;
    }
    if (!options.junitPath.empty()) writeJunit(options.junitPath, reports);
    if (!options.jsonPath.empty()) writeJson(options.jsonPath, reports);
    out << passed << " passed, " << failed << " failed, " << skipped << " skipped" << std::endl;
    return failed > 0 ? 1 : 0;
}

}  // namespace mcpsim::sim::docs
