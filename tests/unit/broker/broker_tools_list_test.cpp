// spec/broker.md section 13, scenarios 30-45: tools/list shapes, virtual servers and
// x-authorized-tools.
#include "broker/broker_fixture.hpp"
#include "mcpsim/core/go_format.hpp"
#include "mcpsim/core/jwt.hpp"

namespace mcpsim::broker_testing {
namespace {

using Names = std::vector<std::string>;


class BrokerToolsList : public BrokerFixture {
  protected:
    Json toolsOf(const std::string& session, Headers extra = {}) {
        Reply r = rpc("tools/list", Json::object(), session, std::move(extra));
        EXPECT_EQ(r.status, 200) << r.body;
        return r.message().value("/result/tools"_json_pointer, Json());
    }
    static Json byName(const Json& tools, const std::string& name) {
        for (const auto& t : tools) {
            if (t.value("name", "") == name) return t;
        }
        return Json();
    }
};

TEST_F(BrokerToolsList, S13_30_NoUpstreams) {
    applyConfig("servers: []\n");
    Reply r = rpc("tools/list", Json::object(), initialize());
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.message().value("result", Json()), Json::parse(R"({"tools":[]})")) << r.body;
}

TEST_F(BrokerToolsList, S13_31_Server2Shapes) {
    startMock("mcp-test-server2", "server2");
    applyConfig("servers:\n" + server2Entry());
    Json tools = toolsOf(initialize());
    Names names;
    for (const auto& t : tools) names.push_back(t.value("name", ""));
    EXPECT_EQ(names, (Names{"test2_auth1234", "test2_headers", "test2_hello_world", "test2_slow",
                            "test2_time"}));
    for (const auto& t : tools) {
        EXPECT_EQ(t.value("_meta", Json()), Json::object()) << t.dump();
        EXPECT_EQ(t.value("annotations", Json()),
                  Json::parse(R"({"readOnlyHint":false,"destructiveHint":true,)"
                              R"("idempotentHint":false,"openWorldHint":true})"))
            << t.dump();
    }
    Json hello = byName(tools, "test2_hello_world");
    EXPECT_EQ(hello.value("/inputSchema/type"_json_pointer, std::string()), "object");
    EXPECT_TRUE(hello.contains("/inputSchema/properties/name"_json_pointer)) << hello.dump();
    EXPECT_EQ(hello.value("/inputSchema/required"_json_pointer, Json()),
              Json::parse(R"(["name"])"));
    EXPECT_EQ(byName(tools, "test2_time").value("inputSchema", Json()),
              Json::parse(R"({"type":"object"})"));
}

TEST_F(BrokerToolsList, S13_31_Server1Shapes) {
    startMock("mcp-test-server1", "server1");
    applyConfig("servers:\n" + kServer1Entry);
    Json tools = toolsOf(initialize());
    Json greet = byName(tools, "test1_greet");
    ASSERT_FALSE(greet.is_null()) << tools.dump();
    EXPECT_EQ(greet.value("annotations", Json()), Json::object());
    EXPECT_FALSE(greet.contains("/inputSchema/additionalProperties"_json_pointer)) << greet.dump();
    EXPECT_EQ(byName(tools, "test1_time").value("annotations", Json()),
              Json::parse(R"({"title":"time"})"));
}

// Section 8: a cursor is base64 of a served name; only later names are listed, and a cursor that
// is not base64 gets encoding/base64's own error text.
TEST_F(BrokerToolsList, CursorSkipsNamesUpToItAndBadBase64IsGosError) {
    startMock("mcp-test-server2", "server2");
    applyConfig("servers:\n" + server2Entry());
    const std::string session = initialize();
    Reply after = rpc("tools/list", {{"cursor", core::base64Encode("test2_hello_world")}}, session);
    Names names;
    for (const auto& t : after.message().value("/result/tools"_json_pointer, Json::array())) {
        names.push_back(t.value("name", ""));
    }
    EXPECT_EQ(names, (Names{"test2_slow", "test2_time"})) << after.body;
    Reply bad = rpc("tools/list", {{"cursor", "aGVsbG8"}}, session);
    EXPECT_EQ(bad.status, 200);
    EXPECT_EQ(bad.message().value("error", Json()),
              Json::parse(R"({"code":-32602,"message":"illegal base64 data at input byte 4"})"))
        << bad.body;
}

TEST_F(BrokerToolsList, S13_32_EmptyPrefix) {
    startMock("mcp-test-server2", "server2");
    applyConfig("servers:\n" + server2Entry(""));
    EXPECT_EQ(toolNames(initialize()),
              (Names{"auth1234", "headers", "hello_world", "slow", "time"}));
}

TEST_F(BrokerToolsList, S13_33_UnionSorted) {
    startMock("mcp-test-server1", "server1");
    startMock("mcp-test-server2", "server2");
    applyConfig("servers:\n" + server2Entry() + kServer1Entry);
    Names names = toolNames(initialize());
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    EXPECT_NE(std::find(names.begin(), names.end(), "test1_greet"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "test2_time"), names.end());
    EXPECT_EQ(std::count_if(names.begin(), names.end(),
                            [](const std::string& n) { return n.rfind("test2_", 0) == 0; }),
              5);
}

class BrokerVirtualServers : public BrokerToolsList {
  protected:
    void SetUp() override {
        startMock("mcp-test-server1", "server1");
        startMock("mcp-test-server2", "server2");
        applyConfig("servers:\n" + server2Entry() + kServer1Entry +
                    "virtualServers:\n"
                    "  - name: mcp-test/vs1\n"
                    "    tools: [test2_time, test1_greet]\n"
                    "  - name: mcp-test/ghost\n"
                    "    tools: [nope_a, nope_b]\n");
        session = initialize();
        all = toolNames(session);
    }
    static Headers vs(const std::string& name) {
        Headers h;
        h.add("X-Mcp-Virtualserver", name);
        return h;
    }
    std::string session;
    Names all;
};

TEST_F(BrokerVirtualServers, S13_34_VirtualServerFilters) {
    EXPECT_EQ(toolNames(session, vs("mcp-test/vs1")), (Names{"test1_greet", "test2_time"}));
}

TEST_F(BrokerVirtualServers, S13_35_UnknownVirtualServerFailsOpen) {
    EXPECT_EQ(toolNames(session, vs("mcp-test/unknown")), all);
    EXPECT_GT(all.size(), 5u);
}

TEST_F(BrokerVirtualServers, S13_36_VirtualServerOfMissingNames) {
    EXPECT_EQ(toolNames(session, vs("mcp-test/ghost")), Names{});
}

TEST_F(BrokerVirtualServers, S13_37_TwoHeaderValuesIgnored) {
    Headers h = vs("mcp-test/vs1");
    h.add("X-Mcp-Virtualserver", "mcp-test/ghost");
    EXPECT_EQ(toolNames(session, h), all);
}

// x-authorized-tools (scenarios 38-45).
class BrokerAuthorizedTools : public BrokerToolsList {
  protected:
    void SetUp() override { keys = core::jwt::generateP256KeyPair(); }
    void start(bool trust = true) {
        if (trust) options.trustedHeaderPublicKey = keys.second;
        startMock("mcp-test-server2", "server2");
        applyConfig("servers:\n" + server2Entry() +
                    "virtualServers:\n"
                    "  - name: mcp-test/vs-time\n"
                    "    tools: [test2_time]\n");
        session = initialize();
    }
    std::int64_t now() {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   runtime.clock().now().time_since_epoch())
            .count();
    }
    Json claims(const Json& allowed) {
        Json c = {{"iat", now()}, {"exp", now() + 600}};
        if (!allowed.is_null()) c["allowed-tools"] = allowed;
        return c;
    }
    std::string es256(const Json& c, const std::string& key = "") {
        auto t = core::jwt::signEs256(c, key.empty() ? keys.first : key);
        EXPECT_TRUE(t.has_value());
        return t.value_or("");
    }
    Names listWith(const std::string& token, Headers h = {}) {
        h.add("x-authorized-tools", token);
        return toolNames(session, h);
    }
    std::pair<std::string, std::string> keys;
    std::string session;
};

const char* kHelloOnly = R"({"mcp-test/s2":["hello_world"]})";

TEST_F(BrokerAuthorizedTools, S13_38_TrustedToken) {
    start();
    EXPECT_EQ(listWith(es256(claims(kHelloOnly))), Names{"test2_hello_world"});
}

TEST_F(BrokerAuthorizedTools, S13_38_ToolsCarryUpstreamShape) {
    start();
    Headers h;
    h.add("x-authorized-tools", es256(claims(kHelloOnly)));
    Json tools = toolsOf(session, h);
    ASSERT_EQ(tools.size(), 1u) << tools.dump();
    EXPECT_EQ(tools[0].value("name", ""), "test2_hello_world");
    EXPECT_FALSE(tools[0].contains("/_meta/kuadrant~1id"_json_pointer)) << tools.dump();
}

TEST_F(BrokerAuthorizedTools, S13_39_OtherEcKey) {
    start();
    auto other = core::jwt::generateP256KeyPair();
    EXPECT_EQ(listWith(es256(claims(kHelloOnly), other.first)), Names{});
}

TEST_F(BrokerAuthorizedTools, S13_40_Hs256Rejected) {
    start();
    EXPECT_EQ(listWith(core::jwt::signHs256(claims(kHelloOnly), "k")), Names{});
}

TEST_F(BrokerAuthorizedTools, S13_41_NoTrustedKey) {
    start(false);
    EXPECT_EQ(listWith(es256(claims(kHelloOnly))), Names{});
}

TEST_F(BrokerAuthorizedTools, S13_42_MissingOrNonStringClaim) {
    start();
    EXPECT_EQ(listWith(es256(claims(Json()))), Names{});
    EXPECT_EQ(listWith(es256(claims(Json::parse(kHelloOnly)))), Names{});
}

TEST_F(BrokerAuthorizedTools, S13_42_ExpiredAndEmptyValue) {
    start();
    Json c = claims(kHelloOnly);
    c["exp"] = now() - 10;
    EXPECT_EQ(listWith(es256(c)), Names{});
    EXPECT_EQ(listWith(""), Names{});
    Headers two;
    two.add("x-authorized-tools", es256(claims(kHelloOnly)));
    EXPECT_EQ(listWith(es256(claims(kHelloOnly)), two), Names{});
}

TEST_F(BrokerAuthorizedTools, S13_43_UnknownServerSkipped) {
    start();
    EXPECT_EQ(listWith(es256(claims(R"({"mcp-test/zzz":["time"],"mcp-test/s2":["time"]})"))),
              Names{"test2_time"});
}

TEST_F(BrokerAuthorizedTools, S13_44_EnforceToolFiltering) {
    options.enforceToolFiltering = true;
    start();
    EXPECT_EQ(toolNames(session), Names{});
    // F6: lists are sorted on the x-authorized-tools path as well.
    EXPECT_EQ(listWith(es256(claims(R"({"mcp-test/s2":["time","hello_world"]})"))),
              (Names{"test2_hello_world", "test2_time"}));
}

TEST_F(BrokerAuthorizedTools, S13_45_AuthorizedThenVirtualServer) {
    start();
    Headers h;
    h.add("X-Mcp-Virtualserver", "mcp-test/vs-time");
    EXPECT_EQ(listWith(es256(claims(R"({"mcp-test/s2":["hello_world","time"]})")), h),
              Names{"test2_time"});
}

}  // namespace
}  // namespace mcpsim::broker_testing
