// The mock catalog and the image table that maps container images to mocks.
#include <gtest/gtest.h>

#include "mcpsim/core/runtime.hpp"
#include "mcpsim/mocks/catalog.hpp"

namespace mcpsim::mocks {
namespace {

TEST(Catalog, EveryMockIsThereAndServes) {
    const std::vector<std::string> names = {"server1", "server2",     "server3",
                                            "api-key", "oidc", "custom-path", "custom-response",
                                            "broken",  "everything"};
    ASSERT_EQ(catalog().size(), names.size());
    core::Runtime rt(core::RuntimeOptions{1, true});
    for (const auto& name : names) {
        const MockInfo* info = findMock(name);
        ASSERT_NE(info, nullptr) << name;
        EXPECT_EQ(info->name, name);
        EXPECT_GT(info->port, 0);
        EXPECT_FALSE(info->description.empty());
        auto mock = info->create(rt, {}, core::Logger(rt.clock(), rt.logs(), name));
        ASSERT_TRUE(mock);
        EXPECT_TRUE(static_cast<bool>(mock->handler()));
    }
    EXPECT_EQ(findMock("server4"), nullptr);
    EXPECT_EQ(findMock("server3")->port, 8000);
    EXPECT_EQ(findMock("custom-path")->port, 8080);
}

TEST(ImageTable, BuiltInRows) {
    ImageTable t;
    EXPECT_EQ(t.mockFor("ghcr.io/kuadrant/mcp-gateway/test-server1:latest"), "server1");
    EXPECT_EQ(t.mockFor("ghcr.io/kuadrant/mcp-gateway/test-server2"), "server2");
    EXPECT_EQ(t.mockFor("localhost:5001/test-server3:v1"), "server3");
    EXPECT_EQ(t.mockFor("ghcr.io/kuadrant/mcp-gateway/api-key-server:latest"), "api-key");
    EXPECT_EQ(t.mockFor("ghcr.io/x/custom-path-server@sha256:abc"), "custom-path");
    EXPECT_EQ(t.mockFor("ghcr.io/x/custom-response-server:1"), "custom-response");
    EXPECT_EQ(t.mockFor("ghcr.io/x/broken-server:1"), "broken");
    EXPECT_EQ(t.mockFor("docker.io/mcp/everything-server:2"), "everything");
    EXPECT_EQ(t.mockFor("docker.io/mcp/conformance-server"), "everything");
    EXPECT_EQ(t.mockFor("nginx:1.27"), std::nullopt);
    // Only the name counts, never the tag.
    EXPECT_EQ(t.mockFor("nginx:test-server1"), std::nullopt);
}

TEST(ImageTable, UserRowsComeFirst) {
    ImageTable t;
    t.addYaml(
        "images:\n- {image: test-server1, mock: everything}\n- {image: my/tools, mock: server3}\n");
    EXPECT_EQ(t.mockFor("ghcr.io/kuadrant/mcp-gateway/test-server1:latest"), "everything");
    EXPECT_EQ(t.mockFor("registry.local:5000/my/tools:9"), "server3");
    EXPECT_EQ(t.mockFor("ghcr.io/x/broken-server"), "broken");
}

TEST(ImageTable, BadTablesAreRefused) {
    ImageTable t;
    EXPECT_THROW(t.addYaml("images:\n- {image: a, mock: no-such-mock}\n"), std::runtime_error);
    EXPECT_THROW(t.addYaml("rows: []\n"), std::runtime_error);
    EXPECT_THROW(t.addYaml("images:\n- {image: a}\n"), std::runtime_error);
    EXPECT_THROW(t.addYaml("images: [\n"), std::runtime_error);
    EXPECT_THROW(t.addYaml("images:\n- {image: '', mock: server1}\n"), std::runtime_error);
    // A refused table changes nothing.
    EXPECT_EQ(t.mockFor("a"), std::nullopt);
}

}  // namespace
}  // namespace mcpsim::mocks
