// The docs runner's page parser (shell blocks and their <!-- mcpsim: ... --> expectations) and
// its sidecar files. Invariants: bad annotations fail with PageError only; blocks are numbered
// from 1 in page order at increasing lines; judging any output against a parsed expectation
// gives a verdict whose problems explain a failure.
#include "fuzz_support.hpp"
#include "mcpsim/sim/docs/page.hpp"

namespace docs = mcpsim::sim::docs;

// mode bit 0: the rest is a sidecar YAML applied to a fixed page (else the rest is the page).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mcpsim::fuzz::plantedBug(mcpsim::fuzz::asText(data, size));
    auto in = mcpsim::fuzz::frame(data, size);
    docs::Page page;
    try {
        if (in.mode & 1) {
            page =
                docs::parsePage("page.md", "# t\n\n```bash\necho hi\n```\n\n```sh\nfalse\n```\n");
            docs::applySidecar(page, "page.mcpsim.yaml", std::string(in.rest));
        } else {
            page = docs::parsePage("page.md", std::string(in.rest));
        }
    } catch (const docs::PageError& e) {
        FUZZ_CHECK(std::string(e.what()).size() > 0, "page error without a message");
        return 0;
    }
    int line = 0;
    for (std::size_t i = 0; i < page.blocks.size(); ++i) {
        const auto& b = page.blocks[i];
        FUZZ_CHECK(b.number == static_cast<int>(i) + 1, "blocks are not numbered in order");
        FUZZ_CHECK(b.line > line, "blocks are not in page order");
        line = b.line;
        const auto verdict = docs::judge(b.expect, 0, "hi\n", "");
        FUZZ_CHECK(verdict.passed == verdict.problems.empty(),
                   "a verdict must pass exactly when it lists no problems");
    }
    return 0;
}
