// CEL x-kubernetes-validations rules (compile at CRD write, evaluate at object write).
// Invariants: compiling and evaluating fail only with CelError; a rule that evaluates yields a
// value that serializes (the apiserver reports non-bool results in its error message).
#include "cel.hpp"
#include "fuzz_support.hpp"

using mcpsim::Json;
namespace api = mcpsim::apiserver;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mcpsim::fuzz::plantedBug(mcpsim::fuzz::asText(data, size));
    // mode bit 0: a transition rule (oldSelf given); then the rule, a newline and self as JSON.
    auto in = mcpsim::fuzz::frame(data, size);
    const bool withOld = in.mode & 1;
    const std::string expression(in.field());
    Json self = Json::parse(in.rest, nullptr, false);
    if (self.is_discarded())
        self = {{"toolPrefix", "s1_"},
                {"targetRef", {{"name", "r"}, {"kind", "HTTPRoute"}}},
                {"tools", {"a", "b"}},
                {"n", 3},
                {"f", 1.5}};
    api::CelProgram program;
    try {
        program = api::CelProgram::compile(expression);
    } catch (const api::CelError& e) {
        FUZZ_CHECK(std::string(e.what()).size() > 0, "compile error without a message");
        return 0;
    }
    FUZZ_CHECK(program.expression() == expression, "compiled program lost its expression");
    const Json oldSelf = self;
    try {
        const Json result = program.evaluate(self, withOld ? &oldSelf : nullptr);
        (void)result.dump();
    } catch (const api::CelError&) {
    }
    return 0;
}
