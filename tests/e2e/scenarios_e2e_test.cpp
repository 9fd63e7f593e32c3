// `mcpsim run` end to end: Chainsaw tests from files, each against a fresh world on virtual time,
// with the real sh, kubectl, curl and jq in their scripts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "process.hpp"

namespace mcpsim::testing {
namespace {

using namespace std::chrono_literals;

const std::string kSource = MCPSIM_SOURCE_DIR;

CommandResult run(const std::string& args, std::chrono::milliseconds timeout = 240s) {
    return runShell("'" + mcpsimBinary() + "' run " + args, {}, timeout, kSource);
}

int count(const std::string& text, const std::regex& re) {
    return static_cast<int>(
        std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

class ScenariosE2E : public ::testing::Test {
  protected:
    void SetUp() override { dir_ = makeTempDir("mcpsim-run-e2e"); }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    // A test folder of its own, as Chainsaw lays them out.
    std::string writeTest(const std::string& name, const std::string& yaml) {
        const std::string folder = dir_ + "/" + name;
        std::filesystem::create_directories(folder);
        std::ofstream(folder + "/chainsaw-test.yaml") << yaml;
        return folder;
    }
    std::string dir_;
};

TEST_F(ScenariosE2E, TheCatalogueInScenariosPasses) {
    int files = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(kSource + "/scenarios")) {
        files += e.path().filename() == "chainsaw-test.yaml" ? 1 : 0;
    }
    ASSERT_GE(files, 8);
    const std::string junit = dir_ + "/junit.xml";
    const CommandResult r = run("--junit '" + junit + "' scenarios/");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(lastLine(r.out), std::to_string(files) + " passed, 0 failed") << r.out;
    EXPECT_EQ(count(r.out, std::regex("\n--- PASS ")), files) << r.out;
    // The guide's tools through the gateway URL, with the prefix.
    EXPECT_NE(r.out.find("myserver_hello_world"), std::string::npos) << r.out;
    const std::string xml = readFile(junit);
    EXPECT_EQ(count(xml, std::regex("<testcase ")), files) << xml;
    EXPECT_EQ(xml.find("<failure"), std::string::npos) << xml;
}

// The upstream e2e suite's cases, one folder each (E4, skipped upstream, runs with Redis here).
TEST_F(ScenariosE2E, TheCatalogueHasTheUpstreamCases) {
    std::set<std::string> cases;
    for (const auto& e : std::filesystem::directory_iterator(kSource + "/scenarios")) {
        const std::string name = e.path().filename().string();
        if (name.size() > 3 && name[0] == 'e' && std::isdigit(name[1]) && std::isdigit(name[2]) &&
            std::filesystem::exists(e.path() / "chainsaw-test.yaml")) {
            cases.insert(name.substr(0, 3));
        }
    }
    std::set<std::string> expected;
    for (int i = 1; i <= 18; ++i) {
        expected.insert((i < 10 ? "e0" : "e") + std::to_string(i));
    }
    EXPECT_EQ(cases, expected);
}

// Real clients (kubectl, curl, two event streams, a real redis-server as a pod) and the world's
// logs and Events: the same seed gives the same report and a byte-identical transcript; another
// seed another transcript.
TEST_F(ScenariosE2E, TheSameSeedGivesTheSameReportAndTranscript) {
    const std::string guide = " scenarios/registration-guide";
    const std::string tests = guide + " scenarios/e07-registration-notifies-clients" +
                              " scenarios/e04-redis-scaled-broker";
    const std::string a = dir_ + "/a.txt", b = dir_ + "/b.txt", c = dir_ + "/c.txt";
    const CommandResult ra = run("--seed 5 --transcript '" + a + "'" + tests);
    const CommandResult rb = run("--seed 5 --transcript '" + b + "'" + tests);
    ASSERT_EQ(ra.exitCode, 0) << ra.out << ra.err;
    EXPECT_EQ(ra.out, rb.out);
    EXPECT_NE(ra.out.find("7.000s world time"), std::string::npos) << ra.out;
    const std::string ta = readFile(a);
    EXPECT_EQ(ta, readFile(b));
    // Each test's world is its own: the guide alone on seed 6 against its part of run a.
    ASSERT_EQ(run("--quiet --seed 6 --transcript '" + c + "'" + guide).exitCode, 0);
    const std::string guidePart = ta.substr(0, ta.find("=== e07-"));
    const std::string tc = readFile(c);
    ASSERT_GT(tc.size(), 1000u);
    EXPECT_NE(guidePart.substr(guidePart.find('\n')), tc.substr(tc.find('\n')));
    for (const char* line :
         {"=== registration-guide (scenarios/registration-guide/chainsaw-test.yaml, world seed, "
          "seed 5)\n",
          " gateway POST mcp.127-0-0-1.sslip.io/mcp initialize -> 200\n",
          " gateway POST mcp.127-0-0-1.sslip.io/mcp tools/list -> 200\n",
          " gateway GET mcp.127-0-0-1.sslip.io/mcp -> 200\n",
          // kubectl logs deployment/mcp-gateway, after its discovery reads (left out)
          " api GET 127.0.0.1/apis/apps/v1/namespaces/mcp-system/deployments/mcp-gateway -> 200\n",
          " step notified passed\n"}) {
        EXPECT_NE(ta.find(line), std::string::npos) << line << "\n" << ta;
    }
    EXPECT_TRUE(std::regex_search(
        ta,
        std::regex(
            "\n +[0-9]+\\.[0-9]{3} log mcp-system/mcp-gateway-[a-z0-9]+-[a-z0-9]{5}/mcp-gateway: "
            "[^\n]*msg=\"Discovered tools\"")))
        << ta;
    EXPECT_TRUE(std::regex_search(ta, std::regex("\n +[0-9.]+ event mcp-test/Deployment/")));
    EXPECT_EQ(ta.find("127.0.0.1:"), std::string::npos);  // no ports chosen per run
    // E4's Redis is a pod of the world; where its server listens on the machine never shows.
    EXPECT_NE(ta.find("msg=\"starting program\" program=redis-server listen=:6379"),
              std::string::npos);
    EXPECT_NE(ta.find("msg=\"session cache using external store\""), std::string::npos);
    EXPECT_EQ(ta.find("/tmp"), std::string::npos);
}

// --perturb: another interleaving of the world's messages and same-time timers, drawn from the
// seed. It is still one run per seed, it differs from the unperturbed run, and it passes.
TEST_F(ScenariosE2E, APerturbedScheduleIsItsOwnReproducibleRun) {
    const std::string test = " scenarios/e03-backend-session-reuse";
    const std::string a = dir_ + "/a.txt", b = dir_ + "/b.txt", c = dir_ + "/c.txt";
    const CommandResult ra = run("--quiet --seed 4 --perturb --transcript '" + a + "'" + test);
    const CommandResult rb = run("--quiet --seed 4 --perturb --transcript '" + b + "'" + test);
    const CommandResult rc = run("--quiet --seed 4 --transcript '" + c + "'" + test);
    ASSERT_EQ(ra.exitCode, 0) << ra.out << ra.err;
    ASSERT_EQ(rc.exitCode, 0) << rc.out << rc.err;
    const std::string ta = readFile(a), tc = readFile(c);
    EXPECT_EQ(ta, readFile(b));
    EXPECT_NE(ta.find("world e2e, seed 4, perturbed)\n"), std::string::npos) << ta;
    // Same objects and log lines, in another order: the lines after each header differ as text
    // but not as sorted sets of request lines.
    EXPECT_NE(ta.substr(ta.find('\n')), tc.substr(tc.find('\n')));
    auto requests = [](const std::string& t) {
        std::multiset<std::string> out;
        std::istringstream in(t);
        for (std::string line; std::getline(in, line);) {
            const auto at = line.find(" gateway POST ");
            if (at != std::string::npos) out.insert(line.substr(at));
        }
        return out;
    };
    EXPECT_EQ(requests(ta), requests(tc));
    EXPECT_GE(requests(ta).size(), 8u);
}

// --parallel: several worlds at once, each on its own thread, and the same report and transcript
// as one at a time (each test's lines are held until the tests before it are printed).
TEST_F(ScenariosE2E, AParallelRunPrintsWhatTheSerialRunPrints) {
    const std::string tests =
        " scenarios/registration-guide scenarios/e07-registration-notifies-clients"
        " scenarios/e16-extension-invalid-gateway scenarios/fault-broker-restart"
        " scenarios/e17-cross-namespace-reference-grant";
    const std::string a = dir_ + "/serial.txt", b = dir_ + "/parallel.txt";
    const CommandResult serial = run("--seeds 2..3 --transcript '" + a + "'" + tests);
    const CommandResult parallel =
        run("--parallel 3 --seeds 2..3 --transcript '" + b + "'" + tests);
    ASSERT_EQ(serial.exitCode, 0) << serial.out << serial.err;
    EXPECT_EQ(lastLine(serial.out), "10 passed, 0 failed") << serial.out;
    EXPECT_EQ(parallel.exitCode, 0) << parallel.out << parallel.err;
    EXPECT_EQ(parallel.out, serial.out);
    EXPECT_EQ(readFile(b), readFile(a));
    EXPECT_EQ(run("--parallel 0" + tests).exitCode, 2);
}

// The whole catalogue on perturbed seeds (CI runs two; `bench/perturbed_seeds.sh` runs 100).
TEST_F(ScenariosE2E, TheCataloguePassesOnPerturbedSchedules) {
    const CommandResult r = run("--quiet --seeds 11..12 scenarios/");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_TRUE(std::regex_search(lastLine(r.out), std::regex("^[0-9]+ passed, 0 failed$")))
        << r.out;
}

// --real: the same file against a world on the machine's clocks, as `mcpsim serve` runs it.
TEST_F(ScenariosE2E, RealTimeRunsTheSameFile) {
    const CommandResult r = run("--real scenarios/e16-extension-invalid-gateway");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("world seed, seed 1, real time)\n"), std::string::npos) << r.out;
    EXPECT_EQ(lastLine(r.out), "1 passed, 0 failed") << r.out;
}

TEST_F(ScenariosE2E, EveryTestPassesOnEverySeedOfARange) {
    const CommandResult r =
        run("--quiet --seeds 1..3 scenarios/e16-extension-invalid-gateway "
            "scenarios/e17-cross-namespace-reference-grant");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(lastLine(r.out), "6 passed, 0 failed") << r.out;
    EXPECT_EQ(count(r.out, std::regex(", seed 3, perturbed\\)\n")), 2) << r.out;
    EXPECT_EQ(run("--seeds 3..1 scenarios/e16-extension-invalid-gateway").exitCode, 2);
}

const char* kConfigMapTest = R"(apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: configmap-roundtrip
spec:
  bindings:
  - name: greeting
    value: hello
  steps:
  - name: create
    try:
    - apply:
        resource:
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: settings
            labels:
              app: demo
          data:
            greeting: ($greeting)
            namespace: ($namespace)
        outputs:
        - name: written
          value: (metadata.name)
    - assert:
        resource:
          ($written): settings
    - assert:
        resource:
          apiVersion: v1
          kind: ConfigMap
          metadata:
            labels:
              app: demo
          data:
            greeting: hello
            (length(namespace) > `9`): true
  - name: read-with-kubectl
    try:
    - script:
        content: kubectl get configmap settings -n "$NAMESPACE" -o jsonpath='{.data.greeting}'
        outputs:
        - name: seen
          value: ($stdout)
        check:
          ($error): null
          ($stdout): hello
    - assert:
        resource:
          ($seen): hello
    # A collector in try, as Chainsaw's schema allows.
    - get:
        apiVersion: v1
        kind: ConfigMap
        name: settings
        format: json
    - command:
        entrypoint: kubectl
        args: [get, configmap, settings, -n, $NAMESPACE, -o, name]
        check:
          (trim_space($stdout)): configmap/settings
  - name: expected-failure
    try:
    - create:
        resource:
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: settings
        expect:
        - check:
            ($error != null): true
            (contains($error, 'already exists')): true
  - name: remove
    try:
    - delete:
        ref:
          apiVersion: v1
          kind: ConfigMap
          name: settings
    - error:
        resource:
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: settings
)";

TEST_F(ScenariosE2E, AChainsawUsersTestRunsInItsOwnNamespace) {
    const std::string folder = writeTest("configmap", kConfigMapTest);
    const CommandResult r = run("'" + folder + "'");
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(lastLine(r.out), "1 passed, 0 failed") << r.out;
    // Resources without a namespace went to the test's ephemeral one, deleted at the end.
    std::smatch m;
    ASSERT_TRUE(
        std::regex_search(r.out, m, std::regex("v1/ConfigMap @ (chainsaw-[a-z]+-[a-z]+)/settings")))
        << r.out;
    EXPECT_EQ(count(r.out, std::regex("✓ ")), 4) << r.out;
    EXPECT_NE(r.out.find(" | read-with-kubectl | GET | DONE | get ConfigMap settings -o json"),
              std::string::npos)
        << r.out;
    // Another seed, another namespace name.
    const CommandResult other = run("--seed 2 '" + folder + "'");
    EXPECT_EQ(other.exitCode, 0) << other.out;
    EXPECT_EQ(other.out.find(m[1].str() + "/settings"), std::string::npos) << other.out;
}

TEST_F(ScenariosE2E, AWrongExpectationFailsWithADiffAndTheReplayCommand) {
    const std::string folder = writeTest("broken", R"(apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: broken-expectation
spec:
  steps:
  - name: wrong-status
    try:
    - apply:
        resource:
          apiVersion: mcp.kagenti.com/v1alpha1
          kind: MCPGatewayExtension
          metadata:
            name: mcp-gateway
            namespace: mcp-system
          spec:
            targetRef:
              group: gateway.networking.k8s.io
              kind: Gateway
              name: mcp-gateway
              namespace: gateway-system
    - assert:
        timeout: 10s
        resource:
          apiVersion: mcp.kagenti.com/v1alpha1
          kind: MCPGatewayExtension
          metadata:
            name: mcp-gateway
            namespace: mcp-system
          status:
            conditions:
            - type: Ready
              status: 'False'
    catch:
    - events: {}
  - name: never-runs
    try:
    - sleep:
        duration: 1s
)");
    const std::string junit = dir_ + "/junit.xml";
    const CommandResult r = run("--junit '" + junit + "' '" + folder + "'");
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_EQ(lastLine(r.out), "0 passed, 1 failed") << r.out;
    EXPECT_NE(r.out.find("| 10.000s | wrong-status | ASSERT | ERROR |"), std::string::npos)
        << r.out;
    EXPECT_NE(
        r.out.find(
            "status.conditions[0].status: Invalid value: \"True\": Expected value: \"False\""),
        std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("    -  - status: \"False\"\n    +  - status: \"True\"\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("CATCH EVENTS | DONE"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("never-runs skipped"), std::string::npos) << r.out;
    EXPECT_NE(
        r.out.find("replay: mcpsim run --world seed --seed 1 " + folder + "/chainsaw-test.yaml"),
        std::string::npos)
        << r.out;
    const std::string xml = readFile(junit);
    EXPECT_NE(xml.find("<failure message=\"wrong-status: assert ("), std::string::npos) << xml;
}

TEST_F(ScenariosE2E, BadFilesAreRefusedWithTheirPlace) {
    struct Case {
        std::string yaml;
        std::string message;  // after "FILE:"
    };
    const std::string head =
        "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: t\nspec:\n";
    const std::vector<Case> cases = {
        {head + "  steps:\n  - try:\n    - apply:\n        resource: {a: [1, 2}\n", ":9: "},
        {head + "  steps:\n  - try:\n    - sleep:\n        duration: 1s\n      retries: 3\n",
         ":10: unknown field \"retries\" in a try operation"},
        {head + "  scenarios:\n  - name: a\n  steps:\n  - try:\n    - sleep: {duration: 1s}\n",
         ":6: spec.scenarios is not supported in mcpsim"},
        {head + "  steps:\n  - use:\n      template: t.yaml\n",
         ":7: a step.use is not supported in mcpsim"},
        {head + "  steps:\n  - try:\n    - proxy: {}\n",
         ":8: the proxy operation is not supported in mcpsim"},
        {head + "  steps:\n  - try:\n    - assert:\n        resource:\n          (length(@) >): "
                "true\n",
         ":9: invalid expression (length(@) >)"},
        {head + "  steps:\n  - try:\n    - assert:\n        resource:\n          (x_k8s_get(@)): "
                "true\n",
         "function x_k8s_get is not supported in mcpsim"},
        {"apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: t\n  "
         "annotations:\n"
         "    mcpsim.io/world: moon\nspec:\n  steps:\n  - try:\n    - sleep: {duration: 1s}\n",
         ":6: unknown world profile \"moon\""},
        {head + "  steps:\n  - try:\n    - sleep:\n        duration: soon\n",
         ":9: time: invalid duration \"soon\""},
        {head + "  steps:\n  - try:\n    - get:\n        apiVersion: v1\n        kind: Pod\n"
                "        format: wide\n",
         ":11: format must be json or yaml, not \"wide\""},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const std::string folder = writeTest("bad" + std::to_string(i), cases[i].yaml);
        const CommandResult r = run("'" + folder + "'");
        EXPECT_EQ(r.exitCode, 2) << cases[i].yaml << r.out << r.err;
        EXPECT_NE(r.err.find(folder + "/chainsaw-test.yaml"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(cases[i].message), std::string::npos) << cases[i].yaml << "\n"
                                                                   << r.err;
    }
}

}  // namespace
}  // namespace mcpsim::testing
