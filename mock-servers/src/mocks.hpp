#pragma once
// One factory per mock, each in its own file; catalog.cpp lists them.
#include <memory>

#include "mcpsim/mocks/catalog.hpp"

namespace mcpsim::mocks {

std::unique_ptr<MockServer> makeServer1(core::Runtime&, const MockEnv&, core::Logger);
std::unique_ptr<MockServer> makeServer2(core::Runtime&, const MockEnv&, core::Logger);
std::unique_ptr<MockServer> makeServer3(core::Runtime&, const MockEnv&, core::Logger);
std::unique_ptr<MockServer> makeApiKey(core::Runtime&, const MockEnv&, core::Logger);
std::unique_ptr<MockServer> makeOidc(core::Runtime&, const MockEnv&, core::Logger);
std::unique_ptr<MockServer> makeCustomPath(core::Runtime&, const MockEnv&, core::Logger);
std::unique_ptr<MockServer> makeCustomResponse(core::Runtime&, const MockEnv&, core::Logger);
std::unique_ptr<MockServer> makeBroken(core::Runtime&, const MockEnv&, core::Logger);
std::unique_ptr<MockServer> makeEverything(core::Runtime&, const MockEnv&, core::Logger);

}  // namespace mcpsim::mocks
