// The docs runner's page model: blocks, annotations, sidecars, verdicts, scope, waits.
#include <gtest/gtest.h>

#include "mcpsim/sim/docs/page.hpp"
#include "mcpsim/sim/docs/wait_command.hpp"

namespace mcpsim::sim::docs {
namespace {

using namespace std::chrono_literals;

std::string errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const PageError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(DocsPage, ShellBlocksInOrderWithTheirAnnotations) {
    const Page p = parsePage("p.md", R"(# Title
```yaml
kind: NotShell
```
Text.

<!-- mcpsim
exit: 1
stdout: [one, /^t.o$/]
known-defect: it is wrong
-->

```bash
echo one
```
~~~sh
echo two
~~~
<!-- mcpsim: {skip: not here} -->
```shell
helm install x
```
````md
```bash
echo inside a four-backtick fence: not a block
```
````
)");
    ASSERT_EQ(p.blocks.size(), 3u);
    EXPECT_EQ(p.blocks[0].number, 1);
    EXPECT_EQ(p.blocks[0].line, 13);
    EXPECT_EQ(p.blocks[0].code, "echo one\n");
    EXPECT_EQ(p.blocks[0].expect.exitCode, 1);
    ASSERT_EQ(p.blocks[0].expect.stdoutLines.size(), 2u);
    EXPECT_FALSE(p.blocks[0].expect.stdoutLines[0].regex);
    EXPECT_TRUE(p.blocks[0].expect.stdoutLines[1].regex);
    EXPECT_EQ(p.blocks[0].expect.stdoutLines[1].text, "^t.o$");
    EXPECT_EQ(p.blocks[0].expect.knownDefect, "it is wrong");
    EXPECT_EQ(p.blocks[1].language, "sh");
    EXPECT_EQ(p.blocks[1].expect.exitCode, 0);
    EXPECT_EQ(p.blocks[2].expect.skip, "not here");
}

TEST(DocsPage, BadAnnotationsNameTheFileAndLine) {
    EXPECT_EQ(errorOf([] {
                  parsePage("a.md", "<!-- mcpsim\nexit: 1\nexpect: x\n-->\n```bash\ntrue\n```\n");
              }),
              "a.md:3: unknown expectation key \"expect\" (known: exit, stdout, stderr, "
              "eventually, known-defect, timeout, skip)");
    EXPECT_EQ(errorOf([] {
                  parsePage("b.md", "<!-- mcpsim: {exit: 1} -->\nSome text.\n```bash\ntrue\n```\n");
              }),
              "b.md:1: annotation is not followed by a shell block");
    EXPECT_EQ(
        errorOf([] { parsePage("c.md", "<!-- mcpsim: {exit: 1} -->\n```yaml\na: b\n```\n"); }),
        "c.md:1: annotation is followed by a \"yaml\" block, not a shell block");
    EXPECT_EQ(errorOf([] {
                  parsePage("d.md", "\n<!-- mcpsim\neventually: soon\n-->\n```bash\ntrue\n```\n");
              }),
              "d.md:3: invalid duration \"soon\" (want e.g. 500ms, 30s, 2m)");
    EXPECT_EQ(errorOf([] { parsePage("e.md", "<!-- mcpsim\nexit: 1\n"); }),
              "e.md:1: annotation comment is not closed (-->)");
    EXPECT_EQ(errorOf([] {
                  parsePage("f.md", "<!-- mcpsim\nstdout: ['/(?=x)/']\n-->\n```bash\ntrue\n```\n");
              }),
              "f.md:2: invalid regex /(?=x)/: error parsing regexp: invalid or unsupported Perl "
              "syntax: `(?=`");
}

TEST(DocsPage, SidecarsKeyExpectationsByBlockNumber) {
    Page p = parsePage("g.md", "```bash\na\n```\n```bash\nb\n```\n");
    applySidecar(p, "g.expect.yaml", "blocks:\n  2:\n    exit: 3\n    eventually: 2m\n");
    EXPECT_EQ(p.blocks[0].expect.exitCode, 0);
    EXPECT_EQ(p.blocks[1].expect.exitCode, 3);
    EXPECT_EQ(p.blocks[1].expect.eventually, std::chrono::milliseconds(120000));
    EXPECT_EQ(errorOf([&] { applySidecar(p, "s.yaml", "blocks:\n  7: {exit: 1}\n"); }),
              "s.yaml:2: block 7 does not exist (g.md has 2 shell blocks)");
    EXPECT_EQ(errorOf([&] { applySidecar(p, "s.yaml", "blocks: {}\nextra: 1\n"); }),
              "s.yaml:2: unknown sidecar key \"extra\" (known: blocks)");
}

TEST(DocsPage, VerdictsMatchLinesInOrderAndSayWhatIsMissing) {
    Expectation e;
    e.exitCode = 0;
    e.stdoutLines = {{"created", false}, {"^READY +True$", true}};
    Verdict ok = judge(e, 0, "x created\nREADY   True\n", "");
    EXPECT_TRUE(ok.passed);
    Verdict wrongOrder = judge(e, 0, "READY   True\nx created\n", "");
    EXPECT_FALSE(wrongOrder.passed);
    EXPECT_EQ(wrongOrder.problems, std::vector<std::string>{"1 expected stdout line(s) not found"});
    EXPECT_NE(wrongOrder.diff.find("  = stdout: created\n  - stdout: /^READY +True$/\n"),
              std::string::npos)
        << wrongOrder.diff;
    // Expected-line regexes are RE2: Unicode classes and inline flags work.
    Expectation re2;
    re2.exitCode = 0;
    re2.stdoutLines = {{R"(^(?i)ready\s+\pL+$)", true}};
    EXPECT_TRUE(judge(re2, 0, "READY   Vrai\n", "").passed);
    Verdict badExit = judge(e, 1, "x created\nREADY True\n", "");
    EXPECT_EQ(badExit.problems, std::vector<std::string>{"exit code 1, expected 0"});
}

TEST(DocsPage, CommandsOutsideTheSimulatorAreNamed) {
    EXPECT_EQ(outOfScope("kubectl get pods\n"), std::nullopt);
    EXPECT_EQ(
        outOfScope("# helm is mentioned in a comment\nkubectl apply -f - <<EOF\nkind: X\nEOF\n"),
        std::nullopt);
    EXPECT_EQ(outOfScope("helm install gw ./chart\n"),
              "`helm install gw ./chart`: helm installs charts on a real cluster");
    EXPECT_EQ(outOfScope("  FOO=1 make local-env-setup\n"),
              "`make local-env-setup`: make runs the upstream project's build");
    EXPECT_NE(outOfScope("kubectl port-forward svc/x 8080:80\n"), std::nullopt);
}

TEST(DocsPage, SingleKubectlWaitsAreUnderstood) {
    auto w = parseWaitCommand(
        "kubectl wait --for=condition=Ready mcpgatewayextension/mcp-extension -n mcp-test "
        "--timeout=60s\n");
    ASSERT_TRUE(w);
    EXPECT_EQ(w->resource, "mcpgatewayextension");
    EXPECT_EQ(w->name, "mcp-extension");
    EXPECT_EQ(w->ns, "mcp-test");
    EXPECT_EQ(w->condition, "Ready");
    EXPECT_EQ(w->timeout, std::chrono::milliseconds(60000));
    EXPECT_TRUE(w->matches(Json{{"type", "ready"}, {"status", "true"}}));
    auto other = parseWaitCommand(
        "# wait\nkubectl wait mcpsr my --for condition=Ready=False --timeout 1m30s --namespace x");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->want, "False");
    EXPECT_EQ(other->timeout, std::chrono::milliseconds(90000));
    EXPECT_EQ(other->ns, "x");
    EXPECT_FALSE(parseWaitCommand("kubectl wait --for=condition=Ready pods --all"));
    EXPECT_FALSE(parseWaitCommand("kubectl wait --for=delete pod/x"));
    EXPECT_FALSE(parseWaitCommand("kubectl wait --for=condition=Ready pod/$NAME"));
    EXPECT_FALSE(
        parseWaitCommand("kubectl apply -f x.yaml\nkubectl wait --for=condition=Ready pod/x"));
}

}  // namespace
}  // namespace mcpsim::sim::docs
