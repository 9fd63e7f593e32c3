// `mcpsim docs` end to end: pages replayed with the real bash, kubectl, curl and jq against a
// fresh world per page, judged block by block.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "process.hpp"

namespace mcpsim::testing {
namespace {

using namespace std::chrono_literals;

const std::string kSource = MCPSIM_SOURCE_DIR;

CommandResult docs(const std::string& args, std::chrono::milliseconds timeout = 120s) {
    // Any free gateway port: tests run side by side (the session's http_proxy finds it).
    return runShell("'" + mcpsimBinary() + "' docs --gateway-port 0 " + args, {}, timeout, kSource);
}

// The verdict mark of each block, in order: ✓, ✗ or - (skipped).
std::vector<std::string> marks(const std::string& report) {
    std::vector<std::string> out;
    std::regex mark("^  (✓|✗|-) ");
    std::istringstream in(report);
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, mark)) out.push_back(m[1]);
    }
    return out;
}

class DocsE2E : public ::testing::Test {
  protected:
    void SetUp() override { dir_ = makeTempDir("mcpsim-docs-e2e"); }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string write(const std::string& name, const std::string& text) {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path) << text;
        return path;
    }
    std::string dir_;
};

// The guide we were given, unedited, with the sidecar we wrote: the wait is the known defect,
// shown with kubectl's message and the extension's reason; every other block passes.
TEST_F(DocsE2E, SeedGuideReplaysInFastModeWithItsSidecar) {
    const auto start = std::chrono::steady_clock::now();
    CommandResult r = docs("--fast tests/data/mcp-server-registration.md");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(lastLine(r.out), "7 passed, 0 failed, 0 skipped") << r.out;
    EXPECT_EQ(marks(r.out), std::vector<std::string>(7, "✓")) << r.out;
    EXPECT_NE(r.out.find("  | error: timed out waiting for the condition on "
                         "mcpgatewayextensions/mcp-extension\n  ✓ known defect, failing as "
                         "expected: the guide waits for the extension before creating the "
                         "ReferenceGrant it needs"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("fast mode: the world was idle and advancing its clock by the wait's "
                         "60.0s timeout did not meet the condition"),
              std::string::npos);
    EXPECT_NE(r.out.find("MCPGatewayExtension mcp-test/mcp-extension: Ready=False "
                         "ReferenceGrantRequired: ReferenceGrant required in namespace "
                         "gateway-system to allow cross-namespace reference"),
              std::string::npos);
    EXPECT_NE(r.out.find("\"name\":\"myserver_hello_world\""), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
}

// Literal mode waits kubectl's 60 s out on real time, and the registration's status needs the
// reference's requeues (the sidecar's `eventually`).
TEST_F(DocsE2E, SeedGuideReplaysLiterallyOnRealTime) {
    const auto start = std::chrono::steady_clock::now();
    CommandResult r = docs("--quiet tests/data/mcp-server-registration.md", 200s);
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(lastLine(r.out), "7 passed, 0 failed, 0 skipped") << r.out;
    EXPECT_GE(std::chrono::steady_clock::now() - start, 60s);
}

TEST_F(DocsE2E, TwoReplaysWithTheSameSeedPrintTheSameReport) {
    CommandResult a = docs("--fast --seed 7 tests/data/mcp-server-registration.md");
    CommandResult b = docs("--fast --seed 7 tests/data/mcp-server-registration.md");
    ASSERT_EQ(a.exitCode, 0) << a.out;
    // Durations differ from run to run; curl's progress meter prints its own timings.
    std::regex durations("\\([0-9]+\\.[0-9]s\\)|\\n  \\| +% Total[^\\n]*\\n[^\\n]*\\n[^\\n]*");
    EXPECT_EQ(std::regex_replace(a.out, durations, ""), std::regex_replace(b.out, durations, ""));
    CommandResult c = docs("--fast --seed 8 tests/data/mcp-server-registration.md");
    EXPECT_NE(std::regex_replace(a.out, durations, ""), std::regex_replace(c.out, durations, ""))
        << "the seed names the session ids and uids";
}

// Every shell example of our own pages works: a doc that stops working fails here.
TEST_F(DocsE2E, OurPagesReplay) {
    std::string pages = "README.md";
    for (const auto& entry : std::filesystem::directory_iterator(kSource + "/docs")) {
        if (entry.path().extension() == ".md") pages += " docs/" + entry.path().filename().string();
    }
    CommandResult r = docs("--fast --quiet " + pages);
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(lastLine(r.out).find(" passed, 0 failed, "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("docs/registration-guide.md: 9 passed, 0 failed, 0 skipped"),
              std::string::npos)
        << r.out;
}

// A page in the upstream style that we never annotated: skips for helm and port-forward, the
// wrong name fails, the rest passes.
TEST_F(DocsE2E, UpstreamStylePageGetsAVerdictPerBlock) {
    const std::string junit = dir_ + "/report.xml", json = dir_ + "/report.json";
    CommandResult r =
        docs("--fast --junit " + junit + " --json " + json + " tests/data/docs/upstream-style.md");
    EXPECT_EQ(r.exitCode, 1) << r.out;
    EXPECT_EQ(marks(r.out), (std::vector<std::string>{"-", "✓", "✓", "✓", "✗", "✓", "-"})) << r.out;
    EXPECT_EQ(lastLine(r.out), "4 passed, 1 failed, 2 skipped");
    EXPECT_NE(r.out.find("  - skipped: outside the simulator: `helm upgrade --install"),
              std::string::npos);
    EXPECT_NE(r.out.find("  | Error from server (NotFound): mcpserverregistrations.mcp.kagenti.com "
                         "\"team\" not found\n  ✗ failed: exit code 1, expected 0"),
              std::string::npos)
        << r.out;
    const std::string xml = readFile(junit);
    std::regex testcase("<testcase ");
    EXPECT_EQ(std::distance(std::sregex_iterator(xml.begin(), xml.end(), testcase),
                            std::sregex_iterator()),
              7);
    EXPECT_NE(xml.find("tests=\"7\" failures=\"1\" skipped=\"2\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("<failure message=\"exit code 1, expected 0\">"), std::string::npos);
    auto report = nlohmann::json::parse(readFile(json));
    EXPECT_EQ(report["pages"][0]["blocks"][4]["status"], "failed");
    EXPECT_EQ(report["pages"][0]["blocks"][4]["exitCode"], 1);
    EXPECT_EQ(report["pages"][0]["blocks"][0]["status"], "skipped");
}

// A broken copy of our guide (wrong prefix) fails where the prefix shows, with the diff and the
// world's evidence; without its route, the registration says why.
TEST_F(DocsE2E, BrokenCopiesOfOurGuideFailWithDiffAndEvidence) {
    std::string guide = readFile(kSource + "/docs/registration-guide.md");
    std::string wrongPrefix =
        std::regex_replace(guide, std::regex("toolPrefix: myserver_"), "toolPrefix: wrong_");
    ASSERT_NE(wrongPrefix, guide);
    CommandResult r = docs("--fast " + write("wrong-prefix.md", wrongPrefix));
    EXPECT_EQ(r.exitCode, 1) << r.out;
    EXPECT_EQ(lastLine(r.out), "6 passed, 3 failed, 0 skipped") << r.out;
    EXPECT_NE(r.out.find("  - stdout: /^mcp-test +my-mcp-server +myserver_ "), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("  | wrong_hello_world\n  ✗ failed: 1 expected stdout line(s) not found"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("      MCPServerRegistration mcp-test/my-mcp-server: Ready=True"),
              std::string::npos);

    // The route document removed: the wait for the registration fails, and the evidence names
    // the missing route.
    std::string noRoute = std::regex_replace(
        guide,
        std::regex("---\\napiVersion: gateway.networking.k8s.io/v1\\nkind: HTTPRoute[\\s\\S]*?"
                   "port: 9090\\n"),
        "");
    ASSERT_NE(noRoute, guide);
    r = docs("--fast " + write("no-route.md", noRoute));
    EXPECT_EQ(r.exitCode, 1) << r.out;
    EXPECT_NE(r.out.find("MCPServerRegistration mcp-test/my-mcp-server: Ready=False"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("mcp-api-key-server-route"), std::string::npos);
}

TEST_F(DocsE2E, BadAnnotationsAreRejectedWithFileAndLine) {
    const std::string page =
        write("bad.md", "# x\n<!-- mcpsim\nexpect: 1\n-->\n```bash\ntrue\n```\n");
    CommandResult r = docs(page);
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_EQ(r.err, "mcpsim docs: " + page +
                         ":3: unknown expectation key \"expect\" (known: exit, stdout, stderr, "
                         "eventually, known-defect, timeout, skip)\n");
    EXPECT_EQ(r.out, "");
}

// One session per page: variables and functions carry over; a block that never ends is stopped
// at its limit and the next block runs in a fresh session.
TEST_F(DocsE2E, OneSessionPerPageAndABlockLimit) {
    const std::string page = write("session.md",
                                   "```bash\nNAME=world\ngreet() { echo \"hello $1\"; }\n```\n"
                                   "<!-- mcpsim\nstdout: [hello world]\n-->\n"
                                   "```bash\ngreet \"$NAME\"\n```\n"
                                   "<!-- mcpsim\ntimeout: 1s\n-->\n"
                                   "```bash\ntail -f /dev/null\n```\n"
                                   "<!-- mcpsim\nstdout: ['/^fresh:$/']\n-->\n"
                                   "```bash\necho \"fresh:$NAME\"\n```\n");
    CommandResult r = docs("--fast " + page);
    EXPECT_EQ(r.exitCode, 1) << r.out;
    EXPECT_EQ(marks(r.out), (std::vector<std::string>{"✓", "✓", "✗", "✓"})) << r.out;
    EXPECT_NE(r.out.find("✗ failed: stopped after 1.0s (the block's limit)"), std::string::npos)
        << r.out;
}

}  // namespace
}  // namespace mcpsim::testing
